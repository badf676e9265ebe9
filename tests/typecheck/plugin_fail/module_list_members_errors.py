"""Members of a ``ModuleList`` built by one comprehension (every member alike) that cannot
follow one another: a layer that gives another size than it takes, chained in a loop over the
list (``for layer in self.layers: x = layer(x)``). Each member reads what the one before it
gives, so the size it gives is the mistake: it is reported where the loop calls it and on the
line of the comprehension's argument that sets that size (the line a user edits, in a
constructor call written over several lines)."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

from dfdx import NoneTape, Tensor
from dfdx.nn import Conv2d, LayerNorm, Linear, Module, ModuleList, ReLU

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)


class Tower(Module):
    def __init__(self, depth: int) -> None:
        super().__init__()
        self.layers = ModuleList([Linear(64, 32) for _ in range(depth)])  # E: mypy[
        #     dfdx-shape "layer is built here; called at line 32: Linear[64, 32]: takes 64 feature"
        #     "s, got Tensor[B, 32] (32 != 64)"]
        self.act = ReLU()

    def forward(self, x: Tensor[B, L[64], NoneTape]) -> Tensor[B, L[64], NoneTape]:
        for layer in self.layers:
            x = self.act(layer(x))  # E: mypy[dfdx-shape "Linear[64, 32]: takes 64 features, got T"
            #     "ensor[B, 32] (32 != 64)"]
        return x  # E: mypy[return-value]


class ConvTower(Module, Generic[C]):
    def __init__(self, ch: C, depth: int) -> None:
        super().__init__()
        self.convs = ModuleList(
            [
                Conv2d(
                    ch,
                    ch * 2,  # E: mypy[dfdx-shape "conv is built here; called at line 57: conv2d: "
                    #     "input channels differ: input Tensor[B, 2*C, H, W], weight Tensor[2*C, C"
                    #     ", 3, 3]"]
                    3,
                    padding=1,
                )
                for _ in range(depth)
            ]
        )

    def forward(self, x: Tensor[B, C, H, W, NoneTape]) -> Tensor[B, C, H, W, NoneTape]:
        h = x
        for conv in self.convs:
            h = conv(h).relu()  # E: mypy[dfdx-shape "conv2d: input channels differ: input Tensor["
            #     "B, 2*C, H, W], weight Tensor[2*C, C, 3, 3]"]
        return h  # E: mypy[return-value]


class Mixer(Module):
    def __init__(self, dim: int, depth: int) -> None:
        super().__init__()
        self.norm = LayerNorm(128)
        self.mix = ModuleList([Linear(128, 256) for i in range(depth) if i % 2 == 0])  # E: mypy[
        #     dfdx-shape "mix is built here; called at line 73: Linear[128, 256]: takes 128 featur"
        #     "es, got Tensor[B, 16, 256] (256 != 128)"]

    def forward(self, tokens: Tensor[B, L[16], L[128], NoneTape]) -> None:
        h = self.norm(tokens)
        for mix in self.mix:
            h = mix(h)  # E: mypy[dfdx-shape "Linear[128, 256]: takes 128 features, got Tensor[B, "
            #     "16, 256] (256 != 128)"]
