"""A layer chosen by a conditional expression no longer hides the rest of a ``Sequential``:
a norm built for the input's channels after the chosen activation is reported where the
layers meet, and the chain's result is checked against the declared type."""

# rules: nn

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, Identity, Module, ReLU, Sequential

N = TypeVar("N", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ConvAct(Module, Generic[CI, CO]):
    def __init__(self, inp: CI, oup: CO, relu: bool = True) -> None:
        super().__init__()
        self.primary = Sequential(
            Conv2d(inp, oup, 1, bias=False),  # E: mypy[dfdx-shape "Sequential: layer 3 (BatchNorm2"
            #     "d[CI]) takes CI channels, layer 1 gives CO"]
            ReLU() if relu else Identity(),
            BatchNorm2d(inp),  # E: mypy[dfdx-shape "Sequential: layer 3 (BatchNorm2d[CI]) takes CI"
            #     " channels, layer 1 gives CO"]
        )

    def forward(self, x: Tensor[N, CI, H, W, T]) -> Tensor[N, CO, H, W, T]:
        return self.primary(x)
