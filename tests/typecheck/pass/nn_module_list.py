"""``ModuleList`` and ``ModuleDict`` are typed by their element: indexing and iteration give
the element type, so a stack of typed layers is called with its types kept (plain signatures,
mypy and pyright alike)."""

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ModuleDict, ModuleList, ReLU

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)
layers: ModuleList[Linear[L[4], L[4]]] = ModuleList([Linear(4, 4, rng=rng) for _ in range(3)])
assert_type(layers[0], Linear[L[4], L[4]])
assert_type(layers[1:], ModuleList[Linear[L[4], L[4]]])
for layer in layers:
    assert_type(layer, Linear[L[4], L[4]])
assert_type(layers.append(Linear(4, 4)), ModuleList[Linear[L[4], L[4]]])
assert_type(len(layers), int)

mixed: ModuleList[Module] = ModuleList([Linear(4, 4), ReLU()])  # any modules: annotate
position: int = 1
assert_type(mixed[position], Module)  # (with the plugin, mixed[1] is the member's ReLU)

heads: ModuleDict[Linear[L[4], L[2]]] = ModuleDict({"a": Linear(4, 2), "b": Linear(4, 2)})
assert_type(heads["a"], Linear[L[4], L[2]])
for name in heads:
    assert_type(name, str)
for key, head in heads.items():
    assert_type(key, str)
    assert_type(head, Linear[L[4], L[2]])


class Stack(Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: ModuleList[Linear[L[4], L[4]]] = ModuleList()
        for _ in range(2):
            self.blocks.append(Linear(4, 4, rng=rng))
        self.heads: ModuleDict[Linear[L[4], L[2]]] = ModuleDict({"out": Linear(4, 2, rng=rng)})

    def __call__(self, x: Tensor[B, L[4], T]) -> Tensor[B, L[2], T]:
        for block in self.blocks:
            x = block(x).relu()
        return self.heads["out"](x)


x: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 4)
assert_type(Stack()(x), Tensor[L[3], L[2], NoneTape])
assert_type(Stack()(x.trace()), Tensor[L[3], L[2], OwnedTape])
