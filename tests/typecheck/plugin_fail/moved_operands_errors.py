"""An operand whose axes are moved where it is used (``k.transpose(-2, -1)``, ``k.mT``) is
followed to the line that assigned the local it moves; where that assignment is a method
chain written over several lines, to the line of the last step that set sizes (the
``.view`` that split the heads), past the steps after it that only move axes."""

# rules: nn, linalg, movement

from typing import Generic, TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
NH = TypeVar("NH", bound=int)
HS = TypeVar("HS", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Scores(Module, Generic[D, NH, HS]):
    def __init__(self, d_model: D, n_heads: NH, head_size: HS) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.head_size = head_size
        self.query_projection = Linear(d_model, n_heads * head_size, bias=False)
        self.key_projection = Linear(d_model, n_heads * head_size, bias=False)

    def forward(self, hidden_states: Tensor[B, S, D, T]) -> None:
        batch_size, seq_length, _ = hidden_states.shape
        queries = (
            self.query_projection(hidden_states)
            .view(batch_size, seq_length, self.n_heads, self.head_size)  # E: mypy[dfdx-shape "quer"
            #     "ies is assigned here; used at line 49: matmul: inner sizes differ: Tensor[B, NH,"
            #     " S, HS] @ Tensor[B, HS, NH, S] (HS != NH)", dfdx-shape "queries is assigned here"
            #     "; used at line 51: matmul: inner sizes differ: Tensor[B, NH, S, HS] @ Tensor[B, "
            #     "HS, NH, S] (HS != NH)"]
            .transpose(1, 2)
        )
        keys = (
            self.key_projection(hidden_states)
            .view(batch_size, seq_length, self.head_size, self.n_heads)  # E: mypy[dfdx-shape "keys"
            #     " is assigned here; used at line 49: matmul: inner sizes differ: Tensor[B, NH, S,"
            #     " HS] @ Tensor[B, HS, NH, S] (HS != NH)", dfdx-shape "keys is assigned here; used"
            #     " at line 51: matmul: inner sizes differ: Tensor[B, NH, S, HS] @ Tensor[B, HS, NH"
            #     ", S] (HS != NH)"]
            .transpose(1, 2)
        )
        queries @ keys.transpose(-2, -1)  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor["
        #     "B, NH, S, HS] @ Tensor[B, HS, NH, S] (HS != NH)"]
        queries @ keys.mT  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, NH, S, HS] @"
        #     " Tensor[B, HS, NH, S] (HS != NH)"]
