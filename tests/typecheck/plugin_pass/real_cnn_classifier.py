"""A CNN classifier as a PyTorch user writes it from the docs: conv blocks with batch norm
and pooling, ``B, C, H, W = x.shape`` to flatten by hand, names reused along the forward pass,
dropout, a cosine schedule, gradient clipping, an evaluation pass without a tape, and the
model saved and loaded back."""

# rules: conv, nn, movement, losses, reduce, indexing

import tempfile
from pathlib import Path
from typing import Final, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

CLASSES: Final = 10
WIDTH: Final = 8


class ConvBlock(dx.nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv = dx.nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        self.bn = dx.nn.BatchNorm2d(c_out)

    def forward(self, x: dx.DynTensor[OwnedTape]) -> dx.DynTensor[OwnedTape]:
        x = self.conv(x)
        x = self.bn(x)
        return dx.max_pool2d(x.relu(), 2)


class Net(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = dx.nn.Conv2d(3, WIDTH, 3, padding=1)
        self.bn1 = dx.nn.BatchNorm2d(WIDTH)
        self.conv2 = dx.nn.Conv2d(WIDTH, 2 * WIDTH, 3, padding=1)
        self.bn2 = dx.nn.BatchNorm2d(2 * WIDTH)
        self.block = ConvBlock(2 * WIDTH, 2 * WIDTH)
        self.drop = dx.nn.Dropout(0.25)
        self.fc1 = dx.nn.Linear(2 * WIDTH * 2 * 2, 32)
        self.fc2 = dx.nn.Linear(32, CLASSES)

    def forward(
        self, x: Tensor[L[8], L[3], L[16], L[16], OwnedTape]
    ) -> Tensor[L[8], L[10], OwnedTape]:
        B, C, H, W = x.shape
        assert C == 3 and H == W
        # pyright keeps a parameter's declared type: a new name (h) takes the new shapes
        h = dx.max_pool2d(self.bn1(self.conv1(x)).relu(), 2)
        h = dx.max_pool2d(self.bn2(self.conv2(h)).relu(), 2)
        B, C, H, W = h.shape
        assert_type(h, Tensor[L[8], L[16], L[4], L[4], OwnedTape])
        h = h.reshape(B, C, H * W).mean(axis=-1, keepdims=True).reshape(B, C, 1, 1) + h
        h = self.block(h).ensure_shape(B, C, H // 2, W // 2)
        assert_type(h, Tensor[L[8], L[16], L[2], L[2], OwnedTape])
        h = h.reshape(B, -1)
        assert_type(h, Tensor[L[8], L[64], OwnedTape])
        h = self.drop(self.fc1(h).relu())
        assert_type(h, Tensor[L[8], L[32], OwnedTape])
        return self.fc2(h)


def load_data(
    rng: np.random.Generator,
) -> tuple[Tensor[L[32], L[3], L[16], L[16], NoneTape], Tensor[L[32], NoneTape]]:
    images = rng.standard_normal((32, 3, 16, 16)).astype(np.float32)
    labels = rng.integers(0, CLASSES, size=32)
    return dx.tensor(images).ensure_shape(32, 3, 16, 16), dx.tensor(labels).ensure_shape(32)


def train(net: Net, epochs: int) -> float:
    images, labels = load_data(np.random.default_rng(0))
    opt = dx.optim.SGD(net, lr=0.05, momentum=0.9)
    sched = dx.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss = dx.zeros()
    for _ in range(epochs):
        net.train()
        for i in range(0, 32, 8):
            x, y = images[i : i + 8], labels[i : i + 8]
            logits = net(x.ensure_shape(8, 3, 16, 16).trace())
            assert_type(logits, Tensor[L[8], L[10], OwnedTape])
            loss = dx.losses.cross_entropy(logits, y.ensure_shape(8))
            grads = loss.backward()
            dx.optim.clip_grad_norm(net, grads, 1.0)
            opt.update(net, grads)
        sched.step()
    return loss.item()


def accuracy(net: Net) -> float:
    images, labels = load_data(np.random.default_rng(1))
    net.eval()
    correct = 0
    for i in range(0, 32, 8):
        logits = net(images[i : i + 8].ensure_shape(8, 3, 16, 16).trace())
        pred = logits.argmax(axis=1)
        correct += int((pred == labels[i : i + 8]).to(dx.float32).sum().item())
    return correct / 32


model = Net()
final = train(model, 2)
assert np.isfinite(final)
assert 0.0 <= accuracy(model) <= 1.0
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "cnn.npz"
    model.save(path)
    again = Net()
    again.load(path)
