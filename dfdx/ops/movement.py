# pyright: reportOverlappingOverload=false
"""Movement and shape: the same elements in another shape or order (reshape, flatten,
permute, transpose, unsqueeze, squeeze, broadcast_to), copies tiled (repeat), and tensors
joined along an axis (concat, stack).

The results are NumPy views wherever NumPy allows (everything but repeat, concat and stack,
and a reshape of a non-contiguous tensor): tensors are never written in place, so sharing memory is
safe. The backward of a view is the inverse movement of the gradient.

Plain signatures (without the plugin) return ``Any`` where the new shape depends on int
arguments, as the fallbacks of reductions do (docs/design.md, section 7): a tensor of ``Dyn``
sizes and a guessed rank would be a false error in rank-polymorphic code such as
``h.reshape(*x.shape)`` assigned to ``Tensor[*S, T]``. ``flatten()`` of every axis is typed
``Tensor[Dyn, T]``. The plugin computes every result shape exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Never, overload

import numpy as np

from dfdx import _validate
from dfdx._autodiff import unbroadcast
from dfdx._backend import xp
from dfdx._dtypes import check_same
from dfdx._typing import A0, A1, A2, A3, AnyTensor, Dyn, N, S, T
from dfdx._validate import is_size_sequence, size_arguments
from dfdx.ops._op import array_of, result
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor


def _ints(op: str, what: str, values: Sequence[Any], varargs: bool = False) -> tuple[int, ...]:
    """``values`` checked as ints; for ``varargs`` (a ``*dims`` argument), one tuple or list
    of them is taken as its items (``x.reshape((2, 3))``, ``x.expand(y.shape)``: PyTorch's
    forms)."""
    if varargs:
        values = size_arguments(tuple(values))
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            hint = ""
            if varargs and is_size_sequence(v):
                hint = "; pass one tuple of sizes or separate ints"
            elif isinstance(v, tuple | list) and len(values) == 1:
                hint = f"; write {op}({', '.join(map(str, v))})"
            raise TypeError(shapes.not_an_int(op, shapes.ints_wanted(what), v) + hint)
    return tuple(int(v) for v in values)


def _as_shape(shape: shapes.Shape) -> tuple[int, ...]:
    out = tuple(d for d in shape if isinstance(d, int))
    assert len(out) == len(shape)
    return out


@overload
def reshape(x: Tensor[*S, T], shape: Sequence[int], /) -> Any: ...
@overload
def reshape(x: Tensor[*S, T], /, *dims: int) -> Any: ...
def reshape(x: Any, /, *dims: int | Sequence[int]) -> Any:
    """The same elements in ``dims`` sizes (row-major order; separate ints or one tuple, a
    ``.shape``); one size may be -1, solved from the others. ``Tensor[2, 3].reshape(3, -1)``
    and ``.reshape((3, -1))`` are ``Tensor[3, 2]``. A view where NumPy can."""
    return _reshaped(x, dims)


def _reshaped(x: Any, dims: tuple[Any, ...]) -> Any:
    a = x._data
    sizes = _ints("reshape", "sizes", dims, varargs=True)
    if min(sizes, default=0) >= 0 and math.prod(sizes) == a.size:
        new = sizes  # valid as it is: the rule's messages are built only for the other cases
    else:
        new = _as_shape(shapes.reshape(a.shape, sizes))
    shape = a.shape
    return result(a.reshape(new), (x,), (lambda g: g.reshape(shape),))


@overload
def flatten(x: Tensor[*S, T], /) -> Tensor[Dyn, T]: ...
@overload
def flatten(x: Tensor[*S, T], /, start_axis: int, end_axis: int = -1) -> Any: ...
@overload
def flatten(x: Tensor[*S, T], /, *, end_axis: int) -> Any: ...
def flatten(x: Any, /, start_axis: int = 0, end_axis: int = -1) -> Any:
    """Axes ``start_axis`` to ``end_axis`` (both included) merged into one:
    ``Tensor[8, 1, 28, 28].flatten(1)`` is ``Tensor[8, 784]``; every axis by default (a 0-d
    tensor becomes ``Tensor[1]``)."""
    a = x._data
    start, end = _ints("flatten", "axes", (start_axis, end_axis))
    new = _as_shape(shapes.flatten(a.shape, start, end))
    shape = a.shape
    return result(a.reshape(new), (x,), (lambda g: g.reshape(shape),))


# Plain signatures: the exact shape for literal axes of a tensor of rank 2 to 4, else Any.
@overload
def permute(x: Tensor[A0, A1, T], d0: Literal[0], d1: Literal[1], /) -> Tensor[A0, A1, T]: ...
@overload
def permute(x: Tensor[A0, A1, T], d0: Literal[1], d1: Literal[0], /) -> Tensor[A1, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, T], d0: Literal[0], d1: Literal[1], d2: Literal[2], /
) -> Tensor[A0, A1, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, T], d0: Literal[0], d1: Literal[2], d2: Literal[1], /
) -> Tensor[A0, A2, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, T], d0: Literal[1], d1: Literal[0], d2: Literal[2], /
) -> Tensor[A1, A0, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, T], d0: Literal[1], d1: Literal[2], d2: Literal[0], /
) -> Tensor[A1, A2, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, T], d0: Literal[2], d1: Literal[0], d2: Literal[1], /
) -> Tensor[A2, A0, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, T], d0: Literal[2], d1: Literal[1], d2: Literal[0], /
) -> Tensor[A2, A1, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[0], d1: Literal[1], d2: Literal[2], d3: Literal[3], /
) -> Tensor[A0, A1, A2, A3, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[0], d1: Literal[1], d2: Literal[3], d3: Literal[2], /
) -> Tensor[A0, A1, A3, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[0], d1: Literal[2], d2: Literal[1], d3: Literal[3], /
) -> Tensor[A0, A2, A1, A3, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[0], d1: Literal[2], d2: Literal[3], d3: Literal[1], /
) -> Tensor[A0, A2, A3, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[0], d1: Literal[3], d2: Literal[1], d3: Literal[2], /
) -> Tensor[A0, A3, A1, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[0], d1: Literal[3], d2: Literal[2], d3: Literal[1], /
) -> Tensor[A0, A3, A2, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[1], d1: Literal[0], d2: Literal[2], d3: Literal[3], /
) -> Tensor[A1, A0, A2, A3, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[1], d1: Literal[0], d2: Literal[3], d3: Literal[2], /
) -> Tensor[A1, A0, A3, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[1], d1: Literal[2], d2: Literal[0], d3: Literal[3], /
) -> Tensor[A1, A2, A0, A3, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[1], d1: Literal[2], d2: Literal[3], d3: Literal[0], /
) -> Tensor[A1, A2, A3, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[1], d1: Literal[3], d2: Literal[0], d3: Literal[2], /
) -> Tensor[A1, A3, A0, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[1], d1: Literal[3], d2: Literal[2], d3: Literal[0], /
) -> Tensor[A1, A3, A2, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[2], d1: Literal[0], d2: Literal[1], d3: Literal[3], /
) -> Tensor[A2, A0, A1, A3, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[2], d1: Literal[0], d2: Literal[3], d3: Literal[1], /
) -> Tensor[A2, A0, A3, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[2], d1: Literal[1], d2: Literal[0], d3: Literal[3], /
) -> Tensor[A2, A1, A0, A3, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[2], d1: Literal[1], d2: Literal[3], d3: Literal[0], /
) -> Tensor[A2, A1, A3, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[2], d1: Literal[3], d2: Literal[0], d3: Literal[1], /
) -> Tensor[A2, A3, A0, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[2], d1: Literal[3], d2: Literal[1], d3: Literal[0], /
) -> Tensor[A2, A3, A1, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[3], d1: Literal[0], d2: Literal[1], d3: Literal[2], /
) -> Tensor[A3, A0, A1, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[3], d1: Literal[0], d2: Literal[2], d3: Literal[1], /
) -> Tensor[A3, A0, A2, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[3], d1: Literal[1], d2: Literal[0], d3: Literal[2], /
) -> Tensor[A3, A1, A0, A2, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[3], d1: Literal[1], d2: Literal[2], d3: Literal[0], /
) -> Tensor[A3, A1, A2, A0, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[3], d1: Literal[2], d2: Literal[0], d3: Literal[1], /
) -> Tensor[A3, A2, A0, A1, T]: ...
@overload
def permute(
    x: Tensor[A0, A1, A2, A3, T], d0: Literal[3], d1: Literal[2], d2: Literal[1], d3: Literal[0], /
) -> Tensor[A3, A2, A1, A0, T]: ...
@overload
def permute(x: Tensor[*S, T], /, *dims: int) -> Any: ...
def permute(x: Any, /, *dims: int) -> Any:
    """The axes in the order ``dims``: axis ``i`` of the result is axis ``dims[i]`` of ``x``.
    ``Tensor[2, 3, 4].permute(2, 0, 1)`` is ``Tensor[4, 2, 3]``. A view."""
    a = x._data
    _shape, order = shapes.permute(a.shape, _ints("permute", "axes", dims))
    # the inverse permutation in Python: NumPy's argsort of a tuple costs ~12 us a call
    return result(
        a.transpose(order),
        (x,),
        (lambda g: g.transpose(sorted(range(len(order)), key=order.__getitem__)),),
    )


# Plain signatures: the exact shape for literal axes (any rank where it is exact), else Any.
@overload
def transpose(
    x: Tensor[A0, A1, *S, T], axis0: Literal[0], axis1: Literal[1], /
) -> Tensor[A1, A0, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, *S, T], axis0: Literal[1], axis1: Literal[0], /
) -> Tensor[A1, A0, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, *S, T], axis0: Literal[1], axis1: Literal[2], /
) -> Tensor[A0, A2, A1, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, *S, T], axis0: Literal[2], axis1: Literal[1], /
) -> Tensor[A0, A2, A1, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, *S, T], axis0: Literal[0], axis1: Literal[2], /
) -> Tensor[A2, A1, A0, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, *S, T], axis0: Literal[2], axis1: Literal[0], /
) -> Tensor[A2, A1, A0, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, A3, *S, T], axis0: Literal[2], axis1: Literal[3], /
) -> Tensor[A0, A1, A3, A2, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, A3, *S, T], axis0: Literal[3], axis1: Literal[2], /
) -> Tensor[A0, A1, A3, A2, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, A3, *S, T], axis0: Literal[0], axis1: Literal[3], /
) -> Tensor[A3, A1, A2, A0, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, A3, *S, T], axis0: Literal[3], axis1: Literal[0], /
) -> Tensor[A3, A1, A2, A0, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, A3, *S, T], axis0: Literal[1], axis1: Literal[3], /
) -> Tensor[A0, A3, A2, A1, *S, T]: ...
@overload
def transpose(
    x: Tensor[A0, A1, A2, A3, *S, T], axis0: Literal[3], axis1: Literal[1], /
) -> Tensor[A0, A3, A2, A1, *S, T]: ...
@overload
def transpose(
    x: Tensor[*S, A0, A1, A2, T], axis0: Literal[-3], axis1: Literal[-1], /
) -> Tensor[*S, A2, A1, A0, T]: ...
@overload
def transpose(
    x: Tensor[*S, A0, A1, A2, T], axis0: Literal[-1], axis1: Literal[-3], /
) -> Tensor[*S, A2, A1, A0, T]: ...
@overload
def transpose(
    x: Tensor[*S, A0, A1, A2, T], axis0: Literal[-3], axis1: Literal[-2], /
) -> Tensor[*S, A1, A0, A2, T]: ...
@overload
def transpose(
    x: Tensor[*S, A0, A1, A2, T], axis0: Literal[-2], axis1: Literal[-3], /
) -> Tensor[*S, A1, A0, A2, T]: ...
@overload
def transpose(
    x: Tensor[*S, A0, A1, T], axis0: Literal[-2], axis1: Literal[-1], /
) -> Tensor[*S, A1, A0, T]: ...
@overload
def transpose(
    x: Tensor[*S, A0, A1, T], axis0: Literal[-1], axis1: Literal[-2], /
) -> Tensor[*S, A1, A0, T]: ...
@overload  # of rank 0, which no axis fits: for an ``x`` typed Any it matches beside a
# literal-axis item of another rank, so both checkers give Any, not that item's rank
def transpose(x: Tensor[T], axis0: int, axis1: int, /) -> Tensor[T]: ...
@overload
def transpose(x: Tensor[*S, T], axis0: int, axis1: int, /) -> Any: ...
def transpose(x: Any, axis0: int, axis1: int, /) -> Any:
    """Axes ``axis0`` and ``axis1`` swapped: ``Tensor[2, 3, 4].transpose(0, 2)`` is
    ``Tensor[4, 3, 2]``. A view."""
    a = x._data
    i, j = _ints("transpose", "axes", (axis0, axis1))
    shapes.transpose(a.shape, i, j)
    return result(xp.swapaxes(a, i, j), (x,), (lambda g: xp.swapaxes(g, i, j),))


def unsqueeze(x: Tensor[*S, T], /, axis: int) -> Any:
    """A new axis of size 1 at ``axis`` of the result (``-1`` appends one):
    ``Tensor[2, 3].unsqueeze(1)`` is ``Tensor[2, 1, 3]``. A view."""
    a = x._data
    (ax,) = _ints("unsqueeze", "axis", (axis,))
    i = shapes.new_axis("unsqueeze", a.shape, ax)
    shape = a.shape
    return result(xp.expand_dims(a, i), (x,), (lambda g: g.reshape(shape),))


def squeeze(x: Tensor[*S, T], /, axis: shapes.Axis = None) -> Any:
    """The axes ``axis`` (an int or a tuple) of size 1 removed; every axis of size 1 when
    ``axis`` is None. Squeezing an axis whose size is not 1 is a ShapeError (PyTorch returns
    the tensor unchanged; NumPy raises). A view."""
    a = x._data
    if axis is not None:
        _ints("squeeze", "axes", axis if isinstance(axis, tuple) else (axis,))
    new = _as_shape(shapes.squeeze(a.shape, axis))
    shape = a.shape
    return result(a.reshape(new), (x,), (lambda g: g.reshape(shape),))


@overload
def broadcast_to(x: Tensor[*S, T], shape: Sequence[int], /) -> Any: ...
@overload
def broadcast_to(x: Tensor[*S, T], /, *dims: int) -> Any: ...
def broadcast_to(x: Any, /, *dims: int | Sequence[int]) -> Any:
    """``x`` repeated along axes of size 1 and new leading axes to the sizes ``dims``, by
    NumPy's broadcasting rules (separate ints or one tuple: ``x.expand(y.shape)``); -1 keeps a
    size (PyTorch's ``expand``):
    ``Tensor[3, 1].broadcast_to(2, 3, 4)`` is ``Tensor[2, 3, 4]``. A read-only view; the
    gradient sums over the repeated axes."""
    a = x._data
    new = _as_shape(
        shapes.broadcast_to_sizes(a.shape, _ints("broadcast_to", "sizes", dims, varargs=True))
    )
    shape = a.shape
    return result(xp.broadcast_to(a, new), (x,), (lambda g: unbroadcast(g, shape),))


@overload
def repeat(x: Tensor[*S, T], shape: Sequence[int], /) -> Any: ...
@overload
def repeat(x: Tensor[*S, T], /, *dims: int) -> Any: ...
def repeat(x: Any, /, *dims: int | Sequence[int]) -> Any:
    """``x`` tiled ``dims[i]`` times along each axis (separate ints or one tuple; PyTorch's
    ``Tensor.repeat``, NumPy's ``tile``); more counts than axes add leading axes:
    ``Tensor[3, 1].repeat(2, 1, 4)`` is ``Tensor[2, 3, 4]``. A copy; the gradient adds up the
    copies' gradients."""
    a = x._data
    reps = _ints("repeat", "counts", dims, varargs=True)
    shapes.repeat(a.shape, reps)
    padded = (1,) * (len(reps) - a.ndim) + a.shape
    shape = a.shape

    def grad(g: Any) -> Any:
        pairs = tuple(n for r, d in zip(reps, padded, strict=True) for n in (r, d))
        return g.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2))).reshape(shape)

    return result(xp.tile(a, reps), (x,), (grad,))


@overload
def repeat_interleave(x: Never, /, repeats: int, axis: int | None = None) -> AnyTensor: ...
@overload
def repeat_interleave(x: Tensor[*S, T], /, repeats: int, axis: None = None) -> Tensor[Dyn, T]: ...
@overload
def repeat_interleave(
    x: Tensor[*S, T], /, repeats: int, axis: int
) -> Tensor[*tuple[Dyn, ...], T]: ...
def repeat_interleave(x: Any, /, repeats: Any, axis: Any = None) -> Any:
    """Each element of ``x`` repeated ``repeats`` times in place along ``axis`` (PyTorch's
    ``torch.repeat_interleave`` with an int count): ``Tensor[B, S, D]`` by 2 along axis 1 is
    ``Tensor[B, 2*S, D]``, rows ``0, 0, 1, 1, ...``; ``axis=None`` flattens ``x`` first. A
    copy; each element's gradient adds up its copies'. ``repeats`` must be an int (a tensor
    of counts per element is not supported)."""
    op = "repeat_interleave"
    a = array_of(op, x)
    if isinstance(repeats, bool) or not isinstance(repeats, int | np.integer):
        raise TypeError(
            f"{op}: repeats must be an int (a tensor of counts, one per element, is not "
            f"supported), got {type(repeats).__name__}"
        )
    r = int(repeats)
    ax = None if axis is None else _ints(op, "axis", (axis,))[0]
    out = _as_shape(shapes.repeat_interleave(a.shape, r, ax))
    _validate.bounded(op, "the output", out)
    shape = a.shape
    if ax is None:
        y = xp.repeat(a.reshape(-1), r)
        return result(y, (x,), (lambda g: g.reshape(-1, r).sum(axis=1).reshape(shape),))
    ax %= a.ndim

    def grad(g: Any) -> Any:
        return g.reshape(*shape[:ax], shape[ax], r, *shape[ax + 1 :]).sum(axis=ax + 1)

    return result(xp.repeat(a, r, axis=ax), (x,), (grad,))


def _tensors(op: str, tensors: Sequence[AnyTensor]) -> list[AnyTensor]:
    if not isinstance(tensors, list | tuple):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    items = list(tensors)
    for t in items:
        array_of(op, t, "tensors")
    for t in items[1:]:
        check_same(op, items[0]._data, t._data)
    return items


def concat(tensors: Sequence[AnyTensor], /, axis: int = 0) -> AnyTensor:
    """The tensors joined along ``axis``, whose sizes add up; the other sizes must agree:
    ``concat([Tensor[2, 3], Tensor[4, 3]])`` is ``Tensor[6, 3]``. A list or a tuple of
    tensors of one dtype (PyTorch's ``torch.cat``). A copy."""
    items = _tensors("concat", tensors)
    (ax,) = _ints("concat", "axis", (axis,))
    arrays = [t._data for t in items]
    shapes.concat([a.shape for a in arrays], ax)
    ax = ax % arrays[0].ndim
    bounds = [0]
    for a in arrays:
        bounds.append(bounds[-1] + a.shape[ax])
    lead = (slice(None),) * ax

    def grad_of(k: int) -> Any:
        part = (*lead, slice(bounds[k], bounds[k + 1]))
        return lambda g: g[part]

    out = xp.concatenate(arrays, axis=ax)
    return result(out, items, [grad_of(k) for k in range(len(items))])


def stack(tensors: Sequence[AnyTensor], /, axis: int = 0) -> AnyTensor:
    """Tensors of one shape joined along a new axis ``axis`` of size ``len(tensors)``:
    ``stack([Tensor[2, 3], Tensor[2, 3]], axis=1)`` is ``Tensor[2, 2, 3]``. A copy."""
    items = _tensors("stack", tensors)
    (ax,) = _ints("stack", "axis", (axis,))
    arrays = [t._data for t in items]
    shapes.stack([a.shape for a in arrays], ax)
    ax = shapes.new_axis("stack", arrays[0].shape, ax)
    lead = (slice(None),) * ax

    def grad_of(k: int) -> Any:
        part = (*lead, k)
        return lambda g: g[part]

    out = xp.stack(arrays, axis=ax)
    return result(out, items, [grad_of(k) for k in range(len(items))])


cat = concat
"""PyTorch's name of :func:`concat`."""


@overload
def view(x: Tensor[*S, T], shape: Sequence[int], /) -> Any: ...
@overload
def view(x: Tensor[*S, T], /, *dims: int) -> Any: ...
def view(x: Any, /, *dims: int | Sequence[int]) -> Any:
    """PyTorch's name of :func:`reshape` (tensors are immutable, so a copy where NumPy cannot
    make a view is as good as one)."""
    return _reshaped(x, dims)


def _pieces(x: AnyTensor, ax: int, sizes: Sequence[int]) -> tuple[Any, ...]:
    """``x`` cut along ``ax`` into consecutive views of ``sizes``; each piece's gradient goes
    back into its place in zeros of ``x``'s shape."""
    a = x._data
    lead = (slice(None),) * ax
    out = []
    start = 0
    for size in sizes:
        part = (*lead, slice(start, start + size))

        def grad(g: Any, part: tuple[slice, ...] = part) -> Any:
            full = xp.zeros(a.shape, g.dtype)
            full[part] = g
            return full

        out.append(result(a[part], (x,), (grad,)))
        start += size
    return tuple(out)


def split(
    x: Tensor[*S, T], /, split_size_or_sections: int | Sequence[int], axis: int = 0
) -> tuple[Tensor[*tuple[Dyn, ...], T], ...]:
    """``x`` cut along ``axis`` into pieces of ``split_size_or_sections`` (the last one
    smaller if the size does not divide), or of exactly the sizes in a list, which must add
    up to the axis's size (PyTorch's ``torch.split``). A tuple of views."""
    op = "split"
    (ax,) = _ints(op, "axis", (axis,))
    if isinstance(split_size_or_sections, list | tuple):
        split_arg: int | tuple[int, ...] = _ints(op, "sizes", split_size_or_sections)
    else:
        (split_arg,) = _ints(op, "the split size", (split_size_or_sections,))
    sizes = shapes.split_sizes(op, x._data.shape, split_arg, ax)
    assert sizes is not None
    return _pieces(x, ax % x._data.ndim, _as_shape(tuple(sizes)))


def chunk(
    x: Tensor[*S, T], /, chunks: int, axis: int = 0
) -> tuple[Tensor[*tuple[Dyn, ...], T], ...]:
    """``x`` cut along ``axis`` into pieces of ``ceil(size / chunks)``: there may be fewer
    than ``chunks`` pieces, the last one smaller (PyTorch's ``torch.chunk``). A tuple of
    views."""
    op = "chunk"
    ax, n = _ints(op, "axis", (axis,)) + _ints(op, "chunks", (chunks,))
    sizes = shapes.chunk_sizes(x._data.shape, n, ax)
    assert sizes is not None
    return _pieces(x, ax % x._data.ndim, _as_shape(tuple(sizes)))


# Tapes, as binary ops have them: the copy is traced if x or src is (the two overloads after
# the `Never` ones keep a generic caller's ``T``). An ``x`` typed Any meets the first `Never`
# overload (nothing else fits it): a tensor of unknown rank, where pyright would solve ``*S``
# from Any as one axis and claim rank 1; a ``src`` typed Any, the second: ``x``'s shape, the
# tape unknown.
@overload
def slice_scatter(
    x: Never,
    /,
    src: AnyTensor,
    axis: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> AnyTensor: ...
@overload
def slice_scatter(
    x: Tensor[*S, Any],
    /,
    src: Never,
    axis: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor[*S, Any]: ...
@overload
def slice_scatter(
    x: Tensor[*S, T],
    /,
    src: Tensor[*tuple[Dyn, ...], T] | Tensor[*tuple[Dyn, ...], NoneTape],
    axis: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor[*S, T]: ...
@overload
def slice_scatter(
    x: Tensor[*S, NoneTape],
    /,
    src: Tensor[*tuple[Dyn, ...], T],
    axis: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor[*S, T]: ...
@overload
def slice_scatter(
    x: Tensor[*S, Any],
    /,
    src: AnyTensor,
    axis: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor[*S, OwnedTape]: ...
def slice_scatter(
    x: Any,
    /,
    src: AnyTensor,
    axis: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Any:
    """A copy of ``x`` whose slice ``start:end:step`` along ``axis`` holds ``src`` (PyTorch's
    ``torch.slice_scatter``): the out-of-place update of a key/value cache. ``src`` has the
    slice's shape; the gradient flows to ``x`` outside the slice and to ``src`` inside it."""
    op = "slice_scatter"
    a = x._data
    b = getattr(src, "_data", None)
    if b is None:
        raise TypeError(f"{op}: src must be a tensor, got {type(src).__name__}")
    check_same(op, a, b)
    (ax,) = _ints(op, "axis", (axis,))
    bounds = [
        None if v is None else _ints(op, "start, end and step", (v,))[0] for v in (start, end)
    ]
    (stride,) = _ints(op, "start, end and step", (step,))
    index = slice(bounds[0], bounds[1], stride)
    shapes.slice_scatter(a.shape, b.shape, ax, index)
    lead: tuple[slice, ...] = (slice(None),) * (ax % a.ndim)
    part = (*lead, index)
    out = a.copy()
    out[part] = b

    def grad_x(g: Any) -> Any:
        g = g.copy()
        g[part] = 0
        return g

    return result(out, (x, src), (grad_x, lambda g: g[part]))


# ---- padding, pixel shuffling, flipping --------------------------------------------------------

PadMode = Literal["constant", "reflect", "replicate"]


def _pad_widths(op: str, pad: Sequence[int], mode: object, value: object) -> tuple[int, ...]:
    if not isinstance(pad, tuple | list):
        raise TypeError(f"{op}: pad must be a tuple or list of ints, got {pad!r}")
    widths = _ints(op, "pad sizes", pad)
    if mode not in shapes.PAD_MODES:
        raise ValueError(f"{op}: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{op}: value must be a number, got {value!r}")
    if mode != "constant" and value != 0:
        raise ValueError(f"{op}: value is for mode='constant' only, got value={value!r}")
    return widths


def _edge_sources(n: int, before: int, after: int, mode: str) -> Any:
    """For each position of an axis padded by ``before``/``after``, the input position it
    copies (``reflect``: mirrored without the edge, ``replicate``: the edge repeated)."""
    return xp.pad(xp.arange(n), (before, after), mode="reflect" if mode == "reflect" else "edge")


def pad(
    x: Tensor[*S, T], /, pad: Sequence[int], mode: PadMode = "constant", value: float = 0.0
) -> Any:
    """``x`` padded as PyTorch's ``F.pad``: ``pad`` holds ``(before, after)`` pairs from the
    last axis backwards (``(left, right, top, bottom)`` pads the width, then the height); each
    padded size is ``n + before + after``. ``mode="constant"`` fills with ``value``,
    ``"reflect"`` mirrors the input without repeating its edge (each width smaller than the
    size), ``"replicate"`` repeats the edge. The gradient of a copied position goes back to
    the position it copies."""
    op = "pad"
    a = array_of(op, x)
    widths = _pad_widths(op, pad, mode, value)
    shapes.pad(op, a.shape, widths, mode)
    pairs = [(0, 0)] * a.ndim
    for i in range(len(widths) // 2):
        pairs[a.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    _validate_size(op, a, pairs)
    inner = tuple(slice(b, b + n) for (b, _), n in zip(pairs, a.shape, strict=True))
    if mode == "constant":
        y = xp.pad(a, pairs, mode="constant", constant_values=a.dtype.type(value))
        return result(y, (x,), (lambda g: g[inner],))
    y = xp.pad(a, pairs, mode="reflect" if mode == "reflect" else "edge")

    def grad(g: Any) -> Any:
        for axis, (before, after) in enumerate(pairs):
            if before or after:
                g = _fold_edges(g, axis, a.shape[axis], before, after, mode)
        return g

    return result(y, (x,), (grad,))


def _validate_size(op: str, a: Any, pairs: list[tuple[int, int]]) -> None:
    padded = tuple(n + b + e for n, (b, e) in zip(a.shape, pairs, strict=True))
    _validate.bounded(op, "the padded input", padded)


def _fold_edges(g: Any, axis: int, n: int, before: int, after: int, mode: str) -> Any:
    """The gradient ``g`` of an axis padded by copying, folded back to its ``n`` positions:
    each padded position's gradient added to the position it copies."""
    moved = xp.moveaxis(g, axis, 0)
    out = moved[before : before + n].copy()
    sources = _edge_sources(n, before, after, mode)
    edges = xp.r_[0:before, before + n : before + n + after]
    xp.add.at(out, sources[edges], moved[edges])
    return xp.moveaxis(out, 0, axis)


def _factor(op: str, name: str, factor: object) -> int:
    if isinstance(factor, bool) or not isinstance(factor, int):
        raise TypeError(f"{op}: {name} must be an int, got {factor!r}")
    if factor < 1:
        raise ValueError(f"{op}: {name} must be at least 1, got {factor}")
    return factor


def pixel_shuffle(
    x: Tensor[N, Dyn, Dyn, Dyn, T], /, upscale_factor: int
) -> Tensor[N, Dyn, Dyn, Dyn, T]:
    """``(N, C*r*r, H, W)`` to ``(N, C, H*r, W*r)`` (PyTorch's ``F.pixel_shuffle``): each
    group of ``r*r`` channels becomes an ``r x r`` block of pixels. Its gradient is
    :func:`pixel_unshuffle` of the output's gradient."""
    op = "pixel_shuffle"
    a = array_of(op, x)
    r = _factor(op, "upscale_factor", upscale_factor)
    shapes.pixel_shuffle(op, a.shape, r)
    return result(_shuffled(a, r), (x,), (lambda g: _unshuffled(g, r),))


def pixel_unshuffle(
    x: Tensor[N, Dyn, Dyn, Dyn, T], /, downscale_factor: int
) -> Tensor[N, Dyn, Dyn, Dyn, T]:
    """``(N, C, H*r, W*r)`` to ``(N, C*r*r, H, W)`` (PyTorch's ``F.pixel_unshuffle``), the
    inverse of :func:`pixel_shuffle`; its gradient is :func:`pixel_shuffle` of the output's."""
    op = "pixel_unshuffle"
    a = array_of(op, x)
    r = _factor(op, "downscale_factor", downscale_factor)
    shapes.pixel_unshuffle(op, a.shape, r)
    return result(_unshuffled(a, r), (x,), (lambda g: _shuffled(g, r),))


def _shuffled(a: Any, r: int) -> Any:
    n, c, h, w = a.shape
    blocks = a.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3)
    return blocks.reshape(n, c // (r * r), h * r, w * r)


def _unshuffled(a: Any, r: int) -> Any:
    n, c, h, w = a.shape
    blocks = a.reshape(n, c, h // r, r, w // r, r).transpose(0, 1, 3, 5, 2, 4)
    return blocks.reshape(n, c * r * r, h // r, w // r)


def flip(x: Tensor[*S, T], /, axes: int | Sequence[int]) -> Tensor[*S, T]:
    """``x`` with the order of its elements reversed along each of ``axes`` (PyTorch's
    ``torch.flip``, whose ``dims`` dfdx calls ``axes``); a view. The gradient is flipped
    back."""
    op = "flip"
    a = array_of(op, x)
    listed = axes if isinstance(axes, tuple | list) else (axes,)
    ax = _ints(op, "axes", listed)
    shapes.flip(a.shape, ax)
    return result(xp.flip(a, ax), (x,), (lambda g: xp.flip(g, ax),))
