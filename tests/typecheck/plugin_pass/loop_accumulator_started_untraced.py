"""Sums started untraced (``dx.zeros``, ``dx.zeros_like``) and accumulated with traced terms
in a loop, as PyTorch code writes them: after the loop the name has the tape of the value the
loop's body gives it (the loop is taken to run at least once), so a ``forward`` declared on
its input's tape returns it: an N-BEATS-style forecast summed over blocks, a flow's
log-determinant summed over coupling layers and returned in a tuple, and a mixture of experts
summed with ``+=`` from ``zeros_like``. pyright reads the union (no plugin there), hence its
ignores on the returns."""

# rules: creation, binary, reduce

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ModuleList

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
LB = TypeVar("LB", bound=int)
LF = TypeVar("LF", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Block(Module, Generic[LB, LF]):
    def __init__(self, backcast_length: LB, forecast_length: LF) -> None:
        super().__init__()
        self.fc = Linear(backcast_length, 64)
        self.backcast_fc = Linear(64, backcast_length)
        self.forecast_fc = Linear(64, forecast_length)

    def forward(self, x: Tensor[B, LB, T]) -> tuple[Tensor[B, LB, T], Tensor[B, LF, T]]:
        h = self.fc(x).relu()
        return self.backcast_fc(h), self.forecast_fc(h)


class Forecaster(Module, Generic[LB, LF]):
    def __init__(self, backcast_length: LB, forecast_length: LF, n_blocks: int) -> None:
        super().__init__()
        self.forecast_length = forecast_length
        self.blocks = ModuleList([Block(backcast_length, forecast_length) for _ in range(n_blocks)])

    def forward(self, x: Tensor[B, LB, T]) -> Tensor[B, LF, T]:
        b = x.shape[0]
        residual = x
        forecast = dx.zeros(b, self.forecast_length)
        for block in self.blocks:
            backcast, f = block(residual)
            residual = residual - backcast
            forecast = forecast + f
        assert_type(forecast, Tensor[B, LF, T])
        return forecast  # pyright: ignore[reportReturnType]


class Coupling(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.scale = Linear(dim, dim)
        self.shift = Linear(dim, dim)

    def forward(self, x: Tensor[B, D, T]) -> tuple[Tensor[B, D, T], Tensor[B, T]]:
        s = self.scale(x).tanh()
        y = x * s.exp() + self.shift(x)
        return y, s.sum(axis=1)


class Flow(Module, Generic[D]):
    def __init__(self, dim: D, n_layers: int) -> None:
        super().__init__()
        self.layers = ModuleList([Coupling(dim) for _ in range(n_layers)])

    def forward(self, x: Tensor[B, D, T]) -> tuple[Tensor[B, D, T], Tensor[B, T]]:
        log_det = dx.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det  # pyright: ignore[reportReturnType]


class Mixture(Module, Generic[D]):
    def __init__(self, dim: D, n_experts: int) -> None:
        super().__init__()
        self.gate = Linear(dim, n_experts)
        self.experts = ModuleList([Linear(dim, dim) for _ in range(n_experts)])

    def forward(self, x: Tensor[B, D, OwnedTape]) -> Tensor[B, D, OwnedTape]:
        weights = self.gate(x).softmax(axis=-1)
        out = dx.zeros_like(x)
        for i, expert in enumerate(self.experts):
            out += expert(x) * weights[:, i : i + 1]
        return out  # pyright: ignore[reportReturnType]


forecaster: Forecaster[L[24], L[6]] = Forecaster(24, 6, 3)
history: Tensor[L[8], L[24], NoneTape] = dx.tensor(np.random.randn(8, 24).astype(np.float32))
assert_type(forecaster(history.trace()), Tensor[L[8], L[6], OwnedTape])

flow: Flow[L[4]] = Flow(4, 2)
z, log_det = flow(dx.randn(16, 4).trace())
assert_type(log_det, Tensor[L[16], OwnedTape])
log_det.sum().backward()

mixture: Mixture[L[10]] = Mixture(10, 4)
assert_type(mixture(dx.randn(5, 10).trace()), Tensor[L[5], L[10], OwnedTape])
