"""nanoGPT (Karpathy's ``model.py``: CausalSelfAttention, MLP, Block, GPT), ported line by
line as a user writes it: each module generic over its sizes (class TypeVars bound to the
constructor's arguments), built with literal sizes, run at a tiny size. Under the plugin
``Block(16, 4)`` is ``Block[L[16], L[4]]`` and a ``Linear[E, V]`` field called on a
``Tensor[B, S, E]`` gives ``Tensor[B, S, V]``."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Dropout, Embedding, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
E = TypeVar("E", bound=int)  # n_embd
H = TypeVar("H", bound=int)  # n_head
V = TypeVar("V", bound=int)  # vocab_size
C = TypeVar("C", bound=int)  # block_size (context length)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class CausalSelfAttention(Module, Generic[E, H]):
    def __init__(self, n_embd: E, n_head: H) -> None:
        super().__init__()
        # key, query, value projections for all heads, in a batch
        self.c_attn = Linear(n_embd, 3 * n_embd, rng=rng)
        self.c_proj: Linear[E, E] = Linear(n_embd, n_embd, rng=rng)
        self.attn_dropout = Dropout(0.0)
        self.n_head = n_head
        self.n_embd = n_embd

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        b, s, e = x.shape  # batch size, sequence length, embedding dimensionality
        qkv = self.c_attn(x)
        q, k, v = qkv.split(self.n_embd, axis=2)
        hs = e // self.n_head
        q = q.reshape(b, s, self.n_head, hs).transpose(1, 2)  # (B, nh, S, hs)
        k = k.reshape(b, s, self.n_head, hs).transpose(1, 2)
        v = v.reshape(b, s, self.n_head, hs).transpose(1, 2)
        y = dx.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(b, s, e)  # re-assemble all head outputs side by side
        return self.c_proj(y)


class MLP(Module, Generic[E]):
    def __init__(self, n_embd: E) -> None:
        super().__init__()
        self.c_fc = Linear(n_embd, 4 * n_embd, rng=rng)
        self.c_proj = Linear(4 * n_embd, n_embd, rng=rng)
        self.dropout = Dropout(0.0)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        h = self.c_fc(x).gelu()
        out = self.c_proj(h)
        return self.dropout(out)


class Block(Module, Generic[E, H]):
    def __init__(self, n_embd: E, n_head: H) -> None:
        super().__init__()
        self.ln_1: LayerNorm[E] = LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2: LayerNorm[E] = LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(Module, Generic[V, C, E, H]):
    def __init__(self, vocab_size: V, block_size: C, n_embd: E, n_head: H, n_layer: int) -> None:
        super().__init__()
        self.block_size = block_size
        self.wte: Embedding[V, E] = Embedding(vocab_size, n_embd, rng=rng)
        self.wpe: Embedding[C, E] = Embedding(block_size, n_embd, rng=rng)
        self.h = ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f: LayerNorm[E] = LayerNorm(n_embd)
        self.lm_head: Linear[E, V] = Linear(n_embd, vocab_size, bias=False, rng=rng)

    def forward(self, idx: Tensor[B, S, NoneTape]) -> Tensor[B, S, V, NoneTape]:
        _, s = idx.shape
        assert s <= self.block_size, f"cannot forward a sequence of length {s}"
        pos = dx.arange(0, s, dtype=dx.int64)  # shape (s,)
        tok_emb = self.wte(idx)  # token embeddings of shape (b, s, n_embd)
        pos_emb = self.wpe(pos)  # position embeddings of shape (s, n_embd)
        x = tok_emb + pos_emb
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        return logits


model: GPT[L[11], L[8], L[16], L[4]] = GPT(11, 8, 16, 4, n_layer=2)
assert_type(model, GPT[L[11], L[8], L[16], L[4]])
idx: Tensor[L[2], L[5], NoneTape] = dx.tensor(np.arange(10).reshape(2, 5) % 11)
logits = model(idx)
assert_type(logits, Tensor[L[2], L[5], L[11], NoneTape])
assert logits.shape == (2, 5, 11)

assert_type(Block(16, 4), Block[L[16], L[4]])
block: Block[L[16], L[4]] = Block(16, 4)  # pyright infers Block[int, int] unannotated
x: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
y = block(x.trace())
assert_type(y, Tensor[L[2], L[5], L[16], OwnedTape])
grads = y.square().mean().backward()
assert grads[block.attn.c_proj.weight].shape == (16, 16)
