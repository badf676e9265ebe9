"""Layers and ops called on values the plain signatures leave untyped (``Any``: an untyped
helper's result; under pyright also ``x[:, :, None, None]``) or type with an unknown rank
(``DynTensor``): the result claims no rank it cannot know, so correct code that goes on to a
convolution, a layer of another rank or a declared type gets no false error from pyright or
from mypy without the plugin. A typed input still gets the exact result, and a misfit its
error (the failing twin, ``fail/layer_misfit.py``)."""

from typing import Any, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, DynTensor, NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    Conv2d,
    Embedding,
    GroupNorm,
    LayerNorm,
    LearnedPositionalEmbedding,
    Linear,
    Module,
    RMSNorm,
    SinusoidalPositionalEncoding,
)

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def split_heads(x: Tensor[B, S, L[8], T]) -> Any:
    """A helper whose result is not typed (a reshape to sizes computed at run time)."""
    b, s, _ = x.shape
    return x.reshape(b, s, 2, 4).transpose(1, 2)


class TimeBlock(Module):
    """A diffusion model's residual block: the time embedding added over the spatial axes."""

    def __init__(self) -> None:
        super().__init__()
        self.temb_proj: Linear[L[4], L[8]] = Linear(4, 8)
        self.norm: GroupNorm[L[8]] = GroupNorm(2, 8)
        self.conv: Conv2d[L[8], L[8]] = Conv2d(8, 8, 3, padding=1)

    def forward(self, x: Tensor[B, L[8], H, W, T], temb: Tensor[B, L[4], T]) -> Any:
        e = self.temb_proj(temb)
        h = self.norm(x + e[:, :, None, None])  # the sum is Any under pyright
        return self.conv(h)  # rejected when the norm fixed the rank of an Any input


class HeadMixer(Module):
    """Attention heads from an untyped helper, normalised and projected per head."""

    def __init__(self) -> None:
        super().__init__()
        self.ln: LayerNorm[L[4]] = LayerNorm(4)
        self.rms: RMSNorm[L[4]] = RMSNorm(4)
        self.proj: Linear[L[4], L[4]] = Linear(4, 4)

    def forward(self, x: Tensor[B, S, L[8], T]) -> Tensor[B, Dyn, S, L[4], T]:
        h = split_heads(x)  # (B, 2, S, 4), typed Any
        p = self.proj(self.rms(self.ln(h)))  # each claimed rank 2 under pyright before
        out: Tensor[B, Dyn, S, L[4], T] = p
        return out


block = TimeBlock()
image: Tensor[L[2], L[8], L[5], L[5], NoneTape] = dx.randn(2, 8, 5, 5)
assert block(image, dx.randn(2, 4)).shape == (2, 8, 5, 5)
tokens: Tensor[L[2], L[3], L[8], NoneTape] = dx.randn(2, 3, 8)
assert HeadMixer()(tokens).shape == (2, 2, 3, 4)

# an untyped value into each layer and op, the result kept in a name (as in a forward) and
# given to a 4-d convolution: pyright fixed the result's rank before (Linear's was 2)
untyped: Any = dx.randn(2, 3, 5, 8)
ids: Any = dx.zeros(2, 3, 5, dtype=dx.int64)
square: Any = dx.randn(8, 8)
lin: Linear[L[8], L[8]] = Linear(8, 8)
ln: LayerNorm[L[8]] = LayerNorm(8)
rms: RMSNorm[L[8]] = RMSNorm(8)
gn: GroupNorm[L[3]] = GroupNorm(1, 3)
pos: LearnedPositionalEmbedding[L[8]] = LearnedPositionalEmbedding(16, 8)
sin: SinusoidalPositionalEncoding[L[8]] = SinusoidalPositionalEncoding(8)
emb: Embedding[L[10], L[8]] = Embedding(10, 8)
conv: Conv2d[L[3], L[3]] = Conv2d(3, 3, 1)
h_lin = lin(untyped)
h_ln = ln(untyped)
h_rms = rms(untyped)
h_gn = gn(untyped)
h_pos = pos(untyped)
h_sin = sin(untyped)
h_emb = emb(ids)
f_lin = dx.linear(untyped, lin.weight)
f_ln = dx.layer_norm(untyped, 8)
f_rms = dx.rms_norm(untyped, 8)
f_gn = dx.group_norm(untyped, 1)
f_mm = dx.matmul(untyped, square)
f_att = dx.scaled_dot_product_attention(untyped, untyped, untyped)
f_oh = dx.one_hot(ids, 8)
assert conv(h_lin).shape == conv(h_ln).shape == conv(h_rms).shape == (2, 3, 5, 8)
assert conv(h_gn).shape == conv(h_pos).shape == conv(h_sin).shape == (2, 3, 5, 8)
assert conv(h_emb).shape == conv(f_lin).shape == conv(f_ln).shape == (2, 3, 5, 8)
assert conv(f_rms).shape == conv(f_gn).shape == conv(f_mm).shape == (2, 3, 5, 8)
assert conv(f_att).shape == conv(f_oh).shape == (2, 3, 5, 8)

# a tensor of unknown rank: the result fits a declared type of any rank the layer can give
unknown3: DynTensor[NoneTape] = dx.randn(2, 3, 8)
unknown4: DynTensor[NoneTape] = dx.randn(2, 3, 5, 8)
r3: Tensor[Dyn, Dyn, L[8], NoneTape] = lin(unknown3)
r4: Tensor[Dyn, Dyn, Dyn, L[8], NoneTape] = lin(unknown4)
g3: Tensor[Dyn, L[3], Dyn, NoneTape] = gn(unknown3)
g4: Tensor[Dyn, L[3], Dyn, Dyn, NoneTape] = gn(unknown4)
assert (r3.shape, r4.shape) == ((2, 3, 8), (2, 3, 5, 8))
assert (g3.shape, g4.shape) == ((2, 3, 8), (2, 3, 5, 8))

# typed inputs keep their exact results
x2: Tensor[L[5], L[8], NoneTape] = dx.randn(5, 8)
x3: Tensor[L[2], L[5], L[8], OwnedTape] = dx.randn(2, 5, 8).trace()
assert_type(lin(x2), Tensor[L[5], L[8], NoneTape])
assert_type(lin(x3), Tensor[L[2], L[5], L[8], OwnedTape])
assert_type(ln(x3), Tensor[L[2], L[5], L[8], OwnedTape])
assert_type(rms(x2), Tensor[L[5], L[8], NoneTape])
assert_type(pos(x3), Tensor[L[2], L[5], L[8], OwnedTape])
assert_type(sin(x2), Tensor[L[5], L[8], NoneTape])
assert_type(dx.layer_norm(x3, 8), Tensor[L[2], L[5], L[8], OwnedTape])
assert_type(dx.rms_norm(x2, 8), Tensor[L[5], L[8], NoneTape])
assert_type(dx.linear(x2, lin.weight), Tensor[L[5], L[8], NoneTape])
assert_type(dx.scaled_dot_product_attention(x3, x3, x3), Tensor[L[2], L[5], L[8], OwnedTape])
image3: Tensor[L[2], L[3], L[7], NoneTape] = dx.randn(2, 3, 7)
image4: Tensor[L[2], L[3], L[5], L[7], NoneTape] = dx.randn(2, 3, 5, 7)
assert_type(gn(image3), Tensor[L[2], L[3], L[7], NoneTape])
assert_type(gn(image4), Tensor[L[2], L[3], L[5], L[7], NoneTape])
assert_type(dx.group_norm(image4, 1), Tensor[L[2], L[3], L[5], L[7], NoneTape])
id2: Tensor[L[2], L[5], NoneTape] = dx.zeros(2, 5, dtype=dx.int64)
assert_type(emb(id2), Tensor[L[2], L[5], L[8], NoneTape])
