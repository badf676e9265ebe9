"""dfdx's vectorized erf against the exact per-element one (``math.erf`` through
``np.frompyfunc``, what dfdx used before) and torch.erf, on float32 and float64 arrays.

Usage: python bench/bench_erf.py [--rounds 7] [--sizes 100,1000,100000,1000000] [--quick]

Alternating rounds, best of each side, one thread everywhere; prints microseconds per call and
the speed-up over the per-element version.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from dfdx.ops._special import _erf_block, erf  # noqa: E402

try:
    import torch
except ImportError:
    torch = None  # type: ignore[assignment]

_per_element = np.frompyfunc(math.erf, 1, 1)


def per_element(x: np.ndarray) -> np.ndarray:
    return np.asarray(_per_element(x), dtype=x.dtype)


def vectorized_always(x: np.ndarray) -> np.ndarray:
    """The vectorized kernel even below erf's small-size cut-over (unblocked)."""
    return _erf_block(x.astype(np.float64)).astype(x.dtype, copy=False)


def best_time(fn: Callable[[], object], min_seconds: float) -> float:
    calls, elapsed = 0, 0.0
    best = float("inf")
    while elapsed < min_seconds or calls < 3:
        start = time.perf_counter()
        fn()
        t = time.perf_counter() - start
        best = min(best, t)
        elapsed += t
        calls += 1
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--sizes", default="100,1000,100000,1000000")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.sizes = 2, "1000,100000"
    if torch is not None:
        torch.set_num_threads(1)
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(0)
    sides: dict[str, Callable[[Any], object]] = {
        "per-element": per_element,
        "dfdx erf": erf,
        "vectorized only": vectorized_always,
    }
    cases = []
    for dtype in (np.float32, np.float64):
        for n in sizes:
            x = rng.uniform(-3, 3, n).astype(dtype)
            for side, fn in sides.items():
                cases.append((dtype.__name__, n, side, lambda fn=fn, x=x: fn(x)))
            if torch is not None:
                tx = torch.from_numpy(x)
                cases.append((dtype.__name__, n, "torch.erf", lambda tx=tx: torch.erf(tx)))
    best: dict[tuple[str, int, str], float] = {}
    for r in range(args.rounds):
        shift = r % len(cases)
        for dt, n, side, fn in cases[shift:] + cases[:shift]:
            key = (dt, n, side)
            best[key] = min(best.get(key, float("inf")), best_time(fn, 0.02))
    columns = [*sides, *(["torch.erf"] if torch is not None else [])]
    print("microseconds per call (best); speed-up = per-element time / dfdx erf time")
    print(f"{'dtype':8s} {'n':>8s} " + " ".join(f"{c:>16s}" for c in columns) + "  speed-up")
    for dt in ("float32", "float64"):
        for n in sizes:
            row = [best[dt, n, c] * 1e6 for c in columns]
            speedup = best[dt, n, "per-element"] / best[dt, n, "dfdx erf"]
            cells = " ".join(f"{v:16.1f}" for v in row)
            print(f"{dt:8s} {n:8d} {cells}  {speedup:7.2f}x")
    if torch is None:
        print("torch not installed: torch.erf column skipped")


if __name__ == "__main__":
    main()
