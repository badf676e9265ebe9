"""What the mypy plugin costs: mypy over the type-check programs (and examples/, once there
are some) with the plugin and without, cold and warm cache, in one run.

Usage: python bench/bench_mypy_plugin.py [--rounds 3]
Prints the best time of each side and the ratio with/without (target: at most 1.15), as wall
time and as the mypy process's CPU time (user + system; steadier on a shared machine, where
another job's load stretches wall time but not CPU time). The two sides alternate within each
round so that machine noise hits both alike.

The comparison is fair: both sides run the same mypy on the same paths with the same
configuration (mypy's defaults, so ``follow_imports = normal`` on both) and check the same
files (the line "checked N source files" must agree, or the bench stops). The failing programs
are part of the corpus on both sides; mypy does not stop at non-blocking errors, so neither side
checks less for having more errors (a blocking error, e.g. a syntax error, stops the bench).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Bytecode caching on, as on a user's machine: with PYTHONDONTWRITEBYTECODE set (these
machines set it) every run recompiles the plugin's sources, which a warm run then mostly
measures."""


def targets() -> list[str]:
    found = [p for p in ("tests/typecheck", "examples") if (ROOT / p).is_dir()]
    if not found:
        sys.exit("nothing to check: tests/typecheck and examples/ are missing")
    return found


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_mypy(config: Path, cache: Path, paths: list[str]) -> tuple[float, float, str]:
    """Wall time, CPU time and the number of files mypy checked."""
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache)]
    cpu, start = _child_cpu(), time.perf_counter()
    # Exit status 1 (type errors) is expected: the failing programs are part of the corpus.
    done = subprocess.run([*cmd, *paths], cwd=ROOT, capture_output=True, text=True, env=ENV)
    elapsed, cpu = time.perf_counter() - start, _child_cpu() - cpu
    checked = re.search(r"(\d+) source files?", done.stdout)
    if done.returncode not in (0, 1) or checked is None:
        sys.exit(f"mypy failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, cpu, checked.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths = targets()
    work = Path(tempfile.mkdtemp(prefix="dfdx-mypy-bench-"))
    configs = {}
    for side, plugins in (("plugin", "plugins = dfdx_mypy_plugin\n"), ("plain", "")):
        configs[side] = work / f"{side}.ini"
        configs[side].write_text(f"[mypy]\n{plugins}")
    best: dict[tuple[str, str, str], float] = {}
    checked: set[str] = set()
    for r in range(args.rounds):
        for side in ("plugin", "plain") if r % 2 == 0 else ("plain", "plugin"):
            cache = work / f"cache-{side}"
            shutil.rmtree(cache, ignore_errors=True)
            for state in ("cold", "warm"):
                wall, cpu, n = run_mypy(configs[side], cache, paths)
                checked.add(n)
                for clock, t in (("wall", wall), ("cpu", cpu)):
                    key = (side, state, clock)
                    best[key] = min(best.get(key, t), t)
    if len(checked) != 1:
        sys.exit(f"the two sides checked different numbers of files: {sorted(checked)}")
    print(
        f"mypy over {', '.join(paths)} ({checked.pop()} files); best of {args.rounds} rounds; "
        f"cpus={os.cpu_count()}"
    )
    print(f"{'cache':<6} {'clock':<5} {'plain (s)':>10} {'plugin (s)':>11} {'ratio':>7}")
    for state in ("cold", "warm"):
        for clock in ("wall", "cpu"):
            plain, plugin = best[("plain", state, clock)], best[("plugin", state, clock)]
            print(f"{state:<6} {clock:<5} {plain:>10.2f} {plugin:>11.2f} {plugin / plain:>7.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
