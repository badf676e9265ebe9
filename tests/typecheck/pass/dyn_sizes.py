"""``Dyn`` sizes (known at run time only) accept any literal size; ``DynTensor`` and
``Tensor[*S, T]`` take any rank."""

from typing import Any, TypeVar, TypeVarTuple, assert_type
from typing import Literal as L

import numpy as np
import numpy.typing as npt

import dfdx as dx
from dfdx import Dyn, DynTensor, NoneTape, OwnedTape, Tensor

T = TypeVar("T", NoneTape, OwnedTape)
S = TypeVarTuple("S")

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)


def features(raw: npt.NDArray[np.float64]) -> Tensor[Dyn, Dyn, NoneTape]:
    return dx.tensor(raw.astype(np.float32))


def gram(x: Tensor[Dyn, Dyn, T]) -> Tensor[Dyn, Dyn, T]:
    return x @ x


def normalize(x: Tensor[*S, T]) -> Tensor[*S, T]:
    assert_type(x - 1.0, Tensor[*S, T])
    return (x * 2.0).exp() + x


def any_rank(x: DynTensor[T]) -> DynTensor[T]:
    return x.relu()


def last_axis(x: Tensor[*S, L[4], T]) -> Tensor[*S, L[5], T]:
    return x @ w


f = features(np.ones((3, 4)))
assert_type(f, Tensor[Dyn, Dyn, NoneTape])
assert_type(f @ w, Tensor[Dyn, L[5], NoneTape])
assert_type(f.trace() @ w, Tensor[Dyn, L[5], OwnedTape])
fa: Tensor[Dyn, Dyn, NoneTape] = f + a  # plain: f's sizes; with the plugin: (3, 4)
assert_type(a + f, Tensor[L[3], L[4], NoneTape])
assert_type(a.trace() + f, Tensor[L[3], L[4], OwnedTape])

# a literal-size tensor goes where Dyn sizes are declared (but not where `int` is: use Dyn)
sq: Tensor[L[4], L[4], NoneTape] = dx.randn(4, 4)
assert_type(gram(sq), Tensor[Dyn, Dyn, NoneTape])
assert_type(gram(sq.trace()), Tensor[Dyn, Dyn, OwnedTape])
assert_type(normalize(a), Tensor[L[3], L[4], NoneTape])
assert_type(normalize(a.trace()), Tensor[L[3], L[4], OwnedTape])
assert_type(any_rank(a), Tensor[*tuple[Any, ...], NoneTape])
assert_type(last_axis(a), Tensor[L[3], L[5], NoneTape])
x3: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
assert_type(last_axis(x3), Tensor[L[2], L[3], L[5], NoneTape])
assert_type(last_axis(x3.trace()), Tensor[L[2], L[3], L[5], OwnedTape])


# backward accepts a traced tensor of unknown rank
def train(loss: DynTensor[OwnedTape]) -> dx.Gradients:
    return loss.backward()


assert_type(train(a.trace().sum()), dx.Gradients)

# the run time agrees
assert gram(sq).shape == (4, 4)
assert last_axis(x3).shape == (2, 3, 5)
