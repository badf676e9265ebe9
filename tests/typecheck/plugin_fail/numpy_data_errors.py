"""Mistakes in a training script whose data is made with NumPy: images of the wrong channel
count for the model, features of the wrong width for a model whose sizes are written in its
``__init__``, targets of another batch than the model's output, a model built with the
wrong size, a reshape of the output that does not fit. Each is reported where the data (or
the model) was made, as well as where the two meet."""

# rules: creation

from typing import Generic, TypeVar

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
K = TypeVar("K", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Classifier(Module, Generic[C, K]):
    def __init__(self, in_channels: C, num_classes: K) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, 8, 3, padding=1)
        self.head = Linear(8, num_classes)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, K, T]:
        return self.head(dx.relu(self.conv(x)).mean(axis=(2, 3)))


class Regressor(Module):
    """Sizes written in ``__init__``: 12 features in, one out."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = Linear(12, 32)  # E: mypy[dfdx-shape
        #   "self.hidden is built here; called at line 87: Linear[12, 32]: takes 12"
        #   " features, got Tensor[64, 13] (13 != 12) (in Regressor() built at line"
        #   " 85)"]
        self.out = Linear(32, 1)

    def forward(self, x: Tensor[B, int, T]) -> Tensor[B, int, T]:
        return self.out(dx.relu(self.hidden(x)))


class MLP(Module, Generic[D, K]):
    def __init__(self, d: D, k: K) -> None:
        super().__init__()
        self.fc = Linear(d, k)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, K, T]:
        return self.fc(x)


def wrong_channels() -> None:
    rng = np.random.default_rng(0)
    model = Classifier(3, 10)  # E: mypy[dfdx-shape
    #   "model is built here; called at line 68: Classifier[3, 10]: x takes "
    #   "Tensor[B, 3, H, W], got Tensor[4, 1, 16, 16] (1 != 3)"]
    images = dx.tensor(rng.standard_normal((4, 1, 16, 16)))  # E: mypy[dfdx-shape
    #   "images is assigned here; used at line 68: Classifier[3, 10]: x takes "
    #   "Tensor[B, 3, H, W], got Tensor[4, 1, 16, 16] (1 != 3)"]
    logits = model(images.trace())  # E: mypy[dfdx-shape
    #   "Classifier[3, 10]: x takes Tensor[B, 3, H, W], got Tensor[4, 1, 16, "
    #   "16] (1 != 3)"]
    print(logits.shape)


def wrong_width() -> None:
    rng = np.random.default_rng(1)
    batch, width = 64, 13
    features = rng.standard_normal((batch, width)).astype(np.float32)  # E: mypy[dfdx-shape
    #   "features is assigned here; used at line 87: Linear[12, 32]: takes 12 "
    #   "features, got Tensor[64, 13] (13 != 12) (in Regressor() built at line "
    #   "85)"]
    x = dx.tensor(features)  # E: mypy[dfdx-shape
    #   "x is assigned here; used at line 87: Linear[12, 32]: takes 12 "
    #   "features, got Tensor[64, 13] (13 != 12) (in Regressor() built at line "
    #   "85)"]
    model = Regressor()
    opt = dx.optim.SGD(model, lr=0.1)
    pred = model(x.trace())  # E: mypy[dfdx-shape
    #   "Linear[12, 32]: takes 12 features, got Tensor[64, 13] (13 != 12) (in "
    #   "Regressor() built at line 85)"]
    loss = dx.losses.mse_loss(pred, dx.zeros(64, 1))
    opt.update(model, loss.backward())


def wrong_targets() -> None:
    rng = np.random.default_rng(2)
    model = MLP(12, 3)
    x = dx.tensor(rng.standard_normal((8, 12)).astype(np.float32))
    labels = rng.integers(0, 3, 9)  # E: mypy[dfdx-shape
    #   "labels is assigned here; used at line 112: "
    #   "cross_entropy_with_logits_loss: targets Tensor[9] do not fit logits "
    #   "Tensor[8, 3]: expected class probabilities Tensor[8, 3] or integer "
    #   "labels Tensor[8]"]
    y = dx.tensor(labels)  # E: mypy[dfdx-shape
    #   "y is assigned here; used at line 112: cross_entropy_with_logits_loss: "
    #   "targets Tensor[9] do not fit logits Tensor[8, 3]: expected class "
    #   "probabilities Tensor[8, 3] or integer labels Tensor[8]"]
    logits = model(x.trace())  # E: mypy[dfdx-shape
    #   "logits is assigned here; used at line 112: "
    #   "cross_entropy_with_logits_loss: targets Tensor[9] do not fit logits "
    #   "Tensor[8, 3]: expected class probabilities Tensor[8, 3] or integer "
    #   "labels Tensor[8]"]
    loss = dx.losses.cross_entropy(logits, y)  # E: mypy[dfdx-shape
    #   "cross_entropy_with_logits_loss: targets Tensor[9] do not fit logits "
    #   "Tensor[8, 3]: expected class probabilities Tensor[8, 3] or integer "
    #   "labels Tensor[8]"]
    loss.backward()


def wrong_model_size() -> None:
    rng = np.random.default_rng(3)
    features = rng.standard_normal((16, 12)).astype(np.float32)  # E: mypy[dfdx-shape
    #   "features is assigned here; used at line 130: MLP[10, 3]: x takes "
    #   "Tensor[B, 10], got Tensor[16, 12] (12 != 10)"]
    model = MLP(10, 3)  # E: mypy[dfdx-shape
    #   "model is built here; called at line 130: MLP[10, 3]: x takes Tensor[B,"
    #   " 10], got Tensor[16, 12] (12 != 10)"]
    x = dx.tensor(features)  # E: mypy[dfdx-shape
    #   "x is assigned here; used at line 130: MLP[10, 3]: x takes Tensor[B, "
    #   "10], got Tensor[16, 12] (12 != 10)"]
    out = model(x)  # E: mypy[dfdx-shape
    #   "MLP[10, 3]: x takes Tensor[B, 10], got Tensor[16, 12] (12 != 10)"]
    print(out.shape)


def wrong_reshape() -> None:
    rng = np.random.default_rng(4)
    model = MLP(12, 3)
    logits = model(dx.tensor(rng.standard_normal((8, 12)).astype(np.float32)))
    grid = logits.reshape(4, 4, 3)  # E: mypy[dfdx-shape
    #   "reshape: cannot reshape Tensor[8, 3] (24 elements) to Tensor[4, 4, 3] "
    #   "(48 elements)"]
    print(grid.shape)
