"""A small VAE on data loaded from NumPy, written as a PyTorch user would from the docs:
DataLoader over a TensorDataset, the reparameterisation trick, a KL term, a StepLR scheduler,
a checkpoint saved and restored, and names reused as in PyTorch code."""

# rules: nn, binary, reduce, data, checks, losses

import tempfile
from pathlib import Path
from typing import Final, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

N_FEATURES: Final = 20
HIDDEN: Final = 32
LATENT: Final = 4
BATCH: Final = 16


class VAE(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = dx.nn.Linear(N_FEATURES, HIDDEN)
        self.mu = dx.nn.Linear(HIDDEN, LATENT)
        self.logvar = dx.nn.Linear(HIDDEN, LATENT)
        self.dec1 = dx.nn.Linear(LATENT, HIDDEN)
        self.dec2 = dx.nn.Linear(HIDDEN, N_FEATURES)

    def encode(
        self, x: Tensor[L[16], L[20], OwnedTape]
    ) -> tuple[Tensor[L[16], L[4], OwnedTape], Tensor[L[16], L[4], OwnedTape]]:
        h = self.enc(x).relu()
        return self.mu(h), self.logvar(h)

    def decode(self, z: Tensor[L[16], L[4], OwnedTape]) -> Tensor[L[16], L[20], OwnedTape]:
        h = self.dec1(z).relu()
        h = self.dec2(h)
        return h.sigmoid()

    def forward(
        self, x: Tensor[L[16], L[20], OwnedTape], eps: Tensor[L[16], L[4], NoneTape]
    ) -> tuple[
        Tensor[L[16], L[20], OwnedTape],
        Tensor[L[16], L[4], OwnedTape],
        Tensor[L[16], L[4], OwnedTape],
    ]:
        mu, logvar = self.encode(x)
        std = (logvar * 0.5).exp()
        assert_type(std, Tensor[L[16], L[4], OwnedTape])
        z = mu + eps * std
        return self.decode(z), mu, logvar


def loss_fn(
    recon: Tensor[L[16], L[20], OwnedTape],
    x: Tensor[L[16], L[20], NoneTape],
    mu: Tensor[L[16], L[4], OwnedTape],
    logvar: Tensor[L[16], L[4], OwnedTape],
) -> Tensor[OwnedTape]:
    rec = dx.losses.mse_loss(recon, x) * N_FEATURES
    kld = (1.0 + logvar - mu * mu - logvar.exp()).sum(axis=1).mean() * -0.5
    assert_type(kld, Tensor[OwnedTape])
    return rec + kld


def main() -> float:
    rng = np.random.default_rng(0)
    data = rng.random((64, N_FEATURES)).astype(np.float32)
    x_all = dx.tensor(data).ensure_shape(64, N_FEATURES)
    loader = dx.utils.data.DataLoader(
        dx.utils.data.TensorDataset(x_all), batch_size=BATCH, shuffle=True, drop_last=True
    )
    assert_type(x_all, Tensor[L[64], L[20], NoneTape])
    model = VAE()
    opt = dx.optim.Adam(model, lr=1e-2)
    sched = dx.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    loss = dx.zeros()
    for _epoch in range(3):
        for (x,) in loader:
            assert_type(x, Tensor[L[16], L[20], NoneTape])
            eps = dx.randn(BATCH, LATENT)
            recon, mu, logvar = model(x.trace(), eps)
            loss = loss_fn(recon, x, mu, logvar)
            opt.update(model, loss.backward())
        sched.step()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vae.npz"
        dx.save_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
        restored = VAE()
        dx.load_checkpoint(path, model=restored)
        x = x_all[:BATCH]
        assert_type(x, Tensor[L[16], L[20], NoneTape])
        recon = restored.decode(restored.encode(x.trace())[0])
        assert recon.shape == (BATCH, N_FEATURES)
    return loss.item()


final = main()
assert np.isfinite(final)
