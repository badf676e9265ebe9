"""A loop-filled ``Sequential(*layers)`` keeps its input's rank and batch: NCF's two MLP
embeddings concatenated on the batch axis (``axis=0``) give the tower twice the rows, and
the sum of the two towers' outputs no longer lines up."""

# rules: movement, nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Dropout, Embedding, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
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
        pair = dx.cat([self.user_mlp(user), self.item_mlp(item)], axis=0)  # E: mypy[dfdx-shape
        #     "pair is assigned here; used at line 41: concat: sizes differ on axis 0: Tensor[B, F]"
        #     " and Tensor[2*B, Dyn] (B != 2*B)"]
        deep = self.tower(pair)
        return self.predict(dx.cat([gmf, deep], axis=-1))  # E: mypy[dfdx-shape "concat: sizes diff"
        #     "er on axis 0: Tensor[B, F] and Tensor[2*B, Dyn] (B != 2*B)"]
