"""Mistakes typical of the three realistic programs (real_*.py in plugin_pass), each made
where a PyTorch user makes it and reported there: a latent of the wrong width, a decoder one
feature short, a target mask of the source's length, the target's padding given as the
memory's, a head sized for two poolings after one, channels-last images, labels of another
batch."""

# rules: nn, attention, conv, losses, binary

from typing import Final
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

N_FEATURES: Final = 20
LATENT: Final = 4
VOCAB: Final = 12
D_MODEL: Final = 16


class VAE(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = dx.nn.Linear(N_FEATURES, 32)
        self.mu = dx.nn.Linear(32, LATENT)  # E: mypy[dfdx-shape "self.mu is built here; called at"
        #     " line 35: add: shapes do not broadcast: Tensor[16, 4] and Tensor[16, 5] (axis -1: 4"
        #     " != 5)"]
        self.dec = dx.nn.Linear(LATENT, N_FEATURES - 1)  # bug: one feature short

    def forward(
        self, x: Tensor[L[16], L[20], OwnedTape], eps: Tensor[L[16], L[5], NoneTape]
    ) -> Tensor[OwnedTape]:
        mu = self.mu(self.enc(x).relu())  # E: mypy[dfdx-shape "mu is assigned here; used at line "
        #     "37: add: shapes do not broadcast: Tensor[16, 4] and Tensor[16, 5] (axis -1: 4 != 5)"]
        z = mu + eps  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[16, 4] and "
        #                                   "Tensor[16, 5] (axis -1: 4 != 5)"]
        return self.dec(z).sum()

    def reconstruct(self, x: Tensor[L[16], L[20], OwnedTape]) -> Tensor[OwnedTape]:
        recon = self.dec(self.mu(self.enc(x).relu())).sigmoid()  # E: mypy[dfdx-shape "recon is as"
        #     "signed here; used at line 45: mse_loss: shapes differ: Tensor[16, 19] and Tensor[16"
        #     ", 20]"]
        return dx.losses.mse_loss(recon, x)  # E: mypy[dfdx-shape "mse_loss: shapes differ: "
        #                                        "Tensor[16, 19] and Tensor[16, 20]"]


class Seq2Seq(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = dx.nn.Embedding(VOCAB, D_MODEL)
        self.pos = dx.nn.SinusoidalPositionalEncoding(D_MODEL)
        self.transformer = dx.nn.Transformer(D_MODEL, 4, 1, 1, 32, 0.0)
        self.out = dx.nn.Linear(D_MODEL, VOCAB)

    def forward(
        self, src: Tensor[L[4], L[6], OwnedTape], tgt: Tensor[L[4], L[5], NoneTape]
    ) -> Tensor[L[4], L[5], L[12], OwnedTape]:
        s = self.pos(self.emb(src))
        t = self.pos(self.emb(tgt))
        h = self.transformer(s, t, tgt_mask=dx.zeros(6, 6))  # E: mypy[dfdx-shape ""
        #     "Transformer[16]: tgt_mask must be Tensor[5, 5] or Tensor[batch * nhead, 5, 5], "
        #     "got Tensor[6, 6]"]
        pad = tgt == 0
        h = self.transformer(s, t, memory_key_padding_mask=pad)  # E: mypy[dfdx-shape ""
        #     "Transformer[16]: memory_key_padding_mask must be Tensor[4, 6] (batch, S), "
        #     "got Tensor[4, 5]"]
        return self.out(h)


class Net(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = dx.nn.Conv2d(3, 8, 3, padding=1)
        self.fc = dx.nn.Linear(8 * 4 * 4, 10)  # E: mypy[dfdx-shape "self.fc is built here; calle"
        #     "d at line 85: Linear[128, 10]: takes 128 features, got Tensor[8, 512] (512 != 128)"]

    def forward(
        self, x: Tensor[L[8], L[3], L[16], L[16], OwnedTape]
    ) -> Tensor[L[8], L[10], OwnedTape]:
        h = dx.max_pool2d(self.conv(x).relu(), 2)
        B, C, H, W = h.shape
        # pooled once: 8 * 8 * 8 features
        return self.fc(h.reshape(B, C * H * W))  # E: mypy[dfdx-shape "Linear[128, 10]: takes 128 "
        #                                   "features, got Tensor[8, 512] (512 != 128)"]


def step(net: Net, images: Tensor[L[8], L[16], L[16], L[3], NoneTape]) -> None:
    labels = dx.tensor(np.zeros(16, dtype=np.int64)).ensure_shape(16)  # E: mypy[dfdx-shape
    #     "labels is assigned here; used at line 102: cross_entropy_with_logits_loss: targets Te"
    #     "nsor[16] do not fit logits Tensor[8, 10]: expected class probabilities Tensor[8, 10] "
    #     "or integer labels Tensor[8]"]
    # channels last: a user module's typed forward rejects it
    logits = net(images.trace())  # E: pyright[reportArgumentType] mypy[dfdx-shape "Net: x take"
    #     "s Tensor[8, 3, 16, 16], got Tensor[8, 16, 16, 3] (16 != 3)", dfdx-shape "logits is as"
    #     "signed here; used at line 102: cross_entropy_with_logits_loss: targets Tensor[16] do n"
    #     "ot fit logits Tensor[8, 10]: expected class probabilities Tensor[8, 10] or integer la"
    #     "bels Tensor[8]"]
    # labels for the wrong batch: after the error above, logits are still forward's return
    # type (as mypy types them after its own arg-type error), so this is reported too
    loss = dx.losses.cross_entropy(logits, labels)  # E: mypy[dfdx-shape "cross_entropy_with_logi"
    #     "ts_loss: targets Tensor[16] do not fit logits Tensor[8, 10]: expected class probabili"
    #     "ties Tensor[8, 10] or integer labels Tensor[8]"]
    loss.backward()
