"""``x.shape`` is typed as the tensor's sizes in mypy and pyright without the plugin:
``B, T, C = x.shape`` gives the size TypeVars and ``Literal`` sizes the type states, so a
mask built from ``T`` by a helper generic over its length is a ``Tensor[T, T]`` that a
``Tensor[T, T]`` parameter accepts, and the sizes are still ints (arithmetic, ``view``,
``range``, comparisons). Written the way a user writes a causal self-attention."""

import math
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module

B = TypeVar("B", bound=int)
T = TypeVar("T", bound=int)
C = TypeVar("C", bound=int)
N = TypeVar("N", bound=int)
Tp = TypeVar("Tp", NoneTape, OwnedTape)


def causal_mask(n: N) -> Tensor[N, N, NoneTape]:
    """True where position i may attend to position j (j <= i)."""
    visible: Tensor[N, N, NoneTape] = dx.tril(dx.ones(n, n)) > 0
    return visible


def mask_scores(
    scores: Tensor[B, Dyn, T, T, Tp], mask: Tensor[T, T, NoneTape]
) -> Tensor[B, Dyn, T, T, Tp]:
    return scores.masked_fill(mask == 0, -math.inf)


class CausalSelfAttention(Module, Generic[C]):
    def __init__(self, n_embd: C, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.qkv: Linear[C, Dyn] = Linear(n_embd, 3 * n_embd)
        self.proj: Linear[C, C] = Linear(n_embd, n_embd)

    def forward(self, x: Tensor[B, T, C, Tp]) -> Tensor[B, T, C, Tp]:
        b, t, c = x.shape
        assert_type(b, B)
        assert_type(t, T)
        assert_type(c, C)
        assert_type(x.shape[1], T)
        assert_type(x.shape[-1], C)
        nh = self.n_head
        assert c % nh == 0 and t >= 1
        mask = causal_mask(t)
        assert_type(mask, Tensor[T, T, NoneTape])
        q, k, v = self.qkv(x).split(c, axis=2)
        q = q.view(b, t, nh, c // nh).transpose(1, 2)
        k = k.view(b, t, nh, c // nh).transpose(1, 2)
        v = v.view(b, t, nh, c // nh).transpose(1, 2)
        scores: Tensor[B, Dyn, T, T, Tp] = q @ k.mT / math.sqrt(c // nh)
        att = mask_scores(scores, mask).softmax(axis=-1)
        assert_type(att, Tensor[B, Dyn, T, T, Tp])
        y: Tensor[B, T, C, Tp] = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


def visible_counts(x: Tensor[B, T, C, Tp]) -> list[int]:
    """How many positions each step sees, by a loop over the time axis."""
    _, t, _ = x.shape
    mask = causal_mask(t)
    return [int(mask[i].sum().item()) for i in range(t)]


attn: CausalSelfAttention[L[8]] = CausalSelfAttention(8, 2)
x: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8)
assert_type(x.shape, tuple[L[2], L[5], L[8]])
assert_type(x.shape[0], L[2])
assert_type(attn(x), Tensor[L[2], L[5], L[8], NoneTape])
assert_type(attn(x.trace()), Tensor[L[2], L[5], L[8], OwnedTape])
# pyright widens a literal that solves a TypeVar to int unless the type expected says otherwise
# (here the annotation; an argument of a call is expected as its parameter's type)
mask: Tensor[L[5], L[5], NoneTape] = causal_mask(x.shape[1])
assert attn(x).shape == (2, 5, 8)
assert visible_counts(x) == [1, 2, 3, 4, 5]
assert x.shape[0] * x.shape[1] == 10 and len(x.shape) == 3
assert x.size() == (2, 5, 8) and x.size(-1) == 8
