"""The correct versions of ``plugin_fail/axis_trail_errors.py``: keys split with their own
length, a causal padding of the dilated window's reach, a basis field built ``(n_basis,
dim)``, a mean square kept as an axis of 1, frames transposed on the axes meant, blocks built
for the hidden width and run in loops over ``enumerate`` and ``zip``, a ``Sequential`` of
helpers' starred lists that takes the concatenated channels, a scaled branch that keeps its
length. Nothing is reported, and the results' types are exact."""

# rules: linalg, binary, movement, nn, reduce

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv1d, Conv2d, LayerNorm, Linear, Module, ModuleList, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
H = TypeVar("H", bound=int)
K = TypeVar("K", bound=int)
M = TypeVar("M", bound=int)
N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
W = TypeVar("W", bound=int)
HID = TypeVar("HID", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class CrossAttention(Module, Generic[D]):
    """Keys viewed with the queries' length ``n``: their wrong axis reaches ``attn @ v``."""

    def __init__(self, dim: D, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.to_q = Linear(dim, dim)
        self.to_k = Linear(dim, dim)
        self.to_v = Linear(dim, dim)

    def forward(self, x: Tensor[B, N, D, T], ctx: Tensor[B, M, D, T]) -> Tensor[B, N, D, T]:
        b, n, d = x.shape
        m = ctx.shape[1]
        hd = d // self.heads
        q = self.to_q(x).view(b, n, self.heads, hd).permute(0, 2, 1, 3)
        k = self.to_k(ctx).view(b, m, self.heads, hd)
        k = k.permute(0, 2, 3, 1)
        v = self.to_v(ctx).view(b, m, self.heads, hd)
        v = v.permute(0, 2, 1, 3)
        attn = (q @ k) * float(hd) ** -0.5
        attn = dx.softmax(attn, axis=-1)
        out = attn @ v
        return out.permute(0, 2, 1, 3).reshape(b, n, d)


class CausalBlock(Module, Generic[C]):
    """The left padding leaves out the dilation: the frames the dilated convolution gives
    no longer meet the residual."""

    def __init__(self, ch: C, kernel: int, dilation: int) -> None:
        super().__init__()
        self.kernel = kernel
        self.dilation = dilation
        self.conv = Conv1d(ch, ch, kernel, dilation=dilation)
        self.mix = Conv1d(ch, ch, 1)

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        h = dx.pad(x, ((self.kernel - 1) * self.dilation, 0))
        h = self.conv(h).relu()
        h = self.mix(h)
        return x + h


class BasisExpansion(Module, Generic[D, K]):
    """The basis field is built ``(dim, n_basis)``; the projection reads it as ``(n_basis,
    dim)``."""

    def __init__(self, dim: D, n_basis: K) -> None:
        super().__init__()
        self.basis = dx.randn(n_basis, dim) / 10

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, K, T]:
        return x @ self.basis.mT


def rms_normalize(x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
    """The mean square is reduced without ``keepdims``: its ``S`` meets ``x``'s features."""
    ms = (x * x).mean(axis=-1, keepdims=True)
    assert_type(ms, Tensor[B, S, L[1], T])
    scale = dx.sqrt(ms + 1e-6)
    return x / scale


def shifted_frames(feats: Tensor[B, C, S, T], start: Tensor[B, L[1], C, T]) -> Tensor[B, S, C, T]:
    """Frames made time-major on the wrong axes before the start frame is put before them."""
    frames = feats.transpose(1, 2)
    assert_type(frames, Tensor[B, S, C, T])
    return dx.cat([start, frames[:, 1:]], axis=1)


class Residual(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.fc = Linear(dim, dim)

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, D, T]:
        return x + self.fc(self.norm(x)).relu()


class Tower(Module, Generic[D, HID]):
    """Blocks built for the input width, not the hidden width the embedding gives."""

    def __init__(self, dim: D, hidden: HID, n: int) -> None:
        super().__init__()
        self.embed = Linear(dim, hidden)
        self.blocks = ModuleList([Residual(hidden) for _ in range(n)])

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, HID, T]:
        h = self.embed(x)
        for depth, block in enumerate(self.blocks):
            h = block(h) / (depth + 1)
        return h


class GatedTower(Module, Generic[D, HID]):
    """The same mistake, the blocks run beside their gates."""

    def __init__(self, dim: D, hidden: HID, n: int) -> None:
        super().__init__()
        self.embed = Linear(dim, hidden)
        self.blocks = ModuleList([Residual(hidden) for _ in range(n)])

    def forward(self, x: Tensor[B, D, T], gates: list[float]) -> Tensor[B, HID, T]:
        h = self.embed(x)
        for block, gate in zip(self.blocks, gates, strict=True):
            h = block(h) * gate
        return h


def conv_relu(c_in: int, c_out: int) -> list[Module]:
    return [Conv2d(c_in, c_out, 3, padding=1), ReLU()]


class MaskedEncoder(Module, Generic[C]):
    """The image and its mask are concatenated, but the first block takes the image's
    channels only."""

    def __init__(self, in_ch: C, width: int) -> None:
        super().__init__()
        self.body = Sequential(
            *conv_relu(2 * in_ch, width),
            *conv_relu(width, width),
        )

    def forward(
        self, img: Tensor[B, C, H, W, T], mask: Tensor[B, C, H, W, T]
    ) -> Tensor[B, int, H, W, T]:
        x = dx.cat([img, mask], axis=1)
        return self.body(x)


class ScaledBlock(Module, Generic[C]):
    """The second convolution has no padding: the scaled branch is shorter than the skip."""

    def __init__(self, channels: C, res_scale: float) -> None:
        super().__init__()
        self.body = Sequential(
            Conv1d(channels, channels, 3, padding=1),
            ReLU(),
            Conv1d(channels, channels, 3, padding=1),
        )
        self.res_scale = res_scale

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        branch = self.body(x) * self.res_scale
        return branch + x


class TokenMixer(Module, Generic[D]):
    def __init__(self, dim: D) -> None:
        super().__init__()
        self.fc = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        return self.fc(x)


class ChannelsFirst(Module, Generic[D]):
    """Channels-first features put token-major on the wrong axes, then scaled, before a
    mixer that takes ``Tensor[B, S, D]``."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.mix = TokenMixer(dim)

    def forward(self, x: Tensor[B, D, S, T]) -> Tensor[B, S, D, T]:
        tokens = x.transpose(1, 2)
        tokens = dx.gelu(tokens)
        scaled = tokens * 0.5
        return self.mix(scaled)


attention: CrossAttention[L[8]] = CrossAttention(8, 2)
queries, context = dx.randn(2, 5, 8), dx.randn(2, 7, 8)
assert_type(attention(queries, context), Tensor[L[2], L[5], L[8], NoneTape])
causal: CausalBlock[L[4]] = CausalBlock(4, 3, 2)
assert_type(causal(dx.randn(2, 4, 16)), Tensor[L[2], L[4], L[16], NoneTape])
basis: BasisExpansion[L[6], L[3]] = BasisExpansion(6, 3)
assert_type(basis(dx.randn(5, 6)), Tensor[L[5], L[3], NoneTape])
assert_type(rms_normalize(dx.randn(2, 5, 6)), Tensor[L[2], L[5], L[6], NoneTape])
frames = shifted_frames(dx.randn(2, 4, 9), dx.zeros(2, 1, 4))
assert_type(frames, Tensor[L[2], L[9], L[4], NoneTape])
tower: Tower[L[4], L[8]] = Tower(4, 8, 3)
assert_type(tower(dx.randn(5, 4)), Tensor[L[5], L[8], NoneTape])
gated: GatedTower[L[4], L[8]] = GatedTower(4, 8, 2)
assert_type(gated(dx.randn(5, 4), [0.5, 0.25]), Tensor[L[5], L[8], NoneTape])
masked: MaskedEncoder[L[3]] = MaskedEncoder(3, 8)
maps = masked(dx.randn(2, 3, 6, 6), dx.randn(2, 3, 6, 6))
assert maps.shape == (2, 8, 6, 6)
scaled: ScaledBlock[L[4]] = ScaledBlock(4, 0.1)
assert_type(scaled(dx.randn(2, 4, 10)), Tensor[L[2], L[4], L[10], NoneTape])
channels_first: ChannelsFirst[L[6]] = ChannelsFirst(6)
assert_type(channels_first(dx.randn(2, 6, 5)), Tensor[L[2], L[5], L[6], NoneTape])
