"""Sizes known only at run time, cut or joined along the wrong axis: a fused projection split
along time into pieces of the features' size and unpacked into names (the number of pieces
then depends on two independent sizes), keys joined with a cache typed ``Dyn`` on the head
size instead of time (seen where the scores contract the head size: the head size against
itself plus the cache's), a prefix of unknown length joined on the features before a product,
a list of levels' logits concatenated on the class axis where the return type keeps one
level's classes, and keys joined with a cache of a known head size on that size (``2*HS``
against ``HS``), reported at the concatenation in its branch too; branches concatenated on
the channels given to a convolution built for one branch's, and features joined with a
context of unknown width given to a ``Linear`` built for the features alone."""

# rules: movement, linalg

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
HD = TypeVar("HD", bound=int)
HS = TypeVar("HS", bound=int)
NH = TypeVar("NH", bound=int)
N = TypeVar("N", bound=int)
K = TypeVar("K", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class KeyValue(Module, Generic[D, HD]):
    def __init__(self, width: D, head_dim: HD) -> None:
        super().__init__()
        self.kv = Linear(width, 2 * head_dim)
        self.head_dim = head_dim

    def forward(self, x: Tensor[B, S, D, T]) -> None:
        kv = self.kv(x)
        _k, _v = kv.split(self.head_dim, axis=1)  # E: mypy[dfdx-shape "split: axis 1 of Tensor[B, "
        #     "S, 2*HD] (S) cut into pieces of HD: their number depends on S and HD, not 2 for ever"
        #     "y size (axis 2, 2*HD, gives 2)"]


class Decoder(Module, Generic[D, NH]):
    def __init__(self, width: D, heads: NH) -> None:
        super().__init__()
        self.q = Linear(width, width)
        self.k = Linear(width, width)
        self.heads = heads

    def forward(
        self, x: Tensor[B, S, D, T], past: Tensor[B, NH, Dyn, Dyn, T]
    ) -> Tensor[B, NH, S, Dyn, T]:
        b, s, _ = x.shape
        q = self.q(x).reshape(b, s, self.heads, -1).transpose(1, 2)  # E: mypy[dfdx-shape "q is ass"
        #     "igned here; used at line 63: matmul: inner sizes differ: Tensor[B, NH, S, D//NH] @ T"
        #     "ensor[B, NH, Dyn, S] (D//NH != D//NH + Dyn: concatenated at line 60)"]
        k = self.k(x).reshape(b, s, self.heads, -1).transpose(1, 2)
        k = dx.cat((past, k), axis=3)  # E: mypy[dfdx-shape "k is assigned here; used at line 63: m"
        #     "atmul: inner sizes differ: Tensor[B, NH, S, D//NH] @ Tensor[B, NH, Dyn, S] (D//NH !="
        #     " D//NH + Dyn: concatenated at line 60)"]
        return q @ k.mT  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, NH, S, D//NH] "
        #     "@ Tensor[B, NH, Dyn, S] (D//NH != D//NH + Dyn: concatenated at line 60)"]


def with_prefix(
    prefix: Tensor[B, S, Dyn, NoneTape], x: Tensor[B, S, D, NoneTape], w: Tensor[D, K, NoneTape]
) -> None:
    memory = dx.cat([prefix, x], axis=-1)  # E: mypy[dfdx-shape "memory is assigned here; used at l"
    #     "ine 73: matmul: inner sizes differ: Tensor[B, S, Dyn] @ Tensor[D, K] (D + Dyn != D: conc"
    #     "atenated at line 70)"]
    memory @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, S, Dyn] @ Tensor[D, K] "
    #     "(D + Dyn != D: concatenated at line 70)"]


def level_logits(levels: list[Tensor[N, Dyn, K, T]]) -> Tensor[N, Dyn, K, T]:
    return dx.cat(levels, axis=2)  # E: mypy[dfdx-shape "concat: a list of Tensor[N, Dyn, K] joined"
    #     " on axis 2 has K there per tensor, the return type is Tensor[N, Dyn, K] (K: a list of on"
    #     "e tensor)"]


def all_logits(levels: list[Tensor[N, Dyn, K, T]]) -> tuple[Tensor[N, Dyn, K, T], int]:
    outs = [level.relu() for level in levels]  # E: mypy[dfdx-shape "outs is assigned here; used at"
    #     " line 87: concat: a list of Tensor[N, Dyn, K] joined on axis 2 has K there per tensor, j"
    #     "oined's declared type is Tensor[N, Dyn, K] (K: a list of one tensor)"]
    joined: Tensor[N, Dyn, K, T] = dx.cat(outs, axis=-1)  # E: mypy[dfdx-shape "concat: a list of T"
    #     "ensor[N, Dyn, K] joined on axis 2 has K there per tensor, joined's declared type is Tens"
    #     "or[N, Dyn, K] (K: a list of one tensor)"]
    return joined, len(levels)


class CachedHeads(Module, Generic[D, NH, HS]):
    def __init__(self, width: D, heads: NH, head_size: HS) -> None:
        super().__init__()
        self.q = Linear(width, heads * head_size)
        self.k = Linear(width, heads * head_size)
        self.heads = heads
        self.head_size = head_size

    def forward(
        self, x: Tensor[B, S, D, T], cache: Tensor[B, NH, Dyn, HS, T] | None = None
    ) -> None:
        b, s, _ = x.shape
        q = self.q(x).reshape(b, s, self.heads, self.head_size).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 113: matmul: inner sizes differ: Tensor["
        #     "B, NH, S, HS] @ Tensor[B, NH, 2*HS, S] (HS != 2*HS)"]
        k = self.k(x).reshape(b, s, self.heads, self.head_size).transpose(1, 2)
        if cache is not None:
            k = dx.cat([cache, k], axis=-1)  # E: mypy[dfdx-shape "concatenated here on axis 3; use"
            #     "d at line 113: matmul: inner sizes differ: Tensor[B, NH, S, HS] @ Tensor[B, NH, "
            #     "2*HS, S] (HS != 2*HS)"]
        scores = q @ k.transpose(-2, -1)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor["
        #     "B, NH, S, HS] @ Tensor[B, NH, 2*HS, S] (HS != 2*HS)"]
        scores.softmax(axis=-1)


class BranchFusion(Module, Generic[C]):
    """Branches of ``C`` channels each, concatenated on the channels: the fusing convolution
    built for one branch's channels."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.fuse = Conv2d(channels, channels, 1)  # E: mypy[dfdx-shape "self.fuse is built here; c"
        #     "alled at line 132: Conv2d[C, C]: takes C channels, got Tensor[B, Dyn, Dyn, Dyn] (C p"
        #     "er tensor of a list != C: concatenated at line 129)"]

    def forward(self, branches: list[Tensor[B, C, Dyn, Dyn, T]]) -> None:
        h = dx.cat(branches, axis=1)  # E: mypy[dfdx-shape "h is assigned here; used at line 132: C"
        #     "onv2d[C, C]: takes C channels, got Tensor[B, Dyn, Dyn, Dyn] (C per tensor of a list "
        #     "!= C: concatenated at line 129)"]
        self.fuse(h)  # E: mypy[dfdx-shape "Conv2d[C, C]: takes C channels, got Tensor[B, Dyn, Dyn,"
        #     " Dyn] (C per tensor of a list != C: concatenated at line 129)"]


class WithContext(Module, Generic[D]):
    def __init__(self, width: D) -> None:
        super().__init__()
        self.proj = Linear(width, width)  # E: mypy[dfdx-shape "self.proj is built here; called at "
        #     "line 144: Linear[D, D]: takes D features, got Tensor[B, S, Dyn] (D + Dyn != D: conca"
        #     "tenated at line 144)"]

    def forward(self, x: Tensor[B, S, D, T], context: Tensor[B, S, Dyn, T]) -> None:
        self.proj(dx.cat([x, context], axis=-1))  # E: mypy[dfdx-shape "Linear[D, D]: takes D featu"
        #     "res, got Tensor[B, S, Dyn] (D + Dyn != D: concatenated at line 144)"]
