"""Three shape bugs injected into the conformer port (plugin_pass/port_conformer.py), written
without looking at the plugin: the keys' head split with its sizes swapped, the depthwise
convolution padded by k - 1, the GLU over the time axis; each after a `# bug:` comment, each
raising dx.ShapeError at run time."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm1d, Conv1d, Dropout, LayerNorm, Linear, Module, ModuleList, SiLU

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # frames
M = TypeVar("M", bound=int)  # mel bins
D = TypeVar("D", bound=int)  # d_model
H = TypeVar("H", bound=int)  # attention heads
F = TypeVar("F", bound=int)  # feed-forward hidden size
K = TypeVar("K", bound=int)  # depthwise kernel size
V = TypeVar("V", bound=int)  # output classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class FeedForwardModule(Module, Generic[D, F]):
    def __init__(self, d_model: D, d_ff: F, dropout: float = 0.1) -> None:
        super().__init__()
        self.layer_norm = LayerNorm(d_model)
        self.linear1: Linear[D, F] = Linear(d_model, d_ff)
        self.linear2: Linear[F, D] = Linear(d_ff, d_model)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        h = self.layer_norm(x)
        h = self.linear1(h).silu()
        h = self.dropout(h)
        h = self.linear2(h)
        return self.dropout(h)


class MultiHeadSelfAttention(Module, Generic[D, H]):
    def __init__(self, d_model: D, n_heads: H, dropout: float = 0.1) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.layer_norm = LayerNorm(d_model)
        self.qkv = Linear(d_model, 3 * d_model)
        self.out_proj: Linear[D, D] = Linear(d_model, d_model)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b, s, c = x.shape
        h = self.layer_norm(x)
        q, k, v = self.qkv(h).split(c, axis=2)
        q = q.view(b, s, self.n_heads, c // self.n_heads).transpose(1, 2)  # E: mypy[dfdx-shape "q "
        #     "is assigned here; used at line 67: scaled_dot_product_attention: query and key featu"
        #     "re sizes differ: query Tensor[B, H, S, D//H], key Tensor[B, D//H, S, H] (D//H != H)"]
        # bug: the keys' head split with its two sizes swapped (head size, then heads)
        k = k.view(b, s, c // self.n_heads, self.n_heads).transpose(1, 2)  # E: mypy[dfdx-shape "k "
        #     "is assigned here; used at line 67: scaled_dot_product_attention: query and key featu"
        #     "re sizes differ: query Tensor[B, H, S, D//H], key Tensor[B, D//H, S, H] (D//H != H)"]
        v = v.view(b, s, self.n_heads, c // self.n_heads).transpose(1, 2)
        y = dx.scaled_dot_product_attention(q, k, v)  # E: mypy[dfdx-shape "scaled_dot_product_atte"
        #     "ntion: query and key feature sizes differ: query Tensor[B, H, S, D//H], key Tensor[B"
        #     ", D//H, S, H] (D//H != H)"]
        y = y.transpose(1, 2).reshape(b, s, c)
        return self.dropout(self.out_proj(y))


class ConvolutionModule(Module, Generic[D, K]):
    def __init__(self, d_model: D, kernel_size: K, dropout: float = 0.1) -> None:
        super().__init__()
        self.layer_norm = LayerNorm(d_model)
        self.pointwise_conv1 = Conv1d(d_model, 2 * d_model, 1)
        # bug: the depthwise convolution padded by kernel_size - 1 (causal padding, not trimmed)
        padding = kernel_size - 1
        self.depthwise_conv = Conv1d(
            d_model,  # E: mypy[dfdx-shape "self.depthwise_conv is built here; called at line 107:"
            #     " Conv1d[D, D]: takes D channels on axis 1, got Tensor[B, 2*D, Dyn] (2*D != D)"]
            d_model,
            kernel_size,
            padding=padding,
            groups=d_model,
        )
        self.batch_norm = BatchNorm1d(d_model)  # E: mypy[dfdx-shape "self.batch_norm is built her"
        #     "e; called at line 112: BatchNorm1d[D]: takes D channels on axis 1, got Tensor[B, 2*"
        #     "D, Dyn] (2*D != D)"]
        self.activation = SiLU()
        self.pointwise_conv2 = Conv1d(d_model, d_model, 1)  # E: mypy[dfdx-shape "self.pointwise_c"
        #     "onv2 is built here; called at line 116: conv1d: input channels differ: input Tensor"
        #     "[B, 2*D, Dyn], weight Tensor[D, D, 1]"]
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        h = self.layer_norm(x).transpose(1, 2)  # (B, C, T)
        h = self.pointwise_conv1(h)
        # bug: the GLU splits the time axis instead of the channels
        a, g = h.chunk(2, axis=2)  # E: mypy[dfdx-shape "a, g are split here; used at line 107: Co"
        #     "nv1d[D, D]: takes D channels on axis 1, got Tensor[B, 2*D, Dyn] (2*D != D)"]
        h = a * g.sigmoid()  # GLU over the channels  # E: mypy[dfdx-shape "h is assigned here; us"
        #     "ed at line 107: Conv1d[D, D]: takes D channels on axis 1, got Tensor[B, 2*D, Dyn] ("
        #     "2*D != D)"]
        h = self.depthwise_conv(h)  # E: mypy[dfdx-shape "Conv1d[D, D]: takes D channels on axis 1"
        #     ", got Tensor[B, 2*D, Dyn] (2*D != D)", dfdx-shape "h is assigned here; used at line"
        #     " 112: BatchNorm1d[D]: takes D channels on axis 1, got Tensor[B, 2*D, Dyn] (2*D != D"
        #     ")", dfdx-shape "h is assigned here; used at line 116: conv1d: input channels differ"
        #     ": input Tensor[B, 2*D, Dyn], weight Tensor[D, D, 1]"]
        h = self.batch_norm(h)  # E: mypy[dfdx-shape "BatchNorm1d[D]: takes D channels on axis 1, g"
        #     "ot Tensor[B, 2*D, Dyn] (2*D != D)"]
        h = self.activation(h)  # E: mypy[dfdx-shape "h is assigned here; used at line 116: conv1d"
        #     ": input channels differ: input Tensor[B, 2*D, Dyn], weight Tensor[D, D, 1]"]
        h = self.pointwise_conv2(h)  # E: mypy[dfdx-shape "conv1d: input channels differ: input Ten"
        #     "sor[B, 2*D, Dyn], weight Tensor[D, D, 1]"]
        h = self.dropout(h)
        return h.transpose(1, 2)  # E: mypy[dfdx-shape "transpose: gives Tensor[B, Dyn, 2*D], the r"
        #     "eturn type is Tensor[B, S, D] (2*D != D)"]


class ConformerBlock(Module, Generic[D, H, F, K]):
    def __init__(self, d_model: D, n_heads: H, d_ff: F, kernel_size: K) -> None:
        super().__init__()
        self.ff1 = FeedForwardModule(d_model, d_ff)
        self.attn = MultiHeadSelfAttention(d_model, n_heads)
        self.conv = ConvolutionModule(d_model, kernel_size)
        self.ff2 = FeedForwardModule(d_model, d_ff)
        self.final_norm = LayerNorm(d_model)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        x = x + 0.5 * self.ff1(x)
        x = x + self.attn(x)
        x = x + self.conv(x)
        x = x + 0.5 * self.ff2(x)
        return self.final_norm(x)


class ConformerEncoder(Module, Generic[M, D, H, F, K, V]):
    def __init__(
        self,
        n_mels: M,
        d_model: D,
        n_heads: H,
        d_ff: F,
        kernel_size: K,
        n_layers: int,
        n_classes: V,
    ) -> None:
        super().__init__()
        self.input_proj = Linear(n_mels, d_model)
        self.blocks = ModuleList(
            [ConformerBlock(d_model, n_heads, d_ff, kernel_size) for _ in range(n_layers)]
        )
        self.head: Linear[D, V] = Linear(d_model, n_classes)

    def forward(self, x: Tensor[B, S, M, T]) -> Tensor[B, S, V, T]:
        h = self.input_proj(x)
        for block in self.blocks:
            h = block(h)
        return self.head(h)


model: ConformerEncoder[L[8], L[24], L[4], L[48], L[7], L[5]] = ConformerEncoder(
    8, 24, 4, 48, 7, 2, 5
)
mels = dx.randn(2, 10, 8)
logits = model(mels.trace())
targets = dx.tensor(rng.integers(0, 5, size=(2, 10)))
loss = dx.losses.cross_entropy(logits.reshape(-1, 5), targets.reshape(-1))
grads = loss.backward()
assert logits.shape == (2, 10, 5)
assert grads[model.blocks[0].conv.depthwise_conv.weight].shape == (24, 1, 7)
