"""A size that does not fit where tensors meet is also reported where an earlier statement
changed it or moved its axis, found back along that one axis through the locals (a reused
name too) and the fields the operand was made from: a key split into heads with the query's
length two statements before the product with the values, a causal padding without the
dilation before a convolution whose output meets the residual, a basis field built with its
sizes swapped, a squared norm reduced without ``keepdims``, frames transposed on the wrong
axes before a concatenation. A layer built by a comprehension whose members a loop over
``enumerate`` or ``zip`` calls is blamed where it is built; so is the first layer of a
``Sequential`` given by a helper's starred list, and a ``Sequential`` whose output is
scaled by a number before a residual sum. A user's module given a value transposed on the
wrong axes two statements before is blamed there too."""

# rules: linalg, binary, movement, nn, reduce

from typing import Generic, TypeVar
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
        k = self.to_k(ctx).view(b, n, self.heads, hd)  # E: mypy[
        #     dfdx-shape "reshape: cannot reshape Tensor[B, M, D] (B*D*M elements) to "
        #     "Tensor[B, N, heads, D//heads] (B*D*N elements: equal only wh"
        #     "ere M == N)",
        #     dfdx-shape "k is assigned here; used at line 77: matmul: inner sizes dif"
        #     "fer: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//heads] "
        #     "(N != M)"]
        k = k.permute(0, 2, 3, 1)  # E: mypy[
        #     dfdx-shape "k is assigned here; used at line 77: matmul: inner sizes dif"
        #     "fer: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//heads] "
        #     "(N != M)"]
        v = self.to_v(ctx).view(b, m, self.heads, hd)  # E: mypy[
        #     dfdx-shape "v is assigned here; used at line 77: matmul: inner sizes dif"
        #     "fer: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//heads] "
        #     "(N != M)"]
        v = v.permute(0, 2, 1, 3)  # E: mypy[
        #     dfdx-shape "v is assigned here; used at line 77: matmul: inner sizes dif"
        #     "fer: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//heads] "
        #     "(N != M)"]
        attn = (q @ k) * float(hd) ** -0.5  # E: mypy[
        #     dfdx-shape "attn is assigned here; used at line 77: matmul: inner sizes "
        #     "differ: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//head"
        #     "s] (N != M)"]
        attn = dx.softmax(attn, axis=-1)  # E: mypy[
        #     dfdx-shape "attn is assigned here; used at line 77: matmul: inner sizes "
        #     "differ: Tensor[B, heads, N, N] @ Tensor[B, heads, M, D//head"
        #     "s] (N != M)"]
        out = attn @ v  # E: mypy[
        #     dfdx-shape "matmul: inner sizes differ: Tensor[B, heads, N, N] @ Tensor["
        #     "B, heads, M, D//heads] (N != M)"]
        return out.permute(0, 2, 1, 3).reshape(b, n, d)


class CausalBlock(Module, Generic[C]):
    """The left padding leaves out the dilation: the frames the dilated convolution gives
    no longer meet the residual."""

    def __init__(self, ch: C, kernel: int, dilation: int) -> None:
        super().__init__()
        self.kernel = kernel
        self.dilation = dilation
        self.conv = Conv1d(ch, ch, kernel, dilation=dilation)  # E: mypy[
        #     dfdx-shape "self.conv is built here; its output reaches line 110: add: s"
        #     "hapes do not broadcast: Tensor[B, C, S] and Tensor[B, C, -di"
        #     "lation*kernel+S+dilation+kernel-1] (axis -1: S != -dilation*"
        #     "kernel+S+dilation+kernel-1)"]
        self.mix = Conv1d(ch, ch, 1)

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        h = dx.pad(x, (self.kernel - 1, 0))  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 110: add: shapes do not bro"
        #     "adcast: Tensor[B, C, S] and Tensor[B, C, -dilation*kernel+S+"
        #     "dilation+kernel-1] (axis -1: S != -dilation*kernel+S+dilatio"
        #     "n+kernel-1)"]
        h = self.conv(h).relu()
        h = self.mix(h)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 110: add: shapes do not bro"
        #     "adcast: Tensor[B, C, S] and Tensor[B, C, -dilation*kernel+S+"
        #     "dilation+kernel-1] (axis -1: S != -dilation*kernel+S+dilatio"
        #     "n+kernel-1)"]
        return x + h  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, C, S] and Tensor[B, "
        #     "C, -dilation*kernel+S+dilation+kernel-1] (axis -1: S != -dil"
        #     "ation*kernel+S+dilation+kernel-1)"]


class BasisExpansion(Module, Generic[D, K]):
    """The basis field is built ``(dim, n_basis)``; the projection reads it as ``(n_basis,
    dim)``."""

    def __init__(self, dim: D, n_basis: K) -> None:
        super().__init__()
        self.basis = dx.randn(dim, n_basis) / 10  # E: mypy[
        #     dfdx-shape "self.basis is assigned here; used at line 127: matmul: inner"
        #     " sizes differ: Tensor[B, D] @ Tensor[K, D] (D != K)"]

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, K, T]:
        return x @ self.basis.mT  # E: mypy[
        #     dfdx-shape "matmul: inner sizes differ: Tensor[B, D] @ Tensor[K, D] (D !"
        #     "= K)"]


def rms_normalize(x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
    """The mean square is reduced without ``keepdims``: its ``S`` meets ``x``'s features."""
    ms = (x * x).mean(axis=-1)  # E: mypy[
    #     dfdx-shape "ms is assigned here; used at line 141: div: shapes do not br"
    #     "oadcast: Tensor[B, S, D] and Tensor[B, S] (axis -2: S != B)"]
    scale = dx.sqrt(ms + 1e-6)  # E: mypy[
    #     dfdx-shape "scale is assigned here; used at line 141: div: shapes do not"
    #     " broadcast: Tensor[B, S, D] and Tensor[B, S] (axis -2: S != "
    #     "B)"]
    return x / scale  # E: mypy[
    #     dfdx-shape "div: shapes do not broadcast: Tensor[B, S, D] and Tensor[B, "
    #     "S] (axis -2: S != B)"]


def shifted_frames(feats: Tensor[B, C, S, T], start: Tensor[B, L[1], C, T]) -> Tensor[B, S, C, T]:
    """Frames made time-major on the wrong axes before the start frame is put before them."""
    frames = feats.transpose(0, 2)  # E: mypy[
    #     dfdx-shape "frames is assigned here; used at line 152: concat: sizes dif"
    #     "fer on axis 0: Tensor[B, 1, C] and Tensor[S, C-1, B] (B != S"
    #     ")"]
    return dx.cat([start, frames[:, 1:]], axis=1)  # E: mypy[
    #     dfdx-shape "concat: sizes differ on axis 0: Tensor[B, 1, C] and Tensor[S"
    #     ", C-1, B] (B != S)"]


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
        self.blocks = ModuleList([Residual(dim) for _ in range(n)])  # E: mypy[
        #     dfdx-shape "block is built here; called at line 180: Residual[D]: x take"
        #     "s Tensor[B, D], got Tensor[B, HID] (HID != D)"]

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, HID, T]:
        h = self.embed(x)
        for depth, block in enumerate(self.blocks):
            h = block(h) / (depth + 1)  # E: mypy[
            #     dfdx-shape "Residual[D]: x takes Tensor[B, D], got Tensor[B, HID] (HID !"
            #     "= D)"]
        return h  # E: mypy[return-value]


class GatedTower(Module, Generic[D, HID]):
    """The same mistake, the blocks run beside their gates."""

    def __init__(self, dim: D, hidden: HID, n: int) -> None:
        super().__init__()
        self.embed = Linear(dim, hidden)
        self.blocks = ModuleList([Residual(dim) for _ in range(n)])  # E: mypy[
        #     dfdx-shape "block is built here; called at line 199: Residual[D]: x take"
        #     "s Tensor[B, D], got Tensor[B, HID] (HID != D)"]

    def forward(self, x: Tensor[B, D, T], gates: list[float]) -> Tensor[B, HID, T]:
        h = self.embed(x)
        for block, gate in zip(self.blocks, gates, strict=True):
            h = block(h) * gate  # E: mypy[
            #     dfdx-shape "Residual[D]: x takes Tensor[B, D], got Tensor[B, HID] (HID !"
            #     "= D)"]
        return h  # E: mypy[return-value]


def conv_relu(c_in: int, c_out: int) -> list[Module]:
    return [Conv2d(c_in, c_out, 3, padding=1), ReLU()]


class MaskedEncoder(Module, Generic[C]):
    """The image and its mask are concatenated, but the first block takes the image's
    channels only."""

    def __init__(self, in_ch: C, width: int) -> None:
        super().__init__()
        self.body = Sequential(
            *conv_relu(in_ch, width),  # E: mypy[
            #     dfdx-shape "layer 1 of self.body is built here; called at line 230: conv"
            #     "2d: input channels differ: input Tensor[B, 2*C, H, W], weigh"
            #     "t Tensor[Dyn, C, 3, 3]"]
            *conv_relu(width, width),
        )

    def forward(
        self, img: Tensor[B, C, H, W, T], mask: Tensor[B, C, H, W, T]
    ) -> Tensor[B, int, H, W, T]:
        x = dx.cat([img, mask], axis=1)  # E: mypy[
        #     dfdx-shape "x is assigned here; used at line 230: conv2d: input channels"
        #     " differ: input Tensor[B, 2*C, H, W], weight Tensor[Dyn, C, 3"
        #     ", 3]"]
        return self.body(x)  # E: mypy[
        #     dfdx-shape "conv2d: input channels differ: input Tensor[B, 2*C, H, W], w"
        #     "eight Tensor[Dyn, C, 3, 3]"]


class ScaledBlock(Module, Generic[C]):
    """The second convolution has no padding: the scaled branch is shorter than the skip."""

    def __init__(self, channels: C, res_scale: float) -> None:
        super().__init__()
        self.body = Sequential(
            Conv1d(channels, channels, 3, padding=1),
            ReLU(),
            Conv1d(channels, channels, 3),  # E: mypy[
            #     dfdx-shape "layer 3 of self.body is built here; its output reaches line "
            #     "255: add: shapes do not broadcast: Tensor[B, C, S-2] and Ten"
            #     "sor[B, C, S] (axis -1: S-2 != S)"]
        )
        self.res_scale = res_scale

    def forward(self, x: Tensor[B, C, S, T]) -> Tensor[B, C, S, T]:
        branch = self.body(x) * self.res_scale  # E: mypy[
        #     dfdx-shape "branch is assigned here; used at line 255: add: shapes do no"
        #     "t broadcast: Tensor[B, C, S-2] and Tensor[B, C, S] (axis -1:"
        #     " S-2 != S)"]
        return branch + x  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, C, S-2] and Tensor[B"
        #     ", C, S] (axis -1: S-2 != S)"]


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
        tokens = x.transpose(0, 1)  # E: mypy[
        #     dfdx-shape "tokens is assigned here; used at line 288: TokenMixer[D]: x "
        #     "takes Tensor[B, S, D], got Tensor[D, B, S] (S != D)"]
        tokens = dx.gelu(tokens)
        scaled = tokens * 0.5  # E: mypy[
        #     dfdx-shape "scaled is assigned here; used at line 288: TokenMixer[D]: x "
        #     "takes Tensor[B, S, D], got Tensor[D, B, S] (S != D)",
        #     dfdx-shape "scaled is assigned here; used at line 288: __call__: gives T"
        #     "ensor[Dyn, B, Dyn], the return type is Tensor[B, S, D] (B !="
        #     " S)"]
        return self.mix(scaled)  # E: mypy[
        #     dfdx-shape "TokenMixer[D]: x takes Tensor[B, S, D], got Tensor[D, B, S] "
        #     "(S != D)",
        #     dfdx-shape "__call__: gives Tensor[Dyn, B, Dyn], the return type is Tens"
        #     "or[B, S, D] (B != S)"]
