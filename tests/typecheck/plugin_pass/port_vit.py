"""A Vision Transformer (Dosovitskiy et al. 2020; the modules of timm's
``vision_transformer.py``: PatchEmbed, Attention, Mlp, Block, VisionTransformer) ported line by
line: a convolution whose stride is its kernel cuts the image into patch embeddings, a class
token is prepended and learned position embeddings added, pre-norm transformer blocks follow,
and a linear head reads the class token. Built with literal sizes and run on tiny images."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, Conv2d, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # tokens
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)  # in_chans
E = TypeVar("E", bound=int)  # embed_dim
NH = TypeVar("NH", bound=int)  # num_heads
HF = TypeVar("HF", bound=int)  # hidden features of the MLP
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class PatchEmbed(Module, Generic[CI, E]):
    """Image to patch embedding: a ``patch_size`` convolution with stride ``patch_size``."""

    def __init__(self, patch_size: int, in_chans: CI, embed_dim: E) -> None:
        super().__init__()
        self.proj = Conv2d(in_chans, embed_dim, patch_size, stride=patch_size, rng=rng)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, int, E, T]:
        patches = self.proj(x).flatten(2).transpose(1, 2)  # B, C, H, W -> B, N, C
        return patches


class Attention(Module, Generic[E, NH]):
    def __init__(self, dim: E, num_heads: NH) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim**-0.5
        self.qkv = Linear(dim, dim * 3, rng=rng)
        self.proj = Linear(dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        b, s, e = x.shape
        qkv = self.qkv(x).reshape(b, s, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = dx.softmax(attn, axis=-1)
        y = (attn @ v).transpose(1, 2).reshape(b, s, e)
        return self.proj(y)


class Mlp(Module, Generic[E, HF]):
    def __init__(self, in_features: E, hidden_features: HF) -> None:
        super().__init__()
        self.fc1 = Linear(in_features, hidden_features, rng=rng)
        self.act = GELU()
        self.fc2 = Linear(hidden_features, in_features, rng=rng)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        h = self.act(self.fc1(x))
        return self.fc2(h)


class Block(Module, Generic[E, NH, HF]):
    def __init__(self, dim: E, num_heads: NH, mlp_hidden_dim: HF) -> None:
        super().__init__()
        self.norm1 = LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.norm2 = LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, mlp_hidden_dim)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class VisionTransformer(Module, Generic[CI, K, E]):
    def __init__(
        self,
        img_size: int,
        patch_size: int,
        in_chans: CI,
        num_classes: K,
        embed_dim: E,
        depth: int,
        num_heads: int,
        mlp_ratio: int = 4,
    ) -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        num_patches = (img_size // patch_size) ** 2
        self.cls_token: Tensor[L[1], L[1], E, NoneTape] = dx.zeros(1, 1, embed_dim)
        self.pos_embed: Tensor[L[1], int, E, NoneTape] = dx.randn(
            1, num_patches + 1, embed_dim, rng=rng
        )
        self.blocks = ModuleList(
            [Block(embed_dim, num_heads, embed_dim * mlp_ratio) for _ in range(depth)]
        )
        self.norm = LayerNorm(embed_dim, eps=1e-6)
        self.head = Linear(embed_dim, num_classes, rng=rng)

    def forward(self, x: Tensor[B, CI, H, W, NoneTape]) -> Tensor[B, K, NoneTape]:
        b = x.shape[0]
        tokens = self.patch_embed(x)
        cls_tokens = dx.broadcast_to(self.cls_token, b, 1, self.cls_token.shape[2])
        h = dx.cat([cls_tokens, tokens], axis=1)
        h = h + self.pos_embed
        for blk in self.blocks:
            h = blk(h)
        h = self.norm(h)
        return self.head(h[:, 0])


model: VisionTransformer[L[3], L[10], L[16]] = VisionTransformer(
    img_size=8, patch_size=4, in_chans=3, num_classes=10, embed_dim=16, depth=2, num_heads=4
)
assert_type(model, VisionTransformer[L[3], L[10], L[16]])
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8, rng=rng)
logits = model(images)
assert_type(logits, Tensor[L[2], L[10], NoneTape])
assert logits.shape == (2, 10)

block: Block[L[16], L[4], L[64]] = Block(16, 4, 64)
assert_type(Block(16, 4, 64), Block[L[16], L[4], L[64]])
x: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
y = block(x.trace())
assert_type(y, Tensor[L[2], L[5], L[16], OwnedTape])
grads = y.square().mean().backward()
assert grads[block.mlp.fc2.weight].shape == (16, 64)
