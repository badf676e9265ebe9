"""Routing mistakes seen through ``topk`` with ``k`` a size parameter: the chosen weights
multiplied into the one-hot mask without ``unsqueeze(-1)`` (``(S, K, NE)`` by ``(S, K)``),
and the top-k taken over the tokens instead of the experts (the weights' rows are then
``K``, not the tokens)."""

# rules: selection, binary

from typing import Generic, TypeVar

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
        mask = dx.one_hot(chosen, num_classes=self.num_experts)
        weighted = mask.to(dx.float32) * weights  # E: mypy[dfdx-shape "mul: shapes do not "
        #     "broadcast: Tensor[S, K, NE] and Tensor[S, K] (axis -2: K != S)"]
        return weighted.sum(axis=1)


class TokenAxis(Module, Generic[D, NE, K]):
    def __init__(self, dim: D, num_experts: NE, top_k: K) -> None:
        super().__init__()
        self.gate: Linear[D, NE] = Linear(dim, num_experts)
        self.top_k = top_k

    def forward(self, tokens: Tensor[S, D, T]) -> Tensor[S, K, T]:
        probs = dx.softmax(self.gate(tokens), axis=-1)
        weights, _ = dx.topk(probs, self.top_k, axis=0)
        return weights  # E: mypy[return-value]
