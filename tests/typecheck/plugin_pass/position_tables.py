"""Learned position tables sliced by sizes read from a tensor's ``.shape`` and put together into
position grids (broadcast, ``repeat``ed and ``expand``ed), as DETR, ViT and a cache write them:
a slice whose bound is a symbolic size is that long (``table[:h]`` is ``H`` rows,
``x[..., :-p]`` is ``W-P`` long, ``x[:, 1:]`` is ``T-1``), so the grid's sizes are the feature
map's. Bounds are taken to lie within the axis (a table of 50 rows sliced by ``h`` is ``h``
long)."""

# rules: indexing, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
P = TypeVar("P", bound=int)
F = TypeVar("F", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class PositionGrid(Module, Generic[F]):
    """DETR's learned position embedding: a row table and a column table of ``F`` features,
    one entry per row and per column of a feature map, put side by side into a grid of
    ``2*F`` features per position."""

    def __init__(self, num_pos_feats: F, max_size: int = 50) -> None:
        super().__init__()
        self.row_embed = dx.rand(max_size, num_pos_feats)
        self.col_embed = dx.rand(max_size, num_pos_feats)

    def forward(self, x: Tensor[B, D, H, W, T]) -> Tensor[L[1], H, W, dx.Expr[L["2*F"]], NoneTape]:
        h, w = x.shape[-2:]
        f = self.row_embed.shape[1]
        rows = self.row_embed[:h]
        assert_type(rows, Tensor[H, F, NoneTape])
        cols = self.col_embed[:w].unsqueeze(0).broadcast_to(h, w, f)
        grid = dx.cat([cols, rows.unsqueeze(1).broadcast_to(h, w, f)], axis=-1)
        # as DETR writes it, with PyTorch's names: repeat (tile) and expand (broadcast_to)
        tiled = dx.cat(
            [self.col_embed[:w].unsqueeze(0).repeat(h, 1, 1), rows.unsqueeze(1).expand(-1, w, -1)],
            axis=-1,
        )
        assert_type(tiled, Tensor[H, W, dx.Expr[L["2*F"]], NoneTape])
        return (grid + tiled).unsqueeze(0)


class CausalTrim(Module, Generic[P]):
    """A causal convolution's output trimmed by its padding (``x[..., :-p]``) and a cache's
    last ``p`` steps kept (``x[:, :, -p:]``)."""

    def __init__(self, pad: P) -> None:
        super().__init__()
        self.pad = pad

    def forward(self, x: Tensor[B, D, S, T]) -> Tensor[B, D, S, T]:
        p = self.pad
        trimmed = x[..., :-p]
        kept = x[:, :, -p:]
        assert_type(kept, Tensor[B, D, P, T])
        return dx.cat([kept, trimmed], axis=-1)


def shifted(tokens: Tensor[B, S, NoneTape]) -> tuple[Tensor[B, int, NoneTape], ...]:
    """A language model's inputs and targets: all tokens but the last, all but the first."""
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    assert_type(inputs, Tensor[B, dx.Expr[L["S-1"]], NoneTape])
    assert_type(targets, Tensor[B, dx.Expr[L["S-1"]], NoneTape])
    every_other = tokens[:, ::2]
    assert_type(every_other, Tensor[B, dx.Expr[L["(S+1)//2"]], NoneTape])
    return inputs, targets, every_other


def first_rows(table: Tensor[L[50], D, NoneTape], x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
    """A learned positional table's first ``s`` rows added to a sequence of ``s`` tokens."""
    _, s, _ = x.shape
    pos = table[:s]
    assert_type(pos, Tensor[S, D, NoneTape])
    return x + pos


grid = PositionGrid(8)
g = grid(dx.randn(2, 16, 3, 5))
assert g.shape == (1, 3, 5, 16)
trim = CausalTrim(2)
assert trim(dx.randn(2, 4, 7)).shape == (2, 4, 7)
ins, outs, odd = shifted(dx.zeros(2, 7, dtype=dx.int64))
assert ins.shape == outs.shape == (2, 6) and odd.shape == (2, 4)
assert first_rows(dx.randn(50, 8), dx.randn(2, 6, 8)).shape == (2, 6, 8)
