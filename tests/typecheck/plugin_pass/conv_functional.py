"""The functional convolutions and pools in user modules: a masked convolution (``weight *
mask``), a modulated one run as one grouped convolution of per-sample weights (StyleGAN's
trick), a depthwise blur, pools between them. Weights are declared, so pyright without the
plugin types every result too (rank and channels; the plugin adds the spatial sizes)."""

# rules: conv

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
S = TypeVar("S", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class MaskedConv(Module, Generic[CI, CO]):
    """PixelCNN's masked 3x3 convolution: the kernel's lower half is zeroed by a fixed mask."""

    def __init__(self, ci: CI, co: CO) -> None:
        super().__init__()
        self.weight: Tensor[CO, CI, L[3], L[3], OwnedTape] = dx.randn(co, ci, 3, 3).trace()
        self.bias: Tensor[CO, OwnedTape] = dx.zeros(co).trace()
        mask = np.ones((3, 3), dtype=np.float32)
        mask[2:, :] = 0.0
        mask[1, 2:] = 0.0
        self.mask: Tensor[L[1], L[1], L[3], L[3], NoneTape] = dx.tensor(mask[None, None])

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, OwnedTape]:
        y = dx.conv2d(x, self.weight * self.mask, self.bias, stride=1, padding=1)
        assert_type(y, Tensor[B, CO, H, W, OwnedTape])
        return y


class ModulatedConv(Module, Generic[S, CI, CO]):
    """A style vector scales each sample's kernel; the batch runs as ``groups=b`` of one conv."""

    def __init__(self, style: S, ci: CI, co: CO) -> None:
        super().__init__()
        self.affine = Linear(style, ci)
        self.weight: Tensor[CO, CI, L[3], L[3], OwnedTape] = dx.randn(co, ci, 3, 3).trace()

    def forward(
        self, x: Tensor[B, CI, H, W, T], style: Tensor[B, S, T]
    ) -> Tensor[B, CO, H, W, OwnedTape]:
        b, ci, h, w = x.shape
        co = self.weight.shape[0]
        scale = self.affine(style).reshape(b, 1, ci, 1, 1)
        per_sample = self.weight.unsqueeze(0) * scale
        kernels = per_sample.reshape(b * co, ci, 3, 3)
        out = dx.conv2d(x.reshape(1, b * ci, h, w), kernels, padding=1, groups=b)
        assert_type(out, Tensor[L[1], Expr[L["B*CO"]], H, W, OwnedTape])
        return out.reshape(b, co, h, w)


class Blur(Module, Generic[CI]):
    """A fixed depthwise 3x3 blur, then 2x2 pools: one kernel per channel (``groups=c``)."""

    def __init__(self, c: CI) -> None:
        super().__init__()
        k = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]).astype(np.float32) / 16.0
        self.kernel: Tensor[CI, L[1], L[3], L[3], NoneTape] = dx.tensor(
            np.broadcast_to(k, (c, 1, 3, 3)).copy()
        )

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CI, Dyn, Dyn, T]:
        c = x.shape[1]
        blurred = dx.conv2d(x, self.kernel, padding=1, groups=c)
        assert_type(blurred, Tensor[B, CI, H, W, T])
        pooled = dx.max_pool2d(blurred, 2)
        assert_type(pooled, Tensor[B, CI, Expr[L["H//2"]], Expr[L["W//2"]], T])
        averaged = dx.avg_pool2d(pooled, 3, stride=1, padding=1)
        return averaged


rng = np.random.default_rng(0)
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.tensor(
    rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
)
styles: Tensor[L[2], L[5], NoneTape] = dx.tensor(rng.standard_normal((2, 5)).astype(np.float32))
masked: MaskedConv[L[3], L[4]] = MaskedConv(3, 4)
modulated: ModulatedConv[L[5], L[3], L[4]] = ModulatedConv(5, 3, 4)
blur: Blur[L[3]] = Blur(3)
for layer_input in (images, images * 0.5):
    m = masked(layer_input)
    assert_type(m, Tensor[L[2], L[4], L[8], L[8], OwnedTape])
    g = modulated(layer_input, styles)
    assert_type(g, Tensor[L[2], L[4], L[8], L[8], OwnedTape])
    p = blur(layer_input)
    assert p.shape == (2, 3, 4, 4)
    assert m.shape == g.shape == (2, 4, 8, 8)
