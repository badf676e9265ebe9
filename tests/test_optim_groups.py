"""Parameter groups against torch.optim (with and without a scheduler; fixtures from
tests/fixtures/make_torch_sched_fixtures.py) and choosing parameters by name and module."""

from __future__ import annotations

from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import Params, grads_of

import dfdx as dx
from dfdx.optim import _base, lr_scheduler

M = _helpers.load_fixture_script("make_torch_sched_fixtures.py")
FIX = _helpers.load_npz(M.SCHED_FIXTURE)


def build(case: str, model: Params) -> tuple[dx.optim.Optimizer, Any]:
    cls, kw, groups, spec = M.TRAIN_CASES[case]
    specs = [{"params": names, **options} for names, options in groups]
    opt = getattr(dx.optim, cls)(model, **kw, param_groups=specs)
    sched = M.build(lr_scheduler, opt, spec) if spec is not None else None
    return opt, sched


@pytest.mark.parametrize("small", [_base.SMALL, 0])
@pytest.mark.parametrize("case", sorted(M.TRAIN_CASES))
def test_groups_match_torch_over_30_steps(
    case: str, small: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-group options (and a scheduler changing lr, betas or momentum every step) give
    PyTorch's parameters, with the small parameters updated as one flat array or one by
    one."""
    monkeypatch.setattr(_base, "SMALL", small)
    names = tuple(M.TRAIN_SHAPES)
    model = Params(**{k: FIX[f"train/params/{k}"] for k in names})
    opt, sched = build(case, model)
    for step in range(M.TRAIN_STEPS):
        g = {k: FIX[f"train/grads/{step}/{k}"] for k in names if f"train/grads/{step}/{k}" in FIX}
        opt.update(model, grads_of(model, g))
        if sched is not None:
            sched.step()
        for k in names:
            np.testing.assert_allclose(
                model.tensors[k]._data,
                FIX[f"train/{case}/{step}/{k}"],
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"step {step} {k}",
            )


def test_parameters_left_out_of_the_groups_get_the_optimizer_options() -> None:
    model = Params(a=np.ones(2, np.float32), b=np.ones(2, np.float32))
    opt = dx.optim.SGD(model, lr=0.1, param_groups=[{"params": [model.tensors["b"]], "lr": 1.0}])
    assert [g["params"] for g in opt.param_groups] == [["b"], ["a"]]
    opt.update(model, grads_of(model, {"a": np.ones(2, np.float32), "b": np.ones(2, np.float32)}))
    np.testing.assert_allclose(model.tensors["a"]._data, 0.9)
    np.testing.assert_allclose(model.tensors["b"]._data, 0.0)


@pytest.mark.parametrize(
    ("groups", "error", "message"),
    [
        (
            [{"params": ["a"]}, {"params": ["a"]}],
            ValueError,
            "Adam: parameter 'a' is in param_groups[0] and in param_groups[1]",
        ),
        ([{"params": ["z"]}], KeyError, "Adam: param_groups[0] names 'z', not a parameter"),
        ([{"lr": 0.1}], TypeError, "Adam: param_groups[0] must be a dict with a 'params' entry"),
        (
            [{"params": [np.ones(2)]}],
            TypeError,
            "Adam: param_groups[0]['params'] holds a ndarray that is not a parameter of the "
            "model (give names or the model's tensors)",
        ),
        (
            [{"params": ["a"], "weight_dacay": 0.0}],
            ValueError,
            "Adam: param_groups[0]: unknown option 'weight_dacay' (Adam's options: lr, betas, "
            "eps, weight_decay)",
        ),
        (
            [{"params": ["a"], "lr": -1.0}],
            ValueError,
            "Adam: param_groups[0]: lr must be >= 0.0, got -1.0",
        ),
        ({"params": ["a"]}, TypeError, "Adam: param_groups must be a list of dicts"),
    ],
)
def test_bad_groups(groups: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as e:
        dx.optim.Adam(Params(a=np.ones(2, np.float32)), param_groups=groups)
    assert e.value.args[0] == message


class Block(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.embed = dx.nn.Embedding(10, 4, rng=rng)
        self.norm = dx.nn.LayerNorm(4)
        self.fc = dx.nn.Linear(4, 3, rng=rng)
        self.head = dx.nn.Sequential(dx.nn.Linear(3, 2, rng=rng))

    def forward(self, x: Any) -> Any:
        return self.head(self.fc(self.norm(self.embed(x))))


def test_weight_decay_groups_follow_nanogpt() -> None:
    model = Block()
    groups = dx.optim.weight_decay_groups(model, 0.1)
    assert groups == [
        {"params": ["embed.weight", "fc.weight", "head.0.weight"], "weight_decay": 0.1},
        {"params": ["norm.weight", "norm.bias", "fc.bias", "head.0.bias"], "weight_decay": 0.0},
    ]
    opt = dx.optim.AdamW(model, lr=1e-3, param_groups=groups)
    assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0]
    only_linear = dx.optim.weight_decay_groups(model, 0.1, decay_modules=(dx.nn.Linear,))
    assert only_linear[0]["params"] == ["fc.weight", "head.0.weight"]


def test_select_parameters_by_module_and_attribute() -> None:
    model = Block()
    assert dx.optim.select_parameters(model, lambda p: p.attr == "bias") == [
        "norm.bias",
        "fc.bias",
        "head.0.bias",
    ]
    assert dx.optim.select_parameters(model, lambda p: isinstance(p.module, dx.nn.LayerNorm)) == [
        "norm.weight",
        "norm.bias",
    ]
    info = dx.optim.parameter_info(model)[0]
    assert (info.name, info.attr, type(info.module)) == ("embed.weight", "weight", dx.nn.Embedding)


def test_groups_keep_the_flat_update_per_group() -> None:
    """Small parameters are flattened together only within their group."""
    model = Params(**{k: np.ones(3, np.float32) for k in "abcde"})
    opt = dx.optim.Adam(model, param_groups=[{"params": ["a", "b"]}, {"params": ["c"]}])
    assert sorted(tuple(g.keys) for g in opt._groups) == [("a", "b"), ("d", "e")]
