"""User modules given tensors of another rank than their ``forward`` takes: a convolutional
stem's maps given to token blocks without the ``flatten(2).transpose(1, 2)`` (a
``Sequential`` of a comprehension, one written out, a block called directly), tokens given
to a convolutional block, and a ``Sequential`` whose token block follows a convolutional
one. Each is reported at the call, naming the module and both shapes, and where the
``Sequential``'s member is built; the result is what the module declares, so the lines after
it are checked as written (plugin_pass/module_rank_chains.py has the model right)."""

# rules: nn

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, LayerNorm, Linear, Module, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
C = TypeVar("C", bound=int)
K = TypeVar("K", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class TokenBlock(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc = Linear(dim, dim)

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, N, D, T]:
        return x + self.fc(self.norm(x)).gelu()


class ConvBlock(Module, Generic[C]):
    def __init__(self, ch: C) -> None:
        super().__init__()
        self.conv = Conv2d(ch, ch, 3, padding=1)
        self.bn = BatchNorm2d(ch)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        return self.bn(self.conv(x)).relu()


class Stages(Module, Generic[C, D, K]):
    def __init__(self, in_ch: C, dim: D, classes: K, depth: int) -> None:
        super().__init__()
        self.stem = Conv2d(in_ch, dim, 4, stride=4)
        self.tokens = Sequential(*[TokenBlock(dim) for _ in range(depth)])  # E: mypy[dfdx-shape "s"
        #     "elf.tokens is built here; called at line 70: TokenBlock[D]: x takes Tensor[B, N, D],"
        #     " got Tensor[B, D, H//4, W//4] (rank 4 != 3)"]
        self.mixer = Sequential(
            TokenBlock(dim),  # E: mypy[dfdx-shape "layer 1 of self.mixer is built here; called at "
            #     "line 73: TokenBlock[D]: x takes Tensor[B, N, D], got Tensor[B, D, H//4, W//4] (r"
            #     "ank 4 != 3)"]
            TokenBlock(dim),
        )
        self.block = TokenBlock(dim)
        self.refine = Sequential(ConvBlock(dim))  # E: mypy[dfdx-shape "layer 1 of self.refine is b"
        #     "uilt here; called at line 77: ConvBlock[D]: x takes Tensor[B, D, H, W], got Tensor[B"
        #     ", Dyn, D] (rank 3 != 4)"]
        self.head = Linear(dim, classes)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, K, T]:
        h = self.stem(x)  # E: mypy[dfdx-shape "h is assigned here; used at line 70: TokenBlock[D]:"
        #     " x takes Tensor[B, N, D], got Tensor[B, D, H//4, W//4] (rank 4 != 3)", dfdx-shape "h"
        #     " is assigned here; used at line 73: TokenBlock[D]: x takes Tensor[B, N, D], got Tens"
        #     "or[B, D, H//4, W//4] (rank 4 != 3)"]
        t = self.tokens(h)  # E: mypy[dfdx-shape "TokenBlock[D]: x takes Tensor[B, N, D], got Tenso"
        #     "r[B, D, H//4, W//4] (rank 4 != 3)", dfdx-shape "t is assigned here; used at line 77:"
        #     " ConvBlock[D]: x takes Tensor[B, D, H, W], got Tensor[B, Dyn, D] (rank 3 != 4)"]
        u = self.mixer(h)  # E: mypy[dfdx-shape "TokenBlock[D]: x takes Tensor[B, N, D], got Tensor"
        #     "[B, D, H//4, W//4] (rank 4 != 3)"]
        v = self.block(h)  # E: mypy[dfdx-shape "TokenBlock[D]: x takes Tensor[B, N, D], got Tensor"
        #     "[B, D, H//4, W//4] (rank 4 != 3)"]
        w = self.refine(t)  # E: mypy[dfdx-shape "ConvBlock[D]: x takes Tensor[B, D, H, W], got Ten"
        #     "sor[B, Dyn, D] (rank 3 != 4)"]
        return self.head(t.mean(axis=1) + u.mean(axis=1) + v.mean(axis=1) + w.mean(axis=(2, 3)))


mixed = Sequential(
    ConvBlock(8),  # E: mypy[dfdx-shape "Sequential: layer 2 (TokenBlock[8]) takes Tensor[B, N, 8],"
    #     " layer 1 (ConvBlock[8]) gives Tensor[B, 8, H, W] (rank 4 != 3)"]
    TokenBlock(8),  # E: mypy[dfdx-shape "Sequential: layer 2 (TokenBlock[8]) takes Tensor[B, N, 8]"
    #     ", layer 1 (ConvBlock[8]) gives Tensor[B, 8, H, W] (rank 4 != 3)"]
)
stem_first = Sequential(Conv2d(3, 8, 3, padding=1), TokenBlock(8))  # E: mypy[dfdx-shape "Sequentia"
#     "l: layer 2 (TokenBlock[8]) takes Tensor[B, N, 8], layer 1 (Conv2d[3, 8]) gives a 4-d output "
#     "(rank 4 != 3)"]
