"""Keep freed memory in the process instead of returning it to the OS (glibc only).

A training step allocates and frees the same large buffers every step. glibc serves
allocations above 128 KiB (its default, raised dynamically) with ``mmap`` and gives them
back with ``munmap`` on free, and trims the heap's top above 128 KiB: the next step maps the
memory again and takes one page fault per 4 KiB page it touches (thousands per step for a
small transformer). ``tune()``, run once at ``import dfdx``, raises these thresholds with
``mallopt``: the memory a step frees stays in the heap for the next step. The peak resident
memory is unchanged; the memory between steps stays at the peak instead of falling.

The setting is process-wide. Opt out by setting ``DFDX_MALLOC_TUNING=0`` in the environment
before importing dfdx (docs/performance.md). Elsewhere than glibc Linux it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024
"""Allocations above this still get their own mapping (glibc's largest allowed threshold)."""
TRIM_THRESHOLD = 256 * 1024 * 1024
"""Free memory at the heap's top kept before trimming."""
TOP_PAD = 16 * 1024 * 1024
"""Extra memory requested each time the heap grows."""

tuned = False
"""Whether ``tune()`` changed the allocator's settings in this process."""


def tune() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module's docstring); returns whether
    it did (False when opted out, or not on glibc)."""
    global tuned
    if os.environ.get("DFDX_MALLOC_TUNING", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018  # glibc only (musl's mallopt does nothing)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    tuned = bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        and mallopt(_M_TOP_PAD, TOP_PAD)
    )
    return tuned
