"""Running a script under ``mpiexec`` for the tests (imported as ``import _mpi``).

mpiexec comes with the ``mpich`` wheel of the ``distributed`` extra (which ``dev`` includes),
beside the Python of the virtual environment; tests that need it are skipped, with a reason,
when mpi4py or mpiexec is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def mpiexec() -> str | None:
    """The ``mpiexec`` beside this Python (the mpich wheel's), else the one on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file():
        return str(beside)
    return shutil.which("mpiexec")


def skip_reason() -> str | None:
    """Why MPI tests cannot run here, or None if they can."""
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed (pip install -e '.[distributed]')"
    if mpiexec() is None:
        return "no mpiexec (pip install mpich)"
    return None


needs_mpi = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


def run(
    args: list[str], n: int = 2, *, cwd: Path | None = None, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """``mpiexec -n N python ARGS...`` with one BLAS thread per process."""
    exe = mpiexec()
    assert exe is not None, skip_reason()
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **env,
    }
    return subprocess.run(
        [exe, "-n", str(n), sys.executable, *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
