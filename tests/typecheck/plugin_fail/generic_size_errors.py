"""Generic code holds for every value of its size TypeVars (mypy checks the body once for all of
them): a size TypeVar is not a literal (``N`` is not 3), two TypeVars are two sizes, and an
expression of them is not another one or a literal (``H*W`` is not ``D``) unless the two are
equal wherever their divisions are exact (``2*(D//2)`` is ``D``). Each mistake here runs for
some sizes (those that make the two equal) and fails for the rest."""

# rules: attention, binary, linalg, movement, nn, norm

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Conv2d, LayerNorm, Linear, Module, MultiHeadAttention

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
NH = TypeVar("NH", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PointTransform(Module):
    """Points (B, 3, N) transformed by a predicted (B, 3, 3) matrix, then a shared MLP."""

    def __init__(self) -> None:
        super().__init__()
        self.mlp = Conv1d(3, 16, 1)  # E: mypy[dfdx-shape "self.mlp is built here; called at line 4"
        #     "1: conv1d: input channels differ: input Tensor[B, N, 3], weight Tensor[16, 3, 1]"]
        self.head = Linear(3, 8)  # E: mypy[dfdx-shape "self.head is built here; called at line 43:"
        #     " Linear[3, 8]: takes 3 features, got Tensor[B, 3, N] (N != 3)"]

    def forward(self, x: Tensor[B, L[3], N, T], trans: Tensor[B, L[3], L[3], T]) -> None:
        pts = x @ trans  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, 3, N] @ Tensor"
        #     "[B, 3, 3] (N != 3)"]
        self.mlp(x.transpose(2, 1))  # E: mypy[dfdx-shape "conv1d: input channels differ: input Ten"
        #     "sor[B, N, 3], weight Tensor[16, 3, 1]"]
        self.head(x)  # E: mypy[dfdx-shape "Linear[3, 8]: takes 3 features, got Tensor[B, 3, N] (N "
        #     "!= 3)"]
        dx.cat([x, trans], axis=1)  # E: mypy[dfdx-shape "concat: sizes differ on axis 2: Tensor[B,"
        #     " 3, N] and Tensor[B, 3, 3] (N != 3)"]
        x + trans  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 3, N] and Tensor[B"
        #     ", 3, 3] (axis -1: N != 3)"]
        pts.sum()


class FeatureMapToSequence(Module, Generic[C, D, NH]):
    """A (B, C, H, W) feature map projected to D channels and read as a sequence of H*W
    tokens of D features (DETR's encoder input)."""

    def __init__(self, c: C, d: D, nh: NH) -> None:
        super().__init__()
        self.proj = Conv2d(c, d, 1)  # E: mypy[dfdx-shape "self.proj is built here; its output reac"
        #     "hes line 76: LayerNorm[D]: takes D features, got Tensor[B, D, H*W] (H*W != D)"]
        self.norm = LayerNorm(d)  # E: mypy[dfdx-shape "self.norm is built here; called at line 76:"
        #     " LayerNorm[D]: takes D features, got Tensor[B, D, H*W] (H*W != D)"]
        self.attn = MultiHeadAttention(d, nh)  # E: mypy[dfdx-shape "self.attn is built here; calle"
        #     "d at line 78: MultiHeadAttention[D, NH]: query takes D features, got Tensor[B, D, H*"
        #     "W] (H*W != D)"]
        self.out = Linear(d, d)  # E: mypy[dfdx-shape "self.out is built here; called at line 81: L"
        #     "inear[D, D]: takes D features, got Tensor[B, D, H*W] (H*W != D)"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> None:
        h = self.proj(x)
        # (B, D, H*W): the permute to (B, H*W, D) is missing
        src = h.flatten(2)  # E: mypy[dfdx-shape "src is assigned here; used at line 76: LayerNorm["
        #     "D]: takes D features, got Tensor[B, D, H*W] (H*W != D)", dfdx-shape "src is assigned"
        #     " here; used at line 78: MultiHeadAttention[D, NH]: query takes D features, got Tenso"
        #     "r[B, D, H*W] (H*W != D)", dfdx-shape "src is assigned here; used at line 81: Linear["
        #     "D, D]: takes D features, got Tensor[B, D, H*W] (H*W != D)"]
        self.norm(src)  # E: mypy[dfdx-shape "LayerNorm[D]: takes D features, got Tensor[B, D, H*W]"
        #     " (H*W != D)"]
        self.attn(src)  # E: mypy[dfdx-shape "MultiHeadAttention[D, NH]: query takes D features, go"
        #     "t Tensor[B, D, H*W] (H*W != D)"]
        for _ in range(2):
            src = self.out(src)  # E: mypy[dfdx-shape "Linear[D, D]: takes D features, got Tensor[B"
            #     ", D, H*W] (H*W != D)"]
        weight: Tensor[D, D, NoneTape] = self.out.weight  # E: mypy[dfdx-shape "weight is assigned "
        #     "here; used at line 86: linear: weight Tensor[D, D] takes D features, x Tensor[B, D, "
        #     "H*W] has H*W"]
        dx.linear(h.flatten(2), weight)  # E: mypy[dfdx-shape "linear: weight Tensor[D, D] takes D "
        #     "features, x Tensor[B, D, H*W] has H*W"]


def scores(image: Tensor[B, D, T], text: Tensor[B, D, T], table: Tensor[L[16], D, T]) -> None:
    """Similarities of a batch of image and text features, and a table of 16 rows added to a
    batch of B rows."""
    image @ text  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, D] @ Tensor[B, D] (D "
    #     "!= B)"]
    image + table  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, D] and Tensor[16, "
    #     "D] (axis -2: B != 16)"]
    image @ text.mT


def normed(x: Tensor[B, N, D, T], weight: Tensor[N, NoneTape]) -> None:
    """Features normalised with a weight of one per token."""
    dx.layer_norm(x, weight.shape, weight)  # E: mypy[dfdx-shape "layer_norm: weight must be Tensor"
    #     "[D] (one per feature of the last axis), got Tensor[N]"]


def scaled_scores(image: Tensor[B, D, T], text: Tensor[B, D, T]) -> None:
    """CLIP's logits without the text features' transpose, scaled by a tensor of unknown rank."""
    scale = dx.tensor(np.array(2.0, dtype=np.float32))
    scale * image @ text  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, D] @ Tensor[B"
    #     ", D] (D != B)"]


class Block(Module, Generic[D]):
    """A user's module that takes a sequence of D features."""

    def __init__(self, d: D) -> None:
        super().__init__()
        self.norm = LayerNorm(d)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return self.norm(x)


class Encoder(Module, Generic[C, D]):
    """A feature map flattened and given to a user's block without its permute."""

    def __init__(self, c: C, d: D) -> None:
        super().__init__()
        self.proj = Conv2d(c, d, 1)
        self.block = Block(d)  # E: mypy[dfdx-shape "self.block is built here; called at line 136: "
        #     "Block[D]: x takes Tensor[B, N, D], got Tensor[B, D, H*W] (H*W != D)"]

    def forward(self, x: Tensor[B, C, H, W, T]) -> None:
        src = self.proj(x).flatten(2)  # E: mypy[dfdx-shape "src is assigned here; used at line 136"
        #     ": Block[D]: x takes Tensor[B, N, D], got Tensor[B, D, H*W] (H*W != D)"]
        self.block(src)  # E: mypy[dfdx-shape "Block[D]: x takes Tensor[B, N, D], got Tensor[B, D, "
        #     "H*W] (H*W != D)"]
