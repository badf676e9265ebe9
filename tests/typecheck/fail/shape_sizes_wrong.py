"""``x.shape`` typed as the tensor's sizes lets both checkers see, without the plugin, a mask
built for the wrong length and an unpacking of the wrong rank (the passing twin:
``pass/shape_sizes.py``)."""

import math
from typing import TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", bound=int)
C = TypeVar("C", bound=int)
N = TypeVar("N", bound=int)
Tp = TypeVar("Tp", NoneTape, OwnedTape)


def causal_mask(n: N) -> Tensor[N, N, NoneTape]:
    visible: Tensor[N, N, NoneTape] = dx.tril(dx.ones(n, n)) > 0
    return visible


def mask_scores(
    scores: Tensor[B, Dyn, T, T, Tp], mask: Tensor[T, T, NoneTape]
) -> Tensor[B, Dyn, T, T, Tp]:
    return scores.masked_fill(mask == 0, -math.inf)


def attend(x: Tensor[B, T, C, Tp], scores: Tensor[B, Dyn, T, T, Tp]) -> Tensor[B, Dyn, T, T, Tp]:
    _, _, c = x.shape  # the channels taken for the time: the mask is (C, C), not (T, T)
    return mask_scores(scores, causal_mask(c))  # E: mypy[arg-type] pyright[reportArgumentType]


def time_steps(x: Tensor[B, T, C, Tp]) -> None:
    b, t = x.shape  # E: mypy[misc] pyright[reportAssignmentType]
    print(b, t)
