"""Types the plugin does not understand: each op must leave mypy's own answer (an error of
mypy's, or none), never crash. Run with DFDX_PLUGIN_DEBUG=1, so an exception in a rule would
be an INTERNAL ERROR."""

from typing import Any, Literal, TypeVar, TypeVarTuple
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, DynTensor, NoneTape, OwnedTape, Tensor

S = TypeVar("S", bound=str)
BB = TypeVar("BB", bound=bool)
U = TypeVar("U")
C = TypeVar("C", int, str)
B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)
Ds = TypeVarTuple("Ds")


class MyTensor(Tensor[L[3], L[4], NoneTape]):
    pass


def anything(a: Any, b: Any) -> None:
    a @ a
    a + b
    a.sum(axis=3)
    a.backward()
    dx.matmul(a, b)
    dx.add(a, 1.0)
    dx.sum(a, axis=(0, 0))
    dx.softmax(a, 7)
    dx.ensure_shape(a, None, 3)
    dx.zeros(a, a)
    dx.full(a, 1.0)
    dx.arange(a)
    dx.tensor(a)


def unions(
    u: Tensor[L[3], NoneTape] | Tensor[L[4], NoneTape],
    o: Tensor[L[3], L[4], NoneTape] | Tensor[L[3], L[4], OwnedTape],
    n: Tensor[L[3], NoneTape] | None,
    f: Tensor[L[4], NoneTape] | float,
) -> None:
    u + u
    u @ u
    u.sum(axis=0)
    u.softmax(axis=3)
    o @ dx.zeros(4, 2)
    o + dx.zeros(5)
    o.sum().backward()
    n + n  # type: ignore[operator]
    dx.zeros(3, 4) + f
    dx.zeros(3, 4) @ f
    dx.ensure_shape(u, 3)
    dx.matmul(o, o)


def typevars(s: Tensor[S, NoneTape], b: Tensor[BB, NoneTape], c: Tensor[C, NoneTape]) -> None:
    s + s
    s @ s
    s.sum(axis=0)
    b + b
    b @ b
    c * c
    c.mean(axis=-1)
    s.ensure_shape(3)


def unconstrained(x: Tensor[L[3], U], y: Tensor[U, NoneTape]) -> None:  # type: ignore[type-var]
    x + x
    x @ x
    x.sum()
    y + y
    y @ dx.zeros(3, 3)


def bool_literals(
    t: Tensor[L[True], NoneTape],
    f: Tensor[Literal[False], L[2], NoneTape],
    x: Tensor[L[2], L[3], NoneTape],
    flag: bool,
) -> None:
    t + t
    t @ t
    t.sum(axis=0)
    f @ x
    f + x
    x.sum(axis=True)
    x.sum(axis=(True, 0))
    x.softmax(axis=False)
    x.sum(keepdims=flag)
    x.sum(axis=flag)
    dx.zeros(True, 2)
    dx.full((True, False), 1.0)
    dx.arange(True)
    x.ensure_shape(True, None)
    dx.tensor([True, False])


def huge_and_negative(
    h: Tensor[L[1000000000000000000000000000000], NoneTape],
    neg: Tensor[L[-3], NoneTape],
    x: Tensor[L[2], L[3], NoneTape],
) -> None:
    h @ h
    h + h
    h + x
    h.sum(axis=0)
    x.sum(axis=10**30)
    x.sum(axis=1000000000000000000000000000000)
    x.sum(axis=-1000000000000000000000000000000)
    x.sum(axis=(0, 1000000000000000000000000000000))
    x.softmax(axis=1000000000000000000000000000000)
    x.log_softmax(axis=-(10**30))
    neg + neg
    neg @ neg
    neg.sum(axis=0)
    neg + x
    dx.zeros(10**30)
    dx.zeros(1000000000000000000000000000000, 2)
    dx.zeros(-1)
    dx.zeros(-1, 3)
    dx.ones(3, -4)
    dx.full((-2, 3), 1.0)
    dx.full((1000000000000000000000000000000,), 1.0)
    dx.arange(-5)
    dx.arange(1000000000000000000000000000000)
    x.ensure_shape(-1, 3)
    x.ensure_shape(1000000000000000000000000000000, None)
    dx.tensor([1000000000000000000000000000000, -(10**30)])


def zero_d(z: Tensor[NoneTape], zt: Tensor[OwnedTape]) -> None:
    z @ z
    z + z
    z * 2.0
    z.sum(axis=0)
    z.sum(axis=-1, keepdims=True)
    z.sum(axis=())
    z.softmax()
    z.log_softmax(axis=0)
    z.ensure_shape()
    z.ensure_shape(1)
    z.backward()
    zt.backward()
    zt @ dx.zeros(3)
    dx.zeros() @ dx.zeros()
    dx.tensor(1.0) + dx.zeros(3)


def unknown_rank(
    a: Tensor[*tuple[Any, ...], Any],
    d: DynTensor[NoneTape],
    mid: Tensor[L[2], *tuple[Dyn, ...], L[3], NoneTape],
) -> None:
    a + a
    a @ a
    a.sum(axis=3)
    a.softmax(axis=9)
    a.backward()
    a.ensure_shape(3, 4)
    d @ d
    d + dx.zeros(3)
    d.sum(axis=(0, 0))
    d.backward()
    mid @ dx.zeros(3, 4)
    mid + dx.zeros(5)
    mid.sum(axis=0)
    mid.ensure_shape(2, 3)


def rank_polymorphic(x: Tensor[*Ds, T], y: Tensor[*Ds, L[4], T]) -> Tensor[*Ds, T]:
    x + x
    x @ x
    x.sum(axis=0)
    x.mean(axis=(0, 1), keepdims=True)
    x.softmax(axis=5)
    x.ensure_shape(1, 2)
    x.sum().backward()
    y @ dx.zeros(4, 2)
    y @ dx.zeros(5, 2)
    y + dx.zeros(4)
    y + dx.zeros(5)
    y.sum(axis=-1)
    return x * 2.0


def subclasses(m: MyTensor, x: Tensor[L[3], L[4], NoneTape]) -> None:
    m + m
    m @ m
    m + x
    x + m
    x @ m
    m.sum(axis=5)
    m.softmax(axis=1)
    m.ensure_shape(3, 4)
    m.ensure_shape(5, 5)
    dx.matmul(m, dx.zeros(4, 2))
    dx.add(m, x)
