"""Position tables that do not fit where they are used, each reported where it is used and,
where a module's table set the size at fault, where that table is created: a table without
the class token's row, a grid's column table sliced by the height, a row table of the full
width beside a column table of half, an ``Embedding``'s table of the wrong width, a grid
expanded the wrong way round or tiled with too few counts, and a sequence trimmed by one step
added back to the untrimmed one."""

# rules: indexing, movement, binary

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Embedding, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
D = TypeVar("D", bound=int)
F = TypeVar("F", bound=int)
H = TypeVar("H", bound=int)
W = TypeVar("W", bound=int)
S = TypeVar("S", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class ClassToken(Module, Generic[N, D]):
    """A class token put before ``n`` patches, then the positions added."""

    def __init__(self, num_patches: N, width: D) -> None:
        super().__init__()
        scale = 0.02
        self.cls = scale * dx.randn(1, 1, width)
        self.pos = scale * dx.randn(num_patches, width)  # E: mypy[dfdx-shape "self.pos is created"
        #     " here; it reaches line 42: add: shapes do not broadcast: Tensor[B, N+1, D] and Tens"
        #     "or[N, D] (axis -2: N+1 != N)"]

    def forward(self, x: Tensor[B, N, D, T]) -> Tensor[B, D, T]:
        b, _, d = x.shape
        h = dx.cat([self.cls.broadcast_to(b, 1, d), x], axis=1)  # E: mypy[dfdx-shape "h is assign"
        #     "ed here; used at line 42: add: shapes do not broadcast: Tensor[B, N+1, D] and Tenso"
        #     "r[N, D] (axis -2: N+1 != N)"]
        h = h + self.pos  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, N+1, D] an"
        #     "d Tensor[N, D] (axis -2: N+1 != N)"]
        return h[:, 0]


class Grid(Module, Generic[F]):
    """A row and a column table of ``F`` features each, broadcast into a grid."""

    def __init__(self, num_pos_feats: F) -> None:
        super().__init__()
        self.row_embed = dx.rand(50, 2 * num_pos_feats)  # E: mypy[dfdx-shape "self.row_embed is c"
        #     "reated here; it reaches line 66: broadcast_to: cannot broadcast Tensor[H, 1, 2*F] t"
        #     "o Tensor[H, W, F] (axis -1: 2*F != F)"]
        self.col_embed = dx.rand(50, num_pos_feats)

    def forward(self, x: Tensor[B, D, H, W, T]) -> Tensor[H, W, int, NoneTape]:
        h, w = x.shape[-2:]
        f = self.col_embed.shape[-1]  # E: mypy[dfdx-shape "f is assigned here; used at line 63: b"
        #     "roadcast_to: cannot broadcast Tensor[1, H, F] to Tensor[H, W, F] (axis -2: H != W)"
        #     "", dfdx-shape "f is assigned here; used at line 66: broadcast_to: cannot broadcast "
        #     "Tensor[H, 1, 2*F] to Tensor[H, W, F] (axis -1: 2*F != F)"]
        cols = self.col_embed[:h].unsqueeze(0).broadcast_to(h, w, f)  # E: mypy[
        #     dfdx-shape "broadcast_to: cannot broadcast Tensor[1, H, F] to Tensor[H, W, F] (axis "
        #     "-2: H != W)"]
        rows = self.row_embed[:h].unsqueeze(1).broadcast_to(h, w, f)  # E: mypy[
        #     dfdx-shape "broadcast_to: cannot broadcast Tensor[H, 1, 2*F] to Tensor[H, W, F] (axi"
        #     "s -1: 2*F != F)"]
        return dx.cat([cols, rows], axis=-1)


class Positions(Module, Generic[D]):
    """Learned positions looked up from an ``Embedding``'s table, sliced to the length."""

    def __init__(self, width: D, max_len: int = 64) -> None:
        super().__init__()
        self.table = Embedding(max_len, width // 2)  # E: mypy[dfdx-shape "self.table.weight is cr"
        #     "eated here; it reaches line 83: add: shapes do not broadcast: Tensor[B, S, D] and T"
        #     "ensor[S, D//2] (axis -1: D != D//2)"]

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        s = x.shape[1]
        return x + self.table.weight[:s]  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tens"
        #     "or[B, S, D] and Tensor[S, D//2] (axis -1: D != D//2)"]


def expanded(
    rows: Tensor[H, F, NoneTape], cols: Tensor[W, F, NoneTape]
) -> Tensor[H, W, F, NoneTape]:
    """A grid's columns expanded to the rows' count the wrong way round."""
    h, w = rows.shape[0], cols.shape[0]  # E: mypy[dfdx-shape "h is assigned here; used at line 9"
    #     "5: broadcast_to: cannot broadcast Tensor[1, W, F] to Tensor[W, H, -1] (axis -2: W != H"
    #     ")", dfdx-shape "w is assigned here; used at line 95: broadcast_to: cannot broadcast Te"
    #     "nsor[1, W, F] to Tensor[W, H, -1] (axis -2: W != H)"]
    grid = cols.unsqueeze(0).expand(w, h, -1)  # E: mypy[dfdx-shape "broadcast_to: cannot broadcas"
    #     "t Tensor[1, W, F] to Tensor[W, H, -1] (axis -2: W != H)", dfdx-shape "grid is assigned "
    #     "here; used at line 99: add: shapes do not broadcast: Tensor[W, H, F] and Tensor[H, 1, F"
    #     "] (axis -3: W != H)"]
    return grid + rows.unsqueeze(1)  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[W,"
    #     " H, F] and Tensor[H, 1, F] (axis -3: W != H)"]


def tiled(rows: Tensor[H, F, NoneTape], w: W) -> None:
    """A row table tiled over the columns with a count too few (PyTorch's ``repeat`` needs one
    for each axis)."""
    print(rows.unsqueeze(1).repeat(w, 1).shape)  # E: mypy[dfdx-shape "repeat: Tensor[H, 1, F] nee"
    #     "ds a count for each of its 3 axes, got (W, 1)"]


def trimmed(x: Tensor[B, D, S, NoneTape]) -> Tensor[B, D, S, NoneTape]:
    """A causal step's output trimmed by one step, added back to its input untrimmed."""
    y = x[..., :-1]  # E: mypy[dfdx-shape "y is assigned here; used at line 114: add: shapes do no"
    #     "t broadcast: Tensor[B, D, S] and Tensor[B, D, S-1] (axis -1: S != S-1)"]
    return x + y  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B, D, S] and Tensor[B"
    #     ", D, S-1] (axis -1: S != S-1)"]
