"""A Vision Transformer (Dosovitskiy et al. 2020; timm's ``PatchEmbed``, ``Attention``,
``Mlp``, ``Block`` and ``VisionTransformer``) ported line by line: a patch embedding by a
strided convolution, a class token concatenated before the patches, learned position
embeddings, pre-norm blocks with a fused qkv projection split into heads, the classifier on
the class token; each module generic over its sizes, built with literal sizes and run on a
tiny image batch."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, Conv2d, Dropout, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)  # tokens
CH = TypeVar("CH", bound=int)  # image channels
IMG = TypeVar("IMG", bound=int)  # image size
E = TypeVar("E", bound=int)  # embed_dim
NH = TypeVar("NH", bound=int)  # num_heads
F = TypeVar("F", bound=int)  # mlp hidden features
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class PatchEmbed(Module, Generic[CH, E]):
    """Image to patch embedding: a convolution with stride = kernel = patch size."""

    def __init__(self, img_size: int, patch_size: int, in_chans: CH, embed_dim: E) -> None:
        super().__init__()
        self.num_patches = (img_size // patch_size) * (img_size // patch_size)
        self.proj = Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size, rng=rng)

    def forward(self, x: Tensor[B, CH, IMG, IMG, T]) -> Tensor[B, int, E, T]:
        y = self.proj(x)
        return y.flatten(2).transpose(1, 2)  # BCHW -> BNC


class Attention(Module, Generic[E, NH]):
    def __init__(self, dim: E, num_heads: NH) -> None:
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim**-0.5
        self.qkv = Linear(dim, dim * 3, rng=rng)
        self.attn_drop = Dropout(0.0)
        self.proj: Linear[E, E] = Linear(dim, dim, rng=rng)
        self.proj_drop = Dropout(0.0)

    def forward(self, x: Tensor[B, N, E, T]) -> Tensor[B, N, E, T]:
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, nh, N, hd)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(axis=-1)
        attn = self.attn_drop(attn)
        # annotated for pyright: a Linear called on a value of unknown rank claims rank 2
        y: Tensor[B, N, E, T] = (attn @ v).transpose(1, 2).reshape(b, n, c)
        out = self.proj(y)
        return self.proj_drop(out)


class Mlp(Module, Generic[E, F]):
    def __init__(self, in_features: E, hidden_features: F) -> None:
        super().__init__()
        self.fc1 = Linear(in_features, hidden_features, rng=rng)
        self.act = GELU()
        self.fc2 = Linear(hidden_features, in_features, rng=rng)
        self.drop = Dropout(0.0)

    def forward(self, x: Tensor[B, N, E, T]) -> Tensor[B, N, E, T]:
        h = self.fc1(x)
        h = self.act(h)
        h = self.drop(h)
        out = self.fc2(h)
        out = self.drop(out)
        return out


class Block(Module, Generic[E, NH]):
    def __init__(self, dim: E, num_heads: NH, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.norm1: LayerNorm[E] = LayerNorm(dim)
        self.attn = Attention(dim, num_heads)
        self.norm2: LayerNorm[E] = LayerNorm(dim)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x: Tensor[B, N, E, T]) -> Tensor[B, N, E, T]:
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class VisionTransformer(Module, Generic[CH, E, NH, K]):
    def __init__(
        self,
        img_size: int,
        patch_size: int,
        in_chans: CH,
        num_classes: K,
        embed_dim: E,
        depth: int,
        num_heads: NH,
    ) -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        num_patches = self.patch_embed.num_patches
        self.cls_token: Tensor[L[1], L[1], E, NoneTape] = dx.zeros(1, 1, embed_dim)
        self.pos_embed: Tensor[L[1], int, E, NoneTape] = dx.randn(
            1, num_patches + 1, embed_dim, rng=rng
        )
        self.blocks = ModuleList([Block(embed_dim, num_heads) for _ in range(depth)])
        self.norm: LayerNorm[E] = LayerNorm(embed_dim)
        self.head: Linear[E, K] = Linear(embed_dim, num_classes, rng=rng)

    def forward(self, x: Tensor[B, CH, IMG, IMG, T]) -> Tensor[B, K, T]:
        b = x.shape[0]
        x1 = self.patch_embed(x)
        cls_tokens = self.cls_token.broadcast_to(b, 1, self.cls_token.shape[2])
        x2 = dx.cat([cls_tokens, x1], axis=1)
        x2 = x2 + self.pos_embed
        for blk in self.blocks:
            x2 = blk(x2)
        x2 = self.norm(x2)
        cls = x2[:, 0]
        return self.head(cls)


model: VisionTransformer[L[3], L[16], L[4], L[10]] = VisionTransformer(
    img_size=8, patch_size=4, in_chans=3, num_classes=10, embed_dim=16, depth=2, num_heads=4
)
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8, rng=rng)
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[10], OwnedTape])
assert logits.shape == (2, 10)
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.head.weight].shape == (10, 16)

block: Block[L[16], L[4]] = Block(16, 4)
tokens: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
out = block(tokens)
assert_type(out, Tensor[L[2], L[5], L[16], NoneTape])
assert out.shape == (2, 5, 16)
