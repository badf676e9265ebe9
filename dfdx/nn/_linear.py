"""``Linear``: ``y = x @ weight.T + bias`` over the last axis, for any leading axes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, TypeVarTuple, cast

from dfdx._backend import Array, xp
from dfdx._dtypes import canonical, check_float, check_same, float32
from dfdx._tensor import NoneTape, OwnedTape, Tensor
from dfdx.nn._init import fan_in_bound, kaiming_uniform, uniform
from dfdx.nn._module import Module
from dfdx.ops._op import result
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
S = TypeVarTuple("S")
T = TypeVar("T", NoneTape, OwnedTape)


def _size(op: str, name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{op}: {name} must be an int >= 0, got {n!r}")
    return n


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias``: ``x`` ``(*B, in)``, ``weight`` ``(out, in)``, ``bias``
    ``(out,)``; the result is ``(*B, out)``.

    One op with its own backward rather than ``transpose``, ``matmul`` and ``add``: the weight
    keeps PyTorch's ``(out, in)`` layout, and an untraced parameter receives its gradient only
    where it meets the traced input itself (a transposed copy would take the gradient instead).
    Its speed is that of the composed ops (two or three BLAS calls either way)."""
    a, w = x._data, weight._data
    check_float("linear", a)
    check_same("linear", a, w)
    if a.ndim == 0 or a.shape[-1] != w.shape[1]:
        shapes.linear(a.shape, w.shape[1], w.shape[0])
    a2 = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    out = xp.dot(a2, w.T)
    if bias is not None:
        out += bias._data
    lead = a.shape[:-1]
    if a.ndim != 2:
        out = out.reshape(*lead, w.shape[0])

    def grad_x(g: Array) -> Array:
        g2 = g.reshape(-1, w.shape[0]) if g.ndim != 2 else g
        return xp.dot(g2, w).reshape(a.shape)  # type: ignore[no-any-return]

    def grad_w(g: Array) -> Array:
        g2 = g.reshape(-1, w.shape[0]) if g.ndim != 2 else g
        return xp.dot(g2.T, a2)  # type: ignore[no-any-return]

    if bias is None:
        return result(out, (x, weight), (grad_x, grad_w))

    def grad_b(g: Array) -> Array:
        return g.reshape(-1, w.shape[0]).sum(axis=0)  # type: ignore[no-any-return]

    return result(out, (x, weight, bias), (grad_x, grad_w, grad_b))


class Linear(Module, Generic[I, O]):
    """A fully connected layer: ``Tensor[*B, I, T]`` to ``Tensor[*B, O, T]``.

    ``weight`` is ``(O, I)`` and ``bias`` ``(O,)``, as PyTorch's, initialised as PyTorch
    does (uniform on ``+-1/sqrt(I)``) from ``rng`` or the generator of :func:`dfdx.manual_seed`.
    With the plugin ``Linear(784, 10)`` is a ``Linear[Literal[784], Literal[10]]``; without
    it, annotate the field (``fc: Linear[L[784], L[10]] = Linear(784, 10)``).
    """

    weight: Tensor[O, I, NoneTape]
    bias: Tensor[O, NoneTape] | None

    def __init__(
        self: Linear[Any, Any],
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        self.in_features = _size("Linear", "in_features", in_features)
        self.out_features = _size("Linear", "out_features", out_features)
        dt = canonical(dtype)
        shape = (out_features, in_features)
        self.weight = Tensor(kaiming_uniform(shape, in_features, dt, rng))
        bound = fan_in_bound(in_features)
        self.bias = Tensor(uniform((out_features,), bound, dt, rng)) if bias else None

    def forward(self, x: Tensor[*S, I, T]) -> Tensor[*S, O, T]:
        """``x @ weight.T + bias`` over the last axis."""
        return cast("Tensor[*S, O, T]", linear(x, self.weight, self.bias))

    def __call__(self, x: Tensor[*S, I, T]) -> Tensor[*S, O, T]:
        return cast("Tensor[*S, O, T]", linear(x, self.weight, self.bias))

    def extra_repr(self) -> str:
        b = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={b}"
