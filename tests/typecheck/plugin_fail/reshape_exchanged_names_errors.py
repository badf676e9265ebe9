"""A reshape given one size in place of another: cross-attention keys split into heads with
the queries' length, a decoder's flattened memory viewed back with the targets' length, and
the end-of-sequence positions found over the batch axis (``argmax(axis=0)``), then viewed as
one per sample. The element counts differ by one size TypeVar exchanged for another (``M``
for ``N``), which a generic module may not take to be equal; where the input was made by a
reduction, its line is reported too."""

# rules: movement

from typing import Generic, TypeVar

import numpy as np

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
S = TypeVar("S", bound=int)
L = TypeVar("L", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class CrossAttention(Module, Generic[D]):
    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.query = Linear(dim, dim, rng=rng)
        self.key = Linear(dim, dim, rng=rng)
        self.value = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T], memory: Tensor[B, M, D, T]) -> Tensor[B, N, D, T]:
        b, n, d = x.shape
        m = memory.shape[1]
        q = self.query(x).reshape(b, n, self.heads, self.head_dim).transpose(1, 2)
        k = self.key(memory).reshape(b, n, self.heads, self.head_dim).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "reshape: cannot reshape Tensor[B, M, D] (B*D*M elements) to "
        #     "Tensor[B, N, heads, D//heads] (B*D*N elements: equal only wh"
        #     "ere M == N)",
        #     dfdx-shape "k is assigned here; used at line 56: matmul: inner sizes dif"
        #     "fer: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//heads] "
        #     "(N != M)"]
        v = self.value(memory).reshape(b, m, self.heads, self.head_dim).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "v is assigned here; used at line 56: matmul: inner sizes dif"
        #     "fer: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//heads] "
        #     "(N != M)"]
        scores = (q @ k.transpose(-2, -1)).softmax(axis=-1)  # E: mypy[
        #     dfdx-shape "scores is assigned here; used at line 56: matmul: inner size"
        #     "s differ: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//he"
        #     "ads] (N != M)"]
        return (scores @ v).transpose(1, 2).reshape(b, n, d)  # E: mypy[
        #     dfdx-shape "matmul: inner sizes differ: Tensor[B, heads, N, N] @ Tensor["
        #     "B, heads, M, D//heads] (N != M)"]


class Unflatten(Module, Generic[D]):
    """Per-token features of a flattened batch, viewed back as sequences."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim, rng=rng)

    def forward(
        self, tokens: Tensor[B, S, D, T], targets: Tensor[B, L, D, T]
    ) -> Tensor[B, L, D, T]:
        batch, length, dim = targets.shape
        flat = self.proj(tokens.reshape(-1, dim))
        return targets + flat.reshape(batch, length, dim)  # E: mypy[
        #     dfdx-shape "reshape: cannot reshape Tensor[B*S, D] (B*D*S elements) to T"
        #     "ensor[B, L, D] (B*D*L elements: equal only where S == L)"]


class LastTokenPool(Module, Generic[D]):
    """Features at each sequence's highest-id token (its end marker), gathered per sample."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, ids: Tensor[B, S, NoneTape], h: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
        batch, _, dim = h.shape
        last = ids.argmax(axis=0)  # E: mypy[
        #     dfdx-shape "last is assigned here; used at line 91: reshape: cannot resh"
        #     "ape Tensor[S] (S elements) to Tensor[B, 1, 1] (B elements: e"
        #     "qual only where S == B)"]
        index = last.reshape(batch, 1, 1).broadcast_to(batch, 1, dim)  # E: mypy[
        #     dfdx-shape "reshape: cannot reshape Tensor[S] (S elements) to Tensor[B, "
        #     "1, 1] (B elements: equal only where S == B)"]
        return self.proj(h.gather(1, index)[:, 0])
