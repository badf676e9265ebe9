# pyright: reportOverlappingOverload=false
"""Matrix products."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from dfdx._autodiff import unbroadcast
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, Bs, K, N, T
from dfdx.ops._op import result
from dfdx_mypy_plugin.shapes import matmul as matmul_shape

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

# Without the plugin: exact types for anything (a vector, a matrix, a batch of matrices) times a
# matrix: ``Tensor[*Bs, K] @ Tensor[K, N] -> Tensor[*Bs, N]`` holds for every rank of the left
# operand, and lets a rank-polymorphic body (``x: Tensor[*S, I, T]`` times ``Tensor[I, O, ...]``)
# check in both checkers. A right operand that is not 2-d (a vector, a batch) falls back to an
# unknown shape. Any left operand times a matrix with a different inner size matches no
# overload, so both checkers report it even without the plugin. One overload per tape pair (no
# union in a parameter: mypy would infer ``N`` as Never through it).


@overload
def matmul(x: Tensor[*Bs, K, T], y: Tensor[K, N, T], /) -> Tensor[*Bs, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, K, T], y: Tensor[K, N, NoneTape], /) -> Tensor[*Bs, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, K, NoneTape], y: Tensor[K, N, T], /) -> Tensor[*Bs, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, K, Any], y: Tensor[K, N, Any], /) -> Tensor[*Bs, N, OwnedTape]: ...
@overload
def matmul(
    x: AnyTensor, y: Tensor[Any, Any] | Tensor[Any, Any, Any, *tuple[Any, ...], Any], /
) -> Any: ...
def matmul(x: Any, y: Any, /) -> Any:
    """``x @ y`` with NumPy's rules: a 1-d operand is a vector, and the axes before the last
    two are batch axes that broadcast."""
    a, b = getattr(x, "_data", None), getattr(y, "_data", None)
    if a is None or b is None:
        other = y if a is not None else x
        raise TypeError(f"matmul: expected tensors, got {type(other).__name__}")
    check_float("matmul", a)
    check_same("matmul", a, b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        matmul_shape(a.shape, b.shape)
    if a.ndim == 2 and b.ndim == 2:
        # dot, not matmul: NumPy's matmul misses BLAS for some 2-d shapes, such as the outer
        # product (784, 1) @ (1, 256) of a batch-1 weight gradient (~6x slower than dot).
        out = xp.dot(a, b)
        return result(out, (x, y), (lambda g: xp.dot(g, b.T), lambda g: xp.dot(a.T, g)))
    out = xp.matmul(a, b)
    return result(out, (x, y), (lambda g: _grad_left(g, a, b), lambda g: _grad_right(g, a, b)))


def _as_matrices(a: Array, b: Array, g: Array) -> tuple[Array, Array, Array]:
    """Vectors promoted to matrices as NumPy's matmul does, and ``g`` to match. The right
    operand goes first: for vector @ vector, ``g`` is 0-d and needs its column axis before
    its row axis can be inserted."""
    if b.ndim == 1:
        b = b[:, None]
        g = g[..., None]
    if a.ndim == 1:
        a = a[None, :]
        g = g[..., None, :]
    return a, b, g


def _grad_left(g: Array, a: Array, b: Array) -> Array:
    _a2, b2, g2 = _as_matrices(a, b, g)
    ga = xp.matmul(g2, xp.swapaxes(b2, -1, -2))
    if a.ndim == 1:
        ga = ga[..., 0, :]
    return unbroadcast(ga, a.shape)


def _grad_right(g: Array, a: Array, b: Array) -> Array:
    a2, _b2, g2 = _as_matrices(a, b, g)
    gb = xp.matmul(xp.swapaxes(a2, -1, -2), g2)
    if b.ndim == 1:
        gb = gb[..., 0]
    return unbroadcast(gb, b.shape)
