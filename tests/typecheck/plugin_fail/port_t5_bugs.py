"""A T5 encoder block and decoder layer (Raffel et al. 2020; the modules of Hugging Face's
``modeling_t5.py``: T5LayerNorm, T5DenseGatedActDense, T5LayerFF, T5Attention, the self- and
cross-attention layers) ported line by line: a scale-only RMS norm before each sub-layer,
attention without biases or scaling whose heads get a learned bias from bucketed relative
positions (an embedding permuted to the heads), a gated-GELU feed-forward, residual
connections, and a decoder layer whose cross-attention reads an encoder output of another
length. Built with literal sizes and run on tiny sequences."""

# rules: nn

import math
from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, Dropout, Embedding, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # tokens
SQ = TypeVar("SQ", bound=int)  # query length
SK = TypeVar("SK", bound=int)  # key length
D = TypeVar("D", bound=int)  # d_model
NH = TypeVar("NH", bound=int)  # num_heads
DK = TypeVar("DK", bound=int)  # d_kv
FF = TypeVar("FF", bound=int)  # d_ff
V = TypeVar("V", bound=int)  # vocab_size
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class T5LayerNorm(Module, Generic[D]):
    """T5's layer norm: scale only, no mean subtraction and no bias (an RMS norm)."""

    def __init__(self, hidden_size: D, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = dx.ones(hidden_size)
        self.variance_epsilon = eps

    def forward(self, hidden_states: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        variance = hidden_states.pow(2).mean(axis=-1, keepdims=True)
        hidden_states = hidden_states * dx.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


class T5DenseGatedActDense(Module, Generic[D, FF]):
    def __init__(self, d_model: D, d_ff: FF, dropout_rate: float = 0.1) -> None:
        super().__init__()
        self.wi_0 = Linear(d_model, d_ff, bias=False, rng=rng)
        self.wi_1 = Linear(d_model, d_ff, bias=False, rng=rng)
        self.wo = Linear(d_ff, d_model, bias=False, rng=rng)
        self.dropout = Dropout(dropout_rate)
        self.act = GELU(approximate="tanh")  # gelu_new

    def forward(self, hidden_states: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        hidden_gelu = self.act(self.wi_0(hidden_states))
        hidden_linear = self.wi_1(hidden_states)
        hidden_states = hidden_gelu * hidden_linear
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.wo(hidden_states)
        return hidden_states


class T5LayerFF(Module, Generic[D, FF]):
    def __init__(self, d_model: D, d_ff: FF, dropout_rate: float = 0.1) -> None:
        super().__init__()
        self.DenseReluDense = T5DenseGatedActDense(d_model, d_ff, dropout_rate)
        self.layer_norm = T5LayerNorm(d_model)
        self.dropout = Dropout(dropout_rate)

    def forward(self, hidden_states: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        forwarded_states = self.layer_norm(hidden_states)
        forwarded_states = self.DenseReluDense(forwarded_states)
        hidden_states = hidden_states + self.dropout(forwarded_states)
        return hidden_states


class T5Attention(Module, Generic[D, NH, DK]):
    """Multi-head attention without biases or score scaling; the queries come from
    ``hidden_states``, the keys and values from ``key_value_states``."""

    def __init__(
        self,
        d_model: D,
        n_heads: NH,
        d_kv: DK,
        is_decoder: bool,
        has_relative_attention_bias: bool,
        dropout_rate: float = 0.1,
    ) -> None:
        super().__init__()
        self.is_decoder = is_decoder
        self.has_relative_attention_bias = has_relative_attention_bias
        self.relative_attention_num_buckets = 8
        self.relative_attention_max_distance = 16
        self.d_model = d_model
        self.key_value_proj_dim = d_kv
        self.n_heads = n_heads
        self.inner_dim = n_heads * d_kv

        self.q = Linear(d_model, n_heads * d_kv, bias=False, rng=rng)
        self.k = Linear(d_model, n_heads * d_kv, bias=False, rng=rng)
        self.v = Linear(d_model, n_heads * d_kv, bias=False, rng=rng)
        self.o = Linear(n_heads * d_kv, d_model, bias=False, rng=rng)
        self.relative_attention_bias = Embedding(
            self.relative_attention_num_buckets,
            n_heads,  # E: mypy[
            #     dfdx-shape "self.relative_attention_bias is built here; its output reach"
            #     "es line 167: unsqueeze: gives Tensor[1, SQ, NH, SK], the ret"
            #     "urn type is Tensor[1, NH, SQ, SK] (SQ != NH)"]
        )
        self.dropout = Dropout(dropout_rate)

    @staticmethod
    def _relative_position_bucket(
        relative_position: Tensor[SQ, SK, NoneTape],
        bidirectional: bool = True,
        num_buckets: int = 32,
        max_distance: int = 128,
    ) -> Tensor[SQ, SK, NoneTape]:
        """Relative positions (float) to bucket numbers (int64): exact for small distances,
        logarithmic up to ``max_distance``, one bucket beyond."""
        relative_buckets = relative_position * 0
        if bidirectional:
            num_buckets //= 2
            relative_buckets = (
                relative_buckets + (relative_position > 0).to(dx.float32) * num_buckets
            )
            relative_position = relative_position.abs()
        else:
            relative_position = -dx.minimum(relative_position, relative_position * 0)
        # now relative_position is in the range [0, inf)

        # half of the buckets are for exact increments in positions
        max_exact = num_buckets // 2
        is_small = relative_position < max_exact

        # the other half are for logarithmically bigger bins up to max_distance
        relative_position_if_large = max_exact + (
            (relative_position.clamp(min=1) / max_exact).log()
            / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)
        ).to(dx.int64).to(dx.float32)
        relative_position_if_large = relative_position_if_large.clamp(max=num_buckets - 1)

        relative_buckets = relative_buckets + dx.where(
            is_small, relative_position, relative_position_if_large
        )
        return relative_buckets.to(dx.int64)

    def compute_bias(self, query_length: SQ, key_length: SK) -> Tensor[L[1], NH, SQ, SK, NoneTape]:
        """Binned relative position bias, one per head: (1, n_heads, query_length, key_length)."""
        context_position = dx.arange(query_length, dtype=dx.float32)[:, None]
        memory_position = dx.arange(key_length, dtype=dx.float32)[None, :]
        relative_position = memory_position - context_position  # (query_length, key_length)
        relative_position_bucket = self._relative_position_bucket(
            relative_position,
            bidirectional=(not self.is_decoder),
            num_buckets=self.relative_attention_num_buckets,
            max_distance=self.relative_attention_max_distance,
        )
        values = self.relative_attention_bias(relative_position_bucket)  # (q, k, n_heads)
        # bug: the bias permuted to (q, n_heads, k), not (n_heads, q, k)
        values = values.permute(0, 2, 1).unsqueeze(0)  # (1, n_heads, q, k)  # E: mypy[
        #     dfdx-shape "unsqueeze: gives Tensor[1, SQ, NH, SK], the return type is T"
        #     "ensor[1, NH, SQ, SK] (SQ != NH)"]
        return values

    def forward(
        self,
        hidden_states: Tensor[B, SQ, D, T],
        key_value_states: Tensor[B, SK, D, T],
        causal: bool = False,
    ) -> Tensor[B, SQ, D, T]:
        batch_size, seq_length = hidden_states.shape[:2]
        key_length = key_value_states.shape[1]

        # (batch_size, n_heads, seq_length, dim_per_head)
        query_states = (
            self.q(hidden_states)
            .view(batch_size, -1, self.n_heads, self.key_value_proj_dim)  # E: mypy[
            #     dfdx-shape "query_states is assigned here; used at line 206: matmul: inn"
            #     "er sizes differ: Tensor[B, NH, SQ, DK] @ Tensor[B, DK, NH, S"
            #     "K] (DK != NH)"]
            .transpose(1, 2)
        )
        key_states = (
            self.k(key_value_states)
            # bug: the keys split into heads with the head count and head size swapped
            .view(batch_size, -1, self.key_value_proj_dim, self.n_heads)  # E: mypy[
            #     dfdx-shape "key_states is assigned here; used at line 206: matmul: inner"
            #     " sizes differ: Tensor[B, NH, SQ, DK] @ Tensor[B, DK, NH, SK]"
            #     " (DK != NH)"]
            .transpose(1, 2)
        )
        value_states = (
            self.v(key_value_states)
            .view(batch_size, -1, self.n_heads, self.key_value_proj_dim)
            .transpose(1, 2)
        )

        # compute scores, equivalent of torch.einsum("bnqd,bnkd->bnqk"); no scaling in T5
        scores = query_states @ key_states.transpose(3, 2)  # E: mypy[
        #     dfdx-shape "matmul: inner sizes differ: Tensor[B, NH, SQ, DK] @ Tensor[B, DK, NH, S"
        #     "K] (DK != NH)"]

        if self.has_relative_attention_bias:
            position_bias = self.compute_bias(seq_length, key_length)
        else:
            position_bias = dx.zeros(1, self.n_heads, seq_length, key_length)
        if causal:
            position_bias = position_bias + dx.ones(seq_length, key_length).triu(1) * -1e9
        scores = scores + position_bias

        attn_weights = scores.softmax(axis=-1)
        attn_weights = self.dropout(attn_weights)

        attn_output = attn_weights @ value_states
        attn_output = attn_output.transpose(1, 2).reshape(batch_size, -1, self.inner_dim)
        attn_output = self.o(attn_output)
        return attn_output


class T5EncoderBlock(Module, Generic[D, NH, DK, FF]):
    """Pre-norm self-attention with the relative position bias, then the feed-forward."""

    def __init__(self, d_model: D, n_heads: NH, d_kv: DK, d_ff: FF) -> None:
        super().__init__()
        self.layer_norm = T5LayerNorm(d_model)
        self.SelfAttention = T5Attention(
            d_model, n_heads, d_kv, is_decoder=False, has_relative_attention_bias=True
        )
        self.dropout = Dropout(0.1)
        self.layer_ff = T5LayerFF(d_model, d_ff)

    def forward(self, hidden_states: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        normed_hidden_states = self.layer_norm(hidden_states)
        attention_output = self.SelfAttention(normed_hidden_states, normed_hidden_states)
        hidden_states = hidden_states + self.dropout(attention_output)
        hidden_states = self.layer_ff(hidden_states)
        return hidden_states


class T5DecoderBlock(Module, Generic[D, NH, DK, FF]):
    """Causal pre-norm self-attention, cross-attention to the encoder's output (no position
    bias), then the feed-forward."""

    def __init__(self, d_model: D, n_heads: NH, d_kv: DK, d_ff: FF) -> None:
        super().__init__()
        self.layer_norm_sa = T5LayerNorm(d_model)
        self.SelfAttention = T5Attention(
            d_model, n_heads, d_kv, is_decoder=True, has_relative_attention_bias=True
        )
        self.layer_norm_ca = T5LayerNorm(d_model)
        self.EncDecAttention = T5Attention(
            d_model, n_heads, d_kv, is_decoder=True, has_relative_attention_bias=False
        )
        self.dropout = Dropout(0.1)
        self.layer_ff = T5LayerFF(d_model, d_ff)

    def forward(
        self, hidden_states: Tensor[B, SQ, D, T], encoder_hidden_states: Tensor[B, SK, D, T]
    ) -> Tensor[B, SQ, D, T]:
        normed_hidden_states = self.layer_norm_sa(hidden_states)
        attention_output = self.SelfAttention(
            normed_hidden_states, normed_hidden_states, causal=True
        )
        hidden_states = hidden_states + self.dropout(attention_output)  # E: mypy[
        #     dfdx-shape "hidden_states is assigned here; used at line 283: add: shapes do not br"
        #     "oadcast: Tensor[B, SQ, D] and Tensor[B, SK, D] (axis -2: SQ != SK)"]

        normed_hidden_states = self.layer_norm_ca(hidden_states)
        # bug: the cross-attention's queries and keys swapped: queries from the encoder
        attention_output = self.EncDecAttention(  # E: mypy[
            #     dfdx-shape "attention_output is assigned here; used at line 283: add: shapes do n"
            #     "ot broadcast: Tensor[B, SQ, D] and Tensor[B, SK, D] (axis -2: SQ != SK)"]
            encoder_hidden_states,
            normed_hidden_states,
        )
        hidden_states = hidden_states + self.dropout(attention_output)  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, SQ, D] and Tensor[B,"
        #     " SK, D] (axis -2: SQ != SK)"]

        hidden_states = self.layer_ff(hidden_states)
        return hidden_states


class T5Small(Module, Generic[V]):
    """Shared token embedding, two encoder blocks, one decoder block, the LM head."""

    def __init__(self, vocab_size: V) -> None:
        super().__init__()
        self.shared = Embedding(vocab_size, 8)
        self.encoder = ModuleList([T5EncoderBlock(8, 2, 3, 12) for _ in range(2)])
        self.encoder_norm = T5LayerNorm(8)
        self.decoder = T5DecoderBlock(8, 2, 3, 12)
        self.decoder_norm = T5LayerNorm(8)
        self.lm_head = Linear(8, vocab_size, bias=False, rng=rng)

    def forward(
        self, input_ids: Tensor[B, SK, NoneTape], decoder_input_ids: Tensor[B, SQ, NoneTape]
    ) -> Tensor[B, SQ, V, OwnedTape]:
        encoder_hidden_states = self.shared(input_ids.trace())
        for block in self.encoder:
            encoder_hidden_states = block(encoder_hidden_states)
        encoder_hidden_states = self.encoder_norm(encoder_hidden_states)

        hidden_states = self.shared(decoder_input_ids.trace())
        hidden_states = self.decoder(hidden_states, encoder_hidden_states)
        hidden_states = self.decoder_norm(hidden_states)
        return self.lm_head(hidden_states)


attention: T5Attention[L[8], L[2], L[3]] = T5Attention(
    8, 2, 3, is_decoder=False, has_relative_attention_bias=True
)
states: Tensor[L[2], L[5], L[8], NoneTape] = dx.randn(2, 5, 8, rng=rng)
assert attention.compute_bias(5, 5).shape == (1, 2, 5, 5)
out = attention(states, states)
assert_type(out, Tensor[L[2], L[5], L[8], NoneTape])

model: T5Small[L[20]] = T5Small(20)
input_ids: Tensor[L[2], L[5], NoneTape] = dx.tensor(rng.integers(0, 20, (2, 5)))
decoder_input_ids: Tensor[L[2], L[4], NoneTape] = dx.tensor(rng.integers(0, 20, (2, 4)))
logits = model(input_ids, decoder_input_ids)
assert_type(logits, Tensor[L[2], L[4], L[20], OwnedTape])
grads = logits.logsumexp(axis=-1).mean().backward()
assert grads[model.decoder.EncDecAttention.k.weight].shape == (6, 8)
# (the bucket ids are not traced, so the relative bias table gets no gradient here: dfdx keeps
# a lookup by plain ids untraced, and training the table takes traced ids)
