"""A reduction without ``keepdims`` meets the tensor it was taken from: a router's gate summed
over the chosen experts, a codebook distance whose squared norms lose their column, a cosine
head dividing flattened tokens by their norms, an attention pool's weights summed over the
wrong axis. The reduced size (the tokens flattened with their batch, ``B*S``) lands on the
feature axis (a module's ``D``), which no module is built to equal."""

# rules: binary, reduce

from typing import Generic, TypeVar

import numpy as np

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class SoftRouter(Module, Generic[D, E]):
    """Each token's output scaled by the gate of its best expert."""

    def __init__(self, dim: D, experts: E) -> None:
        super().__init__()
        self.gate = Linear(dim, experts, rng=rng)
        self.expert = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        batch, seq, dim = x.shape
        flat = x.reshape(batch * seq, dim)  # E: mypy[
        #     dfdx-shape "flat is assigned here; used at line 47: mul: shapes do not b"
        #     "roadcast: Tensor[B*S] and Tensor[B*S, D] (axis -1: B*S != D)"]
        probs = self.gate(flat).softmax(axis=-1)
        weight = (probs * probs).sum(axis=1)  # E: mypy[
        #     dfdx-shape "weight is assigned here; used at line 47: mul: shapes do not"
        #     " broadcast: Tensor[B*S] and Tensor[B*S, D] (axis -1: B*S != "
        #     "D)"]
        out = weight * self.expert(flat)  # E: mypy[
        #     dfdx-shape "mul: shapes do not broadcast: Tensor[B*S] and Tensor[B*S, D]"
        #     " (axis -1: B*S != D)"]
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
            flat.square().sum(axis=-1)  # E: mypy[
            #     dfdx-shape "add: shapes do not broadcast: Tensor[H*N*W] and Tensor[K] (a"
            #     "xis -1: H*N*W != K)",
            #     dfdx-shape "sub: shapes do not broadcast: Tensor[H*N*W] and Tensor[H*N*W"
            #     ", K] (axis -1: H*N*W != K)"]
            + table.square().sum(axis=-1)
            - 2.0 * flat @ table.transpose(0, 1)
        )
        nearest = distances.argmin(axis=1)
        return self.codes(nearest).reshape(z.shape)


class CosineHead(Module, Generic[D, K]):
    def __init__(self, dim: D, classes: K) -> None:
        super().__init__()
        self.proj = Linear(dim, classes, bias=False, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, K, T]:
        b, s, d = x.shape
        tokens = x.reshape(b * s, d)  # E: mypy[
        #     dfdx-shape "tokens is assigned here; used at line 88: div: shapes do not"
        #     " broadcast: Tensor[B*S, D] and Tensor[B*S] (axis -1: D != B*"
        #     "S)"]
        unit = tokens / tokens.norm(axis=-1)  # E: mypy[
        #     dfdx-shape "div: shapes do not broadcast: Tensor[B*S, D] and Tensor[B*S]"
        #     " (axis -1: D != B*S)"]
        return self.proj(unit).reshape(b, s, -1)
