"""A Swin Transformer stage (Liu et al. 2021; the modules of the official
``swin_transformer.py``: window_partition, window_reverse, WindowAttention, Mlp,
SwinTransformerBlock, PatchMerging) ported line by line: tokens are cut into non-overlapping
windows by view and permute, attention runs inside each window with a learned relative position
bias table indexed per head, the windows are put back, and a patch merging layer concatenates
each 2x2 neighbourhood and halves the channels of the four. Built with literal sizes and run on
a tiny image. (The shifted windows' torch.roll and mask are left out: dfdx has no roll.)"""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, Conv2d, LayerNorm, Linear, Module, ModuleList, Softmax

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)  # tokens
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)  # dim
NH = TypeVar("NH", bound=int)  # num_heads
WS = TypeVar("WS", bound=int)  # window_size
K = TypeVar("K", bound=int)  # num_classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def window_partition(x: Tensor[B, H, W, C, T], window_size: WS) -> Tensor[int, WS, WS, C, T]:
    """(B, H, W, C) to (num_windows*B, window_size, window_size, C)."""
    b, h, w, c = x.shape
    x = x.view(b, h // window_size, window_size, w // window_size, window_size, c)
    windows = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window_size, window_size, c)
    return windows


def window_reverse(
    windows: Tensor[int, WS, WS, C, T], window_size: WS, h: H, w: W
) -> Tensor[int, H, W, C, T]:
    """(num_windows*B, window_size, window_size, C) to (B, H, W, C)."""
    b = int(windows.shape[0] / (h * w / window_size / window_size))
    x = windows.view(b, h // window_size, w // window_size, window_size, window_size, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, -1)
    return x


class WindowAttention(Module, Generic[C, WS, NH]):
    """Multi-head self-attention inside a window, with a relative position bias."""

    relative_position_index: Tensor[int, int, NoneTape]

    def __init__(self, dim: C, window_size: WS, num_heads: NH) -> None:
        super().__init__()
        self.dim = dim
        self.window_size = window_size
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim**-0.5

        # a table of (2*Wh-1) * (2*Ww-1) offsets, one bias per head
        self.relative_position_bias_table = dx.nn.init.trunc_normal_(
            dx.zeros((2 * window_size - 1) * (2 * window_size - 1), num_heads), std=0.02
        )

        # the pair-wise relative position index of the tokens inside a window
        coords = np.stack(
            np.meshgrid(np.arange(window_size), np.arange(window_size), indexing="ij")
        )
        coords_flatten = coords.reshape(2, -1)  # 2, Wh*Ww
        relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]
        relative_coords = relative_coords.transpose(1, 2, 0)  # Wh*Ww, Wh*Ww, 2
        relative_coords[:, :, 0] += window_size - 1  # shift to start from 0
        relative_coords[:, :, 1] += window_size - 1
        relative_coords[:, :, 0] *= 2 * window_size - 1
        self.register_buffer("relative_position_index", dx.tensor(relative_coords.sum(-1)))

        self.qkv = Linear(dim, dim * 3, rng=rng)
        self.proj = Linear(dim, dim, rng=rng)
        self.softmax = Softmax(axis=-1)

    def forward(self, x: Tensor[B, N, C, T]) -> Tensor[B, N, C, T]:
        b_, n, c = x.shape
        qkv = (
            self.qkv(x)
            # bug: the heads split with their sizes swapped
            .reshape(b_, n, 3, c // self.num_heads, self.num_heads)
            .permute(2, 0, 3, 1, 4)
        )
        q, k, v = qkv[0], qkv[1], qkv[2]  # make torchscript happy (cannot use tensor as tuple)

        q = q * self.scale
        attn = q @ k.transpose(-2, -1)

        relative_position_bias = self.relative_position_bias_table.index_select(
            0, self.relative_position_index.view(-1)
        ).view(self.window_size * self.window_size, self.window_size * self.window_size, -1)
        relative_position_bias = relative_position_bias.permute(2, 0, 1)  # nH, Wh*Ww, Wh*Ww
        attn = attn + relative_position_bias.unsqueeze(0)
        attn = self.softmax(attn)

        x = (attn @ v).transpose(1, 2).reshape(b_, n, c)
        x = self.proj(x)
        return x


class Mlp(Module, Generic[C]):
    def __init__(self, in_features: C, mlp_ratio: int = 4) -> None:
        super().__init__()
        hidden_features = in_features * mlp_ratio
        self.fc1 = Linear(in_features, hidden_features, rng=rng)
        self.act = GELU()
        self.fc2 = Linear(hidden_features, in_features, rng=rng)

    def forward(self, x: Tensor[B, N, C, T]) -> Tensor[B, N, C, T]:
        x = self.fc1(x)
        x = self.act(x)
        x = self.fc2(x)
        return x


class SwinTransformerBlock(Module, Generic[C, H, W, NH, WS]):
    """Pre-norm window attention and MLP, each with a residual connection."""

    def __init__(
        self, dim: C, input_resolution: tuple[H, W], num_heads: NH, window_size: WS
    ) -> None:
        super().__init__()
        self.dim = dim
        self.input_resolution = input_resolution
        self.num_heads = num_heads
        self.window_size = window_size
        self.norm1 = LayerNorm(dim)
        self.attn = WindowAttention(dim, window_size, num_heads)
        self.norm2 = LayerNorm(dim)
        self.mlp = Mlp(dim)

    def forward(self, x: Tensor[B, N, C, T]) -> Tensor[B, N, C, T]:
        h, w = self.input_resolution
        b, l, c = x.shape
        assert l == h * w, "input feature has wrong size"

        shortcut = x
        x = self.norm1(x)
        img = x.view(b, h, w, c)

        # partition windows
        x_windows = window_partition(img, self.window_size)  # nW*B, window_size, window_size, C
        # bug: a window's tokens counted as window_size, not window_size * window_size
        x_windows = x_windows.view(-1, self.window_size, c)

        # W-MSA
        attn_windows = self.attn(x_windows)  # nW*B, window_size*window_size, C

        # merge windows
        attn_windows = attn_windows.view(-1, self.window_size, self.window_size, c)
        shifted_x = window_reverse(attn_windows, self.window_size, h, w)  # B H' W' C
        x = shifted_x.view(b, h * w, c)

        # FFN
        x = shortcut + x
        x = x + self.mlp(self.norm2(x))
        return x


class PatchMerging(Module, Generic[C, H, W]):
    """Each 2x2 neighbourhood's four C-channel tokens concatenated, normed and mapped to 2C."""

    def __init__(self, input_resolution: tuple[H, W], dim: C) -> None:
        super().__init__()
        self.input_resolution = input_resolution
        self.dim = dim
        # bug: the reduction takes 2*dim features, the four concatenated patches have 4*dim
        self.reduction = Linear(2 * dim, 2 * dim, bias=False, rng=rng)  # E: mypy[dfdx-shape "self."
        #     "reduction is built here; called at line 200: Linear[2*C, 2*C]: takes 2*C features, g"
        #     "ot Tensor[B, ((H+1)//2)*((W+1)//2), 4*C] (4*C != 2*C)"]
        self.norm = LayerNorm(4 * dim)

    def forward(self, x: Tensor[B, N, C, T]) -> Tensor[B, int, int, T]:
        h, w = self.input_resolution
        b, l, c = x.shape
        assert l == h * w, "input feature has wrong size"

        img = x.view(b, h, w, c)
        x0 = img[:, 0::2, 0::2, :]  # B H/2 W/2 C
        x1 = img[:, 1::2, 0::2, :]  # B H/2 W/2 C
        x2 = img[:, 0::2, 1::2, :]  # B H/2 W/2 C
        x3 = img[:, 1::2, 1::2, :]  # B H/2 W/2 C
        merged = dx.cat([x0, x1, x2, x3], axis=-1)  # B H/2 W/2 4*C
        merged = merged.view(b, -1, 4 * c)  # B H/2*W/2 4*C  # E: mypy[dfdx-shape "merged is assi"
        #     "gned here; used at line 200: Linear[2*C, 2*C]: takes 2*C features, got Tensor[B, (("
        #     "H+1)//2)*((W+1)//2), 4*C] (4*C != 2*C)"]

        merged = self.norm(merged)  # E: mypy[dfdx-shape "merged is assigned here; used at line 200"
        #     ": Linear[2*C, 2*C]: takes 2*C features, got Tensor[B, ((H+1)//2)*((W+1)//2), 4*C] (4"
        #     "*C != 2*C)"]
        merged = self.reduction(merged)  # E: mypy[dfdx-shape "Linear[2*C, 2*C]: takes 2*C features"
        #     ", got Tensor[B, ((H+1)//2)*((W+1)//2), 4*C] (4*C != 2*C)"]
        return merged


class SwinStage(Module, Generic[K]):
    """Patch embedding (4x4 patches here 2x2), two Swin blocks, patch merging, the head."""

    def __init__(self, num_classes: K) -> None:
        super().__init__()
        self.patch_embed = Conv2d(3, 8, 2, stride=2, rng=rng)
        self.blocks = ModuleList(
            [SwinTransformerBlock(8, (4, 4), num_heads=2, window_size=2) for _ in range(2)]
        )
        self.downsample = PatchMerging((4, 4), 8)
        self.norm = LayerNorm(16)
        self.head = Linear(16, num_classes, rng=rng)

    def forward(self, x: Tensor[B, L[3], L[8], L[8], T]) -> Tensor[B, K, T]:
        x = self.patch_embed(x)
        tokens = x.flatten(2).transpose(1, 2)  # B Ph*Pw C
        for blk in self.blocks:
            tokens = blk(tokens)
        merged = self.downsample(tokens)
        merged = self.norm(merged)
        pooled = merged.mean(axis=1)
        return self.head(pooled)


block: SwinTransformerBlock[L[8], L[4], L[4], L[2], L[2]] = SwinTransformerBlock(
    8, (4, 4), num_heads=2, window_size=2
)
tokens: Tensor[L[2], L[16], L[8], NoneTape] = dx.randn(2, 16, 8, rng=rng)
out = block(tokens.trace())
assert_type(out, Tensor[L[2], L[16], L[8], OwnedTape])
assert out.shape == (2, 16, 8)

model: SwinStage[L[5]] = SwinStage(5)
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8, rng=rng)
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[5], OwnedTape])
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.head.weight].shape == (5, 16)
assert grads[model.blocks[0].attn.relative_position_bias_table].shape == (9, 2)
