"""Ops in places where mypy checks an expression more than once, defers it, or reaches a method
in an unusual way: lambdas, comprehensions, overload contexts, deferred functions, unbound and
bound methods, partials, super(). mypy's answer stands; no crash."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar, overload
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[2], L[3], NoneTape] = dx.randn(2, 3)
w: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
flag = bool(int("1"))


def early() -> None:
    # `late` and its attribute are typed after this function: mypy defers it
    late.weight @ x
    late.weight @ w.relu().sum(axis=0)
    late.weight.sum(axis=5)


class Late:
    def __init__(self) -> None:
        self.weight = dx.zeros(5, 2)


late = Late()

# lambdas and comprehensions
f1 = lambda t: t @ w  # noqa: E731
f2: Callable[[Tensor[L[2], L[3], NoneTape]], Any] = lambda t: t.sum(axis=7)  # noqa: E731
list(map(lambda t: t.sum(axis=0), [x, x]))
sorted([x, x], key=lambda t: t.sum().item())
functools.reduce(lambda a, b: a + b, [x, x])
functools.reduce(lambda a, b: a @ b, [x, w])
[t @ w for t in [x, x]]
{t.sum(axis=3) for t in [x]}
(t + w for t in [x])
[x @ w for _ in range(2) if (x + x).sum().item() > 0]

# a union of tapes from a condition
(x if flag else x.trace()) @ w
(x if flag else x.trace()) + dx.zeros(7)
(x if flag else x.trace()).sum().backward()
(x if flag else w).sum(axis=1)
(y := x @ w) + y


# overload contexts: mypy checks the argument once per overload item
@overload
def pick(a: Tensor[L[2], L[4], NoneTape]) -> int: ...
@overload
def pick(a: Tensor[L[2], L[4], OwnedTape]) -> str: ...
@overload
def pick(a: Any) -> bytes: ...
def pick(a: Any) -> Any:
    return a


pick(x @ w)
pick(x.trace() @ w)
pick(x @ x)
pick(x + dx.zeros(5))
pick(x.sum(axis=9))
pick(lambda: x @ x)

# methods reached another way
Tensor.__matmul__(x, w)
Tensor.__matmul__(x, x)
Tensor.__add__(x, dx.zeros(5))
Tensor.sum(x, axis=4)
Tensor.backward(x.trace().sum())
Tensor.backward(x)
dx.Tensor.softmax(x, 3)
bound = x.sum
bound(axis=5)
bound_mm = x.matmul
bound_mm(x)
x.sum(axis=9)
functools.partial(dx.sum, axis=0)(x)
functools.partial(dx.matmul, x)(w)
functools.partial(dx.matmul, x)(x)
x.__matmul__(x)
x.__radd__(dx.zeros(5))
x.__rmul__(2.0)
w.__rsub__(x)


class Sub(Tensor[L[2], L[3], NoneTape]):
    def twice(self) -> Any:
        return super().__add__(self) @ super().__matmul__(w)


# generic code checked once per tape
def generic(t: Tensor[L[2], L[3], T]) -> None:
    t @ t
    t + dx.zeros(4)
    t.sum(axis=2)
    t.sum().backward()
    [u @ w for u in [t, t]]
    (lambda u: u @ u)(t)


# ops on a tensor inside a class body, a default argument and a decorator argument
class Holder:
    weight = dx.zeros(2, 3) @ dx.zeros(4, 2)
    bias = weight + dx.zeros(9)


def with_default(t: Any = dx.zeros(2, 3) @ dx.zeros(3, 2) @ dx.zeros(5)) -> None:  # noqa: B008
    pass


# from the /tmp starting point: mistakes the plugin does report
dx.zeros(3, dtype=dx.float64) @ dx.zeros(3, 4, 5)
dx.zeros(2, 3, 4) @ dx.zeros(5)
(dx.zeros(2, 3).trace() @ dx.zeros(3, 1)).sum().backward()
