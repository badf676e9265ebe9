"""The optimizer's cached walk of the model's parameters (``ParameterWalk``): a module
swapped, appended or removed after the optimizer was built is still seen at the next step."""

from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx.nn._module import ParameterWalk


class Net(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = dx.nn.Linear(3, 3, rng=np.random.default_rng(0))
        self.blocks: list[Any] = [dx.nn.Linear(3, 3, rng=np.random.default_rng(1))]
        self.more = dx.nn.ModuleList([dx.nn.Linear(3, 3, rng=np.random.default_rng(2))])
        self.named = dx.nn.ModuleDict({"a": dx.nn.Linear(3, 3, rng=np.random.default_rng(3))})

    def forward(self, x: Any) -> Any:
        x = self.fc(x)
        for m in [*self.blocks, *self.more, *self.named.values()]:
            x = m(x)
        return x


def _step(model: Net, opt: dx.optim.Optimizer) -> None:
    x = dx.tensor(np.ones((2, 3), np.float32))
    opt.update(model, model(x.trace()).sum().backward())


def _changed(layer: Any, before: np.ndarray) -> bool:
    return not np.array_equal(layer.weight.numpy(), before)


@pytest.mark.parametrize(
    "change", ["swap field", "list item", "ModuleList item", "ModuleDict item"]
)
def test_a_module_swapped_after_building_is_updated(change: str) -> None:
    model = Net()
    opt = dx.optim.SGD(model, lr=0.1)
    _step(model, opt)  # the walk is cached now
    new = dx.nn.Linear(3, 3, rng=np.random.default_rng(9))
    if change == "swap field":
        model.fc = new
    elif change == "list item":
        model.blocks[0] = new
    elif change == "ModuleList item":
        model.more[0] = new
    else:
        model.named["a"] = new
    before = new.weight.numpy().copy()
    _step(model, opt)
    assert _changed(new, before)


def test_a_module_appended_to_a_plain_list_is_seen() -> None:
    model = Net()
    opt = dx.optim.Adam(model, lr=0.1)
    _step(model, opt)
    model.blocks.append(dx.nn.Linear(3, 3))
    # a parameter the optimizer was not built with: the update says so (it is not skipped)
    with pytest.raises(KeyError, match=r"blocks\.1\.weight"):
        _step(model, opt)


def test_the_walk_is_reused_only_while_nothing_changed() -> None:
    model = Net()
    walk = ParameterWalk()
    first = walk(model)
    assert [k for k, _ in first] == [k for k, _ in model.named_parameters()]
    assert walk(model) is first  # cached
    model.fc = dx.nn.Linear(3, 3)
    second = walk(model)
    assert second is not first and second[0][1] is model.fc.weight
    model.blocks.append(dx.nn.Linear(3, 3))
    third = walk(model)
    assert third is not second and len(third) == len(second) + 2
    assert walk(Net()) is not third  # another model


def test_a_module_with_its_own_members_is_walked_every_time() -> None:
    class Odd(dx.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = dx.nn.Linear(2, 2)

        def _members(self) -> Any:
            yield "fc", self.fc

    model = Odd()
    walk = ParameterWalk()
    first = walk(model)
    assert walk(model) is not first
    assert [k for k, _ in walk(model)] == ["fc.weight", "fc.bias"]


def _adam_pair() -> tuple[Net, Net, dx.optim.Adam, dx.optim.Adam]:
    a, b = Net(), Net()
    return a, b, dx.optim.Adam(a, lr=0.05), dx.optim.Adam(b, lr=0.05)


def test_adam_updates_a_parameter_whose_array_was_replaced() -> None:
    """Adam keeps flat views of each parameter's array: a parameter given a new array (of
    the same shape) is updated in its new array, exactly as if it had always been there."""
    a, b, opt_a, opt_b = _adam_pair()
    _step(a, opt_a)
    _step(b, opt_b)
    old = a.fc.weight._data
    a.fc.weight._data = old.copy()
    for _ in range(2):
        _step(a, opt_a)
        _step(b, opt_b)
    np.testing.assert_array_equal(a.fc.weight.numpy(), b.fc.weight.numpy())
    assert not np.array_equal(old, a.fc.weight.numpy())


def test_adam_step_counts_stay_per_parameter() -> None:
    """The step's scalars are computed once per (group, step count): a parameter that missed
    a step gets its own bias correction, as when each is updated alone."""
    a, b, opt_a, opt_b = _adam_pair()
    x = dx.tensor(np.ones((2, 3), np.float32))
    for model, opt in ((a, opt_a), (b, opt_b)):
        # first step: only fc has a gradient
        opt.update(model, model.fc(x.trace()).sum().backward())
        _step(model, opt)
    # b's parameters each updated alone, with the NumPy/one-parameter path
    for _ in range(2):
        _step(a, opt_a)
        grads = b(x.trace()).sum().backward()
        for key, p in b.named_parameters():
            opt_b._step(p._data, grads.array(p), opt_b._state[key], opt_b.param_groups[0])
    for (key, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-6, atol=1e-7, err_msg=key)
    assert opt_a._state["fc.weight"][0] == 4 and opt_a._state["blocks.0.weight"][0] == 3
