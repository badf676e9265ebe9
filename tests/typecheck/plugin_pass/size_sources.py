"""The correct versions of ``plugin_fail/size_sources_errors.py``: a modulation layer built
for a shift and a scale per channel and cut in two by ``chunk``, a state and a mask made
with sizes read from the axes meant, an accumulator started with the heads' width, the first
step taken as ``seq[:, 0]``, a critic's value squeezed before the TD target, an upsampling
block built for the skip's width, a mean over the sequence without ``keepdims``, a padded
convolution whose map gets noise of its own size. Nothing is reported, and the results' types
are exact."""

# rules: binary, movement, losses, nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

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
        self.modulation = Linear(cond_dim, 2 * dim)
        self.mlp = Sequential(Linear(dim, dim), ReLU(), Linear(dim, dim))

    def forward(self, x: Tensor[B, N, D, T], c: Tensor[B, E, T]) -> Tensor[B, N, D, T]:
        scale, shift = self.modulation(c).chunk(2, axis=-1)
        h = self.norm(x)
        h = h * (1.0 + scale.unsqueeze(1)) + shift.unsqueeze(1)
        return x + self.mlp(h)


class FiLMConv(Module, Generic[CI, CO, E]):
    """A convolution whose channels a conditioning vector scales and shifts (FiLM)."""

    def __init__(self, in_ch: CI, out_ch: CO, cond_dim: E) -> None:
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, 3, padding=1)
        self.out_ch = out_ch
        self.film = Linear(cond_dim, 2 * out_ch)

    def forward(self, x: Tensor[B, CI, H, W, T], cond: Tensor[B, E, T]) -> Tensor[B, CO, H, W, T]:
        h = self.conv(x)
        b = h.shape[0]
        gamma, beta = dx.chunk(self.film(cond), 2, axis=1)
        h = h * gamma.reshape(b, self.out_ch, 1, 1)
        return h + beta.reshape(b, self.out_ch, 1, 1)


class LeakyIntegrator(Module, Generic[D]):
    """A recurrent state decayed and fed each step; the state is started before the loop."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.inp = Linear(dim, dim)

    def forward(self, seq: Tensor[B, S, D, T]) -> Tensor[B, D, OwnedTape]:
        steps = seq.shape[1]
        batch = seq.shape[0]
        state = dx.zeros(batch, seq.shape[2]).trace()
        for t in range(steps):
            state = state * 0.9 + self.inp(seq[:, t])
        return state


class MaskedPool(Module, Generic[D]):
    """Positions weighted by a mask of the batch's and the sequence's sizes."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.proj = Linear(dim, dim)

    def forward(self, x: Tensor[B, S, D, T]) -> Tensor[B, S, D, T]:
        b = x.shape[0]
        length = x.size(1)
        keep = dx.ones(b, length)
        return self.proj(x) * keep.unsqueeze(-1)


class Ensemble(Module, Generic[D, E]):
    """Heads summed into an accumulator started with the heads' width."""

    def __init__(self, dim: D, out_dim: E, n_heads: int) -> None:
        super().__init__()
        self.heads = [Linear(dim, out_dim) for _ in range(n_heads)]
        self.out_dim = out_dim

    def forward(self, x: Tensor[B, D, T]) -> Tensor[B, E, OwnedTape]:
        total = dx.zeros(x.shape[0], self.out_dim).trace()
        for head in self.heads:
            total = total + head(x)
        return total


class AttentionDecoderStart(Module, Generic[D]):
    """The first decoder input taken as ``enc[:, 0]`` on batch-first data."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        self.query = Linear(dim, dim)

    def forward(self, enc: Tensor[B, S, D, T], ctx: Tensor[B, D, T]) -> Tensor[B, D, T]:
        first = enc[:, 0]
        q = self.query(first)
        return q + ctx


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
    values = critic(obs.trace())
    next_values = target.net(next_obs).squeeze(-1)
    td_target = rewards + 0.99 * next_values
    return dx.losses.mse_loss(values, td_target)


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
        self.enc1 = Conv2d(3, 16, 3, padding=1)
        self.enc2 = Conv2d(16, 32, 3, padding=1)
        self.up2 = UpBlock(32, 16)
        self.up1 = UpBlock(16, 8)

    def forward(self, x: Tensor[B, L[3], H, W, T]) -> Tensor[B, int, Any, Any, T]:
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        d2 = e1 + self.up2(e2)
        return self.up1(d2)


class PooledClassifier(Module, Generic[D, E]):
    """The mean over the sequence, normalized, then classified."""

    def __init__(self, dim: D, n_classes: E) -> None:
        super().__init__()
        self.norm = LayerNorm(dim)
        self.classifier = Linear(dim, n_classes)

    def forward(self, tokens: Tensor[B, S, D, T]) -> Tensor[B, E, T]:
        pooled = tokens.mean(axis=1)
        pooled = self.norm(pooled)
        return self.classifier(pooled)


ada: AdaLNBlock[L[8], L[4]] = AdaLNBlock(8, 4)
assert_type(ada(dx.randn(2, 5, 8), dx.randn(2, 4)), Tensor[L[2], L[5], L[8], NoneTape])
film: FiLMConv[L[3], L[6], L[4]] = FiLMConv(3, 6, 4)
maps = film(dx.randn(2, 3, 5, 5), dx.randn(2, 4))
assert_type(maps, Tensor[L[2], L[6], L[5], L[5], NoneTape])
integrator: LeakyIntegrator[L[4]] = LeakyIntegrator(4)
assert_type(integrator(dx.randn(3, 7, 4)), Tensor[L[3], L[4], OwnedTape])
pool: MaskedPool[L[4]] = MaskedPool(4)
assert_type(pool(dx.randn(2, 7, 4)), Tensor[L[2], L[7], L[4], NoneTape])
ensemble: Ensemble[L[4], L[3]] = Ensemble(4, 3, 2)
assert_type(ensemble(dx.randn(5, 4)), Tensor[L[5], L[3], OwnedTape])
start: AttentionDecoderStart[L[4]] = AttentionDecoderStart(4)
assert_type(start(dx.randn(2, 6, 4), dx.randn(2, 4)), Tensor[L[2], L[4], NoneTape])
critic: Critic[L[4]] = Critic(4)
loss = td_loss(critic, Critic(4), dx.randn(8, 4), dx.randn(8, 4), dx.randn(8))
assert_type(loss, Tensor[OwnedTape])
decoder = SkipDecoder()
assert_type(decoder(dx.randn(2, 3, 6, 6)), Tensor[L[2], L[8], L[6], L[6], NoneTape])
classifier: PooledClassifier[L[4], L[3]] = PooledClassifier(4, 3)
assert_type(classifier(dx.randn(2, 6, 4)), Tensor[L[2], L[3], NoneTape])


class NoisyConv(Module, Generic[C]):
    """Noise of the map's own size added after a convolution that keeps the map's size."""

    def __init__(self, channels: C) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, padding=1)
        self.strength: Tensor[C, NoneTape] = dx.zeros(channels)

    def forward(self, x: Tensor[B, C, H, W, T]) -> Tensor[B, C, H, W, T]:
        h = self.conv(x)
        b, c, hh, ww = h.shape
        noise = dx.randn(b, 1, hh, ww)
        return h + self.strength.reshape(1, c, 1, 1) * noise


noisy: NoisyConv[L[4]] = NoisyConv(4)
assert_type(noisy(dx.randn(2, 4, 6, 6)), Tensor[L[2], L[4], L[6], L[6], NoneTape])
