"""port_seq2seq.py with three shape bugs, each after a ``# bug:`` comment."""

# rules: nn

import math
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Dropout, Embedding, LayerNorm, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
SQ = TypeVar("SQ", bound=int)  # query length
SK = TypeVar("SK", bound=int)  # key length
SS = TypeVar("SS", bound=int)  # source length
ST = TypeVar("ST", bound=int)  # target length
D = TypeVar("D", bound=int)  # d_model
NH = TypeVar("NH", bound=int)  # heads
FF = TypeVar("FF", bound=int)  # d_ff
VS = TypeVar("VS", bound=int)  # source vocabulary
VT = TypeVar("VT", bound=int)  # target vocabulary
CTX = TypeVar("CTX", bound=int)  # longest sequence
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class MultiHeadedAttention(Module, Generic[D, NH]):
    def __init__(self, h: NH, d_model: D, dropout: float = 0.0) -> None:
        super().__init__()
        self.d_k = d_model // h
        self.h = h
        self.linear_q = Linear(d_model, d_model, rng=rng)
        self.linear_k = Linear(d_model, d_model, rng=rng)
        self.linear_v = Linear(d_model, d_model, rng=rng)
        self.linear_out = Linear(d_model, d_model, rng=rng)
        self.dropout = Dropout(dropout)

    def forward(
        self,
        query: Tensor[B, SQ, D, T],
        key: Tensor[B, SK, D, T],
        value: Tensor[B, SK, D, T],
        mask: Tensor[SQ, SK, NoneTape] | None = None,
    ) -> Tensor[B, SQ, D, T]:
        nbatches, sq, _ = query.shape
        sk = key.shape[1]
        # 1) the projections, split into h heads: (B, h, S, d_k)
        q = self.linear_q(query).view(nbatches, sq, self.h, self.d_k).transpose(1, 2)
        k = self.linear_k(key).view(nbatches, sk, self.h, self.d_k).transpose(1, 2)
        v = self.linear_v(value).view(nbatches, sk, self.h, self.d_k).transpose(1, 2)
        # 2) scaled dot-product attention on all heads at once
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.d_k)  # (B, h, SQ, SK)
        if mask is not None:
            scores = scores.masked_fill(mask, -1e9)
        p_attn = self.dropout(scores.softmax(axis=-1))
        x = p_attn @ v  # (B, h, SQ, d_k)
        # 3) the heads side by side again, and the final linear
        x = x.transpose(1, 2).reshape(nbatches, sq, self.h * self.d_k)
        return self.linear_out(x)


class PositionwiseFeedForward(Module, Generic[D, FF]):
    def __init__(self, d_model: D, d_ff: FF, dropout: float = 0.0) -> None:
        super().__init__()
        self.w_1 = Linear(d_model, d_ff, rng=rng)
        self.w_2 = Linear(d_ff, d_model, rng=rng)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor[B, SQ, D, T]) -> Tensor[B, SQ, D, T]:
        return self.w_2(self.dropout(self.w_1(x).relu()))


class EncoderLayer(Module, Generic[D, NH, FF]):
    def __init__(self, d_model: D, h: NH, d_ff: FF) -> None:
        super().__init__()
        self.self_attn = MultiHeadedAttention(h, d_model)
        self.feed_forward = PositionwiseFeedForward(d_model, d_ff)
        self.norm1 = LayerNorm(d_model)
        self.norm2 = LayerNorm(d_model)

    def forward(self, x: Tensor[B, SS, D, T]) -> Tensor[B, SS, D, T]:
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h)
        x = x + self.feed_forward(self.norm2(x))
        return x


class DecoderLayer(Module, Generic[D, NH, FF]):
    def __init__(self, d_model: D, h: NH, d_ff: FF) -> None:
        super().__init__()
        self.self_attn = MultiHeadedAttention(h, d_model)
        self.src_attn = MultiHeadedAttention(h, d_model)
        self.feed_forward = PositionwiseFeedForward(d_model, d_ff)
        self.norm1 = LayerNorm(d_model)
        self.norm2 = LayerNorm(d_model)
        self.norm3 = LayerNorm(d_model)

    def forward(
        self,
        x: Tensor[B, ST, D, T],
        memory: Tensor[B, SS, D, T],
        tgt_mask: Tensor[ST, ST, NoneTape],
    ) -> Tensor[B, ST, D, T]:
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, tgt_mask)  # E: mypy[dfdx-shape "x is assigned here; used a"
        #     "t line 114: add: shapes do not broadcast: Tensor[B, ST, D] and Tensor[B, SS, D] (axi"
        #     "s -2: ST != SS)"]
        h = self.norm2(x)
        # bug: cross-attention with the queries taken from the memory
        x = x + self.src_attn(memory, h, h)  # queries from the target  # E: mypy[dfdx-shape
        #     "add: shapes do not broadcast: Tensor[B, ST, D] and Tensor[B, SS, D] (axis -2: ST != "
        #     "SS)"]
        x = x + self.feed_forward(self.norm3(x))
        return x


class EncoderDecoder(Module, Generic[VS, VT, D, NH, FF, CTX]):
    def __init__(
        self, src_vocab: VS, tgt_vocab: VT, n: int, d_model: D, d_ff: FF, h: NH, max_len: CTX
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.src_embed = Embedding(src_vocab, d_model, rng=rng)
        self.tgt_embed = Embedding(tgt_vocab, d_model, rng=rng)
        self.pos_embed = Embedding(max_len, d_model, rng=rng)
        self.encoder = ModuleList([EncoderLayer(d_model, h, d_ff) for _ in range(n)])
        self.encoder_norm = LayerNorm(d_model)
        self.decoder = ModuleList([DecoderLayer(d_model, h, d_ff) for _ in range(n)])
        self.decoder_norm = LayerNorm(d_model)
        # bug: the output projection to the source vocabulary
        self.generator = Linear(d_model, src_vocab, rng=rng)  # E: mypy[dfdx-shape "self.generator "
        #     "is built here; its output reaches line 161: log_softmax: gives Tensor[B, ST, VS], th"
        #     "e return type is Tensor[B, ST, VT] (VS != VT)"]

    def encode(self, src: Tensor[B, SS, T]) -> Tensor[B, SS, D, T]:
        s = src.shape[1]
        x = self.src_embed(src) * math.sqrt(self.d_model) + self.pos_embed.weight[:s]
        for layer in self.encoder:
            x = layer(x)
        return self.encoder_norm(x)

    def decode(self, memory: Tensor[B, SS, D, T], tgt: Tensor[B, ST, T]) -> Tensor[B, ST, D, T]:
        t = tgt.shape[1]
        # bug: the decoder's causal mask built for the source length
        tgt_mask = dx.triu(dx.ones(memory.shape[1], memory.shape[1]), 1) > 0  # E: mypy[dfdx-shape
        #     "tgt_mask is assigned here; used at line 154: DecoderLayer[D, NH, FF]: tgt_mask takes"
        #     " Tensor[ST, ST], got Tensor[SS, SS] (SS != ST)"]
        x = self.tgt_embed(tgt) * math.sqrt(self.d_model) + self.pos_embed.weight[:t]
        for layer in self.decoder:
            x = layer(x, memory, tgt_mask)  # E: mypy[dfdx-shape "DecoderLayer[D, NH, FF]: tgt_mask"
            #     " takes Tensor[ST, ST], got Tensor[SS, SS] (SS != ST)"]
        return self.decoder_norm(x)

    def forward(self, src: Tensor[B, SS, T], tgt: Tensor[B, ST, T]) -> Tensor[B, ST, VT, T]:
        memory = self.encode(src)
        out = self.decode(memory, tgt)
        return self.generator(out).log_softmax(axis=-1)  # E: mypy[dfdx-shape "log_softmax: gives T"
        #     "ensor[B, ST, VS], the return type is Tensor[B, ST, VT] (VS != VT)"]


model: EncoderDecoder[L[13], L[11], L[16], L[2], L[32], L[12]]
model = EncoderDecoder(13, 11, 2, 16, 32, 2, 12)
assert_type(
    EncoderDecoder(13, 11, 2, 16, 32, 2, 12),
    EncoderDecoder[L[13], L[11], L[16], L[2], L[32], L[12]],
)
src = dx.tensor(rng.integers(0, 13, (3, 7))).ensure_shape(3, 7)
tgt = dx.tensor(rng.integers(0, 11, (3, 5))).ensure_shape(3, 5)
log_probs = model(src.trace(), tgt.trace())
assert_type(log_probs, Tensor[L[3], L[5], L[11], OwnedTape])
assert log_probs.shape == (3, 5, 11)
grads = log_probs.mean().backward()
assert grads[model.generator.weight].shape == (11, 16)

# the decoder's mask: changing a later target token leaves the earlier positions alone
changed = dx.tensor(np.concatenate([tgt.numpy()[:, :4], (tgt.numpy()[:, 4:] + 1) % 11], axis=1))
again = model(src, changed.ensure_shape(3, 5))
np.testing.assert_allclose(again.numpy()[:, :4], model(src, tgt).numpy()[:, :4], rtol=1e-5)
