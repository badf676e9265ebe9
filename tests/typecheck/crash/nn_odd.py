"""dx.nn calls the plugin does not read, or reads in part: non-literal and negative sizes,
star-args, a TypeVar module, nested and empty Sequentials, odd window arguments, modules
whose type parameters are not literals. mypy's own answer stands; no crash."""

from typing import Any, TypeVar

import dfdx as dx
from dfdx.nn import (
    AvgPool2d,
    BatchNorm1d,
    Conv2d,
    Embedding,
    Flatten,
    LayerNorm,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Residual,
    Sequential,
)

M = TypeVar("M", bound=Module)
n = int("3")
pair = (n, 2)
kw: dict[str, Any] = {"bias": False}
layers = [Linear(3, 4), ReLU()]

a = Linear(n, 4)
b = Linear(-1, 3)
c = Linear(True, 3)
d = Linear(3, 4, **kw)
e = Sequential(*layers)
e(dx.zeros(2, 3))
Sequential()(dx.zeros(2, 3))
Sequential(Sequential(Linear(3, 4), ReLU()), Linear(4, 2))(dx.zeros(5, 3))
Sequential(Linear(3, 4), Flatten(n))(dx.zeros(5, 3))
Sequential(Linear(3, 4), Flatten(0), Linear(8, 2))(dx.zeros(2, 3))
Sequential(Linear(2 // 0, 3), LayerNorm(n))
Conv2d(1, 8, pair, stride=(1, 2, 3), padding=-1)(dx.zeros(1, 1, 5, 5))
Conv2d(4, 8, 3, groups=n)(dx.zeros(1, 4, 5, 5))
Conv2d(4, 8, 3, groups=0)
MaxPool2d(pair)(dx.zeros(1, 1, 5, 5))
AvgPool2d(9)(dx.zeros(1, 1, 5, 5))
MaxPool2d(2, stride=None)(dx.zeros(1, 1, 4, 4))
BatchNorm1d(n)(dx.zeros(2, 3))
Embedding(10, 4)(dx.zeros(3))
Linear(3, 4)("nope")


def generic(m: M, x: Any, lin: Linear[Any, Any]) -> None:
    Residual(m)(x)
    Sequential(m, Linear(3, 4))(dx.zeros(2, 3))
    Sequential(lin, Linear(3, 4))(dx.zeros(2, 3))
    lin(x)
