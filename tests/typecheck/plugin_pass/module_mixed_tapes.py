"""A user's module whose ``forward`` takes several tensors under one tape TypeVar, called with
different tapes: a module's own untraced parameter (latents, seed vectors, inducing points,
a frozen memory) with a traced input. Under the plugin the tape is solved as a built-in op
joins tapes: each argument keeps its own, the result is ``OwnedTape`` if one is traced, and a
generic caller's ``T`` where the other is untraced. The second pattern, a parameter typed
with an ``Any`` tape and the result following the other input's ``T``, holds in pyright and
mypy without the plugin too. Backward runs through both."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
D = TypeVar("D", bound=int)
DK = TypeVar("DK", bound=int)
NL = TypeVar("NL", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class CrossBlock(Module, Generic[D, DK]):
    """Queries of width D read keys of width DK; one tape TypeVar for both."""

    def __init__(self, d: D, dk: DK) -> None:
        super().__init__()
        self.to_q = Linear(d, d)
        self.to_k = Linear(dk, d)
        self.to_v = Linear(dk, d)
        self.norm = LayerNorm(d)

    def forward(self, x: Tensor[B, N, D, T], ctx: Tensor[B, M, DK, T]) -> Tensor[B, N, D, T]:
        q = self.to_q(x)
        k = self.to_k(ctx)
        v = self.to_v(ctx)
        a = dx.softmax(q @ k.transpose(1, 2), axis=-1)
        return self.norm(x + a @ v)


class Latents(Module, Generic[NL, D, DK]):
    """Perceiver-style: learned latents read the input through a stack of cross blocks."""

    def __init__(self, n_latents: NL, d: D, dk: DK, depth: int) -> None:
        super().__init__()
        self.latents: Tensor[L[1], NL, D, NoneTape] = dx.randn(1, n_latents, d)
        self.blocks = ModuleList([CrossBlock(d, dk) for _ in range(depth)])
        self.first = CrossBlock(d, dk)

    def forward(self, x: Tensor[B, M, DK, T]) -> Tensor[B, NL, D, T]:
        z = self.latents.broadcast_to(x.shape[0], -1, -1)
        h = self.first(z, x)  # untraced latents, input of tape T: T
        for block in self.blocks:
            h = block(h, x)
        return h


class Readout(Module, Generic[D]):
    """Seeds typed with an ``Any`` tape: the result follows the input's ``T`` in every
    checker."""

    def __init__(self, d: D) -> None:
        super().__init__()
        self.proj: Linear[D, D] = Linear(d, d)

    def forward(self, seeds: Tensor[B, N, D, Any], x: Tensor[B, M, D, T]) -> Tensor[B, N, M, T]:
        return self.proj(seeds) @ x.transpose(1, 2)


model = Latents(4, 8, 6, depth=2)
x = dx.randn(2, 5, 6)
assert_type(model(x), Tensor[L[2], L[4], L[8], NoneTape])
y = model(x.trace())
assert_type(y, Tensor[L[2], L[4], L[8], OwnedTape])
grads = y.square().mean().backward()
assert_type(grads[model.latents], Tensor[L[1], L[4], L[8], NoneTape])

# concrete tapes, in either order and by keyword: the result is traced if one argument is
block = CrossBlock(8, 6)
frozen = dx.randn(2, 5, 6)
queries = dx.randn(2, 3, 8)
# pyright (no plugin) solves T from the first argument and rejects the second
r1 = block(queries.trace(), frozen)  # pyright: ignore[reportArgumentType]
assert_type(r1, Tensor[L[2], L[3], L[8], OwnedTape])
r2 = block(queries, frozen.trace())  # pyright: ignore[reportArgumentType]
assert_type(r2, Tensor[L[2], L[3], L[8], OwnedTape])
r3 = block(ctx=frozen.trace(), x=queries)  # pyright: ignore[reportArgumentType]
assert_type(r3, Tensor[L[2], L[3], L[8], OwnedTape])
assert_type(block(queries, frozen), Tensor[L[2], L[3], L[8], NoneTape])
r1.sum().backward()

readout = Readout(8)
seeds = dx.randn(2, 3, 8)
feats = dx.randn(2, 5, 8)
assert_type(readout(seeds, feats), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(readout(seeds, feats.trace()), Tensor[L[2], L[3], L[5], OwnedTape])
readout(seeds, feats.trace()).sum().backward()
