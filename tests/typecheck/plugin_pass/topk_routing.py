"""A mixture-of-experts router typed through ``topk``: the router's probabilities over the
experts, the ``k`` best per token (``k`` a size parameter of the module, so ``topk`` gives
``K`` along the axis), renormalised, one-hot over the experts, weighted and summed to one
weight per token and expert; ``sort``/``argsort`` keep the shape, ``max`` over an axis drops
it."""

# rules: selection, nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
NE = TypeVar("NE", bound=int)
K = TypeVar("K", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Router(Module, Generic[D, NE, K]):
    def __init__(self, dim: D, num_experts: NE, top_k: K) -> None:
        super().__init__()
        self.gate: Linear[D, NE] = Linear(dim, num_experts)
        self.num_experts = num_experts
        self.top_k = top_k

    def forward(self, tokens: Tensor[S, D, T]) -> Tensor[S, NE, T]:
        probs = dx.softmax(self.gate(tokens), axis=-1)
        weights, chosen = dx.topk(probs, self.top_k, axis=-1)
        assert_type(weights, Tensor[S, K, T])
        assert_type(chosen, Tensor[S, K, NoneTape])
        weights = weights / weights.sum(axis=-1, keepdims=True)
        mask = dx.one_hot(chosen, num_classes=self.num_experts)
        assert_type(mask, Tensor[S, K, NE, NoneTape])
        per_expert = (mask.to(dx.float32) * weights.unsqueeze(-1)).sum(axis=1)
        return per_expert


def ranked(scores: Tensor[S, NE, T]) -> None:
    values, order = dx.sort(scores, axis=-1, descending=True)
    assert_type(values, Tensor[S, NE, T])
    assert_type(order, Tensor[S, NE, NoneTape])
    assert_type(dx.argsort(scores, axis=0), Tensor[S, NE, NoneTape])
    assert_type(scores.max(axis=1), Tensor[S, T])
    best, where = scores.topk(2)
    assert_type(best, Tensor[S, L[2], T])
    assert_type(where, Tensor[S, L[2], NoneTape])


router: Router[L[8], L[4], L[2]] = Router(8, 4, 2)
assert_type(router(dx.randn(5, 8).trace()), Tensor[L[5], L[4], OwnedTape])
ranked(dx.randn(5, 4))
