"""A symbolic size (``B = TypeVar("B", bound=int)``) flows through matmul, elementwise, unary
and reduction ops, and a call binds it to the caller's literal size."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)


def layer(x: Tensor[B, L[4], T]) -> Tensor[B, L[5], T]:
    assert_type(x @ w, Tensor[B, L[5], T])
    assert_type(x + x, Tensor[B, L[4], T])
    assert_type(1.0 - x, Tensor[B, L[4], T])
    assert_type(x.relu(), Tensor[B, L[4], T])
    assert_type(x.sum(), Tensor[T])
    return (x @ w).tanh()


def batched(x: Tensor[B, L[7], L[3], L[4], T]) -> Tensor[B, L[7], L[3], L[5], T]:
    assert_type(x @ w, Tensor[B, L[7], L[3], L[5], T])
    return x @ w


def pair(x: Tensor[B, L[4], T], y: Tensor[B, L[4], NoneTape]) -> Tensor[B, L[4], T]:
    assert_type(x * y, Tensor[B, L[4], T])
    assert_type(y * x, Tensor[B, L[4], T])
    return x * y + y


def traced(x: Tensor[B, L[4], NoneTape]) -> Tensor[B, L[5], OwnedTape]:
    assert_type(x.trace(), Tensor[B, L[4], OwnedTape])
    return x.trace() @ w


x8: Tensor[L[8], L[4], NoneTape] = dx.randn(8, 4)
x32: Tensor[L[32], L[4], NoneTape] = dx.randn(32, 4)
xb: Tensor[L[2], L[7], L[3], L[4], NoneTape] = dx.randn(2, 7, 3, 4)

assert_type(layer(x8), Tensor[L[8], L[5], NoneTape])
assert_type(layer(x32), Tensor[L[32], L[5], NoneTape])
assert_type(layer(x8.trace()), Tensor[L[8], L[5], OwnedTape])
assert_type(batched(xb), Tensor[L[2], L[7], L[3], L[5], NoneTape])
assert_type(batched(xb.trace()), Tensor[L[2], L[7], L[3], L[5], OwnedTape])
assert_type(pair(x8.trace(), x8), Tensor[L[8], L[4], OwnedTape])
assert_type(traced(x32), Tensor[L[32], L[5], OwnedTape])
back: Tensor[L[5], L[4], NoneTape] = dx.randn(5, 4)
assert_type(layer(layer(x8) @ back), Tensor[L[8], L[5], NoneTape])

# the run time agrees
assert layer(x32).shape == (32, 5)
assert batched(xb).shape == (2, 7, 3, 5)
