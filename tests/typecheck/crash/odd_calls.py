"""Calls the plugin does not read: star-args, **kwargs, wrong arity, unknown keywords,
non-literal ints and axes, odd data for dx.tensor. mypy's own answer stands; no crash."""

from typing import Any, Final
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[2], L[3], NoneTape] = dx.randn(2, 3)
w: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
sizes: tuple[int, ...] = (2, 3)
pair: tuple[int, int] = (2, 3)
lit: tuple[L[2], L[3]] = (2, 3)
n = int("3")
axes = (0, 1)
kw: dict[str, Any] = {"axis": 0}
N: Final = 3

# star-args and **kwargs
dx.zeros(*sizes)
dx.zeros(*pair)
dx.zeros(*lit)
dx.zeros(2, *sizes)
dx.ones(*[2, 3])
dx.randn(*(2, 3))
dx.matmul(*[x, w])
dx.matmul(*(x, w))
dx.add(*[x, x])
dx.add(x, *[x])
dx.add(**{})
dx.sum(x, **kw)
x.sum(**kw)
x.sum(*[0])
x.softmax(**kw)
dx.ensure_shape(x, *sizes)
x.ensure_shape(*sizes)
x.ensure_shape(**{})
dx.full(*((2, 3), 1.0))
dx.tensor(*[[1.0, 2.0]])

# wrong arity and unknown keywords
dx.matmul(x)
dx.matmul(x, w, w)
dx.matmul()
x.matmul()
x.matmul(w, w)
dx.add(x)
dx.add(x, x, x)
x.add()
x.__add__()
x.__add__(x, x)
x.sum(0, False, 1)
x.sum(axis=0, axes=1)
x.sum(dim=0)
x.softmax(0, 1)
x.softmax(dim=0)
x.backward(1)
x.trace().sum().backward(retain=True)
dx.arange()
dx.arange(2, 5)
dx.full()
dx.full((2, 3))
dx.full(2, 3)
dx.zeros((2, 3))
dx.zeros(2.0)
dx.zeros("2")
dx.zeros(None)
dx.tensor()
dx.ensure_shape()
dx.ensure_shape(x, 2, 3, 4, 5, 6, 7)
dx.ensure_shape(x, "a", None)
x.ensure_shape(2.0, 3)

# sizes and axes that are not literals
dx.zeros(n, n)
dx.zeros(N, n)
dx.full((n, N), 1.0)
dx.full(pair, 1.0)
dx.full(lit, 1.0)
dx.full(sizes, 1.0)
dx.arange(n)
x.sum(axis=n)
x.sum(axis=axes)
x.sum(axis=(n, 0))
x.sum(axis=N)
x.mean(axis=lit)
x.softmax(axis=n)
dx.softmax(x, n)
x.ensure_shape(n, None)
x.ensure_shape(N, N)
x.sum(axis=0, keepdims=bool(n))
x.sum(axis=None, keepdims=None)  # type: ignore[call-overload]

# data for dx.tensor that is not a rectangular list literal of numbers
dx.tensor([])
dx.tensor([[]])
dx.tensor([[[]]])
dx.tensor([[], []])
dx.tensor([[1.0], [2.0, 3.0]])
dx.tensor([1.0, [2.0]])
dx.tensor([[1.0, 2.0], 3.0])
dx.tensor([x, x])
dx.tensor([n, n])
dx.tensor([N, 2])
dx.tensor([1.0 + 2.0])
dx.tensor([-1, +2, -(3)])
dx.tensor([[1.0, 2.0]] * 3)
dx.tensor([i for i in range(3)])
dx.tensor("abc")
dx.tensor(None)
dx.tensor(np.zeros((2, 3)))
dx.tensor(range(3))
dx.tensor(((1.0,), (2.0,)))
dx.tensor({1.0, 2.0})
dx.tensor([1j])
dx.tensor([[1.0, 2.0], (3.0, 4.0)])

# operands that are not tensors
x + "a"
"a" + x
x @ 2.0
2.0 @ x
x + None
x + [1.0]  # noqa: RUF005
x.maximum("a")
dx.maximum(1.0, x)
dx.matmul(w, 3)
np.zeros(3) + x
x + np.zeros(3)
