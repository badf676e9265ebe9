"""Calls of the training ops the plugin cannot read: non-literal k, sizes, axes and bounds,
star-args, sizes as a variable, odd receivers (a DynTensor, Any), a chunk count that is not a
literal. mypy's own answer stands; no crash."""

from typing import Any

import dfdx as dx
from dfdx import DynTensor, NoneTape, Tensor

x = dx.randn(3, 4)
d: DynTensor[NoneTape] = dx.randn(3, 4)
a: Any = dx.randn(3, 4)
n = int("2")
sizes = [1, 2]
tup: tuple[int, ...] = (1, 2)
kw: dict[str, Any] = {"axis": 0}
u: Tensor[Any, NoneTape] = dx.randn(3)

x.topk(n)
x.topk(2, axis=n)
dx.topk(d, 2)
dx.topk(a, 2)
x.sort(n)
x.sort(**kw)
dx.argsort(d)
dx.multinomial(x, n)
dx.multinomial(x, 2, replacement=bool(n))
dx.multinomial(d, 2)
x.split(n)
x.split(sizes)
x.split(tup)
x.split([n, 3])
x.split(*[2])
dx.split(d, 2)
dx.split(u, 1)
x.chunk(n)
dx.chunk(u, 2)
dx.chunk(x, 2, axis=n)
dx.slice_scatter(x, d, 0, n)
dx.slice_scatter(x, a)
dx.slice_scatter(d, x, axis=n)
dx.clamp(x, min=d, max=a)
dx.clamp(x, min=n)
dx.arange(n, 5)
dx.arange(1, n, 2)
dx.arange(1.5, 3)
dx.arange(*tup)
x.size(n)
d.size()
d.size(0)
d.dim()
d.numel()
u.numel()
x.view(n, -1)
dx.cat(sizes)  # type: ignore[arg-type]
dx.cat(*[x, x])
dx.losses.cross_entropy(x, d, ignore_index=n, label_smoothing=0.1)
dx.upsample2d(dx.randn(1, 1, 2, 2), 2, mode="bilinear", align_corners=bool(n))
