"""``Sequential(*layers)`` of a list filled in a loop whose count is an ``int`` argument (NCF's
halving MLP tower, a stack of ``depth`` conv blocks): how many layers it holds is not known,
but every one keeps its input's rank, so the chain's result keeps the rank and the batch, and
the sizes the layers set are ``Dyn``; what follows is still checked on those axes."""

# rules: movement, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Dropout, Embedding, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class NeuMF(Module, Generic[F]):
    def __init__(self, users: int, items: int, factor: F, num_layers: int) -> None:
        super().__init__()
        self.user_gmf = Embedding(users, factor)
        self.item_gmf = Embedding(items, factor)
        self.user_mlp = Embedding(users, factor * (2 ** (num_layers - 1)))
        self.item_mlp = Embedding(items, factor * (2 ** (num_layers - 1)))
        tower: list[Module] = []
        for i in range(num_layers):
            width = factor * (2 ** (num_layers - i))
            tower.append(Dropout(p=0.1))
            tower.append(Linear(width, width // 2))
            tower.append(ReLU())
        self.tower = Sequential(*tower)
        self.predict = Linear(factor * 2, 1)

    def forward(self, user: Tensor[B, T], item: Tensor[B, T]) -> Tensor[B, L[1], T]:
        gmf = self.user_gmf(user) * self.item_gmf(item)
        pair = dx.cat([self.user_mlp(user), self.item_mlp(item)], axis=-1)
        deep = self.tower(pair)
        assert_type(deep, Tensor[B, Dyn, T])
        return self.predict(dx.cat([gmf, deep], axis=-1))


class ConvStack(Module):
    def __init__(self, depth: int) -> None:
        super().__init__()
        layers: list[Module] = [Conv2d(3, 16, 3, padding=1)]
        for _ in range(depth):
            layers += [Conv2d(16, 16, 3, padding=1), BatchNorm2d(16), ReLU()]
        self.body = Sequential(*layers)

    def forward(self, x: Tensor[N, L[3], H, W, T]) -> Tensor[N, L[16], H, W, T]:
        y = self.body(x)
        assert_type(y, Tensor[N, Dyn, Dyn, Dyn, T])
        return y


ids = dx.tensor(np.arange(6, dtype=np.int64) % 5)
model: NeuMF[L[4]] = NeuMF(5, 5, 4, num_layers=3)
scores = model(ids, ids)
assert scores.shape == (6, 1)
images: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8)
features = ConvStack(depth=2)(images)
assert_type(features, Tensor[L[2], L[16], L[8], L[8], NoneTape])
assert features.shape == (2, 16, 8, 8)
