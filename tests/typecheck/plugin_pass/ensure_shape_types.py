"""ensure_shape with the plugin: data of run-time shape gets the sizes given (None keeps the
known size), method and function, on either tape."""

# rules: checks

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def load_images() -> np.ndarray:
    return np.ones((32, 784), dtype=np.float32)


raw = dx.tensor(load_images())  # Tensor[*tuple[Dyn, ...], NoneTape]
d: Tensor[Dyn, Dyn, NoneTape] = raw
known = dx.zeros(32, 784)

assert_type(d.ensure_shape(None, 784), Tensor[Dyn, L[784], NoneTape])
assert_type(d.ensure_shape(32, 784), Tensor[L[32], L[784], NoneTape])
assert_type(dx.ensure_shape(d, 32, None), Tensor[L[32], Dyn, NoneTape])
assert_type(dx.ensure_shape(d.trace(), None, None), Tensor[Dyn, Dyn, OwnedTape])
assert_type(known.ensure_shape(None, 784), Tensor[L[32], L[784], NoneTape])
assert_type(known.ensure_shape(None, None), Tensor[L[32], L[784], NoneTape])
assert_type(dx.ensure_shape(known.trace(), 32, 784), Tensor[L[32], L[784], OwnedTape])
assert_type(dx.ensure_shape(dx.tensor(1.0)), Tensor[NoneTape])
assert_type(dx.zeros(2, 3, 4).ensure_shape(2, None, 4), Tensor[L[2], L[3], L[4], NoneTape])

# a tensor of unknown rank gets the sizes given: data from NumPy enters the typed world at one line
assert_type(raw.ensure_shape(None, 784), Tensor[Dyn, L[784], NoneTape])
assert_type(dx.tensor(np.zeros((4, 30))).ensure_shape(4, 30), Tensor[L[4], L[30], NoneTape])
images = raw.ensure_shape(None, 784)
assert_type(images, Tensor[Dyn, L[784], NoneTape])


def checked(x: Tensor[B, Dyn, T]) -> Tensor[B, L[784], T]:
    assert_type(x.ensure_shape(None, 784), Tensor[B, L[784], T])
    return x.ensure_shape(None, 784)


assert_type(checked(known), Tensor[L[32], L[784], NoneTape])
assert_type(checked(d.trace()), Tensor[Dyn, L[784], OwnedTape])

# ...and the sizes flow on
w = dx.randn(784, 10)
assert_type(images @ w, Tensor[Dyn, L[10], NoneTape])

# the run time agrees (and checks the Dyn sizes)
assert images.shape == (32, 784)
try:
    d.ensure_shape(None, 785)
except dx.ShapeError:
    pass
else:
    raise AssertionError("ensure_shape let a wrong size through")
