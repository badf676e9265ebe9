"""Models sized by plain Python that the per-instance evaluation follows (docs/modules.md,
"Sizes computed in ``__init__``"): a module-level config list walked by a builder function
(``if v == "P"``, ``isinstance``, ``in_ch = v``), a config of tuples, words and repeated
groups walked by a method, widths halved in a loop with ``**``, an MLP built from
``[dim, *hidden, out]``, a model made by a factory function, and sizes bound in ``main``
(``grid, boxes, classes = 4, 2, 4``) and passed on. Correct: no error."""

# rules: nn, movement

import itertools
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    AvgPool2d,
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    Embedding,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    ModuleList,
    ReLU,
    Sequential,
)

B = TypeVar("B", bound=int)
K = TypeVar("K", bound=int)
M = TypeVar("M", bound=int)
N = TypeVar("N", bound=int)
U = TypeVar("U", bound=int)
V = TypeVar("V", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

# conv widths; "P" halves the map
ARCHS: dict[str, list[int | str]] = {
    "a": [16, "P", 32, 32, "P"],
    "b": [16, 16, "P", 32, 32, "P"],
}

# (kernel, filters, stride), "pool", or [block, block, times]
DARKNET: list[Any] = [
    (3, 8, 1),
    "pool",
    [(1, 4, 1), (3, 8, 1), 2],
    (3, 16, 2),
]

SLOPE = 0.2
BASE = 8

# widened below: the list's value is not the one written here
STAGES: list[int] = [8, 16]
STAGES.append(32)


def conv_stack(cfg: list[int | str], in_ch: int = 3) -> Sequential[Any]:
    layers: list[Module] = []
    for v in cfg:
        if v == "P":
            layers.append(AvgPool2d(2))
            continue
        assert isinstance(v, int)
        layers += [Conv2d(in_ch, v, 3, padding=1), ReLU()]
        in_ch = v
    return Sequential(*layers)


class TinyVGG(Module, Generic[K]):
    def __init__(self, body: Sequential[Any], classes: K, last: int = 32, side: int = 4) -> None:
        super().__init__()
        self.body = body
        self.head = Linear(last * side * side, classes)

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, K, T]:
        h = self.body(x)
        return self.head(dx.flatten(h, 1))


def tiny_vgg(classes: K, arch: str = "a") -> TinyVGG[K]:
    return TinyVGG(conv_stack(ARCHS[arch]), classes)


class TinyYolo(Module):
    def __init__(self, grid: int = 4, boxes: int = 2, classes: int = 4) -> None:
        super().__init__()
        self.grid, self.boxes, self.classes = grid, boxes, classes
        self.backbone = self._darknet(DARKNET, 3)
        per_cell = classes + boxes * 5
        self.head = Sequential(
            Flatten(),
            Linear(16 * grid * grid, 32),
            LeakyReLU(0.1),
            Linear(32, grid * grid * per_cell),
        )

    def _darknet(self, config: list[Any], channels: int) -> Sequential[Any]:
        layers: list[Module] = []
        for item in config:
            if isinstance(item, str):
                layers.append(MaxPool2d(2, 2))
            elif isinstance(item, tuple):
                k, filters, s = item
                layers += [Conv2d(channels, filters, k, s, k // 2), LeakyReLU(0.1)]
                channels = filters
            else:
                first, second, times = item
                for _ in range(times):
                    for k, filters, s in (first, second):
                        layers += [Conv2d(channels, filters, k, s, k // 2), LeakyReLU(0.1)]
                        channels = filters
        return Sequential(*layers)

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, int, int, int, T]:
        b = x.shape[0]
        out = self.head(self.backbone(x))
        return out.reshape(b, self.grid, self.grid, self.classes + self.boxes * 5)


class Vocoder(Module, Generic[M]):
    def __init__(self, n_mels: M, base: int = 32, ratios: tuple[int, ...] = (2, 2)) -> None:
        super().__init__()
        self.pre = Conv1d(n_mels, base, 7, padding=3)
        stages: list[ConvTranspose1d[Any, Any, Any]] = []
        ch = base
        for i, r in enumerate(ratios):
            ch = base // 2 ** (i + 1)
            stages.append(ConvTranspose1d(ch * 2, ch, r * 2, r, padding=r // 2))
        self.stages = ModuleList(stages)
        self.post = Conv1d(ch, 1, 7, padding=3)

    def forward(self, mel: Tensor[B, M, N, T]) -> Tensor[B, L[1], int, T]:
        x = self.pre(mel)
        for stage in self.stages:
            x = stage(dx.leaky_relu(x, SLOPE))
        return self.post(dx.leaky_relu(x, SLOPE)).tanh()


def mlp(widths: list[int]) -> Sequential[Any]:
    layers: list[Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(Linear(a, b))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


class TwoTower(Module, Generic[U, V]):
    def __init__(self, user_dim: U, item_dim: V, hidden: list[int], out: int = 8) -> None:
        super().__init__()
        self.user = mlp([user_dim, *hidden, out])
        self.item = mlp([item_dim, *hidden, out])
        self.score = Linear(2 * out, 1)

    def forward(self, u: Tensor[B, U, T], v: Tensor[B, V, T]) -> Tensor[B, L[1], T]:
        return self.score(dx.cat([self.user(u), self.item(v)], axis=1))


class Pyramid(Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        layers: list[Module] = []
        ch = 3
        for width in STAGES:
            layers += [Conv2d(ch, width, 3, padding=1), ReLU()]
            ch = width
        self.body = Sequential(*layers)
        self.head = Linear(32, classes)

    def forward(self, x: Tensor[B, L[3], N, N, T]) -> Tensor[B, int, T]:
        h = self.body(x).mean(axis=(2, 3))
        return self.head(h)


def dense_stack(dims: list[int]) -> list[Module]:
    layers: list[Module] = []
    for d_in, d_out in itertools.pairwise(dims):
        layers += [Linear(d_in, d_out), ReLU()]
    return layers[:-1]


class Denoiser(Module, Generic[U]):
    def __init__(self, width: U, hidden: int = 24) -> None:
        super().__init__()
        self.net = Sequential(*dense_stack([width, hidden, hidden // 2, width]))

    def forward(self, x: Tensor[B, U, T]) -> Tensor[B, U, T]:
        return self.net(x) + x


class PlanNet(Module):
    """Its layers planned in a class attribute: words, and widths from a module constant."""

    plan = (("conv", BASE), ("down", 0), ("conv", BASE * 2), ("downsample", 0))

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        layers: list[Module] = []
        ch = 3
        for kind, width in self.plan:
            if "down" in kind:
                layers.append(MaxPool2d(2))
            else:
                layers += [Conv2d(ch, width, 3, padding=1), ReLU()]
                ch = width
        self.body = Sequential(*layers)
        self.fc = Linear(ch * 4 * 4, classes)

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, int, T]:
        return self.fc(dx.flatten(self.body(x), 1))


class Pooler(Module, Generic[U]):
    """Sums its branches into a state it makes in ``forward``."""

    def __init__(self, dim: U, widths: tuple[int, ...] = (16, 16), classes: int = 3) -> None:
        super().__init__()
        self.width = widths[-1]
        self.branches = ModuleList([Linear(dim, w) for w in widths])
        self.readout = Linear(widths[-1], classes)

    def forward(self, x: Tensor[B, U, NoneTape]) -> Tensor[B, int, NoneTape]:
        state = dx.zeros(x.shape[0], self.width)
        for branch in self.branches:
            state = state + branch(x)
        return self.readout(state)


@dataclass
class MixerConfig:
    tokens: int = 6
    width: int = 16
    expansion: int = 2
    depth: int = 2


class MixerBlock(Module):
    def __init__(self, cfg: MixerConfig) -> None:
        super().__init__()
        self.up = Linear(cfg.width, cfg.expansion * cfg.width)
        self.down = Linear(cfg.expansion * cfg.width, cfg.width)

    def forward(self, x: Tensor[B, N, int, T]) -> Tensor[B, N, int, T]:
        return x + self.down(dx.gelu(self.up(x)))


class Mixer(Module):
    def __init__(self, cfg: MixerConfig, classes: int = 5) -> None:
        super().__init__()
        self.blocks = ModuleList([MixerBlock(cfg) for _ in range(cfg.depth)])
        self.head = Linear(cfg.width, classes)

    def forward(self, x: Tensor[B, N, int, T]) -> Tensor[B, int, T]:
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(axis=1))


class Encoder(Module):
    def __init__(self, vocab: int, dim: int, max_len: int = 32) -> None:
        super().__init__()
        self.tokens = Embedding(vocab, dim)
        self.positions = Embedding(max_len, dim)
        self.mix = Linear(dim, dim)

    def forward(self, ids: Tensor[B, N, NoneTape]) -> Tensor[B, N, int, NoneTape]:
        n = ids.shape[1]
        x = self.tokens(ids) + self.positions(dx.arange(n))
        return self.mix(x).relu()


class Classifier(Module):
    """Built around an encoder made in ``main`` and passed in."""

    def __init__(self, encoder: Encoder, dim: int, classes: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = Linear(dim, classes)

    def forward(self, ids: Tensor[B, N, NoneTape]) -> Tensor[B, int, NoneTape]:
        return self.head(self.encoder(ids).mean(axis=1))


def main() -> None:
    images = dx.randn(2, 3, 16, 16)
    vgg = tiny_vgg(10, arch="b")
    assert_type(vgg(images), Tensor[L[2], L[10], NoneTape])

    plan_net = PlanNet()
    assert_type(plan_net(images), Tensor[L[2], L[10], NoneTape])

    grid, boxes, classes = 4, 2, 4
    yolo = TinyYolo(grid=grid, boxes=boxes, classes=classes)
    assert_type(yolo(images.trace()), Tensor[L[2], L[4], L[4], L[14], OwnedTape])

    n_mels, frames = 12, 10
    vocoder = Vocoder(n_mels)
    wave = vocoder(dx.randn(2, n_mels, frames))
    assert_type(wave, Tensor[L[2], L[1], L[40], NoneTape])

    widths = [32]
    widths.append(16)
    probe = TwoTower(6, 9, hidden=widths, out=16)
    assert_type(probe(dx.randn(5, 6), dx.randn(5, 9)), Tensor[L[5], L[1], NoneTape])

    pyramid = Pyramid(7)
    assert_type(pyramid(images), Tensor[L[2], int, NoneTape])

    width = 10
    denoiser = Denoiser(width)
    assert_type(denoiser(dx.randn(4, width)), Tensor[L[4], L[10], NoneTape])

    pooler = Pooler(6)
    assert_type(pooler(dx.randn(5, 6)), Tensor[L[5], L[3], NoneTape])

    config = MixerConfig(width=12)
    mixer = Mixer(config)
    assert_type(mixer(dx.randn(3, 6, 12)), Tensor[L[3], L[5], NoneTape])

    vocab, dim = 40, 16
    encoder = Encoder(vocab, dim)
    classifier = Classifier(encoder, dim, 3)
    ids = dx.tensor(np.array([[1, 2, 3], [4, 5, 6]]))
    assert_type(classifier(ids), Tensor[L[2], L[3], NoneTape])

    towers = TwoTower(6, 9, hidden=[32, 16])
    assert_type(towers(dx.randn(5, 6), dx.randn(5, 9)), Tensor[L[5], L[1], NoneTape])


if __name__ == "__main__":
    main()
