"""Tensors of indices that do not fit: CLIP's end-of-text position taken over the batch axis
(an index of ``S`` entries beside one of ``B``), MAE's batch column built from the sequence
length, and a router's top ``k`` taken over the tokens, not the experts; each reported where
the index tensors meet and, where an index was assigned on another line, there too."""

# rules: indexing, selection

from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def end_of_text(x: Tensor[B, S, D, T], text: Tensor[B, S, NoneTape]) -> Tensor[B, D, T]:
    b = x.shape[0]
    eot = text.argmax(axis=0)  # E: mypy[dfdx-shape "eot is assigned here; used at line 25: index:"
    #     " index tensors do not broadcast: Tensor[B] and Tensor[S] (axis -1: B != S)"]
    return x[dx.arange(b, dtype=dx.int64), eot]  # E: mypy[dfdx-shape "index: index tensors do not"
    #     " broadcast: Tensor[B] and Tensor[S] (axis -1: B != S)"]


def keep_first(x: Tensor[B, S, D, T], noise: Tensor[B, S, NoneTape]) -> Tensor[B, int, D, T]:
    ids_keep = noise.argsort(axis=1)[:, :4]  # E: mypy[dfdx-shape "ids_keep is assigned here; used"
    #     " at line 36: index: index tensors do not broadcast: Tensor[S, 1] and Tensor[B, 4] (axis"
    #     " -2: S != B)"]
    rows = dx.arange(x.shape[1], dtype=dx.int64)[:, None]  # E: mypy[dfdx-shape "rows is assigned "
    #     "here; used at line 36: index: index tensors do not broadcast: Tensor[S, 1] and Tensor[B"
    #     ", 4] (axis -2: S != B)"]
    return x[rows, ids_keep]  # E: mypy[dfdx-shape "index: index tensors do not broadcast: Tensor["
    #     "S, 1] and Tensor[B, 4] (axis -2: S != B)"]


def routed(scores: Tensor[S, E, NoneTape], k: K) -> Tensor[S, K, NoneTape]:
    _, idx = scores.topk(k, axis=0)
    rows = dx.arange(scores.shape[0], dtype=dx.int64)  # E: mypy[dfdx-shape "rows is assigned here"
    #     "; used at line 45: index: index tensors do not broadcast: Tensor[S, 1] and Tensor[K, E]"
    #     " (axis -2: S != K)"]
    return scores[rows[:, None], idx]  # E: mypy[dfdx-shape "index: index tensors do not broadcast"
    #     ": Tensor[S, 1] and Tensor[K, E] (axis -2: S != K)"]
