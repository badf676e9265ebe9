"""A size that does not fit is also reported where it was set, further back than the line
where the tensors meet: a modulation layer built one width short whose output is cut into a
shift and a scale by ``chunk`` (reported where the layer is built, whether the pieces then
meet the features or are reshaped), a state or a mask made with a size read from the wrong
axis of the input (``batch = seq.shape[1]``, ``x.size(2)``), an accumulator started before a
loop with the wrong width, the first step taken as ``seq[0]`` (the first sample) where
``seq[:, 0]`` was meant, a critic's ``(B, 1)`` value left unsqueezed that a TD target
broadcasts to ``(B, B)``, a user's upsampling block built for the wrong width before a skip
connection, a mean kept as an axis of 1 (``keepdims=True``) whose extra axis a classifier
passes through to a result of the wrong rank, and a convolution without its padding whose map,
with noise of its own size added, does not fit the return type."""

# rules: binary, movement, losses, nn

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, LayerNorm, Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
D = TypeVar("D", bound=int)
E = TypeVar("E", bound=int)
H = TypeVar("H", bound=int)
N = TypeVar("N", bound=int)
S = TypeVar("S", bound=int)
W = TypeVar("W", bound=int)
CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class AdaLNBlock(Module, Generic[D, E]):
    """DiT-style adaptive LayerNorm: the conditioning gives a shift and a scale per feature."""

    def __init__(self, dim: D, cond_dim: E) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.modulation = Linear(cond_dim, dim)  # E: mypy[
        #     dfdx-shape "self.modulation is built here; its output reaches line 53: mul: shapes "
        #     "do not broadcast: Tensor[B, N, D] and Tensor[B, 1, (D+1)//2] (axis -1: D != (D+1)/"
        #     "/2)",
        #     dfdx-shape "self.modulation is built here; its output reaches line 53: add: shapes "
        #     "do not broadcast: Tensor[B, N, D] and Tensor[B, 1, D//2] (axis -1: D != D//2)"]
        self.mlp = Sequential(Linear(dim, dim), ReLU(), Linear(dim, dim))

    def forward(self, x: Tensor[B, N, D, T], c: Tensor[B, E, T]) -> Tensor[B, N, D, T]:
        scale, shift = self.modulation(c).chunk(2, axis=-1)
        h = self.norm(x)  # E: mypy[
        #     dfdx-shape "h is assigned here; used at line 53: mul: shapes do not broadcast: Tens"
        #     "or[B, N, D] and Tensor[B, 1, (D+1)//2] (axis -1: D != (D+1)//2)"]
        h = h * (1.0 + scale.unsqueeze(1)) + shift.unsqueeze(1)  # E: mypy[
        #     dfdx-shape "mul: shapes do not broadcast: Tensor[B, N, D] and Tensor[B, 1, (D+1)//2"
        #     "] (axis -1: D != (D+1)//2)",
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, N, D] and Tensor[B, 1, D//2] (a"
        #     "xis -1: D != D//2)"]
        return x + self.mlp(h)


class FiLMConv(Module, Generic[CI, CO, E]):
    """A convolution whose channels a conditioning vector scales and shifts (FiLM)."""

    def __init__(self, in_ch: CI, out_ch: CO, cond_dim: E) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1)
        self.out_ch = out_ch
        self.film = Linear(cond_dim, out_ch)  # E: mypy[
        #     dfdx-shape "self.film is built here; its output reaches line 79: reshape: cannot re"
        #     "shape Tensor[B, CO//2] (B*(CO//2) elements) to Tensor[B, CO, 1, 1] (B*CO elements)"]

    def forward(self, x: Tensor[B, CI, H, W, T], cond: Tensor[B, E, T]) -> Tensor[B, CO, H, W, T]:
        h = self.conv(x)
        b = h.shape[0]  # E: mypy[
        #     dfdx-shape "b is assigned here; used at line 79: reshape: cannot reshape Tensor[B, "
        #     "CO//2] (B*(CO//2) elements) to Tensor[B, CO, 1, 1] (B*CO elements)"]
        gamma, beta = dx.chunk(self.film(cond), 2, axis=1)
        h = h * gamma.reshape(b, self.out_ch, 1, 1)
        return h + beta.reshape(b, self.out_ch, 1, 1)  # E: mypy[
        #     no-any-return,
        #     dfdx-shape "reshape: cannot reshape Tensor[B, CO//2] (B*(CO//2) elements) to Tensor"
        #     "[B, CO, 1, 1] (B*CO elements)",
        #     arg-type]


class LeakyIntegrator(Module, Generic[D]):
    """A recurrent state decayed and fed each step; the state is started before the loop."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.inp = Linear(dim, dim)

    def forward(self, seq: Tensor[B, S, D, T]) -> Tensor[B, D, OwnedTape]:
        steps = seq.shape[1]
        batch = seq.shape[1]  # E: mypy[
        #     dfdx-shape "batch is assigned here; used at line 102: add: shapes do not broadcast:"
        #     " Tensor[S, D] and Tensor[B, D] (axis -2: S != B)"]
        state = dx.zeros(batch, seq.shape[2]).trace()  # E: mypy[
        #     dfdx-shape "state is assigned here; used at line 102: add: shapes do not broadcast:"
        #     " Tensor[S, D] and Tensor[B, D] (axis -2: S != B)"]
        for t in range(steps):
            state = state * 0.9 + self.inp(seq[:, t])  # E: mypy[
            #     dfdx-shape "add: shapes do not broadcast: Tensor[S, D] and Tensor[B, D] (axis -"
            #     "2: S != B)"]
        return state  # E: mypy[return-value]


class MaskedPool(Module, Generic[D]):
    """Positions weighted by a mask made with the length read from the wrong axis."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b = x.shape[0]
        length = x.size(2)  # E: mypy[
        #     dfdx-shape "length is assigned here; used at line 123: mul: shapes do not broadcast"
        #     ": Tensor[B, S, D] and Tensor[B, D, 1] (axis -2: S != D)"]
        keep = dx.ones(b, length)  # E: mypy[
        #     dfdx-shape "keep is assigned here; used at line 123: mul: shapes do not broadcast: "
        #     "Tensor[B, S, D] and Tensor[B, D, 1] (axis -2: S != D)"]
        return self.proj(x) * keep.unsqueeze(-1)  # E: mypy[
        #     dfdx-shape "mul: shapes do not broadcast: Tensor[B, S, D] and Tensor[B, D, 1] (axis"
        #     " -2: S != D)"]


class Ensemble(Module, Generic[D, E]):
    """Heads summed into an accumulator started with the input's width, not the heads'."""

    def __init__(self, dim: D, out_dim: E, n_heads: int) -> None:
        super().__init__()
        self.heads = [Linear(dim, out_dim) for _ in range(n_heads)]
        self.dim = dim

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, E, OwnedTape]:
        total = dx.zeros(x.shape[0], self.dim).trace()  # E: mypy[
        #     dfdx-shape "total is assigned here; used at line 141: add: shapes do not broadcast:"
        #     " Tensor[B, D] and Tensor[B, E] (axis -1: D != E)"]
        for head in self.heads:
            total = total + head(x)  # E: mypy[
            #     dfdx-shape "add: shapes do not broadcast: Tensor[B, D] and Tensor[B, E] (axis -"
            #     "1: D != E)"]
        return total  # E: mypy[return-value]


class AttentionDecoderStart(Module, Generic[D]):
    """The first decoder input taken as ``enc[0]``, the time-major habit, on batch-first data."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.query = Linear(dim, dim)

    def forward(self, enc: Tensor[B, S, D, T], ctx: Tensor[B, D, T]) -> Tensor[B, D, T]:
        first = enc[0]  # E: mypy[
        #     dfdx-shape "first is assigned here; used at line 161: add: shapes do not broadcast:"
        #     " Tensor[S, D] and Tensor[B, D] (axis -2: S != B)"]
        q = self.query(first)  # E: mypy[
        #     dfdx-shape "q is assigned here; used at line 161: add: shapes do not broadcast: Ten"
        #     "sor[S, D] and Tensor[B, D] (axis -2: S != B)"]
        return q + ctx  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[S, D] and Tensor[B, D] (axis -2: S"
        #     " != B)"]


class Critic(Module, Generic[D]):
    def __init__(self, obs_dim: D) -> None:
        super().__init__()
        self.net = Sequential(Linear(obs_dim, 32), ReLU(), Linear(32, 1))

    def forward(self, obs: Tensor[B, D, T]) -> Tensor[B, T]:
        return self.net(obs).squeeze(-1)


def td_loss(
    critic: Critic[D],
    target: Critic[D],
    obs: Tensor[B, D, NoneTape],
    next_obs: Tensor[B, D, NoneTape],
    rewards: Tensor[B, NoneTape],
) -> Tensor[OwnedTape]:
    values = critic(obs.trace())  # E: mypy[
    #     dfdx-shape "values is assigned here; used at line 191: mse_loss: shapes differ: Tensor["
    #     "B] and Tensor[B, B]"]
    next_values = target.net(next_obs)  # E: mypy[
    #     dfdx-shape "next_values is assigned here; used at line 191: mse_loss: shapes differ: Te"
    #     "nsor[B] and Tensor[B, B]"]
    td_target = rewards + 0.99 * next_values  # E: mypy[
    #     dfdx-shape "td_target is assigned here; used at line 191: mse_loss: shapes differ: Tens"
    #     "or[B] and Tensor[B, B]"]
    return dx.losses.mse_loss(values, td_target)  # E: mypy[
    #     dfdx-shape "mse_loss: shapes differ: Tensor[B] and Tensor[B, B]"]


class UpBlock(Module, Generic[CI, CO]):
    def __init__(self, in_ch: CI, out_ch: CO) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1)

    def forward(self, x: Tensor[B, CI, H, W, T]) -> Tensor[B, CO, H, W, T]:
        return self.conv(x).relu()


class SkipDecoder(Module):
    """Two stages whose outputs are added to the encoder's maps of the same resolution."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = Conv2d(3, 16, 3, padding=1)  # E: mypy[
        #     dfdx-shape "self.enc1 is built here; called at line 219: add: shapes do not broadca"
        #     "st: Tensor[B, 16, H, W] and Tensor[B, 32, H, W] (axis -3: 16 != 32)"]
        self.enc2 = Conv2d(16, 32, 3, padding=1)
        self.up2 = UpBlock(32, 32)  # E: mypy[
        #     dfdx-shape "self.up2 is built here; its output reaches line 225: add: shapes do not"
        #     " broadcast: Tensor[B, 16, H, W] and Tensor[B, 32, H, W] (axis -3: 16 != 32)"]
        self.up1 = UpBlock(16, 8)

    def forward(self, x: Tensor[B, int, H, W, T]) -> Tensor[B, int, H, W, T]:
        e1 = self.enc1(x)  # E: mypy[
        #     dfdx-shape "e1 is assigned here; used at line 225: add: shapes do not broadcast: Te"
        #     "nsor[B, 16, H, W] and Tensor[B, 32, H, W] (axis -3: 16 != 32)"]
        e2 = self.enc2(e1)  # E: mypy[
        #     dfdx-shape "e2 is assigned here; used at line 225: add: shapes do not broadcast: Te"
        #     "nsor[B, 16, H, W] and Tensor[B, 32, H, W] (axis -3: 16 != 32)"]
        d2 = e1 + self.up2(e2)  # E: mypy[
        #     dfdx-shape "add: shapes do not broadcast: Tensor[B, 16, H, W] and Tensor[B, 32, H, "
        #     "W] (axis -3: 16 != 32)"]
        return self.up1(d2)


class PooledClassifier(Module, Generic[D, E]):
    """The mean over the sequence kept as an axis of 1, normalized, then classified."""

    def __init__(self, dim: D, n_classes: E) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.classifier = Linear(dim, n_classes)

    def forward(self, tokens: Tensor[B, S, D, T]) -> Tensor[B, E, T]:
        pooled = tokens.mean(axis=1, keepdims=True)  # E: mypy[
        #     dfdx-shape "pooled is assigned here; used at line 244: Linear[D, E]: gives Tensor[B"
        #     ", 1, E], the return type is Tensor[B, E] (rank 3 != 2)"]
        pooled = self.norm(pooled)
        return self.classifier(pooled)  # E: mypy[
        #     dfdx-shape "Linear[D, E]: gives Tensor[B, 1, E], the return type is Tensor[B, E] (r"
        #     "ank 3 != 2)",
        #     arg-type]


class NoisyConv(Module, Generic[C]):
    """Noise of the map's own size added after a convolution left without its padding."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3)  # E: mypy[
        #     dfdx-shape "self.conv is built here; its output reaches line 264: add: gives Tensor"
        #     "[B, C, H-2, W-2], the return type is Tensor[B, C, H, W] (H-2 != H)"]
        self.strength: Tensor[C, NoneTape] = dx.zeros(channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        h = self.conv(x)
        b, c, hh, ww = h.shape
        noise = dx.randn(b, 1, hh, ww)
        return h + self.strength.reshape(1, c, 1, 1) * noise  # E: mypy[
        #     dfdx-shape "add: gives Tensor[B, C, H-2, W-2], the return type is Tensor[B, C, H, W"
        #     "] (H-2 != H)"]
