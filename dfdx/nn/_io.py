"""Saving and loading a module's arrays: ``.npz`` or ``.safetensors``, by the file's suffix.

Keys are PyTorch's state_dict keys, so ``torch_model.load_state_dict`` reads what
``model.save`` writes. Saving is atomic: the file is written beside its destination and then
renamed over it with ``os.replace``. Loading reads and checks every array (no pickles: a file
never runs code) before the caller changes anything.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dfdx._backend import Array
from dfdx.nn import _files
from dfdx_mypy_plugin.shapes import fmt

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor

SUFFIXES = (".npz", ".safetensors")


class LoadError(ValueError):
    """A saved file that does not fit the module: missing, extra or mis-shaped arrays, or a
    file that is not a valid ``.npz``/``.safetensors``."""

    __module__ = "dfdx.nn"  # its public name, as tracebacks print it


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: unknown file type {suffix!r}; use .npz or .safetensors")
    return suffix


def save_arrays(path: Path, arrays: Mapping[str, Array]) -> None:
    """Write ``arrays`` to ``path`` atomically (temp file in the same folder, then rename)."""
    kind = _format(path)
    for key, value in arrays.items():
        if value.dtype.hasobject:
            raise ValueError(f"save: key {key!r} holds Python objects; only numeric arrays")
    contiguous: dict[str, Any] = {k: np.require(v, requirements="C") for k, v in arrays.items()}
    user_path, path = path, _files.destination(path)
    mode = _files.new_file_mode(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise _files.os_error("save", user_path, e) from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            if kind == ".npz":
                np.savez(f, **contiguous)
            else:
                f.write(_safetensors().save(contiguous))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _files.os_error("save", user_path, e) from None
        raise


def load_arrays(path: Path, own: Mapping[str, AnyTensor] | None = None) -> dict[str, Array]:
    """Every array in ``path``, read fully (a damaged file fails here, naming the key). With
    the model's tensors ``own``, an ``.npz`` whose directory declares a key the model lacks or
    a member larger than the model's array is refused before anything is decompressed."""
    kind = _format(path)
    _files.check_readable(path)
    if kind == ".npz":
        problem = _files.check_npz_sizes(path, own)
        if problem is not None:
            raise LoadError(f"{path}: {problem}")
        return _load_npz(path)
    return _load_safetensors(path)


def _load_npz(path: Path) -> dict[str, Array]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise LoadError(f"{path}: not a valid .npz file ({e})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise LoadError(f"{path}: not a .npz archive (a single .npy array?)")
    out: dict[str, Array] = {}
    with archive:
        for key in archive.files:
            try:
                out[key] = archive[key]
            except Exception as e:  # zlib, zipfile, EOF, pickled objects: all the same here
                raise LoadError(f"{path}: key {key!r} cannot be read: {e}") from None
    return out


def _safetensors() -> Any:
    """``safetensors.numpy``, imported only when a ``.safetensors`` file is used."""
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            ".safetensors files need the safetensors package: pip install safetensors"
        ) from None
    return safetensors.numpy


def _load_safetensors(path: Path) -> dict[str, Array]:
    module = _safetensors()
    from safetensors import SafetensorError

    data = path.read_bytes()
    try:
        arrays: dict[str, Array] = module.load(data)
    except (SafetensorError, ValueError, OSError) as e:
        raise LoadError(f"{path}: not a valid .safetensors file ({e})") from None
    return arrays


def check_state(
    own: Mapping[str, AnyTensor], state: Mapping[str, Any], *, source: str
) -> dict[str, Array]:
    """The arrays of ``state``, checked against the module's tensors ``own``: the same keys,
    and for each key the same shape and dtype. Raises :class:`LoadError` naming the key."""
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    if missing:
        raise LoadError(f"{source}: missing key {missing[0]!r} (missing: {', '.join(missing)})")
    if extra:
        raise LoadError(f"{source}: unexpected key {extra[0]!r} (extra: {', '.join(extra)})")
    out: dict[str, Array] = {}
    for key, t in own.items():
        value = state[key]
        a = value._data if hasattr(value, "_data") else value
        if not isinstance(a, np.ndarray):
            raise LoadError(f"{source}: key {key!r} is a {type(a).__name__}, not an array")
        want = t._data
        if a.shape != want.shape:
            raise LoadError(
                f"{source}: key {key!r} has shape {fmt(a.shape)}, the model's is {fmt(want.shape)}"
            )
        if a.dtype != want.dtype:
            raise LoadError(
                f"{source}: key {key!r} has dtype {a.dtype}, the model's is {want.dtype}"
            )
        out[key] = a
    return out
