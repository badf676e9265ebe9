"""port_gpt2_cache.py with three shape bugs, each after a ``# bug:`` comment."""

# rules: nn

import math
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, Dropout, Embedding, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # the new tokens of this step
E = TypeVar("E", bound=int)  # n_embd
NH = TypeVar("NH", bound=int)  # n_head
V = TypeVar("V", bound=int)  # vocab_size
CTX = TypeVar("CTX", bound=int)  # block_size
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)

# one layer's cached keys and values: (B, nh, past length, hs)
KV = tuple[Tensor[B, NH, Dyn, Dyn, T], Tensor[B, NH, Dyn, Dyn, T]]


class CausalSelfAttention(Module, Generic[E, NH, CTX]):
    bias: Tensor[L[1], L[1], CTX, CTX, NoneTape]

    def __init__(self, n_embd: E, n_head: NH, block_size: CTX) -> None:
        super().__init__()
        # key, query, value projections for all heads, in a batch
        self.c_attn = Linear(n_embd, 3 * n_embd, rng=rng)
        self.c_proj = Linear(n_embd, n_embd, rng=rng)
        self.attn_dropout = Dropout(0.0)
        self.resid_dropout = Dropout(0.0)
        self.n_head = n_head
        self.n_embd = n_embd
        # True above the diagonal: the future positions a query may not see
        mask = np.triu(np.ones((block_size, block_size), dtype=bool), k=1)
        self.register_buffer("bias", dx.tensor(mask).view(1, 1, block_size, block_size))

    def forward(
        self, x: Tensor[B, S, E, T], layer_past: KV[B, NH, T] | None = None
    ) -> tuple[Tensor[B, S, E, T], KV[B, NH, T]]:
        b, s, c = x.shape  # batch size, sequence length, embedding dimensionality (n_embd)
        # bug: the fused projection split along time instead of the features
        q, k, v = self.c_attn(x).split(self.n_embd, axis=1)  # E: mypy[dfdx-shape "split: axis 1 "
        #     "of Tensor[B, S, 3*E] (S) cut into pieces of E: their number depends on S and E, no"
        #     "t 3 for every size (axis 2, 3*E, gives 3)"]
        k = k.view(b, s, self.n_head, c // self.n_head).transpose(1, 2)  # (B, nh, S, hs)
        q = q.view(b, s, self.n_head, c // self.n_head).transpose(1, 2)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 69: matmul: inner sizes differ: Tensor[B"
        #     ", NH, S, E//NH] @ Tensor[B, NH, Dyn, S] (E//NH != E//NH + Dyn: concatenated at line "
        #     "62)"]
        v = v.view(b, s, self.n_head, c // self.n_head).transpose(1, 2)  # (B, nh, S, hs)
        if layer_past is not None:
            past_key, past_value = layer_past
            # bug: the cached keys concatenated on the head size, not on time
            k = dx.cat([past_key, k], axis=-1)  # E: mypy[dfdx-shape "concatenated here on axis 3; "
            #     "used at line 69: matmul: inner sizes differ: Tensor[B, NH, S, E//NH] @ Tensor[B,"
            #     " NH, Dyn, S] (E//NH != E//NH + Dyn: concatenated at line 62)"]
            v = dx.cat([past_value, v], axis=-2)
        present = (k, v)
        key_length = k.shape[2]
        # (B, nh, S, hs) x (B, nh, hs, P + S) -> (B, nh, S, P + S)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))  # E: mypy[dfdx-shape "m"
        #     "atmul: inner sizes differ: Tensor[B, NH, S, E//NH] @ Tensor[B, NH, Dyn, S] (E//NH !="
        #     " E//NH + Dyn: concatenated at line 62)"]
        causal_mask = self.bias[:, :, key_length - s : key_length, :key_length]
        att = att.masked_fill(causal_mask, float("-inf"))
        att = att.softmax(axis=-1)
        att = self.attn_dropout(att)
        y = att @ v  # (B, nh, S, P + S) x (B, nh, P + S, hs) -> (B, nh, S, hs)
        # re-assemble all head outputs side by side (the annotation is for pyright)
        out: Tensor[B, S, E, T] = y.transpose(1, 2).reshape(b, s, c)
        out = self.resid_dropout(self.c_proj(out))
        return out, present


class MLP(Module, Generic[E]):
    def __init__(self, n_embd: E) -> None:
        super().__init__()
        self.c_fc = Linear(n_embd, 4 * n_embd, rng=rng)
        self.gelu = GELU(approximate="tanh")
        self.c_proj = Linear(4 * n_embd, n_embd, rng=rng)
        self.dropout = Dropout(0.0)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        h = self.c_fc(x)
        h = self.gelu(h)
        h = self.c_proj(h)
        h = self.dropout(h)
        return h


class Block(Module, Generic[E, NH, CTX]):
    def __init__(self, n_embd: E, n_head: NH, block_size: CTX) -> None:
        super().__init__()
        self.ln_1 = LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(
        self, x: Tensor[B, S, E, T], layer_past: KV[B, NH, T] | None = None
    ) -> tuple[Tensor[B, S, E, T], KV[B, NH, T]]:
        a, present = self.attn(self.ln_1(x), layer_past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, present


class GPT(Module, Generic[V, CTX, E, NH]):
    def __init__(self, vocab_size: V, block_size: CTX, n_layer: int, n_head: NH, n_embd: E):
        super().__init__()
        self.block_size = block_size
        self.wte = Embedding(vocab_size, n_embd, rng=rng)
        self.wpe = Embedding(block_size, n_embd, rng=rng)
        self.drop = Dropout(0.0)
        self.h = ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)])
        self.ln_f = LayerNorm(n_embd)

    def forward(
        self, idx: Tensor[B, S, T], past: list[KV[B, NH, T]] | None = None
    ) -> tuple[Tensor[B, S, V, T], list[KV[B, NH, T]]]:
        s = idx.shape[1]
        past_length = 0 if past is None else past[0][0].shape[2]
        assert past_length + s <= self.block_size, "cannot attend past the block size"
        tok_emb = self.wte(idx)  # token embeddings of shape (B, S, n_embd)
        pos_emb = self.wpe.weight[past_length : past_length + s]  # (S, n_embd)
        x = self.drop(tok_emb + pos_emb)
        presents = []
        for i, block in enumerate(self.h):
            x, present = block(x, None if past is None else past[i])
            presents.append(present)
        x = self.ln_f(x)  # E: mypy[dfdx-shape "x is assigned here; used at line 143: matmul: inner"
        #     " sizes differ: Tensor[B, S, E] @ Tensor[V, E] (E != V)"]
        # the read-out shares the token embedding's weight (weight tying)
        # bug: the tied read-out without the transpose of the (vocab, n_embd) table
        logits = x @ self.wte.weight  # (B, S, vocab_size)  # E: mypy[dfdx-shape "matmul: inner siz"
        #     "es differ: Tensor[B, S, E] @ Tensor[V, E] (E != V)"]
        return logits, presents


def generate(
    model: GPT[V, CTX, E, NH], idx: Tensor[B, S, NoneTape], max_new_tokens: int
) -> Tensor[B, Dyn, NoneTape]:
    """Greedy decoding: the prompt once, then one token at a time against the cache."""
    logits, past = model(idx)
    new_tokens = []
    for _ in range(max_new_tokens):
        next_token = logits[:, -1, :].argmax(axis=-1)[:, None]  # (B, 1)
        new_tokens.append(next_token)
        logits, past = model(next_token, past)
    return dx.cat([idx, *new_tokens], axis=1)


model: GPT[L[11], L[16], L[8], L[2]] = GPT(11, 16, 2, 2, 8)
assert_type(GPT(11, 16, 2, 2, 8), GPT[L[11], L[16], L[8], L[2]])
prompt = dx.tensor(rng.integers(0, 11, (2, 5))).ensure_shape(2, 5)
assert_type(prompt, Tensor[L[2], L[5], NoneTape])
out = generate(model, prompt, 4)
assert out.shape == (2, 9)

logits, cache = model(prompt.trace())
assert_type(logits, Tensor[L[2], L[5], L[11], OwnedTape])
assert logits.shape == (2, 5, 11) and cache[0][0].shape == (2, 2, 5, 4)
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.wte.weight].shape == (11, 8)

# the cached step gives the same logits as the whole sequence at once
full, _ = model(out[:, :6])
step, _ = model(out[:, 5:6], model(out[:, :5])[1])
np.testing.assert_allclose(step.numpy()[:, 0], full.numpy()[:, 5], rtol=1e-5, atol=1e-5)
