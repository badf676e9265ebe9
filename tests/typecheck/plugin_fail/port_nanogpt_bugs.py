"""Three shape bugs injected into the nanogpt port (plugin_pass/port_nanogpt.py): head of wrong
width; final norm of wrong size; projection back of wrong width. Each is reported where the
plugin finds it."""

# rules: nn

from typing import Generic, TypeVar

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
        # bug: projection back of wrong width
        self.c_proj = Linear(n_embd, n_head, rng=rng)  # E: mypy[dfdx-shape "self.c_proj is built h"
        #     "ere; called at line 49: Linear[E, H]: gives Tensor[B, S, H], the return type is Tens"
        #     "or[B, S, E] (H != E)"]
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
        return self.c_proj(y)  # E: mypy[dfdx-shape "Linear[E, H]: gives Tensor[B, S, H], the retu"
        #     "rn type is Tensor[B, S, E] (H != E)"]


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
        # bug: final norm of wrong size
        self.ln_f = LayerNorm(vocab_size)  # E: mypy[dfdx-shape "self.ln_f is built here; called at"
        #     " line 104: LayerNorm[V]: takes V features, got Tensor[B, S, E] (E != V)"]
        # bug: head of wrong width
        self.lm_head = Linear(vocab_size, n_embd, bias=False, rng=rng)  # E: mypy[dfdx-shape
        #     "self.lm_head is built here; called at line 109: Linear[V, E]: takes V features, got "
        #     "Tensor[B, S, E] (E != V)"]

    def forward(self, idx: Tensor[B, S, NoneTape]) -> Tensor[B, S, V, NoneTape]:
        _, s = idx.shape
        assert s <= self.block_size, f"cannot forward a sequence of length {s}"
        pos = dx.arange(0, s, dtype=dx.int64)  # shape (s,)
        tok_emb = self.wte(idx)  # token embeddings of shape (b, s, n_embd)
        pos_emb = self.wpe(pos)  # position embeddings of shape (s, n_embd)
        x = tok_emb + pos_emb
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)  # E: mypy[dfdx-shape "LayerNorm[V]: takes V features, got Tensor[B, S, "
        #     "E] (E != V)", dfdx-shape "x is assigned here; used at line 109: Linear[V, E]: tak"
        #     "es V features, got Tensor[B, S, E] (E != V)"]
        # with allow_redefinition_new, x is now a union with the unknown-rank result of the
        # call above: the plugin checks the call for each member, as mypy checks a union
        logits = self.lm_head(x)  # E: mypy[dfdx-shape "Linear[V, E]: takes V features, got "
        #     "Tensor[B, S, E] (E != V)"]
        return logits
