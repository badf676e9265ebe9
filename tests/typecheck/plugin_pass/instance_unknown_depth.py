"""A stack of blocks whose depth the per-instance evaluation does not know (a ``ModuleList``
built from an ``int`` argument of the owner): one turn of the loop is run with a block
standing for what its ``forward`` declares, and where that keeps the shape, the evaluation
goes on after the loop; a stack of blocks that change the width is not followed (nothing is
reported on correct code: docs/modules.md, "Blocks typed per instance")."""

# rules: nn, binary

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class MixerBlock(Module, Generic[D]):
    def __init__(self, dim: D, expansion: int) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc1 = Linear(dim, dim * expansion)
        self.fc2 = Linear(dim * expansion, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return x + self.fc2(self.fc1(self.norm(x)).relu())


class Widen(Module):
    """Doubles the width: a stack of these is not one the loop can be run once for."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.fc = Linear(dim, 2 * dim)

    def forward(self, x: Tensor[B, S, Dyn, T]) -> Tensor[B, S, Dyn, T]:
        return self.fc(x).relu()


class MixerStack(Module, Generic[D]):
    def __init__(self, dim: D, depth: int, proj_dim: int) -> None:
        super().__init__()
        self.blocks = ModuleList([MixerBlock(dim, 4) for _ in range(depth)])
        self.proj = Linear(dim, proj_dim)
        self.final_norm = LayerNorm(proj_dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, Dyn, T]:
        for block in self.blocks:
            x = block(x)
        return self.final_norm(self.proj(x))


class Pyramid(Module):
    def __init__(self, dim: int, levels: int) -> None:
        super().__init__()
        self.levels = ModuleList([Widen(dim * 2**i) for i in range(levels)])

    def forward(self, x: Tensor[B, S, Dyn, T]) -> Tensor[B, S, Dyn, T]:
        for level in self.levels:
            x = level(x)
        return x


class Classifier(Module, Generic[D]):
    def __init__(self, dim: D, depth: int, n_classes: int) -> None:
        super().__init__()
        self.stack = MixerStack(dim, depth, 2 * dim)
        self.pyramid = Pyramid(2 * dim, depth)
        self.head = Linear(2 * dim * 2**depth, n_classes)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, Dyn, T]:
        return self.head(self.pyramid(self.stack(x)).mean(axis=1))


def main() -> None:
    model = Classifier(8, 2, 3)
    logits = model(dx.randn(2, 5, 8))
    assert_type(logits, Tensor[L[2], L[3], NoneTape])
    print(logits.shape)


if __name__ == "__main__":
    main()
