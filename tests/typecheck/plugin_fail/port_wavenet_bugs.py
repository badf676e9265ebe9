"""Three shape bugs injected into the wavenet port (plugin_pass/port_wavenet.py), written without
looking at the plugin: the causal padding without the dilation, the skip convolution built for
the residual channels, the gated activation split along time; each after a `# bug:` comment,
each raising dx.ShapeError at run time."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Module, ModuleList

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)  # samples
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
Q = TypeVar("Q", bound=int)  # quantisation classes
R = TypeVar("R", bound=int)  # residual channels
G = TypeVar("G", bound=int)  # gate (dilation) channels
K = TypeVar("K", bound=int)  # skip channels
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class CausalConv1d(Module, Generic[CI, CO]):
    def __init__(
        self, in_channels: CI, out_channels: CO, kernel_size: int, dilation: int = 1
    ) -> None:
        super().__init__()
        # bug: the causal padding forgets the dilation
        self.pad = kernel_size - 1  # E: mypy[
        #     dfdx-shape "self.pad is assigned here; it is the padding of self.conv, w"
        #     "hose output reaches line 56: index: gives Tensor[B, CO, -dil"
        #     "ation*kernel_size+S+dilation+kernel_size-1], the return type"
        #     " is Tensor[B, CO, S] (-dilation*kernel_size+S+dilation+kerne"
        #     "l_size-1 != S)"]
        self.conv = Conv1d(  # E: mypy[
            #     dfdx-shape "self.conv is built here; its output reaches line 56: index: "
            #     "gives Tensor[B, CO, -dilation*kernel_size+S+dilation+kernel_"
            #     "size-1], the return type is Tensor[B, CO, S] (-dilation*kern"
            #     "el_size+S+dilation+kernel_size-1 != S)"]
            in_channels,
            out_channels,
            kernel_size,
            padding=self.pad,
            dilation=dilation,
        )

    def forward(self, x: Tensor[B, CI, S, T]) -> Tensor[B, CO, S, T]:
        out = self.conv(x)
        return out[:, :, : -self.pad]  # E: mypy[
        #     dfdx-shape "index: gives Tensor[B, CO, -dilation*kernel_size+S+dilation+"
        #     "kernel_size-1], the return type is Tensor[B, CO, S] (-dilati"
        #     "on*kernel_size+S+dilation+kernel_size-1 != S)"]


class ResidualBlock(Module, Generic[R, G, K]):
    def __init__(
        self, residual_channels: R, gate_channels: G, skip_channels: K, dilation: int
    ) -> None:
        super().__init__()
        self.dilated_conv = CausalConv1d(residual_channels, 2 * gate_channels, 2, dilation)
        self.res_conv = Conv1d(gate_channels, residual_channels, 1)  # E: mypy[
        #     dfdx-shape "self.res_conv is built here; called at line 99: conv1d: input channels "
        #     "differ: input Tensor[B, 2*G, Dyn], weight Tensor[R, G, 1]"]
        # bug: the skip 1x1 convolution built for the residual channels, not the gated ones
        self.skip_conv = Conv1d(residual_channels, skip_channels, 1)  # E: mypy[
        #     dfdx-shape "self.skip_conv is built here; called at line 93: conv1d: input channels"
        #     " differ: input Tensor[2, 16, 6], weight Tensor[10, 6, 1] (16 != 6 per group * grou"
        #     "ps 1) (in ResidualBlock(residual_channels, gate_channels, skip_channels, ...) buil"
        #     "t at line 114)",
        #     dfdx-shape "self.skip_conv is built here; called at line 93: conv1d: input channels"
        #     " differ: input Tensor[B, 2*G, Dyn], weight Tensor[K, R, 1]"]

    def forward(self, x: Tensor[B, R, S, T]) -> tuple[Tensor[B, R, S, T], Tensor[B, K, S, T]]:
        h = self.dilated_conv(x)
        # bug: filter and gate split along time instead of channels
        h_filter, h_gate = h.chunk(2, axis=2)  # E: mypy[
        #     dfdx-shape "h_filter, h_gate are split here; used at line 93: conv1d: input channel"
        #     "s differ: input Tensor[B, 2*G, Dyn], weight Tensor[K, R, 1]",
        #     dfdx-shape "h_filter, h_gate are split here; used at line 99: conv1d: input channel"
        #     "s differ: input Tensor[B, 2*G, Dyn], weight Tensor[R, G, 1]"]
        z = h_filter.tanh() * h_gate.sigmoid()  # E: mypy[
        #     dfdx-shape "z is assigned here; used at line 93: conv1d: input channels differ: inp"
        #     "ut Tensor[B, 2*G, Dyn], weight Tensor[K, R, 1]",
        #     dfdx-shape "z is assigned here; used at line 99: conv1d: input channels differ: inp"
        #     "ut Tensor[B, 2*G, Dyn], weight Tensor[R, G, 1]"]
        skip = self.skip_conv(z)  # E: mypy[
        #     dfdx-shape "conv1d: input channels differ: input Tensor[2, 16, 6], weight Tensor[10"
        #     ", 6, 1] (16 != 6 per group * groups 1) (in ResidualBlock(residual_channels, gate_c"
        #     "hannels, skip_channels, ...) built at line 114)",
        #     dfdx-shape "conv1d: input channels differ: input Tensor[B, 2*G, Dyn], weight Tensor"
        #     "[K, R, 1]"]
        out = x + self.res_conv(z)  # E: mypy[
        #     dfdx-shape "conv1d: input channels differ: input Tensor[B, 2*G, Dyn], we"
        #     "ight Tensor[R, G, 1]"]
        return out, skip


class WaveNet(Module, Generic[Q, R, G, K]):
    def __init__(
        self, n_classes: Q, residual_channels: R, gate_channels: G, skip_channels: K,
        n_layers: int, n_stacks: int,
    ) -> None:  # fmt: skip
        super().__init__()
        self.causal = CausalConv1d(n_classes, residual_channels, 2)
        self.blocks = ModuleList(
            [
                ResidualBlock(residual_channels, gate_channels, skip_channels, 2**i)
                for _ in range(n_stacks)
                for i in range(n_layers)
            ]
        )
        self.out1 = Conv1d(skip_channels, skip_channels, 1)
        self.out2 = Conv1d(skip_channels, n_classes, 1)

    def forward(self, x: Tensor[B, Q, S, T]) -> Tensor[B, Q, S, T]:
        h = self.causal(x)
        skips = []
        for block in self.blocks:
            h, skip = block(h)
            skips.append(skip)
        out = dx.stack(skips).sum(axis=0)
        out = self.out1(out.relu())
        out = self.out2(out.relu())
        return out


model: WaveNet[L[16], L[6], L[8], L[10]] = WaveNet(16, 6, 8, 10, n_layers=3, n_stacks=2)
samples = rng.integers(0, 16, size=(2, 13))
inputs = dx.one_hot(dx.tensor(samples[:, :-1]), 16).transpose(1, 2)  # (B, Q, S)
targets = dx.tensor(samples[:, 1:])
logits = model(inputs.trace())  # the samples' rank is not in NumPy's type: unknown rank
loss = dx.losses.cross_entropy(logits.transpose(1, 2).reshape(-1, 16), targets.reshape(-1))
grads = loss.backward()
assert logits.shape == (2, 16, 12)
assert grads[model.blocks[5].dilated_conv.conv.weight].shape == (16, 6, 2)
