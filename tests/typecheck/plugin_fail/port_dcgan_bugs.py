"""Three shape bugs injected into the DCGAN port (plugin_pass/port_dcgan.py): generator batch
norm on the next stage's width; a discriminator convolution without its stride; a
discriminator built for one-channel images called on the generator's three-channel ones. Each
is reported where the plugin finds it."""

# rules: nn

from typing import Generic, TypeVar, TypeVarTuple
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm2d, Conv2d, ConvTranspose2d, Module, ReLU, Sequential, Sigmoid, Tanh

N = TypeVar("N", bound=int)
Z = TypeVar("Z", bound=int)  # nz: size of the latent vector
G = TypeVar("G", bound=int)  # ngf: generator feature maps
D = TypeVar("D", bound=int)  # ndf: discriminator feature maps
C = TypeVar("C", bound=int)  # nc: image channels
T = TypeVar("T", NoneTape, OwnedTape)
Ss = TypeVarTuple("Ss")

rng = np.random.default_rng(0)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor[*Ss, T]) -> Tensor[*Ss, T]:
        return dx.leaky_relu(x, self.negative_slope)


class Generator(Module, Generic[Z, G, C]):
    def __init__(self, nz: Z, ngf: G, nc: C) -> None:
        super().__init__()
        self.main = Sequential(
            # input is Z, going into a convolution
            ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False, rng=rng),  # E: mypy[dfdx-shape
            #     "Sequential: layer 2 (BatchNorm2d[4*G]) takes 4*G channels, layer 1 gives 8*G"]
            # bug: generator batch norm on the next stage's width
            BatchNorm2d(ngf * 4),  # E: mypy[dfdx-shape "Sequential: layer 2 (BatchNorm2d[4*G]) tak"
            #     "es 4*G channels, layer 1 gives 8*G"]
            ReLU(),
            # state size. (ngf*8) x 4 x 4
            ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False, rng=rng),
            BatchNorm2d(ngf * 4),
            ReLU(),
            # state size. (ngf*4) x 8 x 8
            ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False, rng=rng),
            BatchNorm2d(ngf * 2),
            ReLU(),
            # state size. (ngf*2) x 16 x 16
            ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False, rng=rng),
            BatchNorm2d(ngf),
            ReLU(),
            # state size. (ngf) x 32 x 32
            ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False, rng=rng),
            Tanh(),
            # state size. (nc) x 64 x 64
        )

    def forward(self, x: Tensor[N, Z, L[1], L[1], T]) -> Tensor[N, C, L[64], L[64], T]:
        return self.main(x)


class Discriminator(Module, Generic[C, D]):
    def __init__(self, nc: C, ndf: D) -> None:
        super().__init__()
        self.main = Sequential(
            # input is (nc) x 64 x 64
            Conv2d(nc, ndf, 4, 2, 1, bias=False, rng=rng),
            LeakyReLU(0.2),
            # state size. (ndf) x 32 x 32
            Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False, rng=rng),
            BatchNorm2d(ndf * 2),
            LeakyReLU(0.2),
            # state size. (ndf*2) x 16 x 16
            # bug: a discriminator convolution without its stride
            Conv2d(ndf * 2, ndf * 4, 4, 1, 1, bias=False, rng=rng),  # E: mypy[
            #     dfdx-shape "layer 6 of self.main is built here with stride=1 (stride=2 gives the"
            #     " size wanted); its output reaches line 100: Sequential: gives Tensor[N, 1, 4, 4"
            #     "], the return type is Tensor[N, 1, 1, 1] (4 != 1)"]
            BatchNorm2d(ndf * 4),
            LeakyReLU(0.2),
            # state size. (ndf*4) x 8 x 8
            Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False, rng=rng),
            # (not blamed: with the stride search, only layer 6, whose stride=2 gives 1x1)
            BatchNorm2d(ndf * 8),
            LeakyReLU(0.2),
            # state size. (ndf*8) x 4 x 4
            Conv2d(ndf * 8, 1, 4, 1, 0, bias=False, rng=rng),
            Sigmoid(),
        )

    def forward(self, x: Tensor[N, C, L[64], L[64], T]) -> Tensor[N, L[1], L[1], L[1], T]:
        return self.main(x)  # E: mypy[dfdx-shape "Sequential: gives Tensor[N, 1, 4, 4], the return"
        #     " type is Tensor[N, 1, 1, 1] (4 != 1)"]


netG: Generator[L[8], L[2], L[3]] = Generator(8, 2, 3)  # E: mypy[dfdx-shape "netG is built here; i"
#     "ts output reaches line 112: Discriminator[1, 2]: x takes Tensor[N, 1, 64, 64], got Tensor[2,"
#     " 3, 64, 64] (3 != 1)"]
# bug: a discriminator for one-channel images
netD = Discriminator(1, 2)  # E: mypy[dfdx-shape "netD is built here; called at line 112: Discrimin"
#     "ator[1, 2]: x takes Tensor[N, 1, 64, 64], got Tensor[2, 3, 64, 64] (3 != 1)"]
noise: Tensor[L[2], L[8], L[1], L[1], NoneTape] = dx.randn(2, 8, 1, 1, rng=rng)
fake = netG(noise)
output = netD(fake)  # E: mypy[dfdx-shape "Discriminator[1, 2]: x takes Tensor[N, 1, 64, 64], got T"
#     "ensor[2, 3, 64, 64] (3 != 1)"]
