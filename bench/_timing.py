"""The timing harness the benchmarks in bench/ share (see bench/README.md).

Import this module before numpy or torch: importing it sets one BLAS/OpenMP thread, which
only takes effect if it is set before numpy (or torch) loads. It provides ``Race`` (cases
timed in alternating rounds, best of each), ``arg_parser`` (the flags every script takes),
``use_torch`` (torch, single-threaded, when installed), ``describe_machine`` (the header
every benchmark prints) and the table helpers.
"""

# One BLAS/OpenMP thread on every side: these must be set before numpy (or torch) loads.
# DFDX_BENCH_THREADS=N (bench/run.py --threads) runs N on every side instead.
import os

THREADS = int(os.environ.get("DFDX_BENCH_THREADS", "1"))
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import argparse  # noqa: E402
import ctypes  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

try:
    import torch
except ImportError:  # the torch columns are skipped
    torch = None  # type: ignore[assignment]

Fn = Callable[[], object]


def arg_parser(
    description: str, steps: int, steps_help: str = "steps per round and side"
) -> argparse.ArgumentParser:
    """A parser with the flags every benchmark takes: ``--rounds``, ``--steps``, ``--no-torch``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--rounds", type=int, default=15, help="alternating rounds (best is kept)")
    p.add_argument("--steps", type=int, default=steps, help=steps_help)
    p.add_argument("--no-torch", action="store_true", help="skip torch even if installed")
    return p


def use_torch(no_torch: bool) -> bool:
    """Whether the torch side runs (installed, and not turned off by ``--no-torch``); if it
    does, torch is set to one thread."""
    with_torch = torch is not None and not no_torch
    if with_torch:
        torch.set_num_threads(THREADS)
    return with_torch


def _time_per_call(fn: Fn, calls: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``fn`` over ``calls`` back-to-back calls."""
    gc.collect()
    start = clock()
    for _ in range(calls):
        fn()
    return (clock() - start) / calls


class Race:
    """Cases timed in alternating rounds; each keeps its best (smallest) time per call.

    A case is ``(name, make, calls)``: ``make()`` runs once per round, untimed, and returns
    the function to call (so that per-round state, such as a fresh tape, is not timed).
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.cases: list[tuple[str, Callable[[], Fn], int]] = []
        self.best: dict[str, float] = {}
        self.clock = clock

    def add(self, name: str, make: Callable[[], Fn], calls: int) -> None:
        self.cases.append((name, make, calls))

    def run(self, rounds: int) -> dict[str, float]:
        # Everything set up so far is long-lived: freeze it, so that the collection before
        # each timed block does not walk torch's and numpy's objects (100 ms each otherwise).
        gc.collect()
        gc.freeze()
        for r in range(rounds):
            shift = r % len(self.cases)
            for name, make, calls in self.cases[shift:] + self.cases[:shift]:
                fn = make()
                fn()  # warm-up call, untimed
                t = _time_per_call(fn, calls, self.clock)
                self.best[name] = min(t, self.best.get(name, float("inf")))
        return self.best


def openblas_core() -> str:
    """Which OpenBLAS kernel NumPy's BLAS runs, asked from the loaded library (best effort;
    threadpoolctl reports the same when installed)."""
    try:
        from threadpoolctl import threadpool_info  # type: ignore[import-not-found]  # optional

        for info in threadpool_info():
            if info.get("internal_api") == "openblas":
                return f"{info.get('architecture')}, {info.get('num_threads')} thread(s)"
    except ImportError:
        pass
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return "unknown"
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in (
            "scipy_openblas_get_corename64_",
            "scipy_openblas_get_corename",
            "openblas_get_corename64_",
            "openblas_get_corename",
        ):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return str(fn().decode())
    return "unknown"


def describe_machine(with_torch: bool) -> None:
    """Print the CPU, the NumPy/BLAS and torch versions and the thread settings."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    print(f"machine: {cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}")
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    print(
        f"numpy {np.__version__}, BLAS {blas.get('name', '?')} {blas.get('version', '')}"
        f" kernel {openblas_core()}"
        + "".join(
            f", {v}={os.environ[v]}"
            for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
            if v in os.environ
        )
    )
    if with_torch:
        print(
            f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
            f"CPU capability {torch.backends.cpu.get_cpu_capability()}"
        )
    else:
        print("torch not installed: torch columns skipped")
    n = THREADS
    torch_threads = f", torch.set_num_threads({n})" if with_torch else ""
    print(f"threads: {n} on every side (OPENBLAS/OMP/MKL_NUM_THREADS={n}{torch_threads})")


def us(seconds: float | None) -> str:
    """Microseconds, 2 decimals, or "-" for a side that did not run."""
    return "-" if seconds is None else f"{seconds * 1e6:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    """``a / b``, 2 decimals, or "-" when either side did not run."""
    return "-" if a is None or b is None else f"{a / b:.2f}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """The first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        cells = zip(r, widths, strict=True)
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells)))
