"""Where a value joined from branches or from a loop over layers fits an op in none of its
members, the op is reported: an optional projection built with the wrong width, a layer of a
list that takes none of the values the loop gives it, a head that takes none of the values a
loop leaves, a layer repeated in a loop that changes the size it takes (and its comprehension)."""

# rules: binary, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Linear, Module, ModuleList

N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
B = TypeVar("B", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
K = TypeVar("K", bound=int)
W = TypeVar("W", bound=int)
IC = TypeVar("IC", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ProjectionOfInputWidth(Module, Generic[CI, CO]):
    def __init__(self, n_inputs: CI, n_outputs: CO) -> None:
        super().__init__()
        self.conv = Conv1d(n_inputs, n_outputs, 3, padding=1)  # E: mypy[
        #     dfdx-shape "self.conv is built here; called at line 39: add: shapes do not broadcas"
        #     "t: Tensor[N, CO, S] and Tensor[N, CI, S] (axis -2: CO != CI)"]
        self.downsample = (
            Conv1d(n_inputs, n_inputs, 1) if n_inputs != n_outputs else None  # E: mypy[
            #     dfdx-shape "self.downsample is built here; its output reaches line 45: add: sha"
            #     "pes do not broadcast: Tensor[N, CO, S] and Tensor[N, CI, S] (axis -2: CO != CI"
            #     ")"]
        )

    def forward(self, x: Tensor[N, CI, S, T]) -> Tensor[N, CO, S, T]:
        out = self.conv(x)  # E: mypy[
        #     dfdx-shape "out is assigned here; used at line 45: add: shapes do not broadcast: Te"
        #     "nsor[N, CO, S] and Tensor[N, CI, S] (axis -2: CO != CI)"]
        res = x if self.downsample is None else self.downsample(x)  # E: mypy[
        #     dfdx-shape "res is assigned here; used at line 45: add: shapes do not broadcast: Te"
        #     "nsor[N, CO, S] and Tensor[N, CI, S] (axis -2: CO != CI)"]
        return out + res  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[N, CO, S] and "
        #     "Tensor[N, CI, S] (axis -2: CO != CI)"]


class ProjectionOfTwiceTheWidth(Module, Generic[CI, CO, K]):
    def __init__(self, d_in: CI, d_model: CO, classes: K) -> None:
        super().__init__()
        self.proj = Linear(d_in, 2 * d_model) if d_in != d_model else None
        self.head = Linear(d_model, classes)  # E: mypy[
        #     dfdx-shape "self.head is built here; called at line 61: Linear[CO, K]: takes CO fea"
        #     "tures, got Tensor[B, CI] (CI != CO)"]

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, K, T]:
        h = x if self.proj is None else self.proj(x)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 61: Linear[CO, K]: takes CO features, "
        #     "got Tensor[B, CI] (CI != CO)"]
        return self.head(h)  # E: mypy[dfdx-shape "Linear[CO, K]: takes CO features, got Tensor[B, "
        #     "CI] (CI != CO)"]


class SkipOfTheWrongWidth(Module, Generic[W, IC]):
    def __init__(self, depth: int, width: W, input_ch: IC) -> None:
        super().__init__()
        self.layers = ModuleList(
            [Linear(input_ch, width)]
            + [Linear(width, width) if i != 2 else Linear(2 * width, width) for i in range(depth)]
        )
        self.head = Linear(width, 1)

    def forward(self, x: Tensor[B, IC, T]) -> Tensor[B, int, T]:
        h = x  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 79: Linear[2*W, W]: takes 2*W features"
        #     ", got Tensor[B, IC] (IC != 2*W)"]
        for i in range(len(self.layers)):
            h = self.layers[i](h).relu()  # E: mypy[dfdx-shape "Linear[2*W, W]: takes 2*W features,"
            #     " got Tensor[B, IC] (IC != 2*W)"]
            if i == 2:
                h = dx.cat([x, h], axis=-1)
        return self.head(h)


class HeadOfNoWidthTheLoopLeaves(Module, Generic[W, IC]):
    def __init__(self, depth: int, width: W, input_ch: IC) -> None:
        super().__init__()
        self.layers = ModuleList(
            [Linear(input_ch, width)] + [Linear(width, width) for _ in range(depth)]
        )
        self.head = Linear(2 * width, 1)  # E: mypy[
        #     dfdx-shape "self.head is built here; called at line 100: Linear[2*W, 1]: takes 2*W "
        #     "features, got Tensor[B, IC] (IC != 2*W)"]

    def forward(self, x: Tensor[B, IC, T]) -> Tensor[B, int, T]:
        h = x
        for layer in self.layers:
            h = layer(h).relu()
        return self.head(h)  # E: mypy[dfdx-shape "Linear[2*W, 1]: takes 2*W features, got Tensor[B"
        #     ", IC] (IC != 2*W)"]


class RepeatedWidening(Module, Generic[W]):
    def __init__(self, depth: int, width: W) -> None:
        super().__init__()
        self.layers = ModuleList([Linear(width, 2 * width) for _ in range(depth)])  # E: mypy[
        #     dfdx-shape "layer is built here; called at line 114: Linear[W, 2*W]: takes W featur"
        #     "es, got Tensor[B, 2*W] (2*W != W)"]

    def forward(self, x: Tensor[B, W, T]) -> Tensor[B, int, T]:
        h = x
        for layer in self.layers:
            h = layer(h)  # E: mypy[dfdx-shape "Linear[W, 2*W]: takes W features, got Tensor[B, 2*W"
            #     "] (2*W != W)"]
        return h


class Classifier(Module, Generic[CO, K]):
    def __init__(self, d_model: CO, classes: K) -> None:
        super().__init__()
        self.fc = Linear(d_model, classes)

    def forward(self, x: Tensor[B, CO, T]) -> Tensor[B, K, T]:
        return self.fc(x)


class ProjectionToTheClasses(Module, Generic[CI, CO, K]):
    def __init__(self, d_in: CI, d_model: CO, classes: K) -> None:
        super().__init__()
        self.proj = Linear(d_in, classes) if d_in != d_model else None
        self.classifier = Classifier(d_model, classes)
        self.prototypes = dx.randn(d_model, classes)

    def forward(self, x: Tensor[B, CI, T]) -> Tensor[B, K, T]:
        h = x if self.proj is None else self.proj(x)
        return self.classifier(h) + self.prototypes[0]  # E: mypy[arg-type]


class TransposedInOneBranch(Module, Generic[W]):
    def __init__(self, width: W) -> None:
        super().__init__()
        self.proj = Linear(width, width)

    def forward(self, x: Tensor[B, S, W, T], time_major: bool) -> Tensor[B, S, W, T]:
        y = self.proj(x)
        z = y if not time_major else y.transpose(0, 1)  # E: mypy[
        #     dfdx-shape "z is assigned here; used at line 150: add: shapes do not broadcast: Ten"
        #     "sor[B, S, W] and Tensor[S, B, W] (axis -3: B != S)"]
        return x + z  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, S, W] and Tenso"
        #     "r[S, B, W] (axis -3: B != S)"]
