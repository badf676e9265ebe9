"""Tape semantics: tracing, merging, identity of gradients, accumulation, consumption."""

from __future__ import annotations

import numpy as np
import pytest

import dfdx as dx
from dfdx import _autodiff
from dfdx_mypy_plugin.shapes import scalar_for_backward


def f64(*shape: int, seed: int = 0) -> dx.Tensor:
    return dx.randn(*shape, dtype=dx.float64, rng=np.random.default_rng(seed))


# ---- trace() -------------------------------------------------------------------------------


def test_trace_shares_data_and_keeps_identity() -> None:
    x = f64(3, 4)
    xt = x.trace()
    assert xt.is_traced and not x.is_traced
    assert xt._data is x._data  # no copy
    grads = (xt * 2.0).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full((3, 4), 2.0))
    np.testing.assert_array_equal(grads[xt].numpy(), grads[x].numpy())
    assert x in grads and xt in grads


def test_untraced_tensor_meeting_a_traced_one_gets_a_gradient() -> None:
    x, w = f64(2, 3, seed=1), f64(3, 4, seed=2)
    grads = (x.trace() @ w).sum().backward()
    assert w in grads
    np.testing.assert_allclose(grads[w].numpy(), x.numpy().T @ np.ones((2, 4)))
    np.testing.assert_allclose(grads[x].numpy(), np.ones((2, 4)) @ w.numpy().T)


def test_untraced_left_operand_gets_a_gradient() -> None:
    x, w = f64(2, 3, seed=1), f64(3, 4, seed=2)
    grads = (x @ w.trace()).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), np.ones((2, 4)) @ w.numpy().T)


def test_backward_on_a_traced_leaf() -> None:
    x = dx.tensor(3.0)
    grads = x.trace().backward()
    assert grads[x].item() == 1.0
    assert grads[x].dtype == dx.float32


# ---- accumulation and merging --------------------------------------------------------------


def test_tensor_used_twice_accumulates_mul() -> None:
    x = f64(3, seed=3)
    xt = x.trace()
    grads = (xt * xt).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), 2 * x.numpy())


def test_tensor_used_twice_accumulates_add() -> None:
    x = f64(3, seed=3)
    xt = x.trace()
    grads = (xt + xt).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full(3, 2.0))


def test_intermediate_used_in_several_places_accumulates() -> None:
    x = f64(4, seed=4)
    h = x.trace().exp()
    grads = (h * 2.0 + h * 3.0 + h).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), 6 * np.exp(x.numpy()))


def test_two_traced_tensors_merge_tapes() -> None:
    a, b = f64(3, seed=5), f64(3, seed=6)
    grads = (a.trace() * b.trace()).sum().backward()
    np.testing.assert_allclose(grads[a].numpy(), b.numpy())
    np.testing.assert_allclose(grads[b].numpy(), a.numpy())
    assert len(grads) == 2


def test_long_chains_on_separate_tapes_merge() -> None:
    """Two computations recorded on two tapes, merged late, then one more op."""
    a, b = f64(3, seed=7), f64(3, seed=8)
    ha = a.trace().exp().sin()
    hb = b.trace().tanh() * 2.0
    grads = ((ha + hb) * ha).sum().backward()
    an, bn = a.numpy(), b.numpy()
    ha_n, hb_n = np.sin(np.exp(an)), np.tanh(bn) * 2
    dha = 2 * ha_n + hb_n
    np.testing.assert_allclose(grads[a].numpy(), dha * np.cos(np.exp(an)) * np.exp(an))
    np.testing.assert_allclose(grads[b].numpy(), ha_n * 2 * (1 - np.tanh(bn) ** 2))


def test_three_tapes_merge_in_either_order() -> None:
    a, b, c = f64(2, seed=9), f64(2, seed=10), f64(2, seed=11)
    at, bt, ct = a.trace(), b.trace(), c.trace()
    left = at * bt
    right = ct * bt.exp()  # bt's tape was already merged into left's
    grads = (left + right).sum().backward()
    an, bn, cn = a.numpy(), b.numpy(), c.numpy()
    np.testing.assert_allclose(grads[a].numpy(), bn)
    np.testing.assert_allclose(grads[b].numpy(), an + cn * np.exp(bn))
    np.testing.assert_allclose(grads[c].numpy(), np.exp(bn))


def test_same_tensor_traced_twice() -> None:
    x = f64(3, seed=12)
    grads = (x.trace() * x.trace()).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), 2 * x.numpy())


# ---- NoneTape ------------------------------------------------------------------------------


def test_ops_on_untraced_tensors_record_nothing() -> None:
    x, w = f64(2, 3), f64(3, 2)
    results = [
        x.exp(),
        x + 1.0,
        1.0 - x,
        x * x,
        x @ w,
        x.sum(),
        x.mean(axis=0),
        x.softmax(),
        x.log_softmax(axis=0),
        x.clamp(min=0.0),
        x.to(dx.float32),
        dx.maximum(x, 0.0),
    ]
    for r in results:
        assert r.is_traced is False
        assert r._tape is None


def test_backward_on_untraced_raises() -> None:
    with pytest.raises(RuntimeError, match=r"backward\(\) needs a traced tensor"):
        f64(3).sum().backward()


# ---- errors of backward --------------------------------------------------------------------


def test_backward_on_non_scalar_raises_shape_error() -> None:
    loss = f64(2, 3).trace().exp()
    with pytest.raises(dx.ShapeError) as info:
        loss.backward()
    with pytest.raises(dx.ShapeError) as expected:
        scalar_for_backward((2, 3))
    assert str(info.value) == str(expected.value)
    assert str(info.value) == (
        "backward: the loss must be 0-d, got Tensor[2, 3]; reduce it first (e.g. .sum() or .mean())"
    )


def test_second_backward_on_same_tape_raises() -> None:
    loss = f64(3).trace().exp().sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="already consumed"):
        loss.backward()


def test_second_loss_on_a_consumed_tape_raises() -> None:
    xt = f64(3).trace()
    h = xt.exp()
    h.sum().backward()
    message = "this tape was already used by backward(); call .trace() again to record a new graph"
    with pytest.raises(RuntimeError) as info:
        h * 2.0  # an intermediate of the consumed tape
    assert str(info.value) == message
    with pytest.raises(RuntimeError) as info:
        xt * 3.0  # the traced leaf itself
    assert str(info.value) == message
    with pytest.raises(RuntimeError) as info:
        f64(3).trace() * h  # merging a fresh tape with the consumed one
    assert str(info.value) == message


def test_retracing_after_backward_works() -> None:
    x = f64(3)
    (x.trace() * 2.0).sum().backward()
    grads = (x.trace() * 3.0).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full(3, 3.0))


# ---- Gradients -----------------------------------------------------------------------------


def test_tensor_without_a_part_has_no_gradient() -> None:
    x, other = f64(3), f64(4)
    grads = x.trace().sum().backward()
    assert other not in grads
    assert grads.get(other) is None
    with pytest.raises(KeyError, match="no gradient for this tensor"):
        grads[other]
    assert "not a tensor" not in grads
    assert grads.get(x) is not None


def test_gradients_are_read_by_tensor_only() -> None:
    x = f64(3)
    grads = x.trace().sum().backward()
    with pytest.raises(TypeError, match="Gradients cannot be iterated"):
        list(grads)
    with pytest.raises(TypeError, match="read by tensor, grads\\[t\\], got str"):
        grads["x"]  # type: ignore[index]
    assert len(grads) == 1


def test_intermediate_result_keeps_no_gradient_and_the_error_says_so() -> None:
    x = f64(3).trace()
    y = x * 2.0
    grads = (y * 1.0).sum().backward()
    assert y not in grads
    with pytest.raises(KeyError, match="or it is an intermediate result"):
        grads[y]


def test_gradient_is_an_untraced_tensor_of_the_same_shape() -> None:
    x, w = f64(2, 3), f64(3, 4)
    grads = (x.trace() @ w).sum().backward()
    for t in (x, w):
        g = grads[t]
        assert isinstance(g, dx.Tensor)
        assert g.is_traced is False
        assert g.shape == t.shape
        assert g.dtype == t.dtype
        assert grads.get(t) is not None


def test_gradient_of_broadcast_operand_has_its_own_shape() -> None:
    x, b = f64(4, 3), f64(3)
    grads = (x.trace() + b).sum().backward()
    assert grads[b].shape == (3,)
    np.testing.assert_array_equal(grads[b].numpy(), np.full(3, 4.0))


def test_branch_not_leading_to_the_loss() -> None:
    x = f64(3)
    xt = x.trace()
    unused = (xt * 5.0).exp().sum()  # recorded, never part of the loss
    loss = (xt * 2.0).sum()
    grads = loss.backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full(3, 2.0))
    assert unused.is_traced


def test_loss_that_does_not_depend_on_a_traced_leaf() -> None:
    x, y = f64(3, seed=1), f64(3, seed=2)
    xt, yt = x.trace(), y.trace()
    _ = xt * yt  # merges the tapes, but the loss uses only y
    grads = yt.exp().sum().backward()
    np.testing.assert_allclose(grads[y].numpy(), np.exp(y.numpy()))
    assert x not in grads


# ---- detach --------------------------------------------------------------------------------


def test_detach_drops_the_tape() -> None:
    h = f64(3).trace().exp()
    d = h.detach()
    assert not d.is_traced
    assert d._data is h._data
    assert not (d * 2.0).is_traced


def test_detached_intermediate_is_a_constant() -> None:
    """``y * y.detach()``: the gradient flows through the first factor only."""
    x = f64(3, seed=13)
    y = x.trace().exp()
    grads = (y * y.detach()).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), np.exp(2 * x.numpy()))


def test_detached_leaf_is_a_constant() -> None:
    x = f64(3, seed=14)
    grads = (x.trace() * x.detach()).sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), x.numpy())


# ---- in-place parameter updates ------------------------------------------------------------


def test_pending_gradient_after_parameter_update_raises() -> None:
    x, w = f64(2, 3), f64(3, 4)
    grads = (x.trace() @ w).tanh().sum().backward()
    gx = grads[x]  # read before the update: computed and kept
    _autodiff.bump_param_epoch()
    np.testing.assert_array_equal(grads[x].numpy(), gx.numpy())
    assert w in grads
    with pytest.raises(RuntimeError, match="not read before parameters were updated"):
        grads[w]


def test_backward_after_an_update_of_a_parameter_the_graph_used_raises() -> None:
    # Regression: a second loss recorded before opt.update() back-propagated through the
    # updated weights (silently mixing old and new values); PyTorch raises here too.
    model = dx.nn.Sequential(
        dx.nn.Linear(3, 4, dtype=dx.float64), dx.nn.Linear(4, 2, dtype=dx.float64)
    )
    opt = dx.optim.SGD(model, lr=0.1)
    x = f64(2, 3)
    first, second = model(x.trace()).sum(), model(x.trace()).square().sum()
    opt.update(model, first.backward())
    with pytest.raises(RuntimeError, match="updated in place afterwards"):
        second.backward()
    # Graphs recorded after the update, or on other tensors, are unaffected.
    model(x.trace()).sum().backward()
    (x.trace() * 2.0).sum().backward()


def test_gradients_made_after_an_update_are_readable() -> None:
    _autodiff.bump_param_epoch()
    x = f64(3)
    grads = (x.trace() * 2.0).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full(3, 2.0))


# ---- copies --------------------------------------------------------------------------------


def test_numpy_returns_a_copy() -> None:
    x = dx.tensor([1.0, 2.0, 3.0])
    a = x.numpy()
    a[0] = 100.0
    assert x.numpy()[0] == 1.0


def test_numpy_of_a_gradient_is_a_copy() -> None:
    x = f64(3)
    grads = (x.trace() * 2.0).sum().backward()
    a = grads[x].numpy()
    a[:] = 0.0
    np.testing.assert_array_equal(grads[x].numpy(), np.full(3, 2.0))


def test_tensor_copies_its_input() -> None:
    data = np.array([1.0, 2.0, 3.0])
    x = dx.tensor(data)
    data[0] = 100.0
    assert x.numpy()[0] == 1.0
    lst = [[1.0, 2.0]]
    y = dx.tensor(lst)
    lst[0][0] = 5.0
    assert y.numpy()[0, 0] == 1.0


def test_tensor_from_tensor_copies() -> None:
    x = dx.tensor([1.0, 2.0])
    y = dx.tensor(x)
    assert y._data is not x._data
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_ops_do_not_modify_their_inputs() -> None:
    x = f64(3, 4)
    before = x.numpy()
    xt = x.trace()
    loss = (xt.exp() * xt - xt.softmax() + xt.relu()).sum()
    loss.backward()
    np.testing.assert_array_equal(x.numpy(), before)
