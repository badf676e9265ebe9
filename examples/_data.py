"""Data for the examples: scikit-learn's bundled 8x8 digits, or the MNIST IDX files.

This lives beside the examples, not in the library: reading a dataset's files is the
examples' business, and dfdx keeps a small public surface (a tensor is built from any NumPy
array with ``dx.tensor``).

``DFDX_EXAMPLES_QUICK=1`` in the environment makes the examples run a few steps only (the
test suite smoke-runs them that way): :data:`QUICK`.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, Tensor

QUICK = os.environ.get("DFDX_EXAMPLES_QUICK", "") not in ("", "0")
"""Whether to run a few steps only (``DFDX_EXAMPLES_QUICK=1``)."""

F = TypeVar("F", bound=int)

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def small_matrices_one_thread() -> None:
    """Run BLAS on one thread, unless the environment says otherwise (``OMP_NUM_THREADS``...).

    The examples' matrices are small (a batch of 32 by a few hundred features): a second BLAS
    thread saves nothing there, and on a busy machine its threads wait for each other (the
    digits MLP measured 3 s on one thread, 30 s on two, with the cores shared)."""
    if any(v in os.environ for v in _THREAD_VARS):
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


# IDX: 2 zero bytes, a type code, the number of axes, each size as a big-endian uint32, then
# the values, big-endian (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS").
IDX_TYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class IdxError(ValueError):
    """A file that is not a valid IDX file, or not the one expected."""


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """The array held by the IDX file contents ``data`` (``name`` is used in errors)."""
    if len(data) < 4:
        raise IdxError(f"{name}: not an IDX file: {len(data)} bytes, shorter than the header")
    if data[0] != 0 or data[1] != 0:
        raise IdxError(
            f"{name}: not an IDX file: it starts with {data[:2].hex()}, not 0000 "
            "(a .gz file not named .gz?)"
        )
    code, ndim = data[2], data[3]
    if code not in IDX_TYPES:
        raise IdxError(f"{name}: unknown IDX element type 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"{name}: truncated header: {ndim} sizes need {header} bytes")
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[code])
    want = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != want:
        raise IdxError(
            f"{name}: shape {shape} of {dtype.name} needs {want} bytes of data, "
            f"the file has {len(data) - header}"
        )
    values = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array in the IDX file ``path``; a name ending in ``.gz`` is gunzipped first."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such IDX file")
    raw = p.read_bytes()
    if p.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise IdxError(f"{p}: not a valid .gz file ({e})") from None
    return parse_idx(raw, str(p))


def find_idx(folder: Path, stem: str) -> Path:
    """``folder/stem``, ``folder/stem.gz`` or the dotted variant (``train-images.idx3-ubyte``)."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, f"{stem}.gz", dotted, f"{dotted}.gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"{folder}: no {stem} (or {stem}.gz); the MNIST folder needs the four files "
        + ", ".join(f"{a}, {b}" for a, b in MNIST_FILES.values())
    )


@dataclass(frozen=True)
class Split(Generic[F]):
    """Images flattened to ``F`` features in ``[0, 1]`` and their int64 labels."""

    images: Tensor[Dyn, F, NoneTape]
    labels: Tensor[Dyn, NoneTape]
    side: int
    """Images are ``side`` x ``side`` pixels."""

    @property
    def features(self) -> F:
        return cast(F, self.images.shape[1])

    def __len__(self) -> int:
        return self.images.shape[0]

    def batch(self, indices: np.ndarray) -> tuple[Tensor[Dyn, F, NoneTape], Tensor[Dyn, NoneTape]]:
        """The images and labels at ``indices`` (a 1-d int array)."""
        idx = dx.tensor(indices, dtype=dx.int64).ensure_shape(None)
        return self.images.index_select(0, idx), self.labels.index_select(0, idx)


def _split(
    images: np.ndarray, labels: np.ndarray, scale: float, name: str
) -> tuple[Tensor[Dyn, Dyn, NoneTape], Tensor[Dyn, NoneTape]]:
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise IdxError(f"{name}: expected square images (n, side, side), got {images.shape}")
    if labels.shape != images.shape[:1]:
        raise IdxError(f"{name}: labels of shape {labels.shape} for {images.shape[0]} images")
    flat = (images.reshape(len(images), -1) / scale).astype(np.float32)
    x: Tensor[Dyn, Dyn, NoneTape] = dx.tensor(flat)
    y: Tensor[Dyn, NoneTape] = dx.tensor(labels.astype(np.int64), dtype=dx.int64)
    return x, y


def load_digits(test_fraction: float = 0.2) -> tuple[Split[Literal[64]], Split[Literal[64]]]:
    """scikit-learn's 1797 bundled 8x8 digits (no download), shuffled with a fixed seed and
    split into train and test."""
    from sklearn.datasets import load_digits as sk_load_digits

    digits: Any = sk_load_digits()
    images = np.asarray(digits.images)
    labels = np.asarray(digits.target)
    order = np.random.default_rng(0).permutation(len(images))
    n_test = int(len(images) * test_fraction)
    parts = (order[n_test:], order[:n_test])
    out = []
    for part in parts:
        x, y = _split(images[part], labels[part], 16.0, "digits")
        out.append(Split(x.ensure_shape(None, 64), y, side=8))
    return out[0], out[1]


def load_mnist(folder: str | os.PathLike[str]) -> tuple[Split[Literal[784]], Split[Literal[784]]]:
    """The MNIST IDX files in ``folder`` (raw or ``.gz``): 60000 train, 10000 test, 28x28."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (expected the four MNIST IDX files)")
    out = []
    for split, (images_stem, labels_stem) in MNIST_FILES.items():
        images = read_idx(find_idx(root, images_stem))
        labels = read_idx(find_idx(root, labels_stem))
        x, y = _split(images, labels, 255.0, f"{root} ({split})")
        out.append(Split(x.ensure_shape(None, 784), y, side=28))
    return out[0], out[1]
