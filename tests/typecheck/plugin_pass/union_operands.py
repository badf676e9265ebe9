"""A name that holds one of several tensor types (rebound in a branch or a loop under
``allow_redefinition_new``) is read member by member, as mypy reads a union: the call must fit
each member, and its result is the union of the members' results, so sizes survive."""

# rules: binary, linalg, nn, reduce

from typing import Literal as L
from typing import assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

head = dx.nn.Linear(8, 3)
w = dx.zeros(8, 4)


def run(flag: bool) -> None:
    x = dx.zeros(2, 8)
    if flag:
        x = x.trace()  # traced in one branch only
    assert_type(x, Tensor[L[2], L[8], NoneTape] | Tensor[L[2], L[8], OwnedTape])
    y = x @ w
    assert_type(y, Tensor[L[2], L[4], NoneTape] | Tensor[L[2], L[4], OwnedTape])
    z = y.relu().sum(axis=1) + 1.0
    assert_type(z, Tensor[L[2], NoneTape] | Tensor[L[2], OwnedTape])


def longer(steps: int) -> None:
    seq = dx.zeros(1, 8)
    for _ in range(steps):
        seq = dx.concat([seq, dx.zeros(1, 8)], axis=0)  # a new length each time
    out = head(seq)  # every member has 8 features
    assert out.shape[1] == 3


run(True)
run(False)
longer(2)
