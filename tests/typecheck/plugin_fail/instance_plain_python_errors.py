"""Construction mistakes in models sized by plain Python (docs/modules.md, "Sizes computed
in ``__init__``"): a config list walked by a builder function, a config of tuples, words
and repeated groups, widths halved in a loop, an MLP built from ``[dim, *hidden, out]``,
sizes bound in ``main``. Each is reported where the instance's values make it fail and
where the layer built wrong is built; nothing where a value is not known."""

# rules: nn, movement

import itertools
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
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
        self.head = Linear(last * side, classes)  # E: mypy[
        #     dfdx-shape "self.head is built here; called at line 83: Linear[128, 10]: t"
        #     "akes 128 features, got Tensor[2, 512] (512 != 128) (in TinyVGG"
        #     "(..., classes) built at line 89)"]

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, K, T]:
        h = self.body(x)
        return self.head(dx.flatten(h, 1))  # E: mypy[
        #     dfdx-shape "Linear[128, 10]: takes 128 features, got Tensor[2, 512] (512 !"
        #     "= 128) (in TinyVGG(..., classes) built at line 89)"]


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
            Linear(32, grid * grid * per_cell),  # E: mypy[
            #     dfdx-shape "layer 4 of self.head is built here; its output reaches line 12"
            #     "9: reshape: cannot reshape Tensor[2, 224] (448 elements) to Te"
            #     "nsor[2, 4, 4, 9] (288 elements) (in TinyYolo(grid=grid, boxes="
            #     "boxes, classes=classes) built at line 339)"]
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
        return out.reshape(b, self.grid, self.grid, self.classes + 5)  # E: mypy[
        #     dfdx-shape "reshape: cannot reshape Tensor[2, 224] (448 elements) to Tenso"
        #     "r[2, 4, 4, 9] (288 elements) (in TinyYolo(grid=grid, boxes=box"
        #     "es, classes=classes) built at line 339)"]


class Vocoder(Module, Generic[M]):
    def __init__(self, n_mels: M, base: int = 32, ratios: tuple[int, ...] = (2, 2)) -> None:
        super().__init__()
        self.pre = Conv1d(n_mels, base, 7, padding=3)
        stages: list[ConvTranspose1d[Any, Any, Any]] = []
        ch = base
        for i, r in enumerate(ratios):
            ch = base // 2 ** (i + 1)
            stages.append(ConvTranspose1d(ch * 2, ch, r * 2, r, padding=r // 2))  # E: mypy[
            #     dfdx-shape "ConvTranspose1d[16, 8] is built here; its output reaches line "
            #     "159: conv1d: input channels differ: input Tensor[2, 8, 40], we"
            #     "ight Tensor[1, 32, 7] (8 != 32 per group * groups 1) (in Vocod"
            #     "er(n_mels) built at line 343)"]
        self.stages = ModuleList(stages)
        self.post = Conv1d(base, 1, 7, padding=3)  # E: mypy[
        #     dfdx-shape "self.post is built here; called at line 159: conv1d: input cha"
        #     "nnels differ: input Tensor[2, 8, 40], weight Tensor[1, 32, 7] "
        #     "(8 != 32 per group * groups 1) (in Vocoder(n_mels) built at li"
        #     "ne 343)"]

    def forward(self, mel: Tensor[B, M, N, T]) -> Tensor[B, L[1], int, T]:
        x = self.pre(mel)
        for stage in self.stages:
            x = stage(dx.leaky_relu(x, SLOPE))
        return self.post(dx.leaky_relu(x, SLOPE)).tanh()  # E: mypy[
        #     dfdx-shape "conv1d: input channels differ: input Tensor[2, 8, 40], weight "
        #     "Tensor[1, 32, 7] (8 != 32 per group * groups 1) (in Vocoder(n_"
        #     "mels) built at line 343)"]


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
        self.score = Linear(out, 1)  # E: mypy[
        #     dfdx-shape "self.score is built here; called at line 185: Linear[8, 1]: ta"
        #     "kes 8 features, got Tensor[5, 16] (16 != 8) (in TwoTower(6, 9,"
        #     " hidden=[32, 16]) built at line 363)"]

    def forward(self, u: Tensor[B, U, T], v: Tensor[B, V, T]) -> Tensor[B, L[1], T]:
        return self.score(dx.cat([self.user(u), self.item(v)], axis=1))  # E: mypy[
        #     dfdx-shape "Linear[8, 1]: takes 8 features, got Tensor[5, 16] (16 != 8) (i"
        #     "n TwoTower(6, 9, hidden=[32, 16]) built at line 363)"]


def dense_stack(dims: list[int]) -> list[Module]:
    layers: list[Module] = []
    for _d_in, d_out in itertools.pairwise(dims):
        layers += [Linear(dims[0], d_out), ReLU()]  # E: mypy[
        #     dfdx-shape "layer 3 of Sequential (Linear[10, 12]) is built here; called a"
        #     "t line 209: Linear[10, 12]: takes 10 features, got Tensor[4, 2"
        #     "4] (24 != 10) (in Denoiser(width) built at line 347)"]
    return layers[:-1]


class Denoiser(Module, Generic[U]):
    def __init__(self, width: U, hidden: int = 24) -> None:
        super().__init__()
        self.net = Sequential(*dense_stack([width, hidden, hidden // 2, width]))  # E: mypy[
        #     dfdx-shape "layer 3 of Sequential (Linear[10, 12]) is built here; called a"
        #     "t line 209: Linear[10, 12]: takes 10 features, got Tensor[4, 2"
        #     "4] (24 != 10) (in Denoiser(width) built at line 347)"]

    def forward(self, x: Tensor[B, U, T]) -> Tensor[B, U, T]:
        return self.net(x) + x  # E: mypy[
        #     dfdx-shape "Linear[10, 12]: takes 10 features, got Tensor[4, 24] (24 != 10"
        #     ") (in Denoiser(width) built at line 347)"]


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
        self.fc = Linear(ch * 2 * 2, classes)  # E: mypy[
        #     dfdx-shape "self.fc is built here; called at line 236: Linear[64, 10]: tak"
        #     "es 64 features, got Tensor[2, 256] (256 != 64) (in PlanNet() b"
        #     "uilt at line 335)"]

    def forward(self, x: Tensor[B, L[3], L[16], L[16], T]) -> Tensor[B, int, T]:
        return self.fc(dx.flatten(self.body(x), 1))  # E: mypy[
        #     dfdx-shape "Linear[64, 10]: takes 64 features, got Tensor[2, 256] (256 != "
        #     "64) (in PlanNet() built at line 335)"]


class Pooler(Module, Generic[U]):
    """Sums its branches into a state it makes in ``forward``."""

    def __init__(self, dim: U, widths: tuple[int, ...] = (16, 16), classes: int = 3) -> None:
        super().__init__()
        self.width = widths[-1]
        self.branches = ModuleList([Linear(dim, w) for w in widths])
        self.readout = Linear(2 * widths[0], classes)  # E: mypy[
        #     dfdx-shape "self.readout is built here; called at line 257: Linear[32, 3]:"
        #     " takes 32 features, got Tensor[5, 16] (16 != 32) (in Pooler(6)"
        #     " built at line 350)"]

    def forward(self, x: Tensor[B, U, NoneTape]) -> Tensor[B, int, NoneTape]:
        state = dx.zeros(x.shape[0], self.width)
        for branch in self.branches:
            state = state + branch(x)
        return self.readout(state)  # E: mypy[
        #     dfdx-shape "Linear[32, 3]: takes 32 features, got Tensor[5, 16] (16 != 32)"
        #     " (in Pooler(6) built at line 350)"]


@dataclass
class MixerConfig:
    tokens: int = 6
    width: int = 16
    expansion: int = 2
    depth: int = 2


class MixerBlock(Module):
    def __init__(self, cfg: MixerConfig) -> None:
        super().__init__()
        self.up = Linear(cfg.width, cfg.expansion * cfg.width)  # E: mypy[
        #     dfdx-shape "self.up is built here; its output reaches line 283: Linear[4, "
        #     "12]: takes 4 features, got Tensor[3, 6, 24] (24 != 4) (in Mixe"
        #     "rBlock(cfg) built at line 291)"]
        self.down = Linear(cfg.expansion * cfg.expansion, cfg.width)  # E: mypy[
        #     dfdx-shape "self.down is built here; called at line 283: Linear[4, 12]: ta"
        #     "kes 4 features, got Tensor[3, 6, 24] (24 != 4) (in MixerBlock("
        #     "cfg) built at line 291)"]

    def forward(self, x: Tensor[B, N, int, T]) -> Tensor[B, N, int, T]:
        return x + self.down(dx.gelu(self.up(x)))  # E: mypy[
        #     dfdx-shape "Linear[4, 12]: takes 4 features, got Tensor[3, 6, 24] (24 != 4"
        #     ") (in MixerBlock(cfg) built at line 291)"]


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
        self.head = Linear(2 * dim, classes)  # E: mypy[
        #     dfdx-shape "self.head is built here; called at line 325: Linear[32, 3]: ta"
        #     "kes 32 features, got Tensor[2, 16] (16 != 32) (in Classifier(e"
        #     "ncoder, dim, 3) built at line 359)"]

    def forward(self, ids: Tensor[B, N, NoneTape]) -> Tensor[B, int, NoneTape]:
        return self.head(self.encoder(ids).mean(axis=1))  # E: mypy[
        #     dfdx-shape "Linear[32, 3]: takes 32 features, got Tensor[2, 16] (16 != 32)"
        #     " (in Classifier(encoder, dim, 3) built at line 359)"]


def main() -> None:
    images = dx.randn(2, 3, 16, 16)
    vgg = tiny_vgg(10, arch="b")
    vgg(images)

    plan_net = PlanNet()
    plan_net(images)

    grid, boxes, classes = 4, 2, 4
    yolo = TinyYolo(grid=grid, boxes=boxes, classes=classes)
    yolo(images.trace())

    n_mels, frames = 12, 10
    vocoder = Vocoder(n_mels)
    vocoder(dx.randn(2, n_mels, frames))

    width = 10
    denoiser = Denoiser(width)
    denoiser(dx.randn(4, width))

    pooler = Pooler(6)
    pooler(dx.randn(5, 6))

    config = MixerConfig(width=12)
    mixer = Mixer(config)
    mixer(dx.randn(3, 6, 12))

    vocab, dim = 40, 16
    encoder = Encoder(vocab, dim)
    classifier = Classifier(encoder, dim, 3)
    ids = dx.tensor(np.array([[1, 2, 3], [4, 5, 6]]))
    classifier(ids)

    towers = TwoTower(6, 9, hidden=[32, 16])
    towers(dx.randn(5, 6), dx.randn(5, 9))

    widths = [32]
    widths.append(16)
    probe = TwoTower(6, 9, hidden=widths)  # its widths are not known: not followed
    probe(dx.randn(5, 6), dx.randn(5, 9))
