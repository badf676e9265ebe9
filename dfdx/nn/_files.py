"""File-system care for saving and loading: where a save really writes (through a symlink),
the mode the new file gets, errors that name the user's path, and the sizes an ``.npz``
declares, checked before anything is decompressed."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dfdx._validate import MAX_ELEMENTS

if TYPE_CHECKING:
    from dfdx._typing import AnyTensor

NPY_HEADER_BYTES = 1 << 16
"""Room for a ``.npy`` member's header on top of its data (NumPy writes about 128 bytes)."""

MAX_MEMBER_BYTES = MAX_ELEMENTS * 8
"""The largest member an ``.npz`` may declare when no model says what to expect."""


def destination(path: Path) -> Path:
    """The file a save to ``path`` writes: a symlink's target (the link stays a link), and
    never a folder."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_dir():
        raise IsADirectoryError(f"save: {path} is a folder; give a file name")
    return target


def new_file_mode(target: Path) -> int:
    """The mode of the file being replaced, or the mode a newly created file gets under the
    process's umask (``0o666 & ~umask``, as ``open`` gives)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0)  # the only portable way to read the umask: set it back at once
    os.umask(mask)
    return 0o666 & ~mask


def os_error(op: str, path: Path, e: OSError) -> OSError:
    """``e`` told about ``path``, the user's path (not a hidden temporary file)."""
    reason = e.strerror or str(e)
    err = type(e)(e.errno, f"{op}: cannot write {path}: {reason}", str(path))
    return err if isinstance(err, OSError) else OSError(f"{op}: cannot write {path}: {reason}")


def check_readable(path: Path) -> None:
    """A file to load: present, and not a folder."""
    if path.is_dir():
        raise IsADirectoryError(f"load: {path} is a folder, not a saved file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")


def check_npz_sizes(path: Path, own: Mapping[str, AnyTensor] | None) -> str | None:
    """A message when the zip directory of ``path`` declares a member the model ``own``
    does not have, or one larger than the model's array (or than ``MAX_MEMBER_BYTES``);
    read from the central directory, before any member is decompressed."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return None  # np.load reports a damaged file with its own message
    for info in infos:
        key = info.filename.removesuffix(".npy")
        limit = MAX_MEMBER_BYTES
        if own is not None:
            t = own.get(key)
            if t is None:
                return f"unexpected key {key!r} (not in the model)"
            limit = t._data.nbytes + NPY_HEADER_BYTES
        if info.file_size > limit:
            return (
                f"key {key!r} declares {info.file_size} bytes uncompressed, more than the "
                f"{limit} it can hold"
            )
    return None


def check_safetensors_sizes(
    header: dict[str, Any], own: Mapping[str, AnyTensor] | None
) -> str | None:
    """A message when a ``.safetensors`` header declares a tensor of more bytes than the
    model ``own``'s array of that key could take (8 bytes an element, the widest dtype;
    ``MAX_MEMBER_BYTES`` for a key the model lacks, or without a model): read before any
    tensor's data."""
    for key, info in header.items():
        if key == "__metadata__" or not isinstance(info, dict):
            continue  # the layout checks report a malformed entry
        offsets = info.get("data_offsets")
        if not (isinstance(offsets, list | tuple) and len(offsets) == 2):
            continue
        begin, end = offsets
        if not (isinstance(begin, int) and isinstance(end, int)):
            continue
        t = own.get(key) if own is not None else None
        # a key the model lacks is reported after the layout checks, by name
        limit = MAX_MEMBER_BYTES if t is None else t._data.size * 8
        if end - begin > limit:
            return f"key {key!r} declares {end - begin} bytes, more than the {limit} it can hold"
    return None
