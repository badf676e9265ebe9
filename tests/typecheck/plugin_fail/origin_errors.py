"""A size that does not fit where a value is used is also reported where the layer that set it
is built: followed back through activations, norms, ``flatten`` and ``transpose`` and a name's
last assignment, to a field of ``self``, to the layer of a ``Sequential`` that set it, or to a
model held in a variable and fed by another model."""

# rules: nn, movement

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, ConvTranspose2d, Linear, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
E = TypeVar("E", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Tokens(Module, Generic[C, E]):
    """Image patches as tokens: a 4x4 patch convolution, flattened and transposed."""

    def __init__(self, channels: C, width: E) -> None:
        super().__init__()
        self.patch = Conv2d(channels, channels, 4, stride=4)  # E: mypy[
        #     dfdx-shape "self.patch is built here; its output reaches line 33: transpose: gives "
        #     "Tensor[N, 4, C], the return type is Tensor[N, 4, E] (C != E)"]

    def forward(self, x: Tensor[N, C, L[8], L[8], T]) -> Tensor[N, L[4], E, T]:
        h = self.patch(x).relu()
        tokens = h.flatten(2).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "transpose: gives Tensor[N, 4, C], the return type is Tensor[N, 4, E] (C"
        #     " != E)"]
        return tokens


class Critic(Module, Generic[C, F]):
    """Two strided convolutions and a linear head on the flattened 2x2 maps."""

    def __init__(self, channels: C, features: F) -> None:
        super().__init__()
        self.conv1 = Conv2d(channels, features, 3, stride=2, padding=1)
        self.conv2 = Conv2d(features, features, 3, padding=1)  # E: mypy[
        #     dfdx-shape "self.conv2 is built here; its output reaches line 59: Linear[4*F, 1]: t"
        #     "akes 4*F features, got Tensor[N, 16*F] (16*F != 4*F)"]
        self.norm = BatchNorm2d(features)
        self.head = Linear(features * 2 * 2, 1)  # E: mypy[
        #     dfdx-shape "self.head is built here; called at line 59: Linear[4*F, 1]: takes 4*F f"
        #     "eatures, got Tensor[N, 16*F] (16*F != 4*F)"]

    def forward(self, x: Tensor[N, C, L[8], L[8], T]) -> Tensor[N, L[1], T]:
        h = self.conv1(x).relu()
        h = self.norm(self.conv2(h)).relu()
        flat = h.flatten(1)  # E: mypy[
        #     dfdx-shape "flat is assigned here; used at line 59: Linear[4*F, 1]: takes 4*F featu"
        #     "res, got Tensor[N, 16*F] (16*F != 4*F)"]
        return self.head(flat)  # E: mypy[
        #     dfdx-shape "Linear[4*F, 1]: takes 4*F features, got Tensor[N, 16*F] (16*F != 4*F)"]


class Upscaler(Module, Generic[C]):
    """From 1x1 to 8x8 in three transposed convolutions, each doubling but the first."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.main = Sequential(
            ConvTranspose2d(channels, 16, 2, 1, 0),
            ReLU(),
            ConvTranspose2d(16, 8, 4, 2, 1),
            ReLU(),
            ConvTranspose2d(8, 3, 4, 1, 1),  # E: mypy[dfdx-shape "layer 5 of self.main is built h"
            #     "ere with stride=1 (stride=2 gives the size wanted); its output reaches line 80:"
            #     " tanh: gives Tensor[N, 3, 5, 5], the return type is Tensor[N, 3, 8, 8] (5 != 8)"
            #     ""]
        )

    def forward(self, z: Tensor[N, C, L[1], L[1], T]) -> Tensor[N, L[3], L[8], L[8], T]:
        return self.main(z).tanh()  # E: mypy[
        #     dfdx-shape "tanh: gives Tensor[N, 3, 5, 5], the return type is Tensor[N, 3, 8, 8] ("
        #     "5 != 8)"]


class Downscaler(Module, Generic[C]):
    """From 32x32 to 1x1 in halving convolutions and a last 4x4 one."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.main = Sequential(
            Conv2d(channels, 8, 4, 2, 1),
            ReLU(),
            Conv2d(8, 16, 4, 1, 1),  # E: mypy[dfdx-shape "layer 3 of self.main is built here with"
            #     " stride=1 (stride=2 gives the size wanted); its output reaches line 106: Sequen"
            #     "tial: gives Tensor[N, 1, 4, 4], the return type is Tensor[N, 1, 1, 1] (4 != 1)"]
            ReLU(),
            Conv2d(16, 32, 4, 2, 1),
            # layer 5 is not blamed: the stride search finds that layer 3 alone, given
            # stride=2, gives the 1x1 the return type wants (a window after the faulty one
            # only carries the error along)
            ReLU(),
            Conv2d(32, 1, 4, 1, 0),
        )

    def forward(self, x: Tensor[N, C, L[32], L[32], T]) -> Tensor[N, L[1], L[1], L[1], T]:
        return self.main(x)  # E: mypy[
        #     dfdx-shape "Sequential: gives Tensor[N, 1, 4, 4], the return type is Tensor[N, 1, 1"
        #     ", 1] (4 != 1)"]


up = Upscaler(4)
images = up(dx.randn(2, 4, 1, 1))
down = Downscaler(3)
scores = down(dx.randn(2, 3, 32, 32))

body = Linear(4, 16)  # E: mypy[dfdx-shape "body is built here; its output reaches line 120: Linea"
#     "r[32, 10]: takes 32 features, got Tensor[2, 16] (16 != 32)"]
head = Linear(32, 10)  # E: mypy[dfdx-shape "head is built here; called at line 120: Linear[32, 10"
#     "]: takes 32 features, got Tensor[2, 16] (16 != 32)"]
logits = head(body(dx.randn(2, 4)))  # E: mypy[
#     dfdx-shape "Linear[32, 10]: takes 32 features, got Tensor[2, 16] (16 != 32)"]
# a layer called on data: the data is as likely wrong, so only the call is reported
probe = Linear(16, 10)
guess = probe(dx.randn(2, 8))  # E: mypy[
#     dfdx-shape "Linear[16, 10]: takes 16 features, got Tensor[2, 8] (8 != 16)"]


class Residual(Module, Generic[E, F]):
    """After a reported call the value keeps the best type known (the norm's input's, the
    projection's output, or the declared type it goes to): one mistake gives one error."""

    def __init__(self, width: E, hidden: F) -> None:
        super().__init__()
        self.norm = dx.nn.LayerNorm(hidden)  # E: mypy[dfdx-shape "self.norm is built here; called"
        #     " at line 140: LayerNorm[F]: takes F features, got Tensor[N, E] (E != F)"]
        self.up = Linear(width, hidden)
        self.down = Linear(hidden, width)

    def forward(self, x: Tensor[N, E, T]) -> Tensor[N, E, T]:
        h = x + self.norm(x)  # E: mypy[
        #     dfdx-shape "LayerNorm[F]: takes F features, got Tensor[N, E] (E != F)"]
        return self.down(self.up(h))
