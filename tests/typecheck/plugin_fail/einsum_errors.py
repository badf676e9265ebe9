"""dx.einsum whose letters disagree: a letter of two sizes in two operands (literal, generic
and unknown-length sizes, keys transposed before a score, the value's head size taken for the
key's), a term naming more or fewer axes than its operand has, more terms than operands, an
output letter in no operand, and a result assigned or returned under the wrong type. Each
error names einsum's subscripts, the letter, and both operands with their shapes."""

# rules: linalg

from typing import Generic, TypeVar
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
M = TypeVar("M", bound=int)
H = TypeVar("H", bound=int)
DK = TypeVar("DK", bound=int)
DV = TypeVar("DV", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

a = dx.randn(2, 3)
b = dx.randn(4, 5)
r1 = dx.einsum("ij,jk->ik", a, b)  # E: mypy[dfdx-shape "einsum 'ij,jk->ik': letter 'j' is 3 in "
#     "operand 0 Tensor[2, 3] but 4 in operand 1 Tensor[4, 5]"]
r2 = dx.einsum("ij,jk", a.trace(), b)  # E: mypy[dfdx-shape "einsum 'ij,jk': letter 'j' is 3 in "
#     "operand 0 Tensor[2, 3] but 4 in operand 1 Tensor[4, 5]"]
r3 = dx.einsum("ijk->ik", a)  # E: mypy[dfdx-shape "einsum 'ijk->ik': operand 0 has 2 axes but "
#     "'ijk' names 3"]
r4 = dx.einsum("ij,jk->ik", a)  # E: mypy[dfdx-shape "einsum 'ij,jk->ik': 2 operands written, "
#     "1 given"]
r5 = dx.einsum("ij->ik", a)  # E: mypy[dfdx-shape "einsum 'ij->ik': the output's 'k' is in no "
#     "operand"]
r6 = dx.einsum("...ij,...jk->...ik", dx.randn(8, 2, 3), dx.randn(6, 3, 4))  # E: mypy[dfdx-shape
#     "einsum '...ij,...jk->...ik': an axis under '...' is 8 in operand 0 Tensor[8, 2, 3] but "
#     "6 in operand 1 Tensor[6, 3, 4]"]
r7: Tensor[L[2], L[5], NoneTape] = dx.einsum("ij,jk->ik", a, dx.randn(3, 4))  # E: mypy[dfdx-shape
#     "einsum: gives Tensor[2, 4], r7's declared type is Tensor[2, 5] (4 != 5)"]


class EinsumAttention(Module, Generic[H, DK, DV]):
    def __init__(self, heads: H, head_dim: DK, value_dim: DV) -> None:
        super().__init__()
        self.heads = heads

    def forward(
        self, q: Tensor[B, H, N, DK, T], k: Tensor[B, H, M, DK, T], v: Tensor[B, H, M, DV, T]
    ) -> Tensor[B, H, N, DV, T]:
        # the keys' length put where their head size is
        s1 = dx.einsum("bhid,bhdj->bhij", q, k)  # E: mypy[dfdx-shape "einsum 'bhid,bhdj->bhij': "
        #     "letter 'd' is DK in operand 0 Tensor[B, H, N, DK] but M in operand 1 "
        #     "Tensor[B, H, M, DK]"]
        # the values' head size taken for the keys'
        s2 = dx.einsum("bhid,bhjd->bhij", q, v)  # E: mypy[dfdx-shape "einsum 'bhid,bhjd->bhij': "
        #     "letter 'd' is DK in operand 0 Tensor[B, H, N, DK] but DV in operand 1 "
        #     "Tensor[B, H, M, DV]"]
        scores = dx.einsum("bhid,bhjd->bhij", q, k).softmax(axis=-1)  # E: mypy[dfdx-shape
        #     "scores is assigned here; used at line 63: einsum 'bhji,bhjd->bhid': letter 'j' is "
        #     "N in operand 0 Tensor[B, H, N, M] but M in operand 1 Tensor[B, H, M, DV]"]
        # the weights applied on the queries' axis
        out = dx.einsum("bhji,bhjd->bhid", scores, v)  # E: mypy[dfdx-shape "einsum "
        #     "'bhji,bhjd->bhid': letter 'j' is N in operand 0 Tensor[B, H, N, M] but M in "
        #     "operand 1 Tensor[B, H, M, DV]"]
        return dx.einsum("bhij,bhjd->bhid", scores, v)


def heads_first(x: Tensor[B, N, H, DK, T]) -> Tensor[B, H, N, DK, T]:
    return dx.einsum("bnhd->bnhd", x)  # E: mypy[dfdx-shape "einsum: gives Tensor[B, N, H, DK], "
    #     "the return type is Tensor[B, H, N, DK] (N != H)"]
