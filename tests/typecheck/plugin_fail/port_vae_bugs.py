"""A convolutional variational autoencoder (Kingma and Welling 2013; the usual PyTorch
``ConvVAE``: encoder, reparameterize, decoder, loss_function) ported line by line: two
stride-2 convolutions, a flatten and two linear heads for the mean and log-variance, the
reparameterisation ``mu + eps * exp(0.5 * logvar)``, a linear layer viewed back into a feature
map and two stride-2 transposed convolutions, and the loss (reconstruction plus the KL
divergence summed over the latent axis). Built with literal sizes and run on tiny images."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, ConvTranspose2d, Linear, Module

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)  # base width
Z = TypeVar("Z", bound=int)  # latent dim
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Encoder(Module, Generic[F, Z]):
    """(B, 1, 16, 16) to the mean and log-variance of q(z | x), each (B, Z)."""

    def __init__(self, width: F, latent_dim: Z) -> None:
        super().__init__()
        self.conv1 = Conv2d(1, width, 4, stride=2, padding=1, rng=rng)  # 16 -> 8
        # bug: the second convolution without its stride: 8 -> 7, not 4
        self.conv2 = Conv2d(width, 2 * width, 4, padding=1, rng=rng)  # 8 -> 4  # E: mypy[dfdx-shape
        #     "self.conv2 is built here; its output reaches line 51: Linear[32*F, Z]: takes 32*F fe"
        #     "atures, got Tensor[B, 98*F] (98*F != 32*F)"]
        self.fc_mu = Linear(2 * width * 4 * 4, latent_dim, rng=rng)  # E: mypy[dfdx-shape "self.fc_"
        #     "mu is built here; called at line 51: Linear[32*F, Z]: takes 32*F features, got Tenso"
        #     "r[B, 98*F] (98*F != 32*F)"]
        self.fc_logvar = Linear(2 * width * 4 * 4, latent_dim, rng=rng)  # E: mypy[dfdx-shape "self"
        #     ".fc_logvar is built here; called at line 51: Linear[32*F, Z]: takes 32*F features, g"
        #     "ot Tensor[B, 98*F] (98*F != 32*F)"]

    def forward(
        self, x: Tensor[B, L[1], L[16], L[16], T]
    ) -> tuple[Tensor[B, Z, T], Tensor[B, Z, T]]:
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        h = h.flatten(1)  # E: mypy[dfdx-shape "h is assigned here; used at line 51: Linear[32*F, Z"
        #     "]: takes 32*F features, got Tensor[B, 98*F] (98*F != 32*F)"]
        return self.fc_mu(h), self.fc_logvar(h)  # E: mypy[dfdx-shape "Linear[32*F, Z]: takes 32*F "
        #     "features, got Tensor[B, 98*F] (98*F != 32*F)"]


class Decoder(Module, Generic[F, Z]):
    """A latent (B, Z) to an image (B, 1, 16, 16) of probabilities."""

    def __init__(self, width: F, latent_dim: Z) -> None:
        super().__init__()
        self.width = width
        self.fc = Linear(latent_dim, 2 * width * 4 * 4, rng=rng)  # E: mypy[dfdx-shape "self.fc is "
        #     "built here; its output reaches line 88: reshape: cannot reshape Tensor[B, 32*F] (32*"
        #     "B*F elements) to Tensor[B, F, 4, 4] (16*B*F elements)"]
        self.deconv1 = ConvTranspose2d(
            2 * width,  # E: mypy[dfdx-shape "self.deconv1 is built here; called at line 92: conv_t"
            #     "ranspose2d: input channels differ: input Tensor[B, F, 4, 4], weight Tensor[2*F, "
            #     "F, 4, 4] (F != 2*F)"]
            width,
            4,
            stride=2,
            padding=1,
            rng=rng,
        )
        self.deconv2 = ConvTranspose2d(
            width,
            1,
            4,
            stride=2,
            padding=1,
            rng=rng,
        )

    def forward(self, z: Tensor[B, Z, T]) -> Tensor[B, L[1], L[16], L[16], T]:
        b = z.shape[0]  # E: mypy[dfdx-shape "b is assigned here; used at line 88: reshape: cannot "
        #     "reshape Tensor[B, 32*F] (32*B*F elements) to Tensor[B, F, 4, 4] (16*B*F elements)"]
        h = self.fc(z).relu()
        # bug: the decoder's feature map viewed with width channels, not 2 * width
        h = h.view(b, self.width, 4, 4)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[B, 32"
        #     "*F] (32*B*F elements) to Tensor[B, F, 4, 4] (16*B*F elements)", dfdx-shape "h is ass"
        #     "igned here; used at line 92: conv_transpose2d: input channels differ: input Tensor[B"
        #     ", F, 4, 4], weight Tensor[2*F, F, 4, 4] (F != 2*F)"]
        h = self.deconv1(h).relu()  # E: mypy[dfdx-shape "conv_transpose2d: input channels differ: "
        #     "input Tensor[B, F, 4, 4], weight Tensor[2*F, F, 4, 4] (F != 2*F)"]
        return self.deconv2(h).sigmoid()


class VAE(Module, Generic[F, Z]):
    def __init__(self, width: F, latent_dim: Z) -> None:
        super().__init__()
        self.encoder = Encoder(width, latent_dim)
        self.decoder = Decoder(width, latent_dim)

    def reparameterize(self, mu: Tensor[B, Z, T], logvar: Tensor[B, Z, T]) -> Tensor[B, Z, T]:
        std = dx.exp(0.5 * logvar)
        eps = dx.randn(*std.shape, rng=rng)
        return mu + eps * std

    def forward(
        self, x: Tensor[B, L[1], L[16], L[16], T]
    ) -> tuple[Tensor[B, L[1], L[16], L[16], T], Tensor[B, Z, T], Tensor[B, Z, T]]:
        mu, logvar = self.encoder(x)
        z = self.reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def loss_function(
    recon_x: Tensor[B, L[1], L[16], L[16], T],
    x: Tensor[B, L[1], L[16], L[16], NoneTape],
    mu: Tensor[B, Z, T],
    logvar: Tensor[B, Z, T],
) -> Tensor[T]:
    """Reconstruction error plus KL(q(z | x) || N(0, 1)), each summed per example, averaged
    over the batch."""
    recon = (recon_x - x).square().flatten(1).sum(axis=1)  # E: mypy[dfdx-shape "recon is assigned "
    #     "here; used at line 131: add: shapes do not broadcast: Tensor[B] and Tensor[Z] (axis -1: "
    #     "B != Z)"]
    # bug: the KL divergence summed over the batch axis, not the latent axis
    kld = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(axis=0)  # E: mypy[dfdx-shape "kld is "
    #     "assigned here; used at line 131: add: shapes do not broadcast: Tensor[B] and Tensor[Z] ("
    #     "axis -1: B != Z)"]
    return (recon + kld).mean()  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tensor[B] and "
    #     "Tensor[Z] (axis -1: B != Z)"]


model: VAE[L[8], L[4]] = VAE(8, 4)
assert_type(VAE(8, 4), VAE[L[8], L[4]])
images: Tensor[L[3], L[1], L[16], L[16], NoneTape] = dx.rand(3, 1, 16, 16, rng=rng)
recon, mu, logvar = model(images.trace())
assert_type(recon, Tensor[L[3], L[1], L[16], L[16], OwnedTape])
assert_type(mu, Tensor[L[3], L[4], OwnedTape])
loss = loss_function(recon, images, mu, logvar)
grads = loss.backward()
assert grads[model.encoder.fc_mu.weight].shape == (4, 256)
assert grads[model.decoder.deconv2.weight].shape == (8, 1, 4, 4)

sample = model.decoder(dx.randn(5, 4, rng=rng))
assert sample.shape == (5, 1, 16, 16)
