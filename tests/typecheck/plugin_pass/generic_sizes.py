"""Generic code that the plugin's generic size rule accepts: sizes that are the same function of
the size TypeVars (``H*W`` flattened and viewed back, ``2*(D//2)`` from two halves put side by
side, ``NH*(D//NH)`` heads merged back), a size of 1 broadcast against any other, ``Dyn`` sizes,
and sizes written into a reshape or met in a broadcast that the module only relies on where it
states them (Swin's tokens viewed as their grid after ``assert n == h * w``). The mistakes of
plugin_fail/generic_size_errors.py, written right."""

# rules: attention, binary, linalg, movement, nn, norm

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Conv2d, LayerNorm, Linear, Module, MultiHeadAttention

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
NH = TypeVar("NH", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class PointTransform(Module):
    """Points (B, 3, N) transformed by a predicted (B, 3, 3) matrix, then a shared MLP."""

    def __init__(self) -> None:
        super().__init__()
        self.mlp = Conv1d(3, 16, 1, rng=rng)
        self.head = Linear(3, 8, rng=rng)

    def forward(
        self, x: Tensor[B, L[3], N, T], trans: Tensor[B, L[3], L[3], T]
    ) -> Tensor[B, L[16], N, T]:
        pts = x.transpose(2, 1) @ trans
        assert_type(pts, Tensor[B, N, L[3], T])
        assert_type(self.head(pts), Tensor[B, N, L[8], T])
        both = dx.cat([pts, pts], axis=1)
        assert_type(both, Tensor[B, Expr[L["2*N"]], L[3], T])
        centred = x - x.mean(axis=2, keepdims=True)  # N against 1
        return self.mlp(pts.transpose(2, 1) + centred)


class FeatureMapToSequence(Module, Generic[C, D, NH]):
    """A (B, C, H, W) feature map projected to D channels, read as a sequence of H*W tokens of D
    features with a positional encoding of two halves, attended, and viewed back as a map."""

    def __init__(self, c: C, d: D, nh: NH) -> None:
        super().__init__()
        self.proj = Conv2d(c, d, 1, rng=rng)
        self.norm = LayerNorm(d)
        self.attn = MultiHeadAttention(d, nh, rng=rng)
        self.out = Linear(d, d, rng=rng)
        self.row = dx.randn(d // 2, rng=rng)
        self.col = dx.randn(d // 2, rng=rng)
        self.nh = nh

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, D, H, W, T]:
        b, _, h, w = x.shape
        src = self.proj(x).flatten(2).permute(0, 2, 1)
        assert_type(src, Tensor[B, Expr[L["H*W"]], D, T])
        pos = dx.cat([self.row, self.col], axis=0)
        assert_type(pos, Tensor[Expr[L["2*(D//2)"]], NoneTape])
        src = self.norm(src + pos)  # D against 2*(D//2): the same where D is even
        for _ in range(2):
            src = self.out(src)
        src = self.attn(src)
        heads = src.reshape(b, h * w, self.nh, -1).flatten(2)  # NH*(D//NH) features: D
        merged = self.out(heads)
        return merged.permute(0, 2, 1).reshape(b, -1, h, w)


class Tokens(Module, Generic[H, W, D]):
    """A sequence of tokens that the module's callers make H*W long: viewed as the grid."""

    def __init__(self, h: H, w: W, d: D) -> None:
        super().__init__()
        self.h, self.w = h, w
        self.bias = dx.zeros(h * w, 1)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, H, W, D, T]:
        b, n, d = x.shape
        assert n == self.h * self.w, "the tokens are the grid's"
        return (x + self.bias).view(b, self.h, self.w, d)


def scores(
    image: Tensor[B, D, T], text: Tensor[B, D, T], table: Tensor[Dyn, D, NoneTape]
) -> Tensor[B, B, T]:
    """Similarities of a batch of image and text features; a table of unknown length added."""
    assert_type(image + table, Tensor[B, D, T])
    return image @ text.mT


def scaled_scores(image: Tensor[B, D, T], text: Tensor[B, D, T]) -> Tensor[B, B, T]:
    """CLIP's logits: a learned scale (a tensor of unknown rank, from an array) times the
    similarities; its last axes are the features' (axes of unknown number before them)."""
    scale = dx.tensor(np.array(2.0, dtype=np.float32))
    scaled = scale * image
    assert_type(scaled, Tensor[*tuple[Dyn, ...], B, D, T])
    logits = scaled @ text.mT
    assert_type(logits, Tensor[*tuple[Dyn, ...], B, B, T])
    return logits


def maybe_rgb(x: Tensor[B, C, T], rgb: Tensor[B, L[3], T]) -> Tensor[B, C, T]:
    """In a branch of an ``if``, a TypeVar broadcasts with a literal where the condition may
    hold them equal (here ``C == 3``), which no checker reads."""
    if x.shape[1] == 3:
        return x + rgb
    return x


def normed(x: Tensor[B, N, D, T], weight: Tensor[D, NoneTape]) -> Tensor[B, N, D, T]:
    """Features normalised with a weight of one per feature."""
    return dx.layer_norm(x, weight.shape, weight)


points = PointTransform()
cloud = dx.randn(2, 3, 7, rng=rng)
eye = dx.tensor(np.broadcast_to(np.eye(3, dtype=np.float32), (2, 3, 3)).copy())
transform: Tensor[L[2], L[3], L[3], NoneTape] = eye.ensure_shape(2, 3, 3)
assert points(cloud, transform).shape == (2, 16, 7)
to_sequence: FeatureMapToSequence[L[3], L[8], L[2]] = FeatureMapToSequence(3, 8, 2)
assert to_sequence(dx.randn(2, 3, 4, 5, rng=rng)).shape == (2, 8, 4, 5)
tokens: Tokens[L[2], L[3], L[4]] = Tokens(2, 3, 4)
assert tokens(dx.randn(2, 6, 4, rng=rng)).shape == (2, 2, 3, 4)
features = dx.randn(3, 4, rng=rng)
assert scores(features, features, dx.zeros(3, 4)).shape == (3, 3)
assert scaled_scores(features, features).shape == (3, 3)
maybe_rgb(dx.randn(2, 3, rng=rng), dx.randn(2, 3, rng=rng))
assert normed(dx.randn(2, 3, 4, rng=rng), dx.ones(4)).shape == (2, 3, 4)


class Block(Module, Generic[D]):
    """A user's module that takes a sequence of D features."""

    def __init__(self, d: D) -> None:
        super().__init__()
        self.norm = LayerNorm(d)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return self.norm(x)


class Encoder(Module, Generic[C, D]):
    """A feature map flattened, permuted to (B, H*W, D) and given to a user's block."""

    def __init__(self, c: C, d: D) -> None:
        super().__init__()
        self.proj = Conv2d(c, d, 1, rng=rng)
        self.block = Block(d)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, Expr[L["H*W"]], D, T]:
        src = self.proj(x).flatten(2).permute(0, 2, 1)
        return self.block(src)


encoder: Encoder[L[3], L[8]] = Encoder(3, 8)
assert encoder(dx.randn(2, 3, 4, 5, rng=rng)).shape == (2, 20, 8)
