"""A name reused for tensors whose unknown (``Dyn``) sizes sit on different axes, then a
mistake: the message names the value the code made (``Tensor[Dyn, B]``), not a value mypy's
name reuse alone would read it as (``Tensor[B, B]``, met from an earlier value), once, where
the value meets the matmul and on the line that last bound it."""

# rules: movement, reduce, linalg

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Pool(Module, Generic[D, K]):
    def __init__(self, width: D, classes: K) -> None:
        super().__init__()
        self.w = dx.randn(width, classes)  # E: mypy[dfdx-shape "self.w is assigned here; used at l"
        #     "ine 33: matmul: inner sizes differ: Tensor[Dyn, B] @ Tensor[D, K] (B != D)"]

    def forward(self, x: Tensor[B, Dyn, D, T]) -> Tensor[B, K, T]:
        # the features summed: a mistake for the tokens (axis=1)
        h = x.sum(axis=2)  # E: mypy[dfdx-shape "h is assigned here; used at line 33: matmul: inner"
        #     " sizes differ: Tensor[Dyn, B] @ Tensor[D, K] (B != D)"]
        h = h * 2.0
        h = h.transpose(0, 1)  # E: mypy[dfdx-shape "h is assigned here; used at line 33: matmul: i"
        #     "nner sizes differ: Tensor[Dyn, B] @ Tensor[D, K] (B != D)"]
        return h @ self.w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[Dyn, B] @ Tenso"
        #     "r[D, K] (B != D)"]
