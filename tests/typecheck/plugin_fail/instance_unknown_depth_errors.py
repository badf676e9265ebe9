"""A stack of blocks whose depth the per-instance evaluation does not know (a ``ModuleList``
built from an ``int`` argument of the owner) does not end it: one turn of the loop is run
with a block standing for what its ``forward`` declares, and where that keeps the shape the
mistakes after the loop are found; the arguments of a block that its type states are kept
where another of them is not known (docs/modules.md, "Blocks typed per instance")."""

# rules: nn, binary

from typing import Generic, TypeVar

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


class MixerStack(Module, Generic[D]):
    def __init__(self, dim: D, depth: int, proj_dim: int) -> None:
        super().__init__()
        self.blocks = ModuleList([MixerBlock(dim, 4) for _ in range(depth)])
        self.proj = Linear(dim, proj_dim)  # E: mypy[
        #     dfdx-shape "self.proj is built here; its output reaches line 48: LayerNorm[D]: take"
        #     "s D features, got Tensor[B, S, 2*D] (2*D != D) (in MixerStack(dim, dept"
        #     "h, ...) built at line 56)"]
        # proj_dim was meant
        self.final_norm = LayerNorm(dim)  # E: mypy[
        #     dfdx-shape "self.final_norm is built here; called at line 48: LayerNorm[D]: takes D"
        #     " features, got Tensor[B, S, 2*D] (2*D != D) (in MixerStack(dim, depth, "
        #     "...) built at line 56)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, Dyn, T]:
        for block in self.blocks:
            x = block(x)
        return self.final_norm(self.proj(x))  # E: mypy[
        #     dfdx-shape "LayerNorm[D]: takes D features, got Tensor[B, S, 2*D] (2*D != D) (in Mi"
        #     "xerStack(dim, depth, ...) built at line 56)"]


class Classifier(Module, Generic[D]):
    def __init__(self, dim: D, depth: int, n_classes: int) -> None:
        super().__init__()
        self.stack = MixerStack(dim, depth, 2 * dim)
        self.head = Linear(2 * dim, n_classes)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, int, T]:
        return self.head(self.stack(x).mean(axis=1))
