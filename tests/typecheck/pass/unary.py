"""One tensor in, the same shape and tape out: every unary op, as method, function and
operator, and softmax/log_softmax along an axis."""

from typing import Literal as L
from typing import assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

a: Tensor[L[2], L[3], L[4], NoneTape] = dx.rand(2, 3, 4) + 0.5
t = a.trace()

assert_type(-a, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(abs(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a**2, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a**0.5, Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.neg(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.exp(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.log(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.sqrt(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.square(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.abs(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.sin(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.cos(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.tanh(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.sigmoid(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.relu(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.relu6(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.gelu(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.gelu(approximate="tanh"), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.leaky_relu(0.1), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.softplus(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.pow(3.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.clamp(min=0.0, max=1.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.clamp(max=1.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.to(dx.float64), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.softmax(), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.softmax(axis=1), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(a.log_softmax(axis=-1), Tensor[L[2], L[3], L[4], NoneTape])

assert_type(dx.neg(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.exp(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.log(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.sqrt(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.square(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.abs(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.sin(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.cos(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.tanh(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.sigmoid(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.relu(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.gelu(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.leaky_relu(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.softplus(a), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.pow(a, 2.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.clamp(a, min=0.0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.to(a, dx.float64), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.softmax(a, axis=0), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.log_softmax(a), Tensor[L[2], L[3], L[4], NoneTape])

# the tape is kept too
assert_type(-t, Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(abs(t), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(t**2, Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(t.exp().log().tanh(), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.gelu(t, approximate="tanh"), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(t.softmax(axis=-1), Tensor[L[2], L[3], L[4], OwnedTape])
assert_type(dx.clamp(t, min=0.0, max=1.0), Tensor[L[2], L[3], L[4], OwnedTape])

# the run time agrees
assert a.gelu().shape == (2, 3, 4)
assert t.softmax(axis=1).is_traced
