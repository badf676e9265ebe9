"""An optional projection (TCN's and ResNet's ``downsample``, built only where the channel
counts differ): ``res = x if self.downsample is None else self.downsample(x)`` holds
``Tensor[N, CI, S] | Tensor[N, CO, S]``. The branch that keeps ``x`` runs only where
``CI == CO``, which no checker reads: the value is added, fed to a layer, and computed inside
a conditional expression's branches as it is in an ``if``'s, with no error."""

# rules: binary, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Linear, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class TemporalBlock(Module, Generic[CI, CO]):
    def __init__(self, n_inputs: CI, n_outputs: CO) -> None:
        super().__init__()
        self.conv = Conv1d(n_inputs, n_outputs, 3, padding=1)
        self.downsample = Conv1d(n_inputs, n_outputs, 1) if n_inputs != n_outputs else None

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x).relu()
        res = x if self.downsample is None else self.downsample(x)
        return (out + res).relu()

    def forward_inline(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x)
        return out + (x if self.downsample is None else self.downsample(x))

    def forward_in_branches(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x)
        return out + x if self.downsample is None else out + self.downsample(x)

    def forward_statement(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x)
        if self.downsample is None:
            res = x
        else:
            res = self.downsample(x)
        out = out + res
        return out.relu()


class Classifier(Module, Generic[CO, K]):
    def __init__(self, d_model: CO, classes: K) -> None:
        super().__init__()
        self.fc = Linear(d_model, classes)

    def forward(self, x: Tensor[B, CO, T]) -> Tensor[B, K, T]:
        return self.fc(x)


class ProjectedHead(Module, Generic[CI, CO, K]):
    """Features projected only where the widths differ, then read as the projected width: by
    a layer, a Sequential, a user's module, and a matmul with the value on the left."""

    def __init__(self, d_in: CI, d_model: CO, classes: K) -> None:
        super().__init__()
        self.proj = Linear(d_in, d_model) if d_in != d_model else None
        self.head = Linear(d_model, classes)
        self.mlp = Sequential(Linear(d_model, d_model), ReLU())
        self.classifier = Classifier(d_model, classes)
        self.prototypes = dx.randn(d_model, classes)

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, K, T]:
        h = x if self.proj is None else self.proj(x)
        logits = self.head(h) + self.classifier(self.mlp(h))
        return logits + h @ self.prototypes


down: TemporalBlock[L[2], L[4]] = TemporalBlock(2, 4)
same: TemporalBlock[L[4], L[4]] = TemporalBlock(4, 4)
signal = dx.tensor(np.random.default_rng(0).standard_normal((3, 2, 10)).astype(np.float32))
series: Tensor[L[3], L[2], L[10], NoneTape] = dx.ensure_shape(signal, 3, 2, 10)
assert_type(down(series), Tensor[L[3], L[4], L[10], NoneTape])
assert_type(down.forward_inline(series), Tensor[L[3], L[4], L[10], NoneTape])
assert_type(down.forward_in_branches(series), Tensor[L[3], L[4], L[10], NoneTape])
assert_type(down.forward_statement(series.trace()), Tensor[L[3], L[4], L[10], OwnedTape])
assert same(down(series)).shape == (3, 4, 10)

projected: ProjectedHead[L[6], L[8], L[3]] = ProjectedHead(6, 8, 3)
kept: ProjectedHead[L[8], L[8], L[3]] = ProjectedHead(8, 8, 3)
features: Tensor[L[5], L[6], NoneTape] = dx.randn(5, 6)
assert_type(projected(features), Tensor[L[5], L[3], NoneTape])
assert kept(dx.randn(5, 8)).shape == (5, 3)
