"""A ``Sequential`` indexed with a literal gives the layer its type holds there, for plain
mypy and pyright too: a field declared with its layers' sizes (as pyright needs them, see
docs/modules.md) reads ``self.mlp[2].weight`` with its sizes. A Sequential of layers whose
types are not known (a bare ``Sequential``, one built from a list), an index known only at
run time, or one past the layers the type holds, gives a ``Module``."""

from typing import Literal as L
from typing import assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Linear, Module, ReLU, Sequential

rng = np.random.default_rng(0)


class Mlp(Module):
    def __init__(self) -> None:
        super().__init__()
        self.mlp: Sequential[tuple[Linear[L[4], L[16]], ReLU, Linear[L[16], L[2]]]] = Sequential(
            Linear(4, 16, rng=rng), ReLU(), Linear(16, 2, rng=rng)
        )
        dx.nn.init.zeros_(self.mlp[2].weight)


model = Mlp()
assert_type(model.mlp[0], Linear[L[4], L[16]])
assert_type(model.mlp[1], ReLU)
assert_type(model.mlp[2].weight, Tensor[L[2], L[16], NoneTape])


def layer_at(seq: Sequential[tuple[Linear[L[4], L[16]], ReLU]], i: int) -> Module:
    return seq[i]  # an index known at run time: any of the layers


print(type(layer_at(Sequential(Linear(4, 16), ReLU()), 1)).__name__)

layers: list[Module] = [Linear(4, 4, rng=rng), ReLU()]
stack = Sequential(*layers)
assert_type(stack[0], Module)


def first_layer(seq: Sequential) -> Module:
    return seq[0]


assert_type(first_layer(stack), Module)
