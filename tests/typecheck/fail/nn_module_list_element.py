"""A ``ModuleList`` or ``ModuleDict`` keeps its element type: another kind of module is
refused, and an element is not mistaken for another type."""

from typing import Literal as L

from dfdx.nn import Linear, ModuleDict, ModuleList, ReLU

layers: ModuleList[Linear[L[4], L[4]]] = ModuleList([Linear(4, 4)])
layers.append(ReLU())  # E: mypy[arg-type] pyright[reportArgumentType]
layers[0] = ReLU()  # E: mypy[assignment] pyright[reportArgumentType]
relu: ReLU = layers[0]  # E: mypy[assignment] pyright[reportAssignmentType]
heads: ModuleDict[Linear[L[4], L[2]]] = ModuleDict({"a": Linear(4, 2)})
heads["b"] = ReLU()  # E: mypy[assignment] pyright[reportArgumentType]
