"""A local name reused for each step and returned, whose last value does not fit the return
type at a size a layer set before its axes were moved (``permute``, ``unsqueeze``): reported
on the line of that last assignment and where the layer was built. A name bound again
between its last assignment and the ``return`` (in a branch) is not followed: mypy's own
error stands there."""

# rules: nn, movement

from typing import Generic, TypeVar

from dfdx import NoneTape, Tensor
from dfdx.nn import Embedding, Module

Q = TypeVar("Q", bound=int)
K = TypeVar("K", bound=int)
NH = TypeVar("NH", bound=int)


class RelativeBias(Module, Generic[NH]):
    def __init__(self, buckets: int, heads: NH) -> None:
        super().__init__()
        self.table = Embedding(buckets, heads)  # E: mypy[dfdx-shape "self.table is built here; its"
        #     " output reaches line 30: permute: gives Tensor[Q, NH, K], the return type is Tensor["
        #     "NH, Q, K] (Q != NH)", dfdx-shape "self.table is built here; its output reaches line "
        #     "36: unsqueeze: gives Tensor[1, Q, NH, K], the return type is Tensor[Dyn, NH, Q, K] ("
        #     "Q != NH)"]

    def forward(self, buckets: Tensor[Q, K, NoneTape]) -> Tensor[NH, Q, K, NoneTape]:
        values = self.table(buckets)
        values = values.permute(0, 2, 1)  # E: mypy[dfdx-shape "permute: gives Tensor[Q, NH, K], th"
        #     "e return type is Tensor[NH, Q, K] (Q != NH)"]
        return values

    def batched(self, buckets: Tensor[Q, K, NoneTape]) -> Tensor[int, NH, Q, K, NoneTape]:
        values = self.table(buckets)
        values = values.permute(0, 2, 1).unsqueeze(0)  # E: mypy[dfdx-shape "unsqueeze: gives Tenso"
        #     "r[1, Q, NH, K], the return type is Tensor[Dyn, NH, Q, K] (Q != NH)"]
        return values

    def branched(self, buckets: Tensor[Q, K, NoneTape], flip: bool) -> Tensor[NH, Q, K, NoneTape]:
        values = self.table(buckets)
        values = values.permute(1, 0, 2)
        if flip:
            values = values.permute(0, 1, 2)
        return values  # E: mypy[return-value]
