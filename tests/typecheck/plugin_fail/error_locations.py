"""Where a shape mistake in a user's module is reported: at the call, and on the line that
built the layer called (a field of ``self`` assigned once); at the declared type a layer's
result or a constructor's sizes must fit; on both layers of a ``Sequential`` that do not fit.
Not traced back: a field assigned in two places, a module held in a variable, a size the
layer passed through."""

# rules: nn

from typing import Any, Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Embedding, LayerNorm, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Norm(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.weight: Tensor[D, NoneTape] = dx.ones(dim)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        return x * self.weight


class Declared(Module, Generic[D, F]):
    """Fields whose declared type the constructor's sizes do not fit."""

    def __init__(self, dim: D, hidden: F) -> None:
        super().__init__()
        self.up: Linear[D, F] = Linear(dim, dim)  # E: mypy[dfdx-shape "Linear[D, D] is built where"
        #     " self.up's declared type is Linear[D, F] (D != F)"]
        self.conv: Conv2d[D, F, Any] = Conv2d(dim, dim, 3)  # E: mypy[dfdx-shape "Conv2d[D, D] i"
        #     "s built where self.conv's declared type is Conv2d[D, F] (D != F)"]
        self.norm: Norm[F] = Norm(dim)  # E: mypy[dfdx-shape "Norm: dim is D, self.norm's declared "
        #     "type is Norm[F] (D != F)"]
        self.four: Norm[L[4]] = Norm(5)  # E: mypy[dfdx-shape "Norm: dim is 5, self.four's declared"
        #     " type is Norm[4] (5 != 4)"]


class Results(Module, Generic[D, F]):
    """A layer's result that does not fit the declared type its value goes to."""

    def __init__(self, dim: D, hidden: F) -> None:
        super().__init__()
        self.down = Linear(hidden, hidden)  # E: mypy[dfdx-shape "self.down is built here; called a"
        #     "t line 58: Linear[F, F]: gives Tensor[B, F], y's declared type is Tensor[B, D] (F !="
        #     " D)"]
        self.norm = LayerNorm(dim)

    def forward(self, x: Tensor[B, F, T], z: Tensor[S, D, T]) -> Tensor[B, D, T]:
        y: Tensor[B, D, T] = self.down(x)  # E: mypy[dfdx-shape "Linear[F, F]: gives Tensor[B, F], "
        #     "y's declared type is Tensor[B, D] (F != D)"]
        return self.norm(z)  # E: mypy[arg-type, dfdx-shape "LayerNorm: gives Tensor[S, D], the re"
        #     "turn type is Tensor[B, D] (S != B)"]


class Untraced(Module, Generic[D, F]):
    """A field assigned in two places: which one is wrong cannot be told."""

    def __init__(self, dim: D, hidden: F, wide: bool) -> None:
        super().__init__()
        if wide:
            self.proj = Linear(hidden, dim)
        else:
            self.proj = Linear(hidden, dim)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        return self.proj(x)  # E: mypy[dfdx-shape "Linear[F, D]: takes F features, got Tensor[B, D]"
        #     " (D != F)"]


class Twice(Module, Generic[D, F]):
    """A layer called on values of which it takes none; a module on a tensor it does not take."""

    def __init__(self, dim: D, hidden: F) -> None:
        super().__init__()
        self.proj = Linear(hidden, dim)  # E: mypy[dfdx-shape "self.proj is built here; called at l"
        #     "ine 92: Linear[F, D]: takes F features, got Tensor[B, D] (D != F)"]
        self.norm = Norm(hidden)  # E: mypy[dfdx-shape "self.norm is built here; called at line 94:"
        #     " Norm[F]: x takes Tensor[B, F], got Tensor[B, D] (D != F)"]

    def forward(self, x: Tensor[B, D, T], y: Tensor[B, F, T], pick: bool) -> None:
        h = x if pick else dx.cat([y, y], axis=1)  # E: mypy[dfdx-shape "h is assigned here; used a"
        #     "t line 92: Linear[F, D]: takes F features, got Tensor[B, D] (D != F)"]
        self.proj(h)  # E: mypy[dfdx-shape "Linear[F, D]: takes F features, got Tensor[B, D] (D != "
        #     "F)"]
        self.norm(x)  # E: mypy[dfdx-shape "Norm[F]: x takes Tensor[B, F], got Tensor[B, D] (D != F"
        #     ")"]


norm = Norm(8)  # a variable: not traced back (its input is as likely wrong)
out = norm(dx.zeros(2, 5))  # E: mypy[dfdx-shape "Norm[8]: x takes Tensor[B, 8], got Tensor[2, 5] ("
#     "5 != 8)"]


class Heads(Module, Generic[D, F]):
    """A sum whose operand is a layer's call and does not broadcast on the size that layer
    sets: also reported where the layer was built. A result of another rank than the return
    type: the input (passed through) is the mistake, reported at the call."""

    def __init__(self, dim: D, vocab: F) -> None:
        super().__init__()
        self.word = Embedding(vocab, dim)  # E: mypy[dfdx-shape "self.word is built here; called "
        #     "at line 121: add: shapes do not broadcast: Tensor[B, S, D] and Tensor[S, F] (axis -"
        #     "1: D != F)"]
        self.position = Embedding(dim, vocab)  # E: mypy[dfdx-shape "self.position is built here; "
        #     "called at line 121: add: shapes do not broadcast: Tensor[B, S, D] and Tensor[S, F] ("
        #     "axis -1: D != F)"]
        self.head = Linear(dim, vocab)

    def forward(
        self, x: Tensor[B, S, D, T], ids: Tensor[B, S, T], pos: Tensor[S, NoneTape]
    ) -> Tensor[B, F, T]:
        print(self.word(ids) + self.position(pos))  # E: mypy[dfdx-shape "add: shapes do not broa"
        #     "dcast: Tensor[B, S, D] and Tensor[S, F] (axis -1: D != F)"]
        return self.head(x)  # E: mypy[dfdx-shape "Linear[D, F]: gives Tensor[B, S, F], the return "
        #     "type is Tensor[B, F] (rank 3 != 2)", arg-type]
