"""Three shape bugs injected into the DDPM UNet port (plugin_pass/port_ddpm_unet.py): a
residual block's second GroupNorm on the input width; the time embedding projected to the input
width; the skip of the lower level concatenated, at the wrong resolution. Each is reported
where the plugin finds it."""

# rules: nn

import math
from typing import Generic, TypeVar, TypeVarTuple, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, GroupNorm, Linear, Module, Upsample

B = TypeVar("B", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
C = TypeVar("C", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
E = TypeVar("E", bound=int)  # temb_channels
S = TypeVarTuple("S")
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
dx.manual_seed(0)  # the layers draw from it


def get_timestep_embedding(timesteps: Tensor[B, T], embedding_dim: int) -> Tensor[B, int, T]:
    """The sinusoidal embedding of DDPM (and of "Attention Is All You Need")."""
    half_dim = embedding_dim // 2
    emb = math.log(10000) / (half_dim - 1)
    freqs = dx.exp(dx.arange(half_dim, dtype=dx.float32) * -emb)
    args = timesteps[:, None] * freqs[None, :]
    return dx.cat([args.sin(), args.cos()], axis=1)


def nonlinearity(x: Tensor[*S, T]) -> Tensor[*S, T]:
    # swish
    return x * dx.sigmoid(x)


def Normalize(in_channels: C) -> GroupNorm[C]:
    return GroupNorm(num_groups=4, num_channels=in_channels, eps=1e-6, affine=True)


class ResnetBlock(Module, Generic[CI, CO, E]):
    def __init__(self, in_channels: CI, out_channels: CO, temb_channels: E) -> None:
        super().__init__()
        self.norm1 = Normalize(in_channels)
        self.conv1 = Conv2d(in_channels, out_channels, 3, padding=1)  # E: mypy[
        #     dfdx-shape "self.conv1 is built here; called at line 73: add: shapes do not broadca"
        #     "st: Tensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)",
        #     dfdx-shape "self.conv1 is built here; its output reaches line 83: GroupNorm[CI]: ta"
        #     "kes CI channels on axis 1, got Tensor[B, CO, H, W] (CO != CI)"]
        # bug: the time embedding projected to the input width
        self.temb_proj = Linear(temb_channels, in_channels)  # E: mypy[
        #     dfdx-shape "self.temb_proj is built here; called at line 76: add: shapes do not bro"
        #     "adcast: Tensor[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)"]
        # bug: the second norm on the input width
        self.norm2 = Normalize(in_channels)  # E: mypy[
        #     dfdx-shape "self.norm2 is built here; called at line 83: GroupNorm[CI]: takes CI ch"
        #     "annels on axis 1, got Tensor[B, CO, H, W] (CO != CI)"]
        self.conv2 = Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.nin_shortcut = Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x: Tensor[B, CI, H, W, T], temb: Tensor[B, E, T]) -> Tensor[B, CO, H, W, T]:
        h = self.norm1(x)
        h = nonlinearity(h)
        h = self.conv1(h)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 76: add: shapes do not broadcast: Tens"
        #     "or[B, CO, H, W] and Tensor[B, CI, 1, 1] (axis -3: CO != CI)"]
        h = h + self.temb_proj(nonlinearity(temb))[:, :, None, None]  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[2, 16, 4, 4] and Tensor[2, 8, 1, 1"
        #     "] (axis -3: 16 != 8) (in ResnetBlock(8, 16, 32) built at line 174)",
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, CO, H, W] and Tensor[B, CI, 1, "
        #     "1] (axis -3: CO != CI)",
        #     dfdx-shape "h is assigned here; used at line 83: GroupNorm[CI]: takes CI channels o"
        #     "n axis 1, got Tensor[B, CO, H, W] (CO != CI)"]
        h = self.norm2(h)  # E: mypy[
        #     dfdx-shape "GroupNorm[CI]: takes CI channels on axis 1, got Tensor[B, CO"
        #     ", H, W] (CO != CI)"]
        h = nonlinearity(h)
        h = self.conv2(h)
        return self.nin_shortcut(x) + h


class Downsample(Module, Generic[C]):
    def __init__(self, in_channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, in_channels, kernel_size=3, stride=2, padding=1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, int, int, T]:
        return self.conv(x)


class UpsampleConv(Module, Generic[C]):
    def __init__(self, in_channels: C) -> None:
        super().__init__()
        self.up = Upsample(scale_factor=2, mode="nearest")
        self.conv = Conv2d(in_channels, in_channels, kernel_size=3, padding=1)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, int, int, T]:
        x2 = self.up(x)
        return self.conv(x2)


class Model(Module, Generic[C]):
    """A two-resolution DDPM UNet: ch 8, ch_mult (1, 2), one ResnetBlock per level."""

    def __init__(self, in_ch: C) -> None:
        super().__init__()
        self.ch = 8
        self.temb_ch = 32
        # timestep embedding
        self.temb_dense0 = Linear(8, 32)
        self.temb_dense1 = Linear(32, 32)
        # downsampling
        self.conv_in = Conv2d(in_ch, 8, kernel_size=3, padding=1)
        self.down0 = ResnetBlock(8, 8, 32)
        self.downsample0 = Downsample(8)
        self.down1 = ResnetBlock(8, 16, 32)
        # middle
        self.mid = ResnetBlock(16, 16, 32)
        # upsampling: each block takes the level's output concatenated with its skip
        self.up1 = ResnetBlock(16 + 16, 16, 32)
        self.upsample1 = UpsampleConv(16)
        self.up0 = ResnetBlock(16 + 8, 8, 32)  # E: mypy[
        #     dfdx-shape "self.up0 is built here; called at line 153: ResnetBlock[24, 8, 32]: x t"
        #     "akes Tensor[B, 24, H, W], got Tensor[B, 32, (H+1)//2, (W+1)//2] (32 != 24)"]
        # end
        self.norm_out = Normalize(8)
        self.conv_out = Conv2d(8, in_ch, kernel_size=3, padding=1)

    def forward(self, x: Tensor[B, C, H, W, T], t: Tensor[B, T]) -> Tensor[B, C, H, W, T]:
        # timestep embedding
        temb = get_timestep_embedding(t, self.ch)
        temb = self.temb_dense0(dx.ensure_shape(temb, x.shape[0], 8))
        temb = self.temb_dense1(dx.silu(temb))
        # downsampling
        hs = [self.conv_in(x)]
        h0 = self.down0(hs[-1], temb)
        h1 = self.down1(self.downsample0(h0), temb)
        # middle
        h = self.mid(h1, temb)
        # upsampling
        h = self.up1(dx.cat([h, h1], axis=1), temb)
        h = self.upsample1(h)
        # bug: the skip of the lower level, at the wrong resolution
        h = self.up0(dx.cat([h, h1], axis=1), temb)  # E: mypy[
        #     dfdx-shape "ResnetBlock[24, 8, 32]: x takes Tensor[B, 24, H, W], got Ten"
        #     "sor[B, 32, (H+1)//2, (W+1)//2] (32 != 24)"]
        # end
        h = self.norm_out(h)
        h = dx.silu(h)
        out = self.conv_out(h)
        B, C, H, W = x.shape
        return dx.ensure_shape(out, B, C, H, W)


model: Model[L[3]] = Model(3)
assert_type(Model(3), Model[L[3]])
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8)
timesteps: Tensor[L[2], NoneTape] = dx.tensor(rng.integers(0, 1000, size=2).astype(np.float32))
noise_pred = model(images.trace(), timesteps.trace())  # traced: the embedding MLP learns
assert_type(noise_pred, Tensor[L[2], L[3], L[8], L[8], OwnedTape])
assert noise_pred.shape == (2, 3, 8, 8)
grads = noise_pred.square().mean().backward()
assert grads[model.temb_dense0.weight].shape == (32, 8)

block: ResnetBlock[L[8], L[16], L[32]] = ResnetBlock(8, 16, 32)
features: Tensor[L[2], L[8], L[4], L[4], NoneTape] = dx.randn(2, 8, 4, 4)
emb: Tensor[L[2], L[32], NoneTape] = dx.randn(2, 32)
out = block(features, emb)
assert_type(out, Tensor[L[2], L[16], L[4], L[4], NoneTape])
assert out.shape == (2, 16, 4, 4)
