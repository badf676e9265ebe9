"""Reductions that keep their axis where the result meets the tensor it was taken from: a
router's gate summed with ``keepdims=True``, a codebook distance whose squared norms stay a
column, a cosine head dividing flattened tokens by their norms; and a module's table of its
own computed size (``WS*WS``, a window's positions) added to its input's ``N`` tokens, which
the module is built for."""

# rules: binary, reduce

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)
WS = TypeVar("WS", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class SoftRouter(Module, Generic[D, E]):
    """Each token's output scaled by its gate."""

    def __init__(self, dim: D, experts: E) -> None:
        super().__init__()
        self.gate = Linear(dim, experts, rng=rng)
        self.expert = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        batch, seq, dim = x.shape
        flat = x.reshape(batch * seq, dim)
        probs = self.gate(flat).softmax(axis=-1)
        weight = (probs * probs).sum(axis=1, keepdims=True)
        assert_type(weight, Tensor[Expr[L["B*S"]], L[1], T])
        out = weight * self.expert(flat)
        return out.reshape(batch, seq, dim)


class Codebook(Module, Generic[K, D]):
    """Nearest code of each pixel: |z|^2 + |e|^2 - 2 z.e."""

    def __init__(self, codes: K, dim: D) -> None:
        super().__init__()
        self.dim = dim
        self.codes = Embedding(codes, dim, rng=rng)

    def forward(self, z: Tensor[N, H, W, D, T]) -> Tensor[N, H, W, D, NoneTape]:
        flat = z.detach().reshape(-1, self.dim)
        table = self.codes.weight.detach()
        distances = (
            flat.square().sum(axis=-1, keepdims=True)
            + table.square().sum(axis=-1)
            - 2.0 * flat @ table.transpose(0, 1)
        )
        assert_type(distances, Tensor[Expr[L["H*N*W"]], K, NoneTape])
        nearest = distances.argmin(axis=1)
        return self.codes(nearest).reshape(z.shape)


class CosineHead(Module, Generic[D, K]):
    def __init__(self, dim: D, classes: K) -> None:
        super().__init__()
        self.proj = Linear(dim, classes, bias=False, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, K, T]:
        b, s, d = x.shape
        tokens = x.reshape(b * s, d)
        unit = tokens / tokens.norm(axis=-1, keepdims=True)
        return self.proj(unit).reshape(b, s, -1)


class WindowBias(Module, Generic[WS]):
    """Scores of the tokens of one window plus a bias per pair of its positions."""

    def __init__(self, window: WS) -> None:
        super().__init__()
        self.table = dx.zeros(window * window, window * window)

    def forward(self, scores: Tensor[B, N, N, T]) -> Tensor[B, N, N, T]:
        return scores + self.table


router: SoftRouter[L[8], L[4]] = SoftRouter(8, 4)
x = dx.randn(2, 5, 8, rng=rng)
assert_type(router(x), Tensor[L[2], L[5], L[8], NoneTape])
codebook: Codebook[L[16], L[8]] = Codebook(16, 8)
z = dx.randn(2, 3, 3, 8, rng=rng)
assert codebook(z).shape == (2, 3, 3, 8)
head: CosineHead[L[8], L[3]] = CosineHead(8, 3)
assert_type(head(x.trace()), Tensor[L[2], L[5], L[3], OwnedTape])
window: WindowBias[L[2]] = WindowBias(2)
assert window(dx.randn(2, 4, 4, rng=rng)).shape == (2, 4, 4)
