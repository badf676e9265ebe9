"""Saving and loading a module's arrays: ``.npz`` or ``.safetensors``, by the file's suffix.

Keys are PyTorch's state_dict keys, so ``torch_model.load_state_dict`` reads what
``model.save`` writes. Saving is atomic: the file is written beside its destination and then
renamed over it with ``os.replace``. Loading reads and checks every array (no pickles: a file
never runs code) before the caller changes anything.

``.safetensors`` files are read here, not by the ``safetensors`` package (needed for saving
only): its NumPy API cannot hold the bfloat16 weights PyTorch checkpoints often have. The
format is 8 bytes (the header's length, little-endian), a JSON header giving each tensor's
dtype, shape and byte range, then the raw little-endian data. bfloat16 is read as float32
(the top 16 bits of a float32, so exactly); a dtype dfdx cannot represent is a
:class:`LoadError` that names it.
"""

from __future__ import annotations

import json
import math
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
    """A saved file that does not fit the module: missing, extra or mis-shaped arrays, a dtype
    that does not convert to the model's without loss or that dfdx cannot read (float8,
    complex), or a file that is not a valid ``.npz``/``.safetensors``."""

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
    return _load_safetensors(path, own)


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
    """``safetensors.numpy``, imported only when a ``.safetensors`` file is saved."""
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            ".safetensors files need the safetensors package: pip install safetensors"
        ) from None
    return safetensors.numpy


SAFETENSORS_DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype(np.bool_),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"),
    "I16": np.dtype("<i2"),
    "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"),
    "U64": np.dtype("<u8"),
    "I64": np.dtype("<i8"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # raw bits, widened to float32 by _bfloat16_to_float32
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}
"""The safetensors dtypes that load, and how their bytes are read."""

_MAX_HEADER = 100_000_000  # the safetensors package's own limit


def _bfloat16_to_float32(bits: Array) -> Array:
    """bfloat16 values (as uint16 bits) in float32: the same bits shifted into the top half."""
    wide: Array = (bits.astype(np.uint32) << 16).view(np.float32)
    return wide


def _load_safetensors(path: Path, own: Mapping[str, AnyTensor] | None = None) -> dict[str, Array]:
    def bad(why: str) -> LoadError:
        return LoadError(f"{path}: not a valid .safetensors file ({why})")

    with open(path, "rb") as f:
        total = os.fstat(f.fileno()).st_size
        head = f.read(8)
        if len(head) < 8:
            raise bad(f"{len(head)} bytes, shorter than the 8-byte header length")
        size = int.from_bytes(head, "little")
        if size > min(total - 8, _MAX_HEADER):
            raise bad(f"header of {size} bytes in a file of {total}")
        try:
            header = json.loads(f.read(size).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise bad(f"header is not JSON: {e}") from None
        if not isinstance(header, dict):
            raise bad("header is not a JSON object")
        # the sizes the header declares, checked before any tensor's data is read
        problem = _files.check_safetensors_sizes(header, own)
        if problem is not None:
            raise LoadError(f"{path}: {problem}")
        data = f.read()
    buffer = memoryview(data)
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    spans = sorted((_span(bad, key, info, len(buffer)), key) for key, info in entries.items())
    end = 0
    for (begin, stop), key in spans:
        if begin != end:
            raise bad(f"key {key!r} starts at byte {begin}, the data before ends at {end}")
        end = stop
    if end != len(buffer):
        raise bad(f"the tensors take {end} bytes of data, the file holds {len(buffer)}")
    out: dict[str, Array] = {}
    for key, info in entries.items():
        kind = info["dtype"]
        if kind not in SAFETENSORS_DTYPES:
            known = ", ".join(SAFETENSORS_DTYPES)
            raise LoadError(
                f"{path}: key {key!r} has dtype {kind}, which dfdx cannot load (it loads {known})"
            )
        begin, stop = info["data_offsets"]
        dtype = SAFETENSORS_DTYPES[kind]
        flat = np.frombuffer(buffer[begin:stop], dtype=dtype)
        array = (
            _bfloat16_to_float32(flat) if kind == "BF16" else flat.astype(dtype.newbyteorder("="))
        )
        out[key] = array.reshape(info["shape"])
    return out


_ITEMSIZE = {"F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "C64": 8, "C128": 16}
"""Sizes of dtypes that do not load, so that the file's layout is still checked whole."""


def _span(bad: Any, key: str, info: object, available: int) -> tuple[int, int]:
    """The byte range of ``key``, checked against its dtype, its shape and the data."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise bad(f"key {key!r} lacks dtype, shape or data_offsets")
    kind, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    ints = (list, tuple)
    if (
        not isinstance(kind, str)
        or not isinstance(shape, ints)
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
        or not isinstance(offsets, ints)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    ):
        raise bad(f"key {key!r} has a malformed entry {info!r}")
    begin, stop = offsets
    if not 0 <= begin <= stop <= available:
        raise bad(f"key {key!r} spans bytes {begin} to {stop} of {available}")
    itemsize = (
        SAFETENSORS_DTYPES[kind].itemsize if kind in SAFETENSORS_DTYPES else _ITEMSIZE.get(kind)
    )
    if itemsize is not None and stop - begin != math.prod(shape) * itemsize:
        raise bad(
            f"key {key!r} of dtype {kind} and shape {list(shape)} needs "
            f"{math.prod(shape) * itemsize} bytes, has {stop - begin}"
        )
    return begin, stop


def check_state(
    own: Mapping[str, AnyTensor], state: Mapping[str, Any], *, source: str
) -> dict[str, Array]:
    """The arrays of ``state``, checked against the module's tensors ``own``: the same keys,
    and for each key the same shape and the same dtype or one that widens to it without loss
    (float16 to float32, float32 to float64, int32 to int64), converted. Raises
    :class:`LoadError` naming the key."""
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
            if not _widens(a.dtype, want.dtype):
                raise LoadError(
                    f"{source}: key {key!r} has dtype {a.dtype}, the model's is {want.dtype}"
                )
            a = a.astype(want.dtype)
        out[key] = a
    return out


def _widens(have: np.dtype[Any], want: np.dtype[Any]) -> bool:
    """Whether ``have`` converts to ``want`` exactly and stays a float (or an integer)."""
    family = {"f": "f", "i": "i", "u": "i"}
    same = family.get(have.kind) is not None and family.get(have.kind) == family.get(want.kind)
    return same and bool(np.can_cast(have, want, "safe"))
