"""Tuple windows holding a module's ``int`` arguments, computed per axis and checked: a
TextCNN kernel ``(k, 300)`` wider than the embedding it slides over, a ``(k, 1)`` kernel
padded ``(k, 0)`` where ``(k // 2, 0)`` keeps the length (its residual sum does not fit), a
branch strided ``(stride, 1)`` concatenated with one that is not."""

# rules: nn

from typing import Any, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)


class TextCNN(dx.nn.Module):
    def __init__(self, vocab: int, n_filters: int, k: int) -> None:
        super().__init__()
        self.embedding = dx.nn.Embedding(vocab, 128)
        self.conv = dx.nn.Conv2d(1, n_filters, (k, 300))  # E: mypy[dfdx-shape "self.conv is "
        #     "built here; called at line 30: conv2d: output size -171 at axis 3 of Tensor[B, 1, "
        #     "S, 128] (size 128 + 2 * padding 0 < dilation 1 * (kernel 300 - 1) + 1)"]

    def forward(self, tokens: Tensor[B, S, OwnedTape]) -> Tensor[B, Any, Any, OwnedTape]:
        e = self.embedding(tokens).unsqueeze(1)  # E: mypy[dfdx-shape "e is assigned here; used "
        #     "at line 30: conv2d: output size -171 at axis 3 of Tensor[B, 1, S, 128] (size 128 "
        #     "+ 2 * padding 0 < dilation 1 * (kernel 300 - 1) + 1)"]
        return self.conv(e).squeeze(3)  # E: mypy[dfdx-shape "conv2d: output size -171 at axis 3 "
        #     "of Tensor[B, 1, S, 128] (size 128 + 2 * padding 0 < dilation 1 * (kernel 300 - 1) "
        #     "+ 1)"]


class Column(dx.nn.Module):
    def __init__(self, k: int, stride: int) -> None:
        super().__init__()
        self.same = dx.nn.Conv2d(4, 4, (k, 1), padding=(k, 0))  # E: mypy[dfdx-shape "self.same is "
        #     "built here; its output reaches line 52: add: shapes do not broadcast: Tensor[B, "
        #     "4, S, 6] and Tensor[B, 4, S+k+1, 6] (axis -2: S != S+k+1)"]
        self.down = dx.nn.Conv2d(4, 8, (3, 1), (stride, 1), (1, 0))  # E: mypy[dfdx-shape ""
        #     "self.down is built here with stride=stride (stride=1 gives the size wanted); "
        #     "its output reaches line 54: concat: sizes differ on axis 2: Tensor[B, 8, "
        #     "(S-1)//stride+1, 6] and Tensor[B, 8, S, 6] ((S-1)//stride+1 != S)"]
        self.skip = dx.nn.Conv2d(4, 8, 1)  # E: mypy[dfdx-shape "self.skip is built here; its "
        #     "output reaches line 54: concat: sizes differ on axis 2: Tensor[B, 8, "
        #     "(S-1)//stride+1, 6] and Tensor[B, 8, S, 6] ((S-1)//stride+1 != S)"]

    def forward(
        self, x: Tensor[B, L[4], S, L[6], OwnedTape]
    ) -> Tensor[B, Any, Any, L[6], OwnedTape]:
        y = x + self.same(x)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, 4, S, "
        #     "6] and Tensor[B, 4, S+k+1, 6] (axis -2: S != S+k+1)"]
        z = dx.cat([self.down(y), self.skip(y)], axis=1)  # E: mypy[dfdx-shape "concat: sizes "
        #     "differ on axis 2: Tensor[B, 8, (S-1)//stride+1, 6] and Tensor[B, 8, S, 6] "
        #     "((S-1)//stride+1 != S)"]
        return z
