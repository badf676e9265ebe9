"""The plugin's shape of every intermediate of random well-typed programs equals the shape the
runtime gives: small programs (creation from literal sizes, then a chain of movement,
reduction, broadcasting, matmul and indexing ops) are generated from a seed, mypy with the
plugin checks all of them in one run with ``reveal_type`` on each variable, and each program is
run to compare."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

PROGRAMS = int(os.environ.get("DFDX_PLUGIN_PROGRAMS", "30"))
STEPS = 6
ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "typecheck" / "mypy_plugin.ini"


OPS = ["reshape", "permute", "transpose", "unsqueeze", "squeeze", "sum", "mean", "add", "matmul"]
OPS += ["flatten", "softmax", "slice", "concat"]


def _step(rng: np.random.Generator, shape: tuple[int, ...], v: str) -> tuple[str, Any] | None:
    """One op on ``v`` (of ``shape``): its source, and what NumPy makes of the shape (to
    keep the program well-typed). None when the drawn op does not fit."""
    n = len(shape)
    kind = str(rng.choice(OPS))
    a = np.zeros(shape)
    if kind == "reshape":
        dims = [int(d) for d in rng.permutation(list(shape))] if n else []
        return f"dx.reshape({v}, {', '.join(map(str, dims))})", a.reshape(dims)
    if kind == "permute" and n:
        perm = [int(p) for p in rng.permutation(n)]
        return f"dx.permute({v}, {', '.join(map(str, perm))})", a.transpose(perm)
    if kind == "transpose" and n >= 2:
        i, j = (int(x) for x in rng.integers(-n, n, 2))
        return f"dx.transpose({v}, {i}, {j})", np.swapaxes(a, i, j)
    if kind == "unsqueeze" and n < 4:
        i = int(rng.integers(-n - 1, n + 1))
        return f"dx.unsqueeze({v}, {i})", np.expand_dims(a, i)
    if kind == "squeeze" and 1 in shape:
        i = shape.index(1)
        return f"dx.squeeze({v}, {i})", np.squeeze(a, i)
    if kind in ("sum", "mean") and n:
        i = int(rng.integers(-n, n))
        keep = bool(rng.random() < 0.5)
        return f"{v}.{kind}(axis={i}, keepdims={keep})", a.sum(axis=i, keepdims=keep)
    if kind == "add" and n:
        other = tuple(1 if rng.random() < 0.3 else d for d in shape[int(rng.integers(0, n)) :])
        sizes = ", ".join(map(str, other))
        return f"{v} + dx.randn({sizes})", a + np.zeros(other)
    if kind == "matmul" and n >= 1:
        k = int(rng.integers(1, 4))
        return f"{v} @ dx.randn({shape[-1]}, {k})", a @ np.zeros((shape[-1], k))
    if kind == "flatten" and n >= 2:
        return f"dx.flatten({v}, 0, 1)", a.reshape(-1, *shape[2:])
    if kind == "softmax" and n:
        return f"dx.softmax({v}, axis={int(rng.integers(-n, n))})", a
    if kind == "slice" and n:
        start, stop = sorted(int(x) for x in rng.integers(0, shape[0] + 1, 2))
        return f"{v}[{start}:{stop}]", a[start:stop]
    if kind == "concat" and n:
        i = int(rng.integers(-n, n))
        return f"dx.concat([{v}, {v}], axis={i})", np.concatenate([a, a], axis=i)
    return None


def program(seed: int) -> tuple[str, list[str]]:
    """A program's source and the names of its tensors, in order."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in rng.integers(1, 5, int(rng.integers(1, 4))))
    lines = ["import dfdx as dx", "from typing import reveal_type", ""]
    lines.append(f"v0 = dx.randn({', '.join(map(str, shape))})")
    names = ["v0"]
    while len(names) <= STEPS:
        drawn = _step(rng, shape, names[-1])
        if drawn is None:
            continue
        source, result = drawn
        names.append(f"v{len(names)}")
        lines.append(f"{names[-1]} = {source}")
        shape = tuple(result.shape)
    lines += [f"reveal_type({v})" for v in names]
    return "\n".join(lines) + "\n", names


_REVEALED = re.compile(r'Revealed type is "dfdx\._tensor\.Tensor\[(?P<dims>.*)\]"')


def _static_shape(revealed: str) -> tuple[int, ...] | str:
    """``Tensor[Literal[2], Literal[3], NoneTape]`` as (2, 3), or the text when a size is not
    a literal."""
    m = _REVEALED.search(revealed)
    if m is None:
        return revealed
    dims = [d.strip() for d in m["dims"].split(",")][:-1]  # the last one is the tape
    sizes = [re.fullmatch(r"Literal\[(\d+)\]\??", d) for d in dims]
    if not all(sizes):
        return revealed
    return tuple(int(s[1]) for s in sizes if s)


def test_plugin_shapes_equal_runtime_shapes(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    files = []
    for seed in range(PROGRAMS):
        source, _ = program(seed)
        path = tmp_path / f"prog_{seed}.py"
        path.write_text(source)
        files.append(path)
    argv = [sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--output", "json"]
    argv += ["--cache-dir", str(tmp_path / ".mypy_cache"), "--no-error-summary"]
    env = {**os.environ, "DFDX_PLUGIN_DEBUG": "1"}
    done = subprocess.run(
        argv + [str(f) for f in files], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "INTERNAL ERROR" not in done.stdout + done.stderr, done.stderr[-3000:]
    revealed: dict[tuple[str, int], str] = {}
    errors = []
    for raw in done.stdout.splitlines():
        d = json.loads(raw)
        if d["severity"] == "error":
            errors.append(f"{Path(d['file']).name}:{d['line']}: {d['message']}")
        elif d["message"].startswith("Revealed type"):
            revealed[(Path(d["file"]).name, d["line"])] = d["message"]
    assert not errors, "well-typed programs were rejected:\n" + "\n".join(errors[:20])
    mismatches = []
    compared = 0
    for seed, path in enumerate(files):
        source, names = program(seed)
        env_vars: dict[str, Any] = {}
        code = source.replace("from typing import reveal_type", "reveal_type = lambda v: v")
        exec(compile(code, str(path), "exec"), env_vars)
        first = len(source.splitlines()) - len(names) + 1
        for i, name in enumerate(names):
            static = _static_shape(revealed.get((path.name, first + i), "nothing revealed"))
            runtime = tuple(env_vars[name].shape)
            compared += 1
            if static != runtime:
                line = source.splitlines()[i + 3]
                mismatches.append(f"{path.name} {line!r}: plugin {static}, runtime {runtime}")
    assert compared == PROGRAMS * (STEPS + 1)
    assert not mismatches, "\n".join(mismatches[:30])
