"""Positional embeddings added to a ``(..., L, D)`` sequence: learned (a ``(max_len, D)``
table, PyTorch's ``nn.Embedding`` of positions) and sinusoidal ("Attention Is All You
Need", no parameters)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Generic, overload

from typing_extensions import TypeVar

from dfdx._backend import Array, xp
from dfdx._dtypes import canonical, float32
from dfdx._tensor import NoneTape, Tensor
from dfdx._typing import Bs, L, T
from dfdx.nn._module import Module
from dfdx.ops import indexing
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

# A layer's own sizes (its class's type parameters) default to ``Any``, so that an annotation
# without them (``-> Conv2d``, ``self.fc: Linear``) is no ``type-arg`` error under ``--strict``,
# as a bare ``Sequential`` is none. The ops' signatures keep dfdx._typing's, which have no default
# (an unsolved one would be ``Any`` and make overloads ambiguous).
D = TypeVar("D", bound=int, default=Any)


def _positive(name: str, what: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{name}: {what} must be an int > 0, got {n!r}")
    return n


def _check(name: str, shape: tuple[int, ...], d_model: int, max_len: int) -> int:
    """The sequence length of ``(..., L, d_model)``; at most ``max_len``."""
    shapes.positional_input(name, shape, d_model)
    n = shape[-2]
    if n > max_len:
        raise shapes.ShapeError(
            f"{name}: sequence length {n} is more than max_len {max_len} "
            f"(input {shapes.fmt(shape)})"
        )
    return n


def sinusoidal_table(max_len: int, d_model: int, dtype: Any = float32) -> Array:
    """``(max_len, d_model)``: ``sin(pos / 10000 ** (2i / d))`` at even features ``2i``,
    ``cos`` of the same at odd features ``2i + 1``."""
    pos = xp.arange(max_len, dtype=xp.float64)[:, None]
    freq = xp.exp(xp.arange(0, d_model, 2, dtype=xp.float64) * (-math.log(10000.0) / d_model))
    table = xp.zeros((max_len, d_model), dtype=xp.float64)
    table[:, 0::2] = xp.sin(pos * freq)
    table[:, 1::2] = xp.cos(pos * freq[: d_model // 2])
    return table.astype(canonical(dtype))


class SinusoidalPositionalEncoding(Module, Generic[D]):
    """``x + pe[:L]`` for ``x`` ``Tensor[*B, L, D]``, ``pe`` the fixed sinusoidal table of
    :func:`sinusoidal_table` (``(max_len, d_model)`` in ``dtype``); the shape is unchanged.
    The table is a non-persistent buffer, as in PyTorch's tutorials: no parameters, nothing
    saved, converted by ``to()``; an input of another dtype gets the table in its dtype."""

    pe: Tensor[Any, Any, NoneTape]

    def __init__(
        self: SinusoidalPositionalEncoding[Any],
        d_model: int,
        max_len: int = 5000,
        *,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        self.d_model = _positive("SinusoidalPositionalEncoding", "d_model", d_model)
        self.max_len = _positive("SinusoidalPositionalEncoding", "max_len", max_len)
        table: Tensor[Any, Any, NoneTape] = Tensor(sinusoidal_table(max_len, d_model, dtype))
        self.register_buffer("pe", table, persistent=False)

    @overload  # the general signature, then one for an argument typed Any (see Linear's)
    def __call__(self, x: Tensor[*Bs, L, D, T]) -> Tensor[*Bs, L, D, T]: ...
    @overload
    def __call__(self, x: Tensor[L, D, T]) -> Tensor[L, D, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, x: Tensor[*Bs, L, D, T]) -> Tensor[*Bs, L, D, T]:
        name = f"SinusoidalPositionalEncoding[{self.d_model}]"
        n = _check(name, x.size(), self.d_model, self.max_len)
        table = self.pe._data[:n]
        if table.dtype != x.dtype:
            table = table.astype(x.dtype)
        return x + Tensor(table)

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.d_model}, max_len={self.max_len}"


class LearnedPositionalEmbedding(Module, Generic[D]):
    """``x + weight[:L]`` for ``x`` ``Tensor[*B, L, D]``: ``weight`` ``(max_len, D)`` is a
    trained table of positions, initialised from a standard normal (as ``nn.Embedding``)."""

    weight: Tensor[Any, D, NoneTape]

    def __init__(
        self: LearnedPositionalEmbedding[Any],
        max_len: int,
        d_model: int,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        from dfdx._creation import _generator

        super().__init__()
        self.max_len = _positive("LearnedPositionalEmbedding", "max_len", max_len)
        self.d_model = _positive("LearnedPositionalEmbedding", "d_model", d_model)
        table = _generator(rng).standard_normal((max_len, d_model))
        self.weight = Tensor(table.astype(canonical(dtype)))

    @overload  # the general signature, then one for an argument typed Any (see Linear's)
    def __call__(self, x: Tensor[*Bs, L, D, T]) -> Tensor[*Bs, L, D, T]: ...
    @overload
    def __call__(self, x: Tensor[L, D, T]) -> Tensor[L, D, T]: ...  # pyright: ignore[reportOverlappingOverload]
    def __call__(self, x: Tensor[*Bs, L, D, T]) -> Tensor[*Bs, L, D, T]:
        name = f"LearnedPositionalEmbedding[{self.max_len}, {self.d_model}]"
        n = _check(name, x.size(), self.d_model, self.max_len)
        w: Any = self.weight.trace() if x._tape is not None else self.weight
        return x + indexing.getitem(w, slice(0, n))  # type: ignore[no-any-return]

    forward = __call__

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.d_model}"
