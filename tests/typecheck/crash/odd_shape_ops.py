"""Odd calls of the movement, indexing and conv rules: Any, unions, unknown ranks, TypeVars,
star-args, non-literal or wrongly typed axes, sizes and parameters, odd index items, empty
or non-literal sequences for concat/stack. mypy's own answer stands; no crash."""

from typing import Any, TypeVar, TypeVarTuple
from typing import Literal as L

import dfdx as dx
from dfdx import DynTensor, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)
U = TypeVar("U")
Ds = TypeVarTuple("Ds")

x: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
img: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8)
w: Tensor[L[4], L[3], L[3], L[3], NoneTape] = dx.randn(4, 3, 3, 3)
n = int("2")
axes = (0, 1, 2)
sizes: tuple[int, ...] = (6, 4)
kw: dict[str, Any] = {}
items: list[Tensor[L[2], L[3], L[4], NoneTape]] = [x, x]


def anything(a: Any, d: DynTensor[NoneTape], s: Tensor[*Ds, NoneTape]) -> None:
    a.reshape(2, 2)
    dx.reshape(a, -1)
    dx.concat([a, x])
    dx.stack([x, a], axis=a)
    a[0, ::2]
    x[a]
    dx.conv2d(a, w)
    dx.conv2d(img, a, stride=a)
    dx.max_pool2d(a, 2)
    dx.where(a, x, a)
    dx.one_hot(a, 3)
    d.reshape(4, -1)
    d[0, 1:, None]
    d.permute(1, 0)
    dx.conv2d(d, w)
    dx.max_pool2d(d, 2)
    dx.concat([d, x])
    s.flatten(1)
    s[0]
    s.transpose(0, 1)
    dx.conv2d(s, w)
    dx.where(s > 0.0, s, x)


def generic(h: Tensor[B, U, T], u: U, b: B) -> None:
    h.reshape(b, -1)
    h[u]
    h[b:u]
    h.unsqueeze(b)
    dx.conv1d(h, dx.randn(2, 3, 3))
    dx.one_hot(h, b)
    dx.stack([h, h], axis=b)


def unions(
    o: Tensor[L[2], L[3], NoneTape] | Tensor[L[4], NoneTape],
    m: Tensor[L[2], L[3], NoneTape] | None,
) -> None:
    o.reshape(6)
    o[0]
    o.transpose(0, 1)
    dx.concat([o, o])
    dx.where(o > 0.0, o, o)
    m.flatten()  # type: ignore[union-attr]
    dx.conv2d(img, w, bias=m)


# star-args and **kwargs
x.reshape(*sizes)
x.reshape(*[6, 4])
x.permute(*axes)
x.transpose(*(0, 1))
x.flatten(**kw)
dx.concat(*[items])
dx.concat(items, **kw)
dx.stack([*items, x])
dx.conv2d(img, w, **kw)
dx.conv2d(*(img, w))
dx.max_pool2d(img, *[2])
dx.where(*(x > 0.0, x, x))
x.index_select(*(0, dx.zeros(2, dtype=dx.int64)))

# sizes, axes and parameters that are not literal ints, or not ints at all
x.reshape(n, -1)
x.reshape(True, 24)
x.reshape(2.0, 12)
x.reshape((6, 4))
x.permute(n, 0, 1)
x.transpose(0, True)
x.unsqueeze("0")
x.squeeze(axis=[0])
x.broadcast_to(n, 2, 3, 4)
x.flatten(start_axis=n)
x.argmax(axis=(0, 1))
x.argmax(axis=True)
dx.stack(items, axis=n)
dx.concat(items, axis=1.5)
dx.concat([])
dx.stack(())
dx.concat(x)
dx.concat(t for t in items)
dx.conv2d(img, w, stride=n)
dx.conv2d(img, w, stride=(1, 1, 1))
dx.conv2d(img, w, padding=(n, 1))
dx.conv2d(img, w, padding=(True, 1))
dx.conv2d(img, w, groups=0)
dx.conv2d(img, w, groups=n)
dx.conv2d(img, w, dilation=None)
dx.conv2d(img, w, bias=x)
dx.conv_transpose2d(img, w, output_padding=(n, n))
dx.max_pool2d(img, None)
dx.max_pool2d(img, 2, stride=(n, 1))
dx.avg_pool2d(img, kernel_size="2")
dx.adaptive_avg_pool2d(img, (1,))
dx.upsample2d(img, 1.5)
dx.one_hot(dx.zeros(3, dtype=dx.int64), n)
dx.one_hot(dx.zeros(3, dtype=dx.int64), 2.0)
dx.dropout(x, p=n)
dx.dropout(x, p="0.5")
dx.dropout(x, 0.5, training=n)

# odd index items
idx: tuple[int, slice, None] = (0, slice(1, 2), None)
x[idx]
x[x]
x["a"]
x[1.5]
x[True]
x[[0, 1]]
x[0:n:n]
x[0:"a"]
x[0 : 2 : 10**30]
x[10**30]
x[(0, (1, 2))]
x[...]
x[()]
x[:, :, :, None, ...]
dx.tensor(1.0)[...]
