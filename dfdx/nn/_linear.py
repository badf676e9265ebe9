"""``Linear``: ``y = x @ weight.T + bias`` over the last axis, for any leading axes (the op
:func:`dfdx.linear` with the layer's parameters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, overload

from typing_extensions import TypeVar

from dfdx._dtypes import canonical, float32
from dfdx._tensor import NoneTape, Tensor
from dfdx._typing import S, T
from dfdx.nn._init import weight_and_bias
from dfdx.nn._module import Module
from dfdx.ops.linalg import linear
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

# A layer's own sizes (its class's type parameters) default to ``Any``, so that an annotation
# without them (``-> Conv2d``, ``self.fc: Linear``) is no ``type-arg`` error under ``--strict``,
# as a bare ``Sequential`` is none. The ops' signatures keep dfdx._typing's, which have no default
# (an unsolved one would be ``Any`` and make overloads ambiguous).
I = TypeVar("I", bound=int, default=Any)
O = TypeVar("O", bound=int, default=Any)


def _size(op: str, name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{op}: {name} must be an int >= 0, got {n!r}")
    return n


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
        shape = (out_features, in_features)
        w, b = weight_and_bias(shape, out_features if bias else None, canonical(dtype), rng)
        self.weight = Tensor(w)
        self.bias = None if b is None else Tensor(b)

    def forward(self, x: Tensor[*S, I, T]) -> Tensor[*S, O, T]:
        """``x @ weight.T + bias`` over the last axis (:func:`dfdx.linear`)."""
        return self(x)

    # The general signature, then one of a rank it already covers: an argument typed Any (an
    # untyped helper's result, ``x[:, :, None, None]`` under pyright) fits both with results
    # of different ranks, so pyright gives Any where the general one alone fixes ``*S`` as one
    # axis (a false error at the next layer). A typed argument, or a misfit, gets the first.
    @overload
    def __call__(self, x: Tensor[*S, I, T]) -> Tensor[*S, O, T]: ...
    @overload
    def __call__(self, x: Tensor[I, T]) -> Tensor[O, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, x: Tensor[*S, I, T]) -> Tensor[*S, O, T]:
        shape = getattr(x, "shape", None)
        w = self.weight.shape
        if shape is not None and shape[-1:] != w[1:]:  # the layer's message, not linear's
            shapes.linear(shape, w[1], w[0])
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        b = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={b}"
