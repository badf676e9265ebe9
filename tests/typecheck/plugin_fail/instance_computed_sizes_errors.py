"""Mistakes that only sizes computed in ``__init__`` show (docs/modules.md, "Sizes computed
in ``__init__``"): a width from a helper function, ``int(dim * mlp_ratio)``, a width
reassigned in a loop, a concat width, a tuple of stage widths. Each is reported where the
instance's values make it fail and where the layer built wrong is built."""

# rules: nn, movement, binary

import itertools
from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Linear, Module, ModuleList, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def _make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class SqueezeExcite(Module):
    def __init__(self, in_ch: int, out_ch: int, se_ratio: float = 0.25) -> None:
        super().__init__()
        hidden = _make_divisible(in_ch * se_ratio)
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1)
        self.fc1 = Linear(out_ch, hidden)
        self.fc2 = Linear(hidden, in_ch)  # out_ch  # E: mypy[
        #     dfdx-shape "self.fc2 is built here; its output reaches line 51: mul: shapes do "
        #     "not broadcast: Tensor[B, 16, H, W] and Tensor[B, 3, 1, 1] (axis -3: 16 != 3) (in S"
        #     "queezeExcite(3, 16) built at line 133)"]

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        y = self.conv(x)
        s = self.fc2(self.fc1(y.mean(axis=(2, 3))).relu()).sigmoid()
        return y * s.reshape(s.shape[0], s.shape[1], 1, 1)  # E: mypy[
        #     dfdx-shape "mul: shapes do not broadcast: Tensor[B, 16, H, W] and Tensor[B, 3, 1, 1"
        #     "] (axis -3: 16 != 3) (in SqueezeExcite(3, 16) built at line 133)"]


class ConvBNAct(Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn = BatchNorm2d(out_ch)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        return self.bn(self.conv(x)).relu()


class Stage(Module):
    def __init__(self, in_ch: int, out_ch: int, depth: int) -> None:
        super().__init__()
        layers: list[Module] = []
        ch = in_ch
        for i in range(depth):
            # ch was meant: the second block takes out_ch channels
            layers.append(ConvBNAct(in_ch, out_ch, stride=2 if i == 0 else 1))  # E: mypy[
            #     dfdx-shape "layer 2 of Sequential (ConvBNAct(in_ch, out_ch, stride=...)) is bui"
            #     "lt here; called at line 82: conv2d: input channels differ: input Tensor[2, 32,"
            #     " 8, 8], weight Tensor[32, 16, 3, 3] (32 != 16 per group * groups 1) (in Stage("
            #     "w_in, w_out, depth=2) built at line 145)"]
            ch = out_ch
        self.body = Sequential(*layers)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        return self.body(x)  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[2, 32, 8, 8], weight Tensor"
        #     "[32, 16, 3, 3] (32 != 16 per group * groups 1) (in Stage(w_in, w_out, depth=2) bui"
        #     "lt at line 145)"]


class OneShotAggregation(Module):
    def __init__(self, in_ch: int, stage_ch: int, out_ch: int, n_layers: int) -> None:
        super().__init__()
        self.layers = ModuleList()
        ch = in_ch
        for _ in range(n_layers):
            self.layers.append(Conv2d(ch, stage_ch, 3, padding=1))
            ch = stage_ch
        # the input's channels left out of the joined width
        self.concat = Conv2d(stage_ch * n_layers, out_ch, 1)  # E: mypy[
        #     dfdx-shape "self.concat is built here; called at line 108: conv2d: input channel"
        #     "s differ: input Tensor[2, 112, 16, 16], weight Tensor[64, 96, 1, 1] (112 != 96 per"
        #     " group * groups 1) (in OneShotAggregation(..., ..., 64, n_layers=3) built at line "
        #     "159)"]

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        outs = [x]
        for layer in self.layers:
            x = layer(x)
            outs.append(x)
        return self.concat(dx.cat(outs, axis=1))  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[2, 112, 16, 16], weight Ten"
        #     "sor[64, 96, 1, 1] (112 != 96 per group * groups 1) (in OneShotAggregation(..., ..."
        #     ", 64, n_layers=3) built at line 159)"]


class Mlp(Module, Generic[D]):
    def __init__(self, dim: D, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.fc1 = Linear(dim, hidden)
        self.fc2 = Linear(hidden, hidden)  # dim  # E: mypy[
        #     dfdx-shape "self.fc2 is built here; its output reaches line 125: Mlp.forwar"
        #     "d returns Tensor[2, 5, 128] where it declares Tensor[2, 5, 64] (axis 2: 128 != 64)"
        #     " (in Mlp(dim, mlp_ratio=2.0) built at line 185)"]

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return self.fc2(self.fc1(x).gelu())  # E: mypy[
        #     dfdx-shape "Mlp.forward returns Tensor[2, 5, 128] where it declares Tensor[2, 5, 64"
        #     "] (axis 2: 128 != 64) (in Mlp(dim, mlp_ratio=2.0) built at line 185)"]


class Gated(Module):
    def __init__(self) -> None:
        super().__init__()
        self.se = SqueezeExcite(3, 16)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        return self.se(x)


class Tower(Module):
    def __init__(self, widths: tuple[int, ...] = (16, 32, 48)) -> None:
        super().__init__()
        self.stem = ConvBNAct(3, widths[0])
        stages: list[Stage] = []
        for w_in, w_out in itertools.pairwise(widths):
            stages.append(Stage(w_in, w_out, depth=2))
        self.stages = ModuleList(stages)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        h = self.stem(x)
        for stage in self.stages:
            h = stage(h)
        return h


class Aggregated(Module):
    def __init__(self, widths: tuple[int, ...] = (16, 32), num_classes: int = 10) -> None:
        super().__init__()
        self.stem = ConvBNAct(3, widths[0])
        self.osa = OneShotAggregation(widths[0], widths[1], 64, n_layers=3)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        return self.osa(self.stem(x))


class Classifier(Module):
    def __init__(self, widths: tuple[int, ...] = (8, 16, 32), num_classes: int = 10) -> None:
        super().__init__()
        self.features = Sequential(
            *[ConvBNAct(c_in, c_out, stride=2) for c_in, c_out in itertools.pairwise(widths)]
        )
        self.head = Linear(widths[-2], num_classes)  # widths[-1]  # E: mypy[
        #     dfdx-shape "self.head is built here; called at line 177: Linear[16, 10]: takes"
        #     " 16 features, got Tensor[2, 32] (32 != 16) (in Classifier() built at line 196)"]

    def forward(self, x: Tensor[B, L[8], H, W, T]) -> Tensor[B, Dyn, T]:
        h = self.features(x)
        return self.head(h.mean(axis=(2, 3)))  # E: mypy[
        #     dfdx-shape "Linear[16, 10]: takes 16 features, got Tensor[2, 32] (32 != 16) (in Cla"
        #     "ssifier() built at line 196)"]


class Mixer(Module):
    def __init__(self, dim: int = 64) -> None:
        super().__init__()
        self.mlp = Mlp(dim, mlp_ratio=2.0)

    def forward(self, x: Tensor[B, N, L[64], T]) -> Tensor[B, N, Dyn, T]:
        return self.mlp(x)


def main() -> None:
    images = dx.randn(2, 3, 16, 16, rng=rng)
    print(Gated()(images).shape)
    print(Tower()(images).shape)
    print(Aggregated()(images).shape)
    model = Classifier()
    print(model(dx.randn(2, 8, 16, 16, rng=rng)).shape)
    print(Mixer()(dx.randn(2, 5, 64, rng=rng)).shape)
