"""Three shape bugs injected into the MLP-Mixer port (plugin_pass/port_mixer.py): the token-mixing
MLP built on the channels; the transpose back after it on the wrong axes; the mean over the
channels instead of the patches. Each is reported where the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
M = TypeVar("M", bound=int)  # mlp_dim
P = TypeVar("P", bound=int)  # num_patches
C = TypeVar("C", bound=int)  # hidden_dim
DS = TypeVar("DS", bound=int)  # tokens_mlp_dim
DC = TypeVar("DC", bound=int)  # channels_mlp_dim
K = TypeVar("K", bound=int)  # num_classes
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class MlpBlock(Module, Generic[D, M]):
    def __init__(self, dim: D, mlp_dim: M) -> None:
        super().__init__()
        self.fc1 = Linear(dim, mlp_dim, rng=rng)
        self.fc2 = Linear(mlp_dim, dim, rng=rng)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        y = self.fc1(x)
        y = y.gelu()
        return self.fc2(y)


class MixerBlock(Module, Generic[P, C, DS, DC]):
    def __init__(self, num_patches: P, hidden_dim: C, tokens_mlp_dim: DS, channels_mlp_dim: DC):
        super().__init__()
        self.norm1 = LayerNorm(hidden_dim)
        # bug: token-mixing MLP built on the channels
        self.mlp_tokens = MlpBlock(hidden_dim, tokens_mlp_dim)  # E: mypy[dfdx-shape "self.mlp_toke"
        #     "ns is built here; called at line 58: MlpBlock[C, DS]: x takes Tensor[B, S, C], got "
        #     "Tensor[B, C, P] (P != C)"]
        self.norm2 = LayerNorm(hidden_dim)
        self.mlp_channels = MlpBlock(hidden_dim, channels_mlp_dim)

    def forward(self, x: Tensor[B, P, C, T]) -> Tensor[B, P, C, T]:
        y = self.norm1(x)
        y = y.transpose(1, 2)
        y = self.mlp_tokens(y)  # E: mypy[dfdx-shape "MlpBlock[C, DS]: x takes Tensor[B, S, C], got"
        #     " Tensor[B, C, P] (P != C)"]
        # bug: transpose back on the wrong axes
        y = y.transpose(0, 1)  # E: mypy[dfdx-shape "y is assigned here; used at line 63: add: shap"
        #     "es do not broadcast: Tensor[B, P, C] and Tensor[Dyn, B, Dyn] (axis -2: P != B)"]
        x = x + y  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, P, C] and Tensor[D"
        #     "yn, B, Dyn] (axis -2: P != B)"]
        y = self.norm2(x)
        return x + self.mlp_channels(y)


class MlpMixer(Module, Generic[P, C, K]):
    def __init__(
        self, num_patches: P, hidden_dim: C, num_classes: K, patch_size: int, num_blocks: int
    ) -> None:
        super().__init__()
        self.stem = Conv2d(3, hidden_dim, patch_size, stride=patch_size, rng=rng)
        self.blocks = ModuleList(
            [MixerBlock(num_patches, hidden_dim, 8, 32) for _ in range(num_blocks)]
        )
        self.pre_head_layer_norm = LayerNorm(hidden_dim)
        self.head = Linear(hidden_dim, num_classes, rng=rng)  # E: mypy[dfdx-shape "self.head is bu"
        #     "ilt here; called at line 92: Linear[C, K]: takes C features, got Tensor[B, P] (P !="
        #     " C)"]

    def forward(self, inputs: Tensor[B, L[3], H, W, T]) -> Tensor[B, K, T]:
        x = self.stem(inputs)
        x = x.flatten(2).transpose(1, 2)  # (n, h * w, c)
        for block in self.blocks:
            x = block(x)
        x = self.pre_head_layer_norm(x)
        # bug: mean over the channels instead of the patches
        x = x.mean(axis=2)  # E: mypy[dfdx-shape "x is assigned here; used at line 92: Linear[C, K]"
        #     ": takes C features, got Tensor[B, P] (P != C)"]
        return self.head(x)  # E: mypy[dfdx-shape "Linear[C, K]: takes C features, got Tensor[B, P]"
        #     " (P != C)"]


model: MlpMixer[L[16], L[12], L[10]] = MlpMixer(16, 12, 10, patch_size=2, num_blocks=2)
assert_type(MlpMixer(16, 12, 10, patch_size=2, num_blocks=2), MlpMixer[L[16], L[12], L[10]])
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8, rng=rng)
logits = model(images.trace())
assert_type(logits, Tensor[L[2], L[10], OwnedTape])
assert logits.shape == (2, 10)
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.head.weight].shape == (10, 12)

block: MixerBlock[L[16], L[12], L[8], L[32]] = MixerBlock(16, 12, 8, 32)
assert_type(MixerBlock(16, 12, 8, 32), MixerBlock[L[16], L[12], L[8], L[32]])
tokens: Tensor[L[2], L[16], L[12], NoneTape] = dx.randn(2, 16, 12, rng=rng)
mixed = block(tokens)
assert_type(mixed, Tensor[L[2], L[16], L[12], NoneTape])
assert mixed.shape == (2, 16, 12)
