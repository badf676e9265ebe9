"""nn.ParameterList: tensors typed by their element type, indexed and iterated in ``forward``
(per-stage learned scales, as ports of CaiT's LayerScale or a multi-scale fusion write)."""

# rules: binary

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ParameterList

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ScaledStages(Module, Generic[D]):
    def __init__(self, dim: D, depth: int) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)
        self.scales = ParameterList([dx.full((dim,), 1e-4) for _ in range(depth)])

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        for scale in self.scales:
            x = x + self.proj(x) * scale
        return x * self.scales[0]


typed: ParameterList[Tensor[L[4], NoneTape]] = ParameterList([dx.zeros(4), dx.ones(4)])
assert_type(typed[1], Tensor[L[4], NoneTape])
assert_type(dx.randn(3, 4) * typed[0], Tensor[L[3], L[4], NoneTape])
model = ScaledStages(8, 3)
assert_type(model(dx.randn(2, 8)), Tensor[L[2], L[8], NoneTape])
assert [name for name, _ in model.named_parameters()][-3:] == ["scales.0", "scales.1", "scales.2"]
