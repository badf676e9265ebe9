# pyright: reportOverlappingOverload=false
"""Matrix products."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from dfdx._autodiff import unbroadcast
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, Bs, K, M, N, T
from dfdx.ops._op import result
from dfdx_mypy_plugin.shapes import matmul as matmul_shape

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

# Without the plugin: exact types for a matrix (or a batch of them) times a matrix; any other
# ranks (vectors, batched right operands) fall back to an unknown shape. A 2-d @ 2-d with
# different inner sizes matches no overload, so both checkers report it even without the plugin.


@overload
def matmul(
    x: Tensor[*Bs, M, K, T], y: Tensor[K, N, T] | Tensor[K, N, NoneTape], /
) -> Tensor[*Bs, M, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, M, K, NoneTape], y: Tensor[K, N, T], /) -> Tensor[*Bs, M, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, M, K, Any], y: Tensor[K, N, Any], /) -> Tensor[*Bs, M, N, OwnedTape]: ...
@overload
def matmul(
    x: Tensor[Any, Any] | Tensor[Any, Any, Any, *tuple[Any, ...], Any], y: AnyTensor, /
) -> Any: ...
@overload
def matmul(  # type: ignore[overload-cannot-match]  # mypy reads Any-rank as covering 2-d
    x: AnyTensor, y: Tensor[Any, Any] | Tensor[Any, Any, Any, *tuple[Any, ...], Any], /
) -> Any: ...
def matmul(x: Any, y: Any, /) -> Any:
    """``x @ y`` with NumPy's rules: a 1-d operand is a vector, and the axes before the last
    two are batch axes that broadcast."""
    a, b = x._data, y._data
    check_float("matmul", a)
    check_same("matmul", a, b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        matmul_shape(a.shape, b.shape)
    out = xp.matmul(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return result(out, (x, y), (lambda g: g @ b.T, lambda g: a.T @ g))
    return result(out, (x, y), (lambda g: _grad_left(g, a, b), lambda g: _grad_right(g, a, b)))


def _as_matrices(a: Array, b: Array, g: Array) -> tuple[Array, Array, Array]:
    """Vectors promoted to matrices as NumPy's matmul does, and ``g`` to match."""
    if a.ndim == 1:
        a = a[None, :]
        g = g[..., None, :]
    if b.ndim == 1:
        b = b[:, None]
        g = g[..., None]
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
