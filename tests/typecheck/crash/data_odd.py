"""Loader and dataset calls the data rule does not read: star-args, **kwargs, non-literal or
bool sizes, odd flags, Any and union datasets, wrong types. mypy's own answer stands."""

from typing import Any

import dfdx as dx
from dfdx.utils.data import DataLoader, TensorDataset

x = dx.randn(10, 3)
y = dx.zeros(10)
anything: Any = object()
ts = [x, y]
kw: dict[str, Any] = {"drop_last": True}
flag = bool(int("1"))
n = int("4")

TensorDataset(*ts)
TensorDataset(x, *ts)
TensorDataset()
TensorDataset(anything, y)
TensorDataset(x, 3)
TensorDataset(x, y, x, y, x, y)
data = TensorDataset(x, y)
DataLoader(data, *[4])
DataLoader(data, 4, **kw)
DataLoader(data, True, drop_last=True)
DataLoader(data, 4, drop_last=flag)
DataLoader(data, n, drop_last=True)
DataLoader(data, 4.0, drop_last=True)
DataLoader(data, "4", drop_last=True)
DataLoader(anything, 4, drop_last=True)
DataLoader(data if flag else [1, 2], 4, drop_last=True)
DataLoader(data, 4, drop_last=1)
DataLoader(data, 4, collate_fn=lambda s: s, drop_last=True)
DataLoader(data, batch_size=0, sampler=[0, 1])
DataLoader()
