"""Three shape bugs injected into the Whisper encoder port (plugin_pass/port_whisper.py): the
keys split into heads without the transpose the scores need; the second convolution without its
stride of 2, so the frames do not match the positional table; the permute to sequence-first
(frames, batch, width) instead of batch-first. Each is reported where the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GELU, Conv1d, LayerNorm, Linear, Module, ModuleList, Sequential

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)  # mel frames
M = TypeVar("M", bound=int)  # n_mels
CTX = TypeVar("CTX", bound=int)  # n_audio_ctx
E = TypeVar("E", bound=int)  # n_state
NH = TypeVar("NH", bound=int)  # n_head
S = TypeVar("S", bound=int)  # sequence length
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def sinusoids(
    length: int, channels: int, max_timescale: float = 10000
) -> Tensor[int, int, NoneTape]:
    """Returns sinusoids for positional embedding"""
    assert channels % 2 == 0
    log_timescale_increment = np.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = np.exp(-log_timescale_increment * np.arange(channels // 2))
    scaled_time = np.arange(length)[:, np.newaxis] * inv_timescales[np.newaxis, :]
    table = np.concatenate([np.sin(scaled_time), np.cos(scaled_time)], axis=1)
    return dx.tensor(table.astype(np.float32))


class MultiHeadAttention(Module, Generic[E, NH]):
    def __init__(self, n_state: E, n_head: NH) -> None:
        super().__init__()
        self.n_head = n_head
        self.query = Linear(n_state, n_state, rng=rng)
        self.key = Linear(n_state, n_state, bias=False, rng=rng)
        self.value = Linear(n_state, n_state, rng=rng)
        self.out = Linear(n_state, n_state, rng=rng)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        q = self.query(x)
        k = self.key(x)
        v = self.value(x)
        wv = self.qkv_attention(q, k, v)
        return self.out(wv)

    def qkv_attention(
        self, q: Tensor[B, S, E, T], k: Tensor[B, S, E, T], v: Tensor[B, S, E, T]
    ) -> Tensor[B, S, E, T]:
        n_batch, n_ctx, n_state = q.shape
        scale = (n_state // self.n_head) ** -0.25
        qh = q.reshape(n_batch, n_ctx, self.n_head, -1).permute(0, 2, 1, 3) * scale  # E: mypy[
        #     dfdx-shape "qh is assigned here; used at line 70: matmul: inner sizes differ: Tensor"
        #     "[B, NH, S, E//NH] @ Tensor[B, NH, S, E//NH] (E//NH != S)"]
        # bug: the keys split into heads without the transpose the scores need
        kh = k.reshape(n_batch, n_ctx, self.n_head, -1).permute(0, 2, 1, 3) * scale  # E: mypy[
        #     dfdx-shape "kh is assigned here; used at line 70: matmul: inner sizes differ: Tensor"
        #     "[B, NH, S, E//NH] @ Tensor[B, NH, S, E//NH] (E//NH != S)"]
        vh = v.reshape(n_batch, n_ctx, self.n_head, -1).permute(0, 2, 1, 3)
        qk = qh @ kh  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[B, NH, S, E//NH] @ T"
        #     "ensor[B, NH, S, E//NH] (E//NH != S)"]
        w = qk.softmax(axis=-1)
        return (w @ vh).permute(0, 2, 1, 3).flatten(2)


class ResidualAttentionBlock(Module, Generic[E, NH]):
    def __init__(self, n_state: E, n_head: NH) -> None:
        super().__init__()
        self.attn = MultiHeadAttention(n_state, n_head)
        self.attn_ln = LayerNorm(n_state)
        n_mlp = n_state * 4
        self.mlp = Sequential(
            Linear(n_state, n_mlp, rng=rng), GELU(), Linear(n_mlp, n_state, rng=rng)
        )
        self.mlp_ln = LayerNorm(n_state)

    def forward(self, x: Tensor[B, S, E, T]) -> Tensor[B, S, E, T]:
        x = x + self.attn(self.attn_ln(x))
        x = x + self.mlp(self.mlp_ln(x))
        return x


class AudioEncoder(Module, Generic[M, CTX, E, NH]):
    positional_embedding: Tensor[CTX, E, NoneTape]

    def __init__(self, n_mels: M, n_ctx: CTX, n_state: E, n_head: NH, n_layer: int) -> None:
        super().__init__()
        self.conv1 = Conv1d(n_mels, n_state, kernel_size=3, padding=1, rng=rng)
        # bug: the second convolution without its stride of 2
        self.conv2 = Conv1d(n_state, n_state, kernel_size=3, padding=1, rng=rng)
        self.register_buffer("positional_embedding", sinusoids(n_ctx, n_state))
        self.blocks = ModuleList([ResidualAttentionBlock(n_state, n_head) for _ in range(n_layer)])
        self.ln_post = LayerNorm(n_state)

    def forward(self, x: Tensor[B, M, F, T]) -> Tensor[B, CTX, E, T]:
        """x : shape = (batch_size, n_mels, n_ctx)"""
        h = dx.gelu(self.conv1(x))
        h = dx.gelu(self.conv2(h))
        # bug: the permute to sequence-first instead of batch-first
        h = h.permute(2, 0, 1)  # E: mypy[dfdx-shape "h is assigned here; used at line 113: add: sh"
        #     "apes do not broadcast: Tensor[F, B, E] and Tensor[CTX, E] (axis -2: B != CTX)"]
        assert h.shape[1:] == self.positional_embedding.shape, "incorrect audio shape"
        h = h + self.positional_embedding  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tens"
        #     "or[F, B, E] and Tensor[CTX, E] (axis -2: B != CTX)"]
        for block in self.blocks:
            h = block(h)
        h = self.ln_post(h)
        return h  # E: mypy[return-value]


encoder: AudioEncoder[L[8], L[6], L[16], L[2]] = AudioEncoder(8, 6, 16, 2, n_layer=2)
assert_type(AudioEncoder(8, 6, 16, 2, n_layer=2), AudioEncoder[L[8], L[6], L[16], L[2]])
mel: Tensor[L[2], L[8], L[12], NoneTape] = dx.tensor(
    np.log10(np.maximum(rng.random((2, 8, 12)), 1e-10)).astype(np.float32)
)
audio_features = encoder(mel.trace())
assert_type(audio_features, Tensor[L[2], L[6], L[16], OwnedTape])
assert audio_features.shape == (2, 6, 16)
grads = audio_features.square().mean().backward()
assert grads[encoder.conv2.weight].shape == (16, 16, 3)

block: ResidualAttentionBlock[L[16], L[2]] = ResidualAttentionBlock(16, 2)
tokens: Tensor[L[2], L[5], L[16], NoneTape] = dx.randn(2, 5, 16, rng=rng)
out = block(tokens)
assert_type(out, Tensor[L[2], L[5], L[16], NoneTape])
assert out.shape == (2, 5, 16)
