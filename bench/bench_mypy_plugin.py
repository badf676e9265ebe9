"""What the mypy plugin costs: mypy over the type-check programs (and examples/, once there
are some) with the plugin and without, cold and warm cache, in one run.

Usage: python bench/bench_mypy_plugin.py [--rounds 3]
Prints the best time of each side and the ratio with/without (target: at most 1.15).
The two sides alternate within each round so that machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import os
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


def run_mypy(config: Path, cache: Path, paths: list[str]) -> float:
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache)]
    start = time.perf_counter()
    # Exit status 1 (type errors) is expected: the failing programs are part of the corpus.
    done = subprocess.run([*cmd, *paths], cwd=ROOT, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"mypy failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


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
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for side in ("plugin", "plain"):
            cache = work / f"cache-{side}"
            shutil.rmtree(cache, ignore_errors=True)
            for state in ("cold", "warm"):
                t = run_mypy(configs[side], cache, paths)
                key = (side, state)
                best[key] = min(best.get(key, t), t)
    print(f"mypy over {', '.join(paths)}; best of {args.rounds} rounds; cpus={os.cpu_count()}")
    print(f"{'cache':<6} {'plain (s)':>10} {'plugin (s)':>11} {'ratio':>7}")
    for state in ("cold", "warm"):
        plain, plugin = best[("plain", state)], best[("plugin", state)]
        print(f"{state:<6} {plain:>10.2f} {plugin:>11.2f} {plugin / plain:>7.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
