"""Activations, normalisation, dropout, embedding, convolution, pooling and flattening layers.

Each is built from the ops in :mod:`dfdx.ops`: layer norm is the fused
:func:`dfdx.ops.norm.layer_norm`; batch norm is composed from means, subtraction,
multiplication and ``sqrt``, and its gradients come from those ops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, overload

from typing_extensions import TypeVar

from dfdx import _validate
from dfdx._backend import xp
from dfdx._dtypes import canonical, float32, int64
from dfdx._tensor import NoneTape, Tensor
from dfdx._typing import Dyn, H, L, M, N, S, T
from dfdx.nn._init import weight_and_bias
from dfdx.nn._module import Module
from dfdx.ops import conv, indexing, movement, norm, reduce, unary
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

# A layer's own sizes (its class's type parameters) default to ``Any``, so that an annotation
# without them (``-> Conv2d``, ``self.fc: Linear``) is no ``type-arg`` error under ``--strict``,
# as a bare ``Sequential`` is none. The ops' signatures keep dfdx._typing's, which have no default
# (an unsolved one would be ``Any`` and make overloads ambiguous).
C = TypeVar("C", bound=int, default=Any)
D = TypeVar("D", bound=int, default=Any)
I = TypeVar("I", bound=int, default=Any)
O = TypeVar("O", bound=int, default=Any)
V = TypeVar("V", bound=int, default=Any)
A0 = TypeVar("A0", bound=int, default=Literal[1])
A1 = TypeVar("A1", bound=int, default=Literal[-1])
AX = TypeVar("AX", bound=int, default=Any)
"""An axis a layer keeps in its type (``Unflatten``, ``GLU``)."""
Hyper = TypeVar("Hyper", default=Any)
"""Conv2d's and the pools' other constructor arguments, as the plugin records them (a tuple of
literal pairs) to compute output sizes; ``Any`` without the plugin."""

Pair = int | tuple[int, int]


def _check_arguments(name: str, **arguments: object) -> None:
    """The constructor ``arguments`` of the layer ``name`` checked against the layer table
    (ints, at least each one's minimum): the plugin reports the same at the call."""
    shapes.check_arguments(_described(name), arguments)


def _described(name: str) -> shapes.Layer:
    """The layer table's entry for the class ``name`` of this module."""
    layer = shapes.layer_of(f"{__name__}.{name}")
    assert layer is not None, f"{name} is not in the layer table (shapes/layers.py)"
    return layer


# ---- activations -------------------------------------------------------------------------------


class _TakesInplace(Module):
    """A layer that takes PyTorch's ``inplace`` flag, for code written for PyTorch. dfdx never
    writes into a tensor that an op reads (a tape may still need it), so the result is a new
    tensor either way and the input is left as it was: ``inplace=True`` is accepted and shown
    in the repr, and saves no memory (PyTorch's overwrites the input)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(inplace, bool):
            raise TypeError(f"{type(self).__name__}: inplace must be a bool, got {inplace!r}")
        self.inplace = inplace

    def _inplace_repr(self, before: str = "") -> str:
        """``before`` followed by ``inplace=True`` where it was asked for (PyTorch's repr)."""
        if not self.inplace:
            return before
        return f"{before}, inplace=True" if before else "inplace=True"

    def extra_repr(self) -> str:
        return self._inplace_repr()


class ReLU(_TakesInplace):
    """``max(x, 0)``, elementwise: any shape to the same shape. ``inplace`` is accepted for
    code written for PyTorch: the result is a new tensor either way and the input is left as
    it was (dfdx writes into no tensor an op reads), so it saves no memory."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.relu(x)

    forward = __call__


class GELU(Module):
    """Gaussian error linear unit (``approximate="tanh"`` for the tanh formula)."""

    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        super().__init__()
        self.approximate: Literal["none", "tanh"] = approximate

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.gelu(x, approximate=self.approximate)

    forward = __call__


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, elementwise."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.sigmoid(x)

    forward = __call__


class Tanh(Module):
    """``tanh(x)``, elementwise."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.tanh(x)

    forward = __call__


class SiLU(_TakesInplace):
    """``x * sigmoid(x)`` (swish), elementwise; ``inplace`` as :class:`ReLU`'s."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.silu(x)

    forward = __call__


class Identity(Module):
    """Its input, unchanged: any shape to the same shape. The arguments are ignored, as
    PyTorch's ``nn.Identity`` ignores them (so a switch can build either module)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return x

    forward = __call__


class LeakyReLU(_TakesInplace):
    """``x`` where positive, ``negative_slope * x`` elsewhere (:func:`dfdx.leaky_relu`);
    ``inplace`` as :class:`ReLU`'s."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = _validate.number("LeakyReLU", "negative_slope", negative_slope)

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.leaky_relu(x, self.negative_slope)

    forward = __call__

    def extra_repr(self) -> str:
        return self._inplace_repr(f"negative_slope={self.negative_slope}")


class PReLU(Module, Generic[C]):
    """``x`` where positive, ``weight * x`` elsewhere, with a learnt slope (PyTorch's
    ``nn.PReLU``): one slope shared by every channel (``num_parameters=1``) or one per channel
    of axis 1 (``num_parameters=C``), each starting at ``init``. Any shape to the same shape."""

    weight: Tensor[C, NoneTape]

    def __init__(
        self: PReLU[Any], num_parameters: int = 1, init: float = 0.25, *, dtype: Any = float32
    ) -> None:
        super().__init__()
        _check_arguments("PReLU", num_parameters=num_parameters)
        # PyTorch keeps it as ``num_parameters``, which is dfdx's ``Module.num_parameters()``
        self.num_slopes = num_parameters
        value = _validate.number("PReLU", "init", init)
        self.weight = Tensor(xp.full((num_parameters,), value, dtype=canonical(dtype)))

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        shapes.output_shape(_described("PReLU"), x.size(), (self.num_slopes,))
        return unary.prelu(x, self.weight)

    forward = __call__

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_slopes}"


class ReLU6(_TakesInplace):
    """``min(max(x, 0), 6)``, elementwise (:func:`dfdx.relu6`); ``inplace`` as
    :class:`ReLU`'s."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.relu6(x)

    forward = __call__


class Hardswish(_TakesInplace):
    """``x * relu6(x + 3) / 6``, elementwise (:func:`dfdx.hardswish`); ``inplace`` as
    :class:`ReLU`'s."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.hardswish(x)

    forward = __call__


class Mish(_TakesInplace):
    """``x * tanh(softplus(x))``, elementwise (:func:`dfdx.mish`); ``inplace`` as
    :class:`ReLU`'s."""

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.mish(x)

    forward = __call__


class ELU(_TakesInplace):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere (:func:`dfdx.elu`);
    ``inplace`` as :class:`ReLU`'s."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = _validate.number("ELU", "alpha", alpha)

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return unary.elu(x, self.alpha)

    forward = __call__

    def extra_repr(self) -> str:
        return self._inplace_repr(f"alpha={self.alpha}")


class Softmax(Module):
    """Softmax along ``axis`` (the last by default); the shape is unchanged."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return reduce.softmax(x, axis=self.axis)

    forward = __call__

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class GLU(Module, Generic[AX]):
    """The gated linear unit along ``axis`` (the last by default; PyTorch's ``nn.GLU(dim)``):
    that axis halved, its first half times the sigmoid of its second
    (:func:`dfdx.glu`). The plugin keeps the axis in the type (``GLU[Literal[-1]]``) to
    compute the output's shape; an odd size there is an error."""

    def __init__(self: GLU[Any], axis: int = -1) -> None:
        super().__init__()
        _check_arguments("GLU", axis=axis)
        self.axis = axis

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*tuple[Dyn, ...], T]:
        out: Tensor[*tuple[Dyn, ...], T] = reduce.glu(x, self.axis)
        return out

    forward = __call__

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Dropout(_TakesInplace):
    """Zero each element with probability ``p`` in training mode (scaling the rest by
    ``1 / (1 - p)``); nothing in eval mode. ``rng`` draws the masks; ``inplace`` as
    :class:`ReLU`'s."""

    def __init__(
        self, p: float = 0.5, inplace: bool = False, *, rng: Generator | None = None
    ) -> None:
        super().__init__(inplace)
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = rng

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return indexing.dropout(x, self.p, training=self.training, rng=self.rng)

    forward = __call__

    def extra_repr(self) -> str:
        return self._inplace_repr(f"p={self.p}")


class Flatten(Module, Generic[A0, A1]):
    """Axes ``start_axis`` to ``end_axis`` merged: ``(N, C, H, W)`` to ``(N, C*H*W)`` by
    default (PyTorch's ``nn.Flatten``). The plugin keeps the axes in the type
    (``Flatten[Literal[1], Literal[-1]]``) to compute a Sequential's shapes."""

    def __init__(self: Flatten[Any, Any], start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        axes = {"start_axis": start_axis, "end_axis": end_axis}
        _check_arguments("Flatten", **axes)
        self.start_axis = start_axis
        self.end_axis = end_axis

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*tuple[Dyn, ...], T]:
        out: Tensor[*tuple[Dyn, ...], T] = movement.flatten(x, self.start_axis, self.end_axis)
        return out

    forward = __call__


class Unflatten(Module, Generic[AX, Hyper]):
    """Axis ``axis`` split into ``unflattened_size`` (one size may be -1, solved from the
    others): ``(N, C*H*W)`` to ``(N, C, H, W)`` with ``Unflatten(1, (C, H, W))`` (PyTorch's
    ``nn.Unflatten``, whose ``dim`` is ``axis`` here). The plugin records the axis and the
    sizes in the type to compute a Sequential's shapes."""

    def __init__(
        self: Unflatten[Any, Any], axis: int, unflattened_size: tuple[int, ...] | list[int]
    ) -> None:
        super().__init__()
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, list) else unflattened_size
        _check_arguments("Unflatten", axis=axis, unflattened_size=sizes)
        self.axis = axis
        self.unflattened_size = sizes

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*tuple[Dyn, ...], T]:
        window = {"unflattened_size": self.unflattened_size}
        shape = shapes.output_shape(_described("Unflatten"), x.size(), (self.axis,), window)
        sizes = [d for d in shape or () if isinstance(d, int)]  # all known at run time
        out: Tensor[*tuple[Dyn, ...], T] = movement.reshape(x, *sizes)
        return out

    forward = __call__

    def extra_repr(self) -> str:
        return f"axis={self.axis}, unflattened_size={self.unflattened_size}"


# ---- normalisation -----------------------------------------------------------------------------


class LayerNorm(Module, Generic[D]):
    """Normalise the last axis to mean 0 and variance 1, then scale by ``weight`` and shift
    by ``bias`` (both ``(D,)``): ``Tensor[*B, D, T]`` to ``Tensor[*B, D, T]``."""

    weight: Tensor[D, NoneTape] | None
    bias: Tensor[D, NoneTape] | None

    def __init__(
        self: LayerNorm[Any],
        normalized_shape: int,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        _check_arguments("LayerNorm", normalized_shape=normalized_shape)
        self.normalized_shape = normalized_shape
        self.eps = _validate.positive("LayerNorm", "eps", eps)
        dt = canonical(dtype)
        n = normalized_shape
        self.weight = Tensor(xp.ones((n,), dt)) if elementwise_affine else None
        self.bias = Tensor(xp.zeros((n,), dt)) if elementwise_affine else None

    @overload  # the general signature, then one for an argument typed Any (see Linear's)
    def __call__(self, x: Tensor[*S, D, T]) -> Tensor[*S, D, T]: ...
    @overload
    def __call__(self, x: Tensor[D, T]) -> Tensor[D, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, x: Tensor[*S, D, T]) -> Tensor[*S, D, T]:
        if x.shape[-1:] != (self.normalized_shape,):  # the rule's message: only when it fails
            shapes.output_shape(_described("LayerNorm"), x.size(), (self.normalized_shape,))
        # typed here: with the class's D defaulting to Any, mypy finds the op's overloads
        # ambiguous for self.weight and types the call Any
        out: Tensor[*S, D, T] = norm.layer_norm(
            x, self.normalized_shape, self.weight, self.bias, self.eps
        )
        return out

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class RMSNorm(Module, Generic[D]):
    """Divide the last axis by its root mean square, then scale by ``weight`` (``(D,)``,
    initialised to ones; no bias, as PyTorch's ``nn.RMSNorm``): ``Tensor[*B, D, T]`` to
    ``Tensor[*B, D, T]``. ``eps`` None is the machine epsilon of the input's dtype."""

    weight: Tensor[D, NoneTape] | None

    def __init__(
        self: RMSNorm[Any],
        normalized_shape: int,
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        _check_arguments("RMSNorm", normalized_shape=normalized_shape)
        self.normalized_shape = normalized_shape
        self.eps = None if eps is None else _validate.positive("RMSNorm", "eps", eps)
        n = normalized_shape
        self.weight = Tensor(xp.ones((n,), canonical(dtype))) if elementwise_affine else None

    @overload  # the general signature, then one for an argument typed Any (see Linear's)
    def __call__(self, x: Tensor[*S, D, T]) -> Tensor[*S, D, T]: ...
    @overload
    def __call__(self, x: Tensor[D, T]) -> Tensor[D, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, x: Tensor[*S, D, T]) -> Tensor[*S, D, T]:
        shapes.output_shape(_described("RMSNorm"), x.size(), (self.normalized_shape,))
        out: Tensor[*S, D, T] = norm.rms_norm(x, self.normalized_shape, self.weight, self.eps)
        return out  # typed as LayerNorm's

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class GroupNorm(Module, Generic[C, Hyper]):
    """Normalise each sample's channels in ``num_groups`` groups (each group's channels and
    positions together) to mean 0 and variance 1, then scale by ``weight`` and shift by
    ``bias`` (both ``(C,)``, one per channel): ``(N, C, *)`` to the same shape
    (:func:`dfdx.group_norm`). ``GroupNorm(8, 32)`` is ``GroupNorm[Literal[32], ...]`` for the
    plugin, its last parameter holding ``num_groups``."""

    weight: Tensor[C, NoneTape] | None
    bias: Tensor[C, NoneTape] | None

    def __init__(
        self: GroupNorm[Any, Any],
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        bias: bool = True,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        _check_arguments("GroupNorm", num_groups=num_groups, num_channels=num_channels)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = _validate.positive("GroupNorm", "eps", eps)
        self.affine = affine
        dt = canonical(dtype)
        c = num_channels
        self.weight = Tensor(xp.ones((c,), dt)) if affine else None
        self.bias = Tensor(xp.zeros((c,), dt)) if affine and bias else None

    # The general signature, then one of a rank it covers, for an argument typed Any (``h +
    # emb[:, :, None, None]`` under pyright): see Linear's. The general one first, so that
    # mypy gives a tensor of unknown rank an unknown rank.
    @overload
    def __call__(self, x: Tensor[N, C, *S, T]) -> Tensor[N, C, *S, T]: ...
    @overload
    def __call__(self, x: Tensor[N, C, H, M, T]) -> Tensor[N, C, H, M, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, x: Tensor[N, C, *S, T]) -> Tensor[N, C, *S, T]:
        window = {"num_groups": self.num_groups}
        shapes.output_shape(_described("GroupNorm"), x.size(), (self.num_channels,), window)
        out: Tensor[N, C, *S, T] = norm.group_norm(
            x, self.num_groups, self.weight, self.bias, self.eps
        )
        return out  # typed as LayerNorm's

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class InstanceNorm2d(Module, Generic[C]):
    """Normalise each channel of each sample of ``(N, C, H, W)`` over its positions to mean 0
    and (biased) variance 1 (PyTorch's ``nn.InstanceNorm2d``: :func:`dfdx.group_norm` with one
    group per channel); with ``affine=True``, then scale by ``weight`` and shift by ``bias``
    (both ``(C,)``). PyTorch's default ``affine=False`` is dfdx's; running statistics
    (``track_running_stats=True``) are not kept: each batch is normalised by its own, in
    training and evaluation alike, as PyTorch's default does."""

    weight: Tensor[C, NoneTape] | None
    bias: Tensor[C, NoneTape] | None

    def __init__(
        self: InstanceNorm2d[Any],
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        _check_arguments("InstanceNorm2d", num_features=num_features)
        if track_running_stats is not False:
            raise ValueError(
                "InstanceNorm2d: track_running_stats=True is not supported (each batch is "
                "normalised by its own statistics)"
            )
        if not isinstance(affine, bool):
            raise TypeError(f"InstanceNorm2d: affine must be a bool, got {affine!r}")
        self.num_features = num_features
        self.eps = _validate.positive("InstanceNorm2d", "eps", eps)
        self.momentum = momentum
        self.affine = affine
        dt = canonical(dtype)
        self.weight = Tensor(xp.ones((num_features,), dt)) if affine else None
        self.bias = Tensor(xp.zeros((num_features,), dt)) if affine else None

    def __call__(self, x: Tensor[N, C, I, O, T]) -> Tensor[N, C, I, O, T]:
        shapes.output_shape(_described("InstanceNorm2d"), x.size(), (self.num_features,))
        out: Tensor[N, C, I, O, T] = norm.group_norm(
            x, self.num_features, self.weight, self.bias, self.eps
        )
        return out  # typed as LayerNorm's

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


class _BatchNorm(Module, Generic[C]):
    """Shared by BatchNorm1d and BatchNorm2d: statistics over every axis but the channel
    axis 1. Training mode normalises with the batch's mean and (biased) variance and updates
    ``running_mean``/``running_var`` (unbiased variance) with ``momentum``; eval mode uses the
    running statistics. The statistics are buffers under PyTorch's names: ``running_mean``,
    ``running_var`` and the int64 ``num_batches_tracked``."""

    _layer: shapes.Layer  # its entry in the layer table: the ranks it accepts

    weight: Tensor[C, NoneTape] | None
    bias: Tensor[C, NoneTape] | None
    running_mean: Tensor[C, NoneTape]
    running_var: Tensor[C, NoneTape]
    num_batches_tracked: Tensor[NoneTape]

    def __init__(
        self: _BatchNorm[Any],
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        # the table's entry of BatchNorm1d or BatchNorm2d, a subclass's too (not by ``name``)
        shapes.check_arguments(self._layer, {"num_features": num_features})
        self.num_features = num_features
        self.eps = _validate.positive(name, "eps", eps)
        # None: the cumulative average of every batch so far (PyTorch's momentum=None)
        self.momentum = None if momentum is None else _validate.fraction(name, "momentum", momentum)
        dt = canonical(dtype)
        c = num_features
        self.weight = Tensor(xp.ones((c,), dt)) if affine else None
        self.bias = Tensor(xp.zeros((c,), dt)) if affine else None
        self.register_buffer("running_mean", Tensor(xp.zeros((c,), dt)))
        self.register_buffer("running_var", Tensor(xp.ones((c,), dt)))
        self.register_buffer("num_batches_tracked", Tensor(xp.zeros((), int64)))

    def _check(self, shape: tuple[int, ...]) -> None:
        shapes.output_shape(self._layer, shape, (self.num_features,))

    def _normalise(self, x: Any) -> Any:
        shape = x.shape
        self._check(shape)
        nd = len(shape)
        # Channels last, so that the (C,) weight, bias and statistics broadcast as they are:
        # the parameters must meet the traced input unchanged to receive their gradients.
        if nd > 2:
            x = movement.permute(x, 0, *range(2, nd), 1)
        axes = tuple(range(nd - 1))
        if self.training:
            count = math.prod(shape) // shape[1]
            if count <= 1:
                raise ValueError(
                    f"{type(self).__name__}: needs more than 1 value per channel in training "
                    f"mode, got {shapes.fmt(shape)}"
                )
            mu = reduce.mean(x, axis=axes)
            xc = x - mu
            var = reduce.mean(xc * xc, axis=axes)
            seen = int(self.num_batches_tracked._data)
            m = 1.0 / (seen + 1) if self.momentum is None else self.momentum
            rm, rv = self.running_mean._data, self.running_var._data
            rm *= 1 - m
            rm += m * mu._data
            rv *= 1 - m
            rv += (m * count / (count - 1)) * var._data
            self.num_batches_tracked._data += 1
            y = xc / unary.sqrt(var + self.eps)
        else:
            inv = 1.0 / xp.sqrt(self.running_var._data + self.eps)
            y = (x - self.running_mean) * Tensor(inv.astype(x.dtype))
        if self.weight is not None and self.bias is not None:
            y = y * self.weight + self.bias
        if nd > 2:
            y = movement.permute(y, 0, nd - 1, *range(1, nd - 1))
        return y

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm[C]):
    """Batch norm over ``(N, C)`` or ``(N, C, L)``: the shape is unchanged."""

    def __init__(
        self: BatchNorm1d[Any],
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, dtype=dtype)

    _layer = _described("BatchNorm1d")

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        return self._normalise(x)  # type: ignore[no-any-return]

    forward = __call__


class BatchNorm2d(_BatchNorm[C]):
    """Batch norm over ``(N, C, H, W)``: the shape is unchanged."""

    def __init__(
        self: BatchNorm2d[Any],
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, dtype=dtype)

    _layer = _described("BatchNorm2d")

    def __call__(self, x: Tensor[N, C, I, O, T]) -> Tensor[N, C, I, O, T]:
        return self._normalise(x)  # type: ignore[no-any-return]

    forward = __call__


# ---- lookup ------------------------------------------------------------------------------------


class Embedding(Module, Generic[V, D]):
    """Rows of ``weight`` ``(V, D)`` picked by int64 indices of any shape: ``Tensor[*B]``
    to ``Tensor[*B, D]``. Initialised from a standard normal, as PyTorch's."""

    weight: Tensor[V, D, NoneTape]

    def __init__(
        self: Embedding[Any, Any],
        num_embeddings: int,
        embedding_dim: int,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        from dfdx._creation import _generator

        super().__init__()
        _check_arguments("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        gen = _generator(rng)
        shape = (num_embeddings, embedding_dim)
        self.weight = Tensor(gen.standard_normal(shape).astype(canonical(dtype)))

    @overload  # the general signature, then one for an argument typed Any (see Linear's)
    def __call__(self, indices: Tensor[*S, T]) -> Tensor[*S, D, T]: ...
    @overload
    def __call__(self, indices: Tensor[N, L, T]) -> Tensor[N, L, D, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, indices: Tensor[*S, T]) -> Tensor[*S, D, T]:
        """Traced indices (``indices.trace()``) put the lookup on a tape, so ``weight`` gets
        its gradient (an index has none of its own)."""
        w: Any = self.weight.trace() if indices._tape is not None else self.weight
        flat = indices.reshape(-1) if indices.ndim != 1 else indices
        rows = indexing.index_select(w, 0, flat)
        if indices.ndim == 1:
            return rows  # type: ignore[no-any-return]
        out = movement.reshape(rows, *indices.size(), self.embedding_dim)
        return out  # type: ignore[no-any-return]

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


# ---- convolution and pooling -------------------------------------------------------------------


def _pair(v: Pair) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


Single = int | tuple[int]
"""A 1-d layer's window argument: an int or a 1-tuple (PyTorch takes both)."""


def _single(name: str, arg: str, v: Single) -> int:
    """``v`` as an int; a tuple that is not a 1-tuple is reported as the table's checks do."""
    if isinstance(v, tuple) and len(v) == 1:
        return v[0]
    if isinstance(v, tuple):
        raise ValueError(f"{name}: {arg} must be an int or a 1-tuple, got {v!r}")
    return v


def _checked_pairs(
    name: str, in_channels: int, out_channels: int, groups: int, **window: Pair | PaddingMode
) -> dict[str, tuple[int, int] | PaddingMode]:
    """A 2-d convolution's arguments checked against the layer table; its window as pairs
    (``padding`` may be ``"same"`` or ``"valid"``, kept as it is)."""
    sizes = {"in_channels": in_channels, "out_channels": out_channels, "groups": groups}
    _check_arguments(name, **sizes, **window)
    return {arg: v if isinstance(v, str) else _pair(v) for arg, v in window.items()}


def _checked_singles(
    name: str, in_channels: int, out_channels: int, groups: int, **window: Single | PaddingMode
) -> dict[str, int | PaddingMode]:
    """A 1-d convolution's arguments checked against the layer table; its window as ints
    (``padding`` may be ``"same"`` or ``"valid"``, kept as it is)."""
    ints = {arg: v if isinstance(v, str) else _single(name, arg, v) for arg, v in window.items()}
    sizes = {"in_channels": in_channels, "out_channels": out_channels, "groups": groups}
    _check_arguments(name, **sizes, **ints)
    return ints


W = TypeVar("W", int, tuple[int, int])
"""A convolution's window argument as stored: an int (1-d) or a pair (2-d)."""

PaddingMode = shapes.PaddingMode
"""``padding="same"`` or ``"valid"`` (Conv1d, Conv2d), as PyTorch's."""


class _Conv(Module, Generic[W]):
    """What the convolutions share: their sizes and window stored under PyTorch's names,
    ``weight`` and ``bias`` initialised as PyTorch's, the repr. Each one states its
    signature, its checks (:func:`_checked_pairs` or :func:`_checked_singles`) and its op."""

    in_channels: int
    out_channels: int
    groups: int
    kernel_size: W
    stride: W
    padding: W | PaddingMode
    dilation: W

    def _build(
        self,
        in_channels: int,
        out_channels: int,
        groups: int,
        window: Mapping[str, W | PaddingMode],
        bias: bool,
        dtype: Any,
        rng: Generator | None,
        *,
        transposed: bool = False,
    ) -> tuple[Tensor[*tuple[Any, ...], NoneTape], Tensor[Any, NoneTape] | None]:
        """Store the sizes and ``window``; return ``weight``, ``(out, in / groups, *kernel)``
        (transposed: ``(in, out / groups, *kernel)``), and ``bias``, ``(out,)`` or None."""
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _window_size(window["kernel_size"])
        self.stride = _window_size(window["stride"])
        self.padding = window["padding"]
        self.dilation = _window_size(window["dilation"])
        k = self.kernel_size
        kernel: tuple[int, ...] = (k,) if isinstance(k, int) else k
        channels: tuple[int, int]
        if transposed:
            channels = (in_channels, out_channels // groups)
        else:
            channels = (out_channels, in_channels // groups)
        shape = (*channels, *kernel)
        w, b = weight_and_bias(shape, out_channels if bias else None, canonical(dtype), rng)
        return Tensor(w), None if b is None else Tensor(b)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}"
        )


def _window_size(v: W | PaddingMode) -> W:
    """A window argument other than ``padding``: never a word (the table's checks say so)."""
    assert not isinstance(v, str)
    return v


class Conv2d(_Conv[tuple[int, int]], Generic[I, O, Hyper]):
    """2-d convolution ``(N, I, H, W)`` to ``(N, O, H_out, W_out)``; ``weight`` is
    ``(O, I / groups, kh, kw)`` and ``bias`` ``(O,)``, initialised as PyTorch's. The plugin
    types ``Conv2d(1, 8, 3)`` as ``Conv2d[Literal[1], Literal[8], ...]``, the third parameter
    holding kernel, stride, padding, dilation and groups."""

    weight: Tensor[O, Dyn, Dyn, Dyn, NoneTape]
    bias: Tensor[O, NoneTape] | None

    def __init__(
        self: Conv2d[Any, Any, Any],
        in_channels: int,
        out_channels: int,
        kernel_size: Pair,
        stride: Pair = 1,
        padding: Pair | PaddingMode = 0,
        dilation: Pair = 1,
        groups: int = 1,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        window = _checked_pairs(
            "Conv2d",
            in_channels,
            out_channels,
            groups,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
        )
        self.weight, self.bias = self._build(
            in_channels, out_channels, groups, window, bias, dtype, rng
        )

    def __call__(self, x: Tensor[N, I, Dyn, Dyn, T]) -> Tensor[N, O, Dyn, Dyn, T]:
        out: Tensor[N, O, Dyn, Dyn, T] = conv.conv2d(
            x,
            self.weight,
            self.bias,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
        )
        return out

    forward = __call__


class Conv1d(_Conv[int], Generic[I, O, Hyper]):
    """1-d convolution ``(N, I, L)`` to ``(N, O, L_out)`` with ``L_out = (L + 2 padding -
    dilation (k - 1) - 1) // stride + 1`` (:func:`dfdx.conv1d`); ``weight`` is ``(O, I /
    groups, k)`` and ``bias`` ``(O,)``, initialised as PyTorch's. The plugin types
    ``Conv1d(4, 8, 3)`` as ``Conv1d[Literal[4], Literal[8], ...]``, the third parameter
    holding kernel, stride, padding, dilation and groups."""

    weight: Tensor[O, Dyn, Dyn, NoneTape]
    bias: Tensor[O, NoneTape] | None

    def __init__(
        self: Conv1d[Any, Any, Any],
        in_channels: int,
        out_channels: int,
        kernel_size: Single,
        stride: Single = 1,
        padding: Single | PaddingMode = 0,
        dilation: Single = 1,
        groups: int = 1,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        window = _checked_singles(
            "Conv1d",
            in_channels,
            out_channels,
            groups,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
        )
        self.weight, self.bias = self._build(
            in_channels, out_channels, groups, window, bias, dtype, rng
        )

    def __call__(self, x: Tensor[N, I, Dyn, T]) -> Tensor[N, O, Dyn, T]:
        out: Tensor[N, O, Dyn, T] = conv.conv1d(
            x,
            self.weight,
            self.bias,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
        )
        return out

    forward = __call__


class ConvTranspose1d(_Conv[int], Generic[I, O, Hyper]):
    """1-d transposed convolution ``(N, I, L)`` to ``(N, O, L_out)`` with ``L_out = (L - 1)
    stride - 2 padding + dilation (k - 1) + output_padding + 1`` (:func:`dfdx.conv_transpose1d`);
    ``weight`` is ``(I, O / groups, k)`` and ``bias`` ``(O,)``, initialised as PyTorch's
    ``nn.ConvTranspose1d``."""

    weight: Tensor[I, Dyn, Dyn, NoneTape]
    bias: Tensor[O, NoneTape] | None

    def __init__(
        self: ConvTranspose1d[Any, Any, Any],
        in_channels: int,
        out_channels: int,
        kernel_size: Single,
        stride: Single = 1,
        padding: Single = 0,
        output_padding: Single = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Single = 1,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        window = _checked_singles(
            "ConvTranspose1d",
            in_channels,
            out_channels,
            groups,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
        )
        self.output_padding = _window_size(window["output_padding"])
        self.weight, self.bias = self._build(
            in_channels, out_channels, groups, window, bias, dtype, rng, transposed=True
        )

    def __call__(self, x: Tensor[N, I, Dyn, T]) -> Tensor[N, O, Dyn, T]:
        out: Tensor[N, O, Dyn, T] = conv.conv_transpose1d(
            x,
            self.weight,
            self.bias,
            stride=self.stride,
            padding=_window_size(self.padding),
            output_padding=self.output_padding,
            dilation=self.dilation,
            groups=self.groups,
        )
        return out

    forward = __call__


class MaxPool2d(Module, Generic[Hyper]):
    """The largest value of each window: ``(N, C, H, W)`` to ``(N, C, H_out, W_out)``
    (:func:`dfdx.max_pool2d`; ``ceil_mode=True`` rounds the output size up)."""

    def __init__(
        self: MaxPool2d[Any],
        kernel_size: Pair,
        stride: Pair | None = None,
        padding: Pair = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        window = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
        _check_arguments("MaxPool2d", **window, ceil_mode=ceil_mode)
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.ceil_mode = ceil_mode

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        return conv.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    forward = __call__


class AvgPool2d(Module, Generic[Hyper]):
    """The mean of each window: ``(N, C, H, W)`` to ``(N, C, H_out, W_out)``
    (:func:`dfdx.avg_pool2d`; ``ceil_mode=True`` rounds the output size up)."""

    def __init__(
        self: AvgPool2d[Any],
        kernel_size: Pair,
        stride: Pair | None = None,
        padding: Pair = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        window = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
        _check_arguments("AvgPool2d", **window, ceil_mode=ceil_mode)
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.ceil_mode = ceil_mode

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        return conv.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    forward = __call__


class _Pool1d(Module, Generic[Hyper]):
    """What the 1-d pools share: PyTorch's arguments, checked against the layer table, and
    kept under their names."""

    def __init__(
        self,
        kernel_size: Single,
        stride: Single | None = None,
        padding: Single = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _single(name, "kernel_size", kernel_size)
        self.stride = None if stride is None else _single(name, "stride", stride)
        self.padding = _single(name, "padding", padding)
        window = {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding}
        _check_arguments(name, **window, ceil_mode=ceil_mode)
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_Pool1d[Hyper]):
    """The largest value of each window: ``(N, C, L)`` to ``(N, C, L_out)`` with ``L_out =
    (L + 2 padding - kernel_size) // stride + 1`` (:func:`dfdx.max_pool1d`; ``stride``
    defaults to ``kernel_size``, ``ceil_mode=True`` rounds up)."""

    def __init__(
        self: MaxPool1d[Any],
        kernel_size: Single,
        stride: Single | None = None,
        padding: Single = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)

    def __call__(self, x: Tensor[N, C, Dyn, T]) -> Tensor[N, C, Dyn, T]:
        return conv.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    forward = __call__


class AvgPool1d(_Pool1d[Hyper]):
    """The mean of each window, padding counted as zeros: ``(N, C, L)`` to ``(N, C, L_out)``
    (:func:`dfdx.avg_pool1d`; sizes as :class:`MaxPool1d`'s)."""

    def __init__(
        self: AvgPool1d[Any],
        kernel_size: Single,
        stride: Single | None = None,
        padding: Single = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)

    def __call__(self, x: Tensor[N, C, Dyn, T]) -> Tensor[N, C, Dyn, T]:
        return conv.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    forward = __call__


class ConvTranspose2d(_Conv[tuple[int, int]], Generic[I, O, Hyper]):
    """2-d transposed convolution ``(N, I, H, W)`` to ``(N, O, H_out, W_out)`` with
    ``H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1``
    (:func:`dfdx.conv_transpose2d`); ``weight`` is ``(I, O / groups, kh, kw)`` and ``bias``
    ``(O,)``, initialised as PyTorch's ``nn.ConvTranspose2d``."""

    weight: Tensor[I, Dyn, Dyn, Dyn, NoneTape]
    bias: Tensor[O, NoneTape] | None

    def __init__(
        self: ConvTranspose2d[Any, Any, Any],
        in_channels: int,
        out_channels: int,
        kernel_size: Pair,
        stride: Pair = 1,
        padding: Pair = 0,
        output_padding: Pair = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Pair = 1,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        window = _checked_pairs(
            "ConvTranspose2d",
            in_channels,
            out_channels,
            groups,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
        )
        self.output_padding = _window_size(window["output_padding"])
        self.weight, self.bias = self._build(
            in_channels, out_channels, groups, window, bias, dtype, rng, transposed=True
        )

    def __call__(self, x: Tensor[N, I, Dyn, Dyn, T]) -> Tensor[N, O, Dyn, Dyn, T]:
        out: Tensor[N, O, Dyn, Dyn, T] = conv.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            stride=self.stride,
            padding=_window_size(self.padding),
            output_padding=self.output_padding,
            dilation=self.dilation,
            groups=self.groups,
        )
        return out

    forward = __call__


class AdaptiveAvgPool2d(Module, Generic[Hyper]):
    """``(N, C, H, W)`` averaged to ``(N, C, *output_size)`` over PyTorch's adaptive bins
    (:func:`dfdx.adaptive_avg_pool2d`); ``AdaptiveAvgPool2d(1)`` is the global average
    pool."""

    def __init__(self: AdaptiveAvgPool2d[Any], output_size: Pair) -> None:
        super().__init__()
        _check_arguments("AdaptiveAvgPool2d", output_size=output_size)
        self.output_size = output_size

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        return conv.adaptive_avg_pool2d(x, self.output_size)

    forward = __call__

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptivePool1d(Module, Generic[Hyper]):
    """What the adaptive 1-d pools share: ``output_size``, checked against the layer table."""

    def __init__(self, output_size: Single) -> None:
        super().__init__()
        name = type(self).__name__
        self.output_size = _single(name, "output_size", output_size)
        _check_arguments(name, output_size=self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool1d[Hyper]):
    """``(N, C, L)`` averaged to ``(N, C, output_size)`` over PyTorch's adaptive bins
    (:func:`dfdx.adaptive_avg_pool1d`); ``AdaptiveAvgPool1d(1)`` is the global average
    pool."""

    def __init__(self: AdaptiveAvgPool1d[Any], output_size: Single) -> None:
        super().__init__(output_size)

    def __call__(self, x: Tensor[N, C, Dyn, T]) -> Tensor[N, C, Dyn, T]:
        return conv.adaptive_avg_pool1d(x, self.output_size)

    forward = __call__


class AdaptiveMaxPool1d(_AdaptivePool1d[Hyper]):
    """The largest value of each of PyTorch's adaptive bins: ``(N, C, L)`` to ``(N, C,
    output_size)`` (:func:`dfdx.adaptive_max_pool1d`; no ``return_indices``)."""

    def __init__(self: AdaptiveMaxPool1d[Any], output_size: Single) -> None:
        super().__init__(output_size)

    def __call__(self, x: Tensor[N, C, Dyn, T]) -> Tensor[N, C, Dyn, T]:
        return conv.adaptive_max_pool1d(x, self.output_size)

    forward = __call__


class Upsample(Module, Generic[Hyper]):
    """``(N, C, H, W)`` upsampled by whole ``scale_factor``s (:func:`dfdx.upsample2d`) or
    resized to ``size`` (keyword; :func:`dfdx.interpolate`), one of the two:
    ``mode="nearest"`` or ``"bilinear"`` with PyTorch's ``align_corners``."""

    def __init__(
        self: Upsample[Any],
        scale_factor: Pair | None = None,
        mode: Literal["nearest", "bilinear"] = "nearest",
        align_corners: bool | None = None,
        *,
        size: Pair | None = None,
    ) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        given = {"scale_factor": scale_factor, "size": size}
        _check_arguments("Upsample", **{k: v for k, v in given.items() if v is not None})
        if mode not in ("nearest", "bilinear"):
            raise ValueError(f"Upsample: mode must be 'nearest' or 'bilinear', got {mode!r}")
        self.scale_factor = scale_factor
        self.size = size
        self.mode: Literal["nearest", "bilinear"] = mode
        self.align_corners = align_corners

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        if self.size is not None:
            return conv.interpolate(x, self.size, None, self.mode, self.align_corners)
        assert self.scale_factor is not None
        return conv.upsample2d(x, self.scale_factor, self.mode, self.align_corners)

    forward = __call__

    def extra_repr(self) -> str:
        if self.size is not None:
            return f"size={self.size}, mode={self.mode!r}"
        return f"scale_factor={self.scale_factor}, mode={self.mode!r}"


# ---- padding -----------------------------------------------------------------------------------

Sides = int | tuple[int, int, int, int]


class _Pad2d(Module, Generic[Hyper]):
    """Shared by the 2-d padding layers: ``padding`` an int (every side) or ``(left, right,
    top, bottom)``, as PyTorch's; ``(N, C, H, W)`` to ``(N, C, H + top + bottom, W + left +
    right)`` (:func:`dfdx.pad`)."""

    _mode: movement.PadMode

    def __init__(self, padding: Sides) -> None:
        super().__init__()
        name = type(self).__name__
        shapes.check_arguments(_described(name), {"padding": padding})
        self.padding: tuple[int, int, int, int] = (
            padding if isinstance(padding, tuple) else (padding,) * 4
        )

    def _padded(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        window = {"padding": self.padding}
        shapes.output_shape(_described(type(self).__name__), x.size(), (), window)
        out: Tensor[N, C, Dyn, Dyn, T] = movement.pad(x, self.padding, self._mode)
        return out

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d[Hyper]):
    """``(N, C, H, W)`` padded by the input's mirror image, its edge not repeated (PyTorch's
    ``nn.ReflectionPad2d``): each width must be smaller than the size it pads."""

    _mode = "reflect"

    def __init__(self: ReflectionPad2d[Any], padding: Sides) -> None:
        super().__init__(padding)

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        return self._padded(x)

    forward = __call__


class ReplicationPad2d(_Pad2d[Hyper]):
    """``(N, C, H, W)`` padded by repeating its edge (PyTorch's ``nn.ReplicationPad2d``)."""

    _mode = "replicate"

    def __init__(self: ReplicationPad2d[Any], padding: Sides) -> None:
        super().__init__(padding)

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        return self._padded(x)

    forward = __call__


class ZeroPad2d(_Pad2d[Hyper]):
    """``(N, C, H, W)`` padded with zeros (PyTorch's ``nn.ZeroPad2d``)."""

    _mode = "constant"

    def __init__(self: ZeroPad2d[Any], padding: Sides) -> None:
        super().__init__(padding)

    def __call__(self, x: Tensor[N, C, Dyn, Dyn, T]) -> Tensor[N, C, Dyn, Dyn, T]:
        return self._padded(x)

    forward = __call__


# ---- pixel shuffling ---------------------------------------------------------------------------


class PixelShuffle(Module, Generic[Hyper]):
    """``(N, C*r*r, H, W)`` to ``(N, C, H*r, W*r)`` (:func:`dfdx.pixel_shuffle`, PyTorch's
    ``nn.PixelShuffle``): each group of ``r*r`` channels becomes an ``r x r`` block."""

    def __init__(self: PixelShuffle[Any], upscale_factor: int) -> None:
        super().__init__()
        _check_arguments("PixelShuffle", upscale_factor=upscale_factor)
        self.upscale_factor = upscale_factor

    def __call__(self, x: Tensor[N, Dyn, Dyn, Dyn, T]) -> Tensor[N, Dyn, Dyn, Dyn, T]:
        window = {"upscale_factor": self.upscale_factor}
        shapes.output_shape(_described("PixelShuffle"), x.size(), (), window)
        return movement.pixel_shuffle(x, self.upscale_factor)

    forward = __call__

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module, Generic[Hyper]):
    """``(N, C, H*r, W*r)`` to ``(N, C*r*r, H, W)`` (:func:`dfdx.pixel_unshuffle`,
    PyTorch's ``nn.PixelUnshuffle``), the inverse of :class:`PixelShuffle`."""

    def __init__(self: PixelUnshuffle[Any], downscale_factor: int) -> None:
        super().__init__()
        _check_arguments("PixelUnshuffle", downscale_factor=downscale_factor)
        self.downscale_factor = downscale_factor

    def __call__(self, x: Tensor[N, Dyn, Dyn, Dyn, T]) -> Tensor[N, Dyn, Dyn, Dyn, T]:
        window = {"downscale_factor": self.downscale_factor}
        shapes.output_shape(_described("PixelUnshuffle"), x.size(), (), window)
        return movement.pixel_unshuffle(x, self.downscale_factor)

    forward = __call__

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
