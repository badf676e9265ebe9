"""Sizes put on the wrong axes: seed vectors created ``(1, dim, num_seeds)`` where their
declared type is ``(1, num_seeds, dim)``, a reshape into heads that forgets the transpose
before it, a table of positions created ``(dim, length)``; each reported on the call that
states the sizes (mypy's own ``assignment`` error would name no axis). A feature map flattened
to ``b c (h w)`` without its transpose before a loop over its blocks: reported where the loop
first uses it and on the line that made it (the value the loop's first pass reads). Heads
concatenated along the wrong axis: reported where the next layer reads them, in a
comprehension, on the line that last assigned them and on the line that set their shape
(the concatenation), past a dropout and an activation that keep it. A value that does not fit
the return type where its sizes were made by an op (two views joined on the features, a mean
over the wrong axis): reported at that op (in place of mypy's ``return-value``), and where it
only kept them (a dropout), also at the line that made them. A transition without its pool,
whose 1x1 convolution's field is declared without the window: reported at the convolution and
where it is built."""

# rules: creation, movement, nn

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
NH = TypeVar("NH", bound=int)
HD = TypeVar("HD", bound=int)
NS = TypeVar("NS", bound=int)
FI = TypeVar("FI", bound=int)
FO = TypeVar("FO", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Pooling(Module, Generic[D, NS]):
    def __init__(self, dim: D, num_seeds: NS) -> None:
        super().__init__()
        self.seeds: Tensor[NS, D, NoneTape] = dx.randn(dim, num_seeds)  # E: mypy[dfdx-shape "randn"
        #     ": gives Tensor[D, NS], self.seeds's declared type is Tensor[NS, D] (D != NS)"]


def split_heads(x: Tensor[B, S, D, T], nh: NH, hd: HD) -> Tensor[B, NH, S, HD, T]:
    b, s, _ = x.shape
    return x.view(b, s, nh, hd)  # E: mypy[dfdx-shape "reshape: gives Tensor[B, S, NH, HD], the ret"
    #     "urn type is Tensor[B, NH, S, HD] (S != NH)"]


def positions(length: S, dim: D) -> Tensor[S, D, NoneTape]:
    table = dx.zeros(dim, length)  # E: mypy[dfdx-shape "zeros: gives Tensor[D, S], the return type"
    #     " is Tensor[S, D] (D != S)"]
    return table


class TokenMixer(Module, Generic[C]):
    def __init__(self, channels: C, depth: int) -> None:
        super().__init__()
        self.proj = Conv2d(channels, channels, 1)
        self.blocks = ModuleList([Linear(channels, channels) for _ in range(depth)])

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        b, c, h, w = x.shape
        tokens = self.proj(x).flatten(2)  # E: mypy[dfdx-shape "tokens is assigned here; used at li"
        #     "ne 71: Linear[C, C]: takes C features, got Tensor[B, C, H*W] (H*W != C)"]
        for block in self.blocks:
            tokens = dx.gelu(block(tokens))  # E: mypy[dfdx-shape "Linear[C, C]: takes C features, "
            #     "got Tensor[B, C, H*W] (H*W != C)"]
        return tokens.transpose(1, 2).reshape(b, c, h, w)


class Head(Module, Generic[FI, FO]):
    def __init__(self, fi: FI, fo: FO) -> None:
        super().__init__()
        self.proj = Linear(fi, fo)

    def forward(self, h: Tensor[N, FI, T]) -> Tensor[N, FO, T]:
        return dx.elu(self.proj(h))


class GraphHeads(Module, Generic[FI, FO, NH]):
    """Hidden heads concatenated along the node axis (axis 0) instead of the features: the
    output heads, read in a comprehension after a dropout and an activation that keep the
    shape, get ``FO`` features; reported there and on the concatenation's line."""

    def __init__(self, fi: FI, fo: FO, nh: NH) -> None:
        super().__init__()
        self.hidden = ModuleList([Head(fi, fo) for _ in range(nh)])
        self.out = ModuleList([Head(fo * nh, fo) for _ in range(2)])

    def forward(self, x: Tensor[N, FI, T]) -> Tensor[N, FO, T]:
        x = dx.cat([head(x) for head in self.hidden], axis=0)  # E: mypy[dfdx-shape "x is assigned "
        #     "here; used at line 102: Head[FO*NH, FO]: h takes Tensor[N, FO*NH], got Tensor[Dyn, F"
        #     "O] (FO != FO*NH)"]
        x = dx.dropout(x, 0.5, training=self.training)
        x = dx.relu(x)  # E: mypy[dfdx-shape "x is assigned here; used at line 102: Head[FO*NH, FO]"
        #     ": h takes Tensor[N, FO*NH], got Tensor[Dyn, FO] (FO != FO*NH)"]
        outs = [head(x) for head in self.out]  # E: mypy[dfdx-shape "Head[FO*NH, FO]: h takes Tenso"
        #     "r[N, FO*NH], got Tensor[Dyn, FO] (FO != FO*NH)"]
        return dx.stack(outs, axis=0).mean(axis=0)


def both_views(z_i: Tensor[N, D, T], z_j: Tensor[N, D, T]) -> Tensor[Expr[L["2*N"]], D, T]:
    """Two views of a batch put side by side along the features instead of the batch."""
    z = dx.cat([z_i, z_j], axis=1)  # E: mypy[dfdx-shape "z is assigned here; used at line 111: dro"
    #     "pout: gives Tensor[N, 2*D], the return type is Tensor[2*N, D] (N != 2*N)"]
    z = dx.dropout(z, 0.1)  # E: mypy[dfdx-shape "dropout: gives Tensor[N, 2*D], the return type is"
    #     " Tensor[2*N, D] (N != 2*N)"]
    return z


def pooled(x: Tensor[B, S, D, T]) -> Tensor[B, D, T]:
    """The mean over the features instead of the tokens."""
    out = x.mean(axis=2)  # E: mypy[dfdx-shape "mean: gives Tensor[B, S], the return type is Tensor"
    #     "[B, D] (S != D)"]
    return out


class Transition(Module, Generic[C, CO]):
    """A transition whose 1x1 convolution is declared ``Conv2d[C, CO]`` (the window left out
    of the type): its output keeps ``H, W``, so the pool forgotten is reported."""

    def __init__(self, c: C, co: CO) -> None:
        super().__init__()
        self.conv: Conv2d[C, CO] = Conv2d(c, co, kernel_size=1, bias=False)  # E: mypy[dfdx-shape ""
        #     "self.conv is built here with stride=1 (stride=2 gives the size wanted); its output r"
        #     "eaches line 138: Conv2d: gives Tensor[B, CO, H, W], the return type is Tensor[B, CO,"
        #     " H//2, W//2] (H != H//2)"]

    def forward(
        self, x: Tensor[B, C, H, W, T]
    ) -> Tensor[B, CO, Expr[L["H//2"]], Expr[L["W//2"]], T]:
        out = dx.relu(x)
        out = self.conv(out)  # E: mypy[dfdx-shape "Conv2d: gives Tensor[B, CO, H, W], the return t"
        #     "ype is Tensor[B, CO, H//2, W//2] (H != H//2)"]
        return out
