"""Sizes a block computes in ``__init__`` (docs/modules.md, "Sizes computed in
``__init__``"): widths from a helper function (``_make_divisible``), ``int(dim *
mlp_ratio)``, ``max``/``math.ceil``, ``2 ** i``, a width reassigned in a loop, a concat width
accumulated, a tuple of stage widths walked with ``zip``, layers appended to a list or a
``ModuleList`` and joined by ``Sequential(*layers)``. Each instance built with known
arguments (a field, or the model built in ``main()``) is typed with these values: its calls
give exact sizes."""

# rules: nn, movement

import itertools
import math
from typing import Generic, TypeVar, assert_type
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
    if new_v < 0.9 * v:  # rounding down must not lose more than 10%
        new_v += divisor
    return new_v


class SqueezeExcite(Module):
    def __init__(self, in_ch: int, out_ch: int, se_ratio: float = 0.25) -> None:
        super().__init__()
        hidden = _make_divisible(in_ch * se_ratio)
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1, rng=rng)
        self.fc1 = Linear(out_ch, hidden, rng=rng)
        self.fc2 = Linear(hidden, out_ch, rng=rng)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        y = self.conv(x)
        s = self.fc2(self.fc1(y.mean(axis=(2, 3))).relu()).sigmoid()
        return y * s.reshape(s.shape[0], s.shape[1], 1, 1)


class ConvBNAct(Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False, rng=rng)
        self.bn = BatchNorm2d(out_ch)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        return self.bn(self.conv(x)).relu()


class Stage(Module):
    """Blocks appended in a loop; the width a block takes is reassigned after each."""

    def __init__(self, in_ch: int, out_ch: int, depth: int) -> None:
        super().__init__()
        layers: list[Module] = []
        ch = in_ch
        for i in range(depth):
            layers.append(ConvBNAct(ch, out_ch, stride=2 if i == 0 else 1))
            ch = out_ch
        self.body = Sequential(*layers)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, Dyn, Dyn, T]:
        return self.body(x)


class OneShotAggregation(Module):
    """VoVNet's block: every layer's output joined; the joined width accumulated."""

    def __init__(self, in_ch: int, stage_ch: int, out_ch: int, n_layers: int) -> None:
        super().__init__()
        self.layers = ModuleList()
        ch = in_ch
        concat_ch = in_ch
        for _ in range(n_layers):
            self.layers.append(Conv2d(ch, stage_ch, 3, padding=1, rng=rng))
            ch = stage_ch
            concat_ch += stage_ch
        self.concat = Conv2d(concat_ch, out_ch, 1, rng=rng)

    def forward(self, x: Tensor[B, Dyn, H, W, T]) -> Tensor[B, Dyn, H, W, T]:
        outs = [x]
        for layer in self.layers:
            x = layer(x)
            outs.append(x)
        return self.concat(dx.cat(outs, axis=1))


class Mlp(Module, Generic[D]):
    def __init__(self, dim: D, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.fc1 = Linear(dim, hidden, rng=rng)
        self.fc2 = Linear(hidden, dim, rng=rng)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return self.fc2(self.fc1(x).gelu())


class Pyramid(Module):
    """Stage widths doubling (``base * 2 ** i``), a reduction floored at 8."""

    def __init__(self, base: int = 8, num_stages: int = 3, reduction: int = 16) -> None:
        super().__init__()
        widths = [base * 2**i for i in range(num_stages)]
        self.stem = ConvBNAct(3, widths[0])
        self.stages = ModuleList(
            [Stage(w_in, w_out, depth=2) for w_in, w_out in itertools.pairwise(widths)]
        )
        squeezed = max(8, widths[-1] // reduction)
        self.squeeze = Linear(widths[-1], squeezed, rng=rng)
        self.tokens = math.ceil(widths[-1] / 3)
        self.project = Linear(squeezed, self.tokens, rng=rng)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, Dyn, T]:
        h = self.stem(x)
        for stage in self.stages:
            h = stage(h)
        return self.project(self.squeeze(h.mean(axis=(2, 3))).relu())


class Net(Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        widths = (16, 32, 48)
        self.se = SqueezeExcite(3, widths[0])
        stages: list[Stage] = []
        for i, w_out in enumerate(widths[1:]):
            stages.append(Stage(widths[i], w_out, depth=2))
        self.stages = ModuleList(stages)
        self.osa = OneShotAggregation(widths[-1], 16, 64, n_layers=3)
        self.mlp = Mlp(64, mlp_ratio=2.0)
        self.head = Linear(64, num_classes, rng=rng)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, Dyn, T]:
        h = self.se(x)
        assert_type(h, Tensor[B, L[16], H, W, T])
        for stage in self.stages:
            h = stage(h)
        h = self.osa(h)
        tokens = h.flatten(2).transpose(1, 2)
        pooled = self.mlp(tokens).mean(axis=1)
        return self.head(pooled)


def main() -> None:
    x = dx.randn(2, 3, 16, 16, rng=rng)
    model = Net()
    logits = model(x)
    assert_type(logits, Tensor[L[2], L[10], NoneTape])
    assert logits.shape == (2, 10)
    pyramid = Pyramid()
    features = pyramid(x)
    assert_type(features, Tensor[L[2], L[11], NoneTape])  # ceil(32 / 3)
    assert features.shape == (2, 11)


if __name__ == "__main__":
    main()
