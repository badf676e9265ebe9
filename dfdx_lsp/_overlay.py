"""A mypy file-system cache that reads open editor buffers instead of the files on disk.

mypy reads every source through its ``FileSystemCache`` (``read``, ``hash_digest``,
``stat_or_none``), and its daemon notices a changed file by its size, mtime and hash. Serving
an open buffer's text from here makes mypy check what the user sees, unsaved, with no shadow
copy on disk; the buffer's version stands in for the mtime, so each edit reads as a change.
"""

from __future__ import annotations

import os

from mypy.fscache import FileSystemCache
from mypy.util import hash_digest


class OverlayFileSystemCache(FileSystemCache):
    def __init__(self) -> None:
        self._buffers: dict[str, bytes] = {}
        self._versions: dict[str, int] = {}
        self._edits = 0
        super().__init__()

    def set_buffer(self, path: str, text: str) -> None:
        """Serve ``text`` for ``path`` until :meth:`drop_buffer`."""
        key = os.path.abspath(path)
        self._edits += 1
        self._buffers[key] = text.encode("utf-8")
        self._versions[key] = self._edits

    def drop_buffer(self, path: str) -> None:
        """Read ``path`` from disk again (the editor closed it)."""
        key = os.path.abspath(path)
        self._buffers.pop(key, None)
        self._versions.pop(key, None)

    def stat_or_none(self, path: str) -> os.stat_result | None:
        key = os.path.abspath(path)
        data = self._buffers.get(key)
        if data is None:
            return super().stat_or_none(path)
        real = super().stat_or_none(path)
        mode = real.st_mode if real is not None else 0o100644
        # (mode, ino, dev, nlink, uid, gid, size, atime, mtime, ctime): the daemon compares
        # int(mtime) and size, so the buffer's edit counter is its mtime.
        version = self._versions[key]
        return os.stat_result((mode, 0, 0, 1, 0, 0, len(data), version, version, version))

    def read(self, path: str) -> bytes:
        data = self._buffers.get(os.path.abspath(path))
        if data is None:
            return super().read(path)
        self.read_cache[path] = data
        self.hash_cache[path] = hash_digest(data)
        return data

    def hash_digest(self, path: str) -> str:
        data = self._buffers.get(os.path.abspath(path))
        if data is None:
            return super().hash_digest(path)
        return hash_digest(data)
