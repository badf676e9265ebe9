"""Three shape bugs injected into the ViT port (plugin_pass/port_vit.py): patch embedding of
the wrong width; MLP projection back of the wrong width; second norm on the hidden width. Each
is reported where the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar
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
        # bug: patch embedding of the wrong width
        self.proj = Conv2d(in_chans, in_chans, patch_size, stride=patch_size, rng=rng)  # E: mypy[
        #     dfdx-shape "self.proj is built here; its output reaches line 42: transpose: gives "
        #     "Tensor[B, (H//patch_size)*(W//patch_size), CI], the return type is Tensor[B, Dyn, "
        #     "E] (CI != E)"]

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, int, E, T]:
        patches = self.proj(x).flatten(2).transpose(1, 2)  # E: mypy[dfdx-shape
        #     "transpose: gives Tensor[B, (H//patch_size)*(W//patch_size), CI], the return type i"
        #     "s Tensor[B, Dyn, E] (CI != E)"]
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
        # bug: MLP projection back of the wrong width
        self.fc2 = Linear(hidden_features, hidden_features, rng=rng)  # E: mypy[dfdx-shape
        #     "self.fc2 is built here; called at line 79: Linear[HF, HF]: gives Tensor[B, S, HF], t"
        #     "he return type is Tensor[B, S, E] (HF != E)"]

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        h = self.act(self.fc1(x))
        return self.fc2(h)  # E: mypy[dfdx-shape "Linear[HF, HF]: gives Tensor[B, S, HF], the retur"
        #     "n type is Tensor[B, S, E] (HF != E)"]


class Block(Module, Generic[E, NH, HF]):
    def __init__(self, dim: E, num_heads: NH, mlp_hidden_dim: HF) -> None:
        super().__init__()
        self.norm1 = LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        # bug: second norm on the hidden width
        self.norm2 = LayerNorm(mlp_hidden_dim, eps=1e-6)  # E: mypy[dfdx-shape "self.norm2 is built"
        #     " here; called at line 97: LayerNorm[HF]: takes HF features, got Tensor[B, S, E] (E !"
        #     "= HF)"]
        self.mlp = Mlp(dim, mlp_hidden_dim)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        x = x + self.attn(self.norm1(x))  # E: mypy[dfdx-shape "x is assigned here; used at line 9"
        #     "7: LayerNorm[HF]: takes HF features, got Tensor[B, S, E] (E != HF)"]
        x = x + self.mlp(self.norm2(x))  # E: mypy[dfdx-shape "LayerNorm[HF]: takes HF features, go"
        #     "t Tensor[B, S, E] (E != HF)"]
        # after the reported call, x keeps its type (the norm's input's): one mistake, one error
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
