"""A generic module's two sizes taken to be one: a read-out tied to an embedding without the
transpose (``E`` against ``V``), a 1x1 convolution built for another level's channels (``C5``
against ``C4``), and a sub-module given a mask built for the source length where its
``forward`` takes one of the target's (``SS`` against ``ST``): each a ``dfdx-shape`` error
naming both sizes where mypy reported an ``arg-type`` or could not infer a type parameter,
also where the layer was built or the mask assigned."""

# rules: linalg, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Embedding, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
SS = TypeVar("SS", bound=int)
ST = TypeVar("ST", bound=int)
N = TypeVar("N", bound=int)
E = TypeVar("E", bound=int)
V = TypeVar("V", bound=int)
D = TypeVar("D", bound=int)
C4 = TypeVar("C4", bound=int)
C5 = TypeVar("C5", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class TiedHead(Module, Generic[V, E]):
    def __init__(self, vocab: V, dim: E) -> None:
        super().__init__()
        self.wte = Embedding(vocab, dim)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, V, T]:
        return x @ self.wte.weight  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, S, "
        #     "E] @ Tensor[V, E] (E != V)"]


class Laterals(Module, Generic[C4, C5, F]):
    def __init__(self, c4: C4, c5: C5, out_channels: F) -> None:
        super().__init__()
        self.lateral4 = Conv2d(c5, out_channels, 1)  # E: mypy[dfdx-shape "self.lateral4 is built h"
        #     "ere; called at line 49: conv2d: input channels differ: input Tensor[N, C4, Dyn, Dyn]"
        #     ", weight Tensor[F, C5, 1, 1]"]
        self.lateral5 = Conv2d(c5, out_channels, 1)

    def forward(self, c4: Tensor[N, C4, Dyn, Dyn, T]) -> Tensor[N, F, Dyn, Dyn, T]:
        return self.lateral4(c4)  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tensor"
        #     "[N, C4, Dyn, Dyn], weight Tensor[F, C5, 1, 1]"]


class MaskedMix(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.mix = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T], mask: Tensor[S, S, NoneTape]) -> Tensor[B, S, D, T]:
        return self.mix(x).masked_fill(mask[..., None], 0.0)


class Decoder(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.layer = MaskedMix(dim)

    def forward(self, src: Tensor[B, SS, D, T], tgt: Tensor[B, ST, D, T]) -> Tensor[B, ST, D, T]:
        s = src.shape[1]
        mask = dx.triu(dx.ones(s, s), 1) > 0  # E: mypy[dfdx-shape "mask is assigned here; used at "
        #     "line 71: MaskedMix[D]: mask takes Tensor[ST, ST], got Tensor[SS, SS] (SS != ST)"]
        return self.layer(tgt, mask)  # E: mypy[dfdx-shape "MaskedMix[D]: mask takes Tensor[ST, ST]"
        #     ", got Tensor[SS, SS] (SS != ST)"]
