"""The makers ports of PyTorch models use with the plugin: ``zeros_like``/``ones_like``/
``full_like``/``randn_like``/``rand_like`` give their argument's shape (no tape), ``eye(k)``
a ``k x k`` matrix (a T-Net's identity added to its output), ``linspace(a, b, n)`` ``n``
values (drop-path rates over ``depth`` blocks, diffusion schedules), and ``randint(low,
high, size)`` the sizes of ``size`` (diffusion time steps, one per image)."""

# rules: creation

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
N = TypeVar("N", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)
assert_type(dx.zeros_like(x), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.ones_like(x.trace()), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.full_like(x, -1e9), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.randn_like(x, rng=np.random.default_rng(0)), Tensor[L[2], L[3], L[4], NoneTape])
assert_type(dx.rand_like(x[0]), Tensor[L[3], L[4], NoneTape])
assert_type(dx.zeros_like(dx.arange(5), dtype=dx.float32), Tensor[L[5], NoneTape])
assert_type(dx.eye(3), Tensor[L[3], L[3], NoneTape])
assert_type(dx.eye(3, 5), Tensor[L[3], L[5], NoneTape])
assert_type(dx.linspace(0.0, 0.1, 12), Tensor[L[12], NoneTape])
assert_type(dx.randint(10, (4,)), Tensor[L[4], NoneTape])
assert_type(dx.randint(0, 1000, (8, 2)), Tensor[L[8], L[2], NoneTape])
assert_type(dx.randint(0, 5, x.shape), Tensor[L[2], L[3], L[4], NoneTape])
images = dx.tensor(np.zeros((16, 3, 8, 8), dtype=np.float32))  # NumPy data: its sizes known
assert_type(dx.randn_like(images).shape[1], L[3])


def noised(x0: Tensor[B, C, N, N, T], steps: int) -> Tensor[B, C, N, N, NoneTape]:
    """A DDPM training step's noise and time steps: one draw like the batch, one step per
    image."""
    noise = dx.randn_like(x0)
    t = dx.randint(0, steps, (x0.shape[0],))
    assert_type(t, Tensor[B, NoneTape])
    return noise * 0.5 + dx.zeros_like(x0.detach())


class TNet(Module, Generic[K]):
    """PointNet's transform net: a ``k x k`` matrix per cloud, the identity added."""

    def __init__(self, k: K) -> None:
        super().__init__()
        self.k = k
        self.fc = Linear(256, k * k)

    def forward(self, h: Tensor[B, L[256], T]) -> Tensor[B, K, K, T]:
        out = self.fc(h)
        iden = dx.eye(self.k).reshape(1, self.k * self.k)
        out = out + iden
        return out.reshape(-1, self.k, self.k)


class Blocks(Module):
    def __init__(self, depth: int, drop_path: float = 0.1) -> None:
        super().__init__()
        rates = dx.linspace(0, drop_path, depth)
        self.rates = [float(r) for r in rates.numpy()]


tnet = TNet(3)
assert_type(tnet(dx.randn(5, 256)), Tensor[L[5], L[3], L[3], NoneTape])
assert_type(noised(dx.randn(2, 3, 8, 8).trace(), 1000), Tensor[L[2], L[3], L[8], L[8], NoneTape])
assert len(Blocks(4).rates) == 4
