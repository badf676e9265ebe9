"""Movement and shape ops: gradients (finite differences in float64), values against NumPy,
views, dtypes, run-time errors with the plugin's exact messages, and the pure shape rules
with symbolic and unknown sizes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import check_grads

import dfdx as dx
from dfdx_mypy_plugin import shapes

Op = Callable[..., Any]


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


# ---- gradients -----------------------------------------------------------------------------

ONE_INPUT: list[tuple[str, Op, tuple[int, ...], Callable[[np.ndarray], np.ndarray]]] = [
    ("reshape", lambda x: x.reshape(4, 6), (2, 3, 4), lambda a: a.reshape(4, 6)),
    ("reshape-hole", lambda x: dx.reshape(x, -1, 2), (2, 3, 4), lambda a: a.reshape(-1, 2)),
    ("reshape-to-0d", lambda x: x.reshape(), (1, 1), lambda a: a.reshape(())),
    ("reshape-from-0d", lambda x: x.reshape(1, -1), (), lambda a: a.reshape(1, 1)),
    ("reshape-transposed", lambda x: x.transpose(0, 1).reshape(-1), (3, 4), lambda a: a.T.ravel()),
    ("flatten", lambda x: x.flatten(), (2, 3, 4), lambda a: a.ravel()),
    ("flatten-1", lambda x: dx.flatten(x, 1), (2, 3, 4), lambda a: a.reshape(2, 12)),
    ("flatten-0-1", lambda x: x.flatten(0, 1), (2, 3, 4), lambda a: a.reshape(6, 4)),
    ("flatten-end", lambda x: x.flatten(end_axis=-2), (2, 3, 4), lambda a: a.reshape(6, 4)),
    ("flatten-one-axis", lambda x: x.flatten(1, 1), (2, 3, 4), lambda a: a),
    ("flatten-0d", lambda x: x.flatten(), (), lambda a: a.reshape(1)),
    ("permute", lambda x: x.permute(2, 0, 1), (2, 3, 4), lambda a: a.transpose(2, 0, 1)),
    ("permute-neg", lambda x: dx.permute(x, -1, -3, -2), (2, 3, 4), lambda a: a.transpose(2, 0, 1)),
    ("permute-identity", lambda x: x.permute(0, 1), (3, 4), lambda a: a),
    ("transpose", lambda x: x.transpose(0, 2), (2, 3, 4), lambda a: a.swapaxes(0, 2)),
    ("transpose-neg", lambda x: dx.transpose(x, -1, -2), (2, 3, 4), lambda a: a.swapaxes(1, 2)),
    ("transpose-same", lambda x: x.transpose(1, 1), (3, 4), lambda a: a),
    ("unsqueeze-0", lambda x: x.unsqueeze(0), (3, 4), lambda a: a[None]),
    ("unsqueeze-1", lambda x: dx.unsqueeze(x, 1), (3, 4), lambda a: a[:, None]),
    ("unsqueeze-end", lambda x: x.unsqueeze(axis=-1), (3, 4), lambda a: a[..., None]),
    ("unsqueeze-neg", lambda x: x.unsqueeze(-3), (3, 4), lambda a: a[None]),
    ("unsqueeze-0d", lambda x: x.unsqueeze(0), (), lambda a: a.reshape(1)),
    ("squeeze-all", lambda x: x.squeeze(), (1, 3, 1, 4), lambda a: a.reshape(3, 4)),
    ("squeeze-1", lambda x: dx.squeeze(x, 2), (1, 3, 1, 4), lambda a: a.reshape(1, 3, 4)),
    ("squeeze-neg", lambda x: x.squeeze(axis=-4), (1, 3, 1, 4), lambda a: a[0]),
    ("squeeze-tuple", lambda x: x.squeeze((0, 2)), (1, 3, 1, 4), lambda a: a.reshape(3, 4)),
    ("squeeze-to-0d", lambda x: x.squeeze(), (1, 1), lambda a: a.reshape(())),
    ("broadcast_to", lambda x: x.broadcast_to(2, 3, 4), (3, 1), lambda a: np.tile(a, (2, 1, 4))),
    ("broadcast_to-same", lambda x: dx.broadcast_to(x, 3, 4), (3, 4), lambda a: a),
    (
        "broadcast_to-keep",
        lambda x: x.broadcast_to(2, -1, 4),
        (3, 1),
        lambda a: np.tile(a, (2, 1, 4)),
    ),
    ("broadcast_to-lead", lambda x: x.broadcast_to(5, 3), (3,), lambda a: np.tile(a, (5, 1))),
    ("broadcast_to-0d", lambda x: x.broadcast_to(2, 3), (), lambda a: np.full((2, 3), a)),
    ("expand", lambda x: x.expand(2, -1, 4), (3, 1), lambda a: np.tile(a, (2, 1, 4))),
    ("repeat", lambda x: x.repeat(2, 1, 4), (3, 1), lambda a: np.tile(a, (2, 1, 4))),
    ("repeat-same-rank", lambda x: dx.repeat(x, 2, 3), (3, 2), lambda a: np.tile(a, (2, 3))),
    ("repeat-0d", lambda x: x.repeat(3), (), lambda a: np.tile(a, 3)),
    ("repeat-zero", lambda x: x.repeat(0, 2), (3,), lambda a: np.tile(a, (0, 2))),
    # sizes as one tuple or list, as PyTorch takes them (a ``.shape``, a ``torch.Size``)
    ("reshape-tuple", lambda x: x.reshape((4, 6)), (2, 3, 4), lambda a: a.reshape(4, 6)),
    ("reshape-list-hole", lambda x: dx.reshape(x, [-1, 2]), (2, 3, 4), lambda a: a.reshape(-1, 2)),
    ("reshape-to-0d-tuple", lambda x: x.reshape(()), (1, 1), lambda a: a.reshape(())),
    ("view-shape", lambda x: x.view(x.shape), (2, 3), lambda a: a),
    ("view-tuple", lambda x: dx.view(x, (3, 2)), (2, 3), lambda a: a.reshape(3, 2)),
    ("expand-tuple", lambda x: x.expand((2, -1, 4)), (3, 1), lambda a: np.tile(a, (2, 1, 4))),
    (
        "broadcast_to-shape",
        lambda x: x.broadcast_to(dx.zeros(2, 3, 4).shape),
        (3, 1),
        lambda a: np.tile(a, (2, 1, 4)),
    ),
    ("repeat-tuple", lambda x: x.repeat((2, 1, 4)), (3, 1), lambda a: np.tile(a, (2, 1, 4))),
    ("repeat-list", lambda x: dx.repeat(x, [2, 3]), (3, 2), lambda a: np.tile(a, (2, 3))),
]


@pytest.mark.parametrize(("name", "op", "shape", "numpy"), ONE_INPUT, ids=[c[0] for c in ONE_INPUT])
def test_one_input(
    name: str, op: Op, shape: tuple[int, ...], numpy: Callable[[np.ndarray], np.ndarray]
) -> None:
    a = data(*shape)
    np.testing.assert_array_equal(op(dx.tensor(a)).numpy(), numpy(a))
    check_grads(op, a)


JOINS: list[tuple[str, Op, list[tuple[int, ...]], Callable[..., np.ndarray]]] = [
    ("concat-0", lambda x, y: dx.concat([x, y]), [(2, 3), (4, 3)], np.concatenate),
    (
        "concat-1-tuple",
        lambda x, y: dx.concat((x, y), axis=1),
        [(2, 3), (2, 1)],
        lambda *a: np.concatenate(a, axis=1),
    ),
    (
        "concat-neg-three",
        lambda x, y, z: dx.concat([x, y, z], axis=-1),
        [(2, 3, 1), (2, 3, 2), (2, 3, 4)],
        lambda *a: np.concatenate(a, axis=-1),
    ),
    ("concat-one", lambda x: dx.concat([x], axis=0), [(2, 3)], lambda a: a),
    ("concat-same-twice", lambda x: dx.concat([x, x * 2.0]), [(3,)], lambda a: np.r_[a, 2 * a]),
    ("concat-empty-part", lambda x, y: dx.concat([x, y]), [(0, 3), (2, 3)], np.concatenate),
    ("stack-0", lambda x, y: dx.stack([x, y]), [(2, 3), (2, 3)], np.stack),
    (
        "stack-1-tuple",
        lambda x, y: dx.stack((x, y), axis=1),
        [(2, 3), (2, 3)],
        lambda *a: np.stack(a, axis=1),
    ),
    (
        "stack-end-three",
        lambda x, y, z: dx.stack([x, y, z], axis=-1),
        [(2, 3), (2, 3), (2, 3)],
        lambda *a: np.stack(a, axis=-1),
    ),
    ("stack-0d", lambda x, y: dx.stack([x, y]), [(), ()], np.stack),
    ("stack-same-twice", lambda x: dx.stack([x, x], axis=1), [(3,)], lambda a: np.stack([a, a], 1)),
]


@pytest.mark.parametrize(("name", "op", "shapes_in", "numpy"), JOINS, ids=[c[0] for c in JOINS])
def test_joins(name: str, op: Op, shapes_in: list[tuple[int, ...]], numpy: Op) -> None:
    arrays = [data(*s, seed=i) for i, s in enumerate(shapes_in)]
    out = op(*[dx.tensor(a) for a in arrays]).numpy()
    want = numpy(arrays) if numpy in (np.concatenate, np.stack) else numpy(*arrays)
    np.testing.assert_array_equal(out, want)
    check_grads(op, *arrays)


def test_concat_of_traced_and_untraced() -> None:
    """An untraced tensor joined with a traced one gets a gradient too; the tapes of two
    traced tensors merge."""
    a, b, c = dx.tensor(data(2, 3)), dx.tensor(data(1, 3, seed=1)), dx.tensor(data(3, 3, seed=2))
    out = dx.concat([a.trace(), b, c.trace()])
    assert out.is_traced
    grads = (out * dx.tensor(np.arange(18.0).reshape(6, 3))).sum().backward()
    np.testing.assert_array_equal(grads[a].numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(grads[b].numpy(), np.arange(6.0, 9.0).reshape(1, 3))
    np.testing.assert_array_equal(grads[c].numpy(), np.arange(9.0, 18.0).reshape(3, 3))


def test_untraced_inputs_give_untraced_results() -> None:
    x = dx.zeros(2, 3)
    for out in (
        x.reshape(6),
        x.flatten(),
        x.permute(1, 0),
        x.transpose(0, 1),
        x.unsqueeze(0),
        x.unsqueeze(0).squeeze(0),
        x.broadcast_to(4, 2, 3),
        dx.concat([x, x]),
        dx.stack([x, x]),
    ):
        assert not out.is_traced


# ---- views, dtypes -------------------------------------------------------------------------


def test_views_share_memory() -> None:
    x = dx.tensor(data(2, 3, 4))
    a = x._data
    for out in (
        x.reshape(4, 6),
        x.flatten(),
        x.flatten(1),
        x.permute(2, 0, 1),
        x.transpose(0, 2),
        x.unsqueeze(1),
        x.unsqueeze(1).squeeze(1),
        x.broadcast_to(5, 2, 3, 4),
    ):
        assert np.shares_memory(out._data, a)
    assert not np.shares_memory(dx.concat([x, x])._data, a)
    assert not np.shares_memory(dx.stack([x, x])._data, a)


def test_a_view_does_not_see_later_changes_through_numpy() -> None:
    """numpy() copies, so writing to it changes neither the tensor nor its views."""
    x = dx.tensor(data(2, 3))
    y = x.reshape(6)
    x.numpy()[0, 0] = 100.0
    assert y.numpy()[0] != 100.0


ALL_OPS: list[tuple[str, Op]] = [
    ("reshape", lambda x: x.reshape(3, 2)),
    ("flatten", lambda x: x.flatten()),
    ("permute", lambda x: x.permute(1, 0)),
    ("transpose", lambda x: x.transpose(0, 1)),
    ("unsqueeze", lambda x: x.unsqueeze(0)),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze(0)),
    ("broadcast_to", lambda x: x.broadcast_to(2, 2, 3)),
    ("concat", lambda x: dx.concat([x, x], axis=1)),
    ("stack", lambda x: dx.stack([x, x])),
]


@pytest.mark.parametrize("dtype", [dx.float32, dx.float64, dx.int64], ids=str)
@pytest.mark.parametrize(("name", "op"), ALL_OPS, ids=[c[0] for c in ALL_OPS])
def test_dtype_is_kept(name: str, op: Op, dtype: Any) -> None:
    x = dx.tensor(np.arange(6).reshape(2, 3), dtype=dtype)
    assert op(x).dtype == dtype


@pytest.mark.parametrize(("name", "op"), ALL_OPS, ids=[c[0] for c in ALL_OPS])
def test_float32_gradient_stays_float32(name: str, op: Op) -> None:
    x = dx.tensor(data(2, 3), dtype=dx.float32)
    out = op(x.trace())
    grads = (out * dx.ones(*out.shape, dtype=dx.float32)).sum().backward()
    assert out.dtype == dx.float32
    assert grads[x].dtype == dx.float32
    assert grads[x].shape == (2, 3)


def test_join_needs_one_dtype() -> None:
    a = dx.zeros(2, 3)
    b = dx.zeros(2, 3, dtype=dx.float64)
    raises_exactly(
        dx.DTypeError,
        "concat: dtypes differ: float32 and float64; convert one with .to()",
        lambda: dx.concat([a, b]),
    )
    raises_exactly(
        dx.DTypeError,
        "stack: dtypes differ: float32 and float64; convert one with .to()",
        lambda: dx.stack([a, b]),
    )


# ---- run-time errors -----------------------------------------------------------------------

z = dx.zeros

SHAPE_ERRORS: list[tuple[str, Op]] = [
    (
        "repeat: Tensor[2, 3] needs a count for each of its 2 axes, got (4,)",
        lambda: z(2, 3).repeat(4),
    ),
    ("repeat: invalid count -1 in (2, -1)", lambda: dx.repeat(z(2, 3), 2, -1)),
    (
        "broadcast_to: cannot broadcast Tensor[2, 3] to Tensor[2, 4] (axis -1: 3 != 4)",
        lambda: z(2, 3).expand(2, 4),
    ),
    (
        "reshape: cannot reshape Tensor[2, 3] (6 elements) to Tensor[4, 2] (8 elements)",
        lambda: z(2, 3).reshape(4, 2),
    ),
    (
        "reshape: cannot reshape Tensor[2, 3] (6 elements) to Tensor[4, -1] "
        "(6 is not a multiple of 4)",
        lambda: dx.reshape(z(2, 3), 4, -1),
    ),
    (
        "reshape: cannot reshape Tensor[2, 3] (6 elements) to Tensor[0, -1] (-1 with a size 0)",
        lambda: z(2, 3).reshape(0, -1),
    ),
    ("reshape: only one size may be -1, got Tensor[-1, -1]", lambda: z(2, 3).reshape(-1, -1)),
    ("reshape: invalid size -2 in Tensor[-2, -3]", lambda: z(2, 3).reshape(-2, -3)),
    (
        "reshape: cannot reshape Tensor[2, 3] (6 elements) to Tensor[()] (1 element)",
        lambda: z(2, 3).reshape(),
    ),
    ("flatten: axis 3 is out of range for Tensor[2, 3, 4]", lambda: z(2, 3, 4).flatten(3)),
    (
        "flatten: start_axis 2 comes after end_axis 1 for Tensor[2, 3, 4]",
        lambda: z(2, 3, 4).flatten(2, 1),
    ),
    (
        "flatten: start_axis -1 comes after end_axis 0 for Tensor[2, 3, 4]",
        lambda: dx.flatten(z(2, 3, 4), -1, 0),
    ),
    ("flatten: axis 1 is out of range for Tensor[()]", lambda: z().flatten(1)),
    (
        "permute: Tensor[2, 3, 4] has 3 axes, got 2: (1, 0)",
        lambda: z(2, 3, 4).permute(1, 0),
    ),
    (
        "permute: axis 1 appears twice in (1, -2, 0) for Tensor[2, 3, 4]",
        lambda: dx.permute(z(2, 3, 4), 1, -2, 0),
    ),
    ("permute: axis 3 is out of range for Tensor[2, 3, 4]", lambda: z(2, 3, 4).permute(0, 1, 3)),
    ("transpose: axis 2 is out of range for Tensor[2, 3]", lambda: z(2, 3).transpose(0, 2)),
    ("transpose: axis -3 is out of range for Tensor[2, 3]", lambda: dx.transpose(z(2, 3), -3, 0)),
    (
        "unsqueeze: axis 3 is out of range for a new axis of Tensor[2, 3] (from -3 to 2)",
        lambda: z(2, 3).unsqueeze(3),
    ),
    (
        "unsqueeze: axis -4 is out of range for a new axis of Tensor[2, 3] (from -3 to 2)",
        lambda: dx.unsqueeze(z(2, 3), -4),
    ),
    ("squeeze: axis 1 of Tensor[2, 3] has size 3, not 1", lambda: z(2, 3).squeeze(1)),
    ("squeeze: axis 0 of Tensor[2, 1] has size 2, not 1", lambda: z(2, 1).squeeze((1, 0))),
    ("squeeze: axis 2 is out of range for Tensor[2, 1]", lambda: dx.squeeze(z(2, 1), 2)),
    (
        "squeeze: axis (1, -1) names an axis twice for Tensor[2, 1]",
        lambda: z(2, 1).squeeze((1, -1)),
    ),
    (
        "broadcast_to: cannot broadcast Tensor[2, 3] to Tensor[2, 4] (axis -1: 3 != 4)",
        lambda: z(2, 3).broadcast_to(2, 4),
    ),
    (
        "broadcast_to: cannot broadcast Tensor[2, 3] to Tensor[5, 3, 3] (axis -2: 2 != 3)",
        lambda: dx.broadcast_to(z(2, 3), 5, 3, 3),
    ),
    (
        "broadcast_to: cannot broadcast Tensor[2, 3] to Tensor[3] (rank 2 > 1)",
        lambda: z(2, 3).broadcast_to(3),
    ),
    (
        "broadcast_to: cannot broadcast Tensor[3] to Tensor[-1, 3] (axis -2: -1 on a new axis)",
        lambda: z(3).broadcast_to(-1, 3),
    ),
    ("broadcast_to: invalid size -2 in Tensor[2, -2]", lambda: z(2, 1).broadcast_to(2, -2)),
    (
        "concat: sizes differ on axis 1: Tensor[2, 3] and Tensor[2, 4] (3 != 4)",
        lambda: dx.concat([z(2, 3), z(2, 4)]),
    ),
    (
        "concat: sizes differ on axis 0: Tensor[2, 3] and Tensor[3, 3] (2 != 3)",
        lambda: dx.concat((z(2, 3), z(2, 1), z(3, 3)), axis=1),
    ),
    (
        "concat: ranks differ: Tensor[2, 3] and Tensor[3] (2 != 1)",
        lambda: dx.concat([z(2, 3), z(3)]),
    ),
    ("concat: axis 2 is out of range for Tensor[2, 3]", lambda: dx.concat([z(2, 3)], axis=2)),
    ("concat: cannot concatenate 0-d tensors: Tensor[()]", lambda: dx.concat([z(), z()])),
    ("concat: needs at least one tensor", lambda: dx.concat([])),
    (
        "stack: shapes differ: Tensor[2, 3] and Tensor[2, 4] (axis 1: 3 != 4)",
        lambda: dx.stack([z(2, 3), z(2, 4)]),
    ),
    (
        "stack: shapes differ: Tensor[2, 3] and Tensor[3] (rank 2 != 1)",
        lambda: dx.stack((z(2, 3), z(3))),
    ),
    (
        "stack: axis 3 is out of range for a new axis of Tensor[2, 3] (from -3 to 2)",
        lambda: dx.stack([z(2, 3), z(2, 3)], axis=3),
    ),
    ("stack: needs at least one tensor", lambda: dx.stack(())),
]


@pytest.mark.parametrize(("message", "fn"), SHAPE_ERRORS, ids=[m for m, _ in SHAPE_ERRORS])
def test_shape_errors(message: str, fn: Op) -> None:
    raises_exactly(dx.ShapeError, message, fn)


def test_shape_errors_when_traced() -> None:
    raises_exactly(
        dx.ShapeError,
        "reshape: cannot reshape Tensor[2, 3] (6 elements) to Tensor[4, 2] (8 elements)",
        lambda: z(2, 3).trace().reshape(4, 2),
    )
    raises_exactly(
        dx.ShapeError,
        "concat: sizes differ on axis 1: Tensor[2, 3] and Tensor[2, 4] (3 != 4)",
        lambda: dx.concat([z(2, 3).trace(), z(2, 4)]),
    )


def test_sizes_as_one_tuple_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a = data(3, 1)
    x, t = dx.tensor(a), torch.tensor(a)
    target = torch.zeros(2, 3, 4)
    cases: list[tuple[Any, Any]] = [
        (x.reshape((1, 3)), t.reshape((1, 3))),
        (x.view([3]), t.view([3])),
        (x.expand(target.shape), t.expand(target.shape)),
        (x.expand((2, -1, 4)), t.expand((2, -1, 4))),
        (x.repeat((2, 1, 4)), t.repeat((2, 1, 4))),
        (x.repeat([2, 2]), t.repeat([2, 2])),
        (x.reshape(torch.Size([3, 1, 1])), t.reshape(torch.Size([3, 1, 1]))),
    ]
    for ours, theirs in cases:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# Wrong argument types, as a caller without a type checker could pass them.
loose: Any = dx.zeros
loose_dx: Any = dx

TYPE_ERRORS: list[tuple[str, Op]] = [
    (
        "reshape: sizes must be ints, got (3, 2); pass one tuple of sizes or separate ints",
        lambda: loose(2, 3).reshape((3, 2), 1),
    ),
    (
        "reshape: sizes must be ints, got [3, 2]; pass one tuple of sizes or separate ints",
        lambda: loose(2, 3).view(([3, 2],)),
    ),
    ("reshape: sizes must be ints, got '6'", lambda: loose(2, 3).reshape(("6",))),
    ("reshape: sizes must be ints, got 'ab'", lambda: loose(2, 3).reshape("ab")),
    ("broadcast_to: sizes must be ints, got None", lambda: loose(2, 3).expand((2, None))),
    ("reshape: sizes must be ints, got 2.0", lambda: loose(2, 3).reshape(2.0, 3)),
    (
        "permute: axes must be ints, got [1, 0]; write permute(1, 0)",
        lambda: loose(2, 3).permute([1, 0]),
    ),
    ("broadcast_to: sizes must be ints, got True", lambda: loose(2, 3).broadcast_to(True, 3)),
    (
        "repeat: counts must be ints, got (2, 1); pass one tuple of sizes or separate ints",
        lambda: loose(2, 3).repeat(2, (2, 1)),
    ),
    ("repeat: counts must be ints, got 1.5", lambda: loose(2, 3).repeat([1.5, 1])),
    ("repeat: counts must be ints, got 2.0", lambda: loose(2, 3).repeat(2.0, 1)),
    ("transpose: axes must be ints, got None", lambda: loose(2, 3).transpose(None, 1)),
    ("unsqueeze: axis must be an int, got 0.0", lambda: loose(2, 3).unsqueeze(0.0)),
    ("squeeze: axes must be ints, got '0'", lambda: loose(1, 3).squeeze("0")),
    ("flatten: axes must be ints, got 1.0", lambda: loose(2, 3).flatten(1.0)),
    (
        "concat: expected a list or tuple of tensors, got Tensor",
        lambda: loose_dx.concat(loose(2, 3)),
    ),
    ("concat: expected tensors, got ndarray", lambda: loose_dx.concat([loose(2), np.zeros(2)])),
    (
        "stack: expected a list or tuple of tensors, got generator",
        lambda: loose_dx.stack(t for t in [loose(2)]),
    ),
    ("concat: axis must be an int, got None", lambda: loose_dx.concat([loose(2)], axis=None)),
]


@pytest.mark.parametrize(("message", "fn"), TYPE_ERRORS, ids=[m for m, _ in TYPE_ERRORS])
def test_type_errors(message: str, fn: Op) -> None:
    raises_exactly(TypeError, message, fn)


# ---- the pure rules with symbolic and unknown sizes (what the plugin sees) -----------------


def test_rules_with_symbolic_sizes() -> None:
    assert shapes.reshape(("B", 28, 28), [-1, 784]) == ("B", 784)
    assert shapes.reshape(("B", 28, 28), [None, -1]) == (None, None)
    assert shapes.reshape(("B", 6), [2, 3]) == (2, 3)  # B may be 1: no error
    assert shapes.reshape((None, 4), [3, -1]) == (3, None)
    assert shapes.reshape((2, 3), [None, 4]) == (None, 4)  # the runtime checks the size
    assert shapes.reshape(("B", 0), [5, -1]) == (5, 0)
    assert shapes.flatten(("B", 1, 28, 28), 1, -1) == ("B", 784)
    assert shapes.flatten(("B", 3), 0, -1) == ("3*B",)  # a product in normal form
    assert shapes.flatten(("T", "B", None), 0, 1) == ("B*T", None)
    assert shapes.reshape(("B", "T", 8), [-1, 8]) == ("B*T", 8)
    assert shapes.reshape(("B*T", 8), ["B", "T", 8]) == ("B", "T", 8)
    assert shapes.reshape(("B*T", 8), ["B", -1, 8]) == ("B", "T", 8)
    assert shapes.reshape(("B", "T", 8), [-1, "T"]) == ("8*B", "T")
    assert shapes.reshape(("B", 8), [-1]) == ("8*B",)
    assert shapes.reshape(("B", None), [-1]) == (None,)
    assert shapes.flatten(("B", 1), 0, -1) == ("B",)
    assert shapes.flatten((), 0, -1) == (1,)
    assert shapes.permute(("B", None, 3), [2, 0, 1]) == ((3, "B", None), (2, 0, 1))
    assert shapes.transpose(("B", 4), 0, -1) == (4, "B")
    assert shapes.unsqueeze(("B",), -1) == ("B", 1)
    assert shapes.squeeze(("B", 1), 1) == ("B",)
    assert shapes.squeeze(("B", 1), 0) == (1,)  # B must be 1: the runtime checks it
    assert shapes.broadcast_to_sizes((1, "B"), [3, None, None]) == (3, None, "B")
    assert shapes.broadcast_to_sizes(("B", 1), [-1, 4]) == ("B", 4)
    assert shapes.concat([("B", 3), ("B", 4)], 1) == ("B", 7)
    assert shapes.concat([("B", 3), (2, 3)], 0) == ("B+2", 3)  # symbolic sizes add up
    assert shapes.concat([(None, 3), (2, None)], 1) == (2, None)
    assert shapes.stack([("B", None), (None, 4)], 1) == ("B", 2, 4)


def test_symbolic_products() -> None:
    assert shapes.dim_mul("T", "B") == "B*T"
    assert shapes.dim_mul(4, "B*T") == "4*B*T"
    assert shapes.dim_mul("B", 0) == 0
    assert shapes.dim_mul("B", None) is None
    assert shapes.dim_div("4*B*T", "2*T") == "2*B"
    assert shapes.dim_div("B*T", "C") is None
    assert shapes.dim_div("3*B", 2) is None
    assert shapes.dim_div(7, 0) is None  # never a ZeroDivisionError
    assert shapes.same_dim("4*B", "8*B") is False  # symbolic sizes are taken to be non-zero
    assert shapes.same_dim("B*T", "T*B") is True  # compared as polynomials
    assert shapes.same_dim("B*T", "B") is None  # T may be 1
    with pytest.raises(shapes.ShapeError, match=r"cannot reshape Tensor\[B, 4\] \(4\*B elements"):
        shapes.reshape(("B", 4), ["B", 8])


def test_rules_report_only_what_they_can_prove() -> None:
    with pytest.raises(shapes.ShapeError, match="concat: sizes differ on axis 1"):
        shapes.concat([("B", 3), ("C", 4)], 0)
    shapes.concat([("B", 3), ("C", 3)], 0)
    shapes.stack([("B", 3), (None, 3)], 0)
    shapes.broadcast_to_sizes((None, 3), [4, 3])
    shapes.squeeze(("B",), 0)
    # generic code holds for every value of its size TypeVars: B is not C, nor 4
    with pytest.raises(shapes.ShapeError, match=r"stack: shapes differ: .* \(axis 0: B != C\)"):
        shapes.stack([("B", 3), ("C", 3)], 0)
    with pytest.raises(shapes.ShapeError, match=r"broadcast_to: .* \(axis -2: B != 4\)"):
        shapes.broadcast_to_sizes(("B", 3), [4, 3])


def test_mT_swaps_the_last_two_axes() -> None:
    a = data(2, 3, 4)
    np.testing.assert_array_equal(dx.tensor(a).mT.numpy(), np.swapaxes(a, -2, -1))
    check_grads(lambda x: x.mT, data(2, 3, 4))


# ---- T and swapaxes ----------------------------------------------------------------------------


def test_T_swaps_a_matrix_and_its_gradient() -> None:
    a = data(3, 4)
    np.testing.assert_array_equal(dx.tensor(a).T.numpy(), a.T)
    check_grads(lambda x: x.T, a)


def test_swapaxes_is_transpose() -> None:
    a = data(2, 3, 4)
    np.testing.assert_array_equal(dx.tensor(a).swapaxes(0, 2).numpy(), np.swapaxes(a, 0, 2))
    check_grads(lambda x: x.swapaxes(-1, -3), a)


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
def test_T_of_another_rank_is_a_shape_error(shape: tuple[int, ...]) -> None:
    """As tests/typecheck/plugin_fail/transpose_errors.py reports it."""
    sizes = ", ".join(map(str, shape))
    raises_exactly(
        dx.ShapeError,
        f"T: expected a 2-d tensor, got Tensor[{sizes}]; use .mT to swap the last two axes "
        "or .permute(...) to reverse them",
        lambda: dx.zeros(*shape).T,
    )
    raises_exactly(
        dx.ShapeError,
        "transpose: axis 3 is out of range for Tensor[2, 3, 4]",
        lambda: dx.zeros(2, 3, 4).swapaxes(0, 3),
    )
