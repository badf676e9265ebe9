"""Which layers and ops claim a rank they cannot know, without the plugin: each is called on a
value typed ``Any`` and on a tensor of unknown rank (``DynTensor``), and pyright and plain mypy
(``mypy.ini``) are asked which ranks (0 to 5) the result may be assigned to. A result that
refuses a rank the call could give for some input is a claim (``Linear`` on ``Any`` was rank 2
under pyright). Not a test: run it by hand, ``python tests/typecheck/untyped_ranks.py``;
``--all`` prints every call, not only the claims."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

SETUP = """from typing import Any
from typing import Literal as L

import dfdx as dx
from dfdx import DynTensor, NoneTape, Tensor, nn

a: Any = dx.randn(2, 3, 4, 4)
u: DynTensor[NoneTape] = dx.randn(2, 3, 4, 4)
lin: nn.Linear[L[4], L[5]] = nn.Linear(4, 5)
ln: nn.LayerNorm[L[4]] = nn.LayerNorm(4)
rms: nn.RMSNorm[L[4]] = nn.RMSNorm(4)
gn: nn.GroupNorm[L[3]] = nn.GroupNorm(1, 3)
emb: nn.Embedding[L[10], L[4]] = nn.Embedding(10, 4)
lpe: nn.LearnedPositionalEmbedding[L[4]] = nn.LearnedPositionalEmbedding(8, 4)
spe: nn.SinusoidalPositionalEncoding[L[4]] = nn.SinusoidalPositionalEncoding(8, 4)
"""

ANY_RANK = "012345"
CALLS = {  # call (X: the probe value) -> the ranks (of 0..5) it can give for some input
    "lin(X)": "12345",
    "ln(X)": "12345",
    "rms(X)": "12345",
    "gn(X)": "2345",
    "emb(X)": "12345",
    "lpe(X)": "2345",
    "spe(X)": "2345",
    "nn.ReLU()(X)": ANY_RANK,
    "nn.Flatten()(X)": ANY_RANK,
    "dx.relu(X)": ANY_RANK,
    "dx.softmax(X)": ANY_RANK,
    "dx.add(X, X)": ANY_RANK,
    "dx.matmul(X, X)": ANY_RANK,
    "dx.linear(X, X)": "12345",
    "dx.layer_norm(X, 4)": "12345",
    "dx.rms_norm(X, 4)": "12345",
    "dx.group_norm(X, 1)": "2345",
    "dx.one_hot(X, 4)": "12345",
    "dx.scaled_dot_product_attention(X, X, X)": "2345",
    "dx.sum(X, -1)": ANY_RANK,
    "dx.sum(X, -1, keepdims=True)": "12345",
    "dx.min(X, 1)": "12345",
    "dx.transpose(X, 1, 2)": "345",
    "dx.transpose(X, -2, -1)": "2345",
    "dx.where(X, X, X)": ANY_RANK,
    "dx.masked_fill(X, X, 0.0)": ANY_RANK,
    "dx.gather(u, 1, X)": "12345",
    "dx.gather(X, 1, X)": "12345",
    "dx.slice_scatter(X, u)": "12345",
    "dx.slice_scatter(X, X, 1, 0, 2)": "2345",
    "dx.zeros(X.shape)": ANY_RANK,
    "dx.full(X.shape, 0.0)": ANY_RANK,
}


def program() -> tuple[str, dict[int, tuple[str, str]]]:
    """The probe program, and the line of each result's first assignment -> (call, input)."""
    lines = SETUP.splitlines()
    at: dict[int, tuple[str, str]] = {}
    for i, (call, _) in enumerate(CALLS.items()):
        for value in ("a", "u"):
            name = f"r{i}{value}"
            lines.append(f"{name} = {call.replace('X', value)}")
            at[len(lines) + 1] = (call, value)
            lines += [
                f"{name}_{k}: Tensor[{', '.join(['Any'] * (k + 1))}] = {name}" for k in range(6)
            ]
    return "\n".join(lines) + "\n", at


def errors(checker: str, path: Path) -> set[int]:
    """The lines on which ``checker`` reports an error."""
    if checker == "pyright":
        config = {
            "typeCheckingMode": "standard",
            "pythonVersion": "3.11",
            "extraPaths": [str(ROOT)],
        }
        (path.parent / "pyrightconfig.json").write_text(json.dumps(config))
        argv = [sys.executable, "-m", "pyright", "--outputjson", "-p", str(path.parent), str(path)]
        out = json.loads(subprocess.run(argv, capture_output=True, text=True).stdout)
        return {
            d["range"]["start"]["line"] + 1
            for d in out["generalDiagnostics"]
            if d["severity"] == "error"
        }
    argv = [sys.executable, "-m", "mypy", "--config-file", str(HERE / "mypy.ini"), str(path)]
    argv += ["--no-incremental", "--cache-dir", "/dev/null"]
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT).stdout
    return {int(m.group(1)) for m in re.finditer(r":(\d+): error:", out)}


def main(show_all: bool) -> None:
    source, at = program()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.py"
        path.write_text(source)
        found = {c: errors(c, path) for c in ("pyright", "mypy")}
    claims = 0
    for line, (call, value) in at.items():
        for checker, errs in found.items():
            ranks = "".join(str(k) for k in range(6) if line + k not in errs)
            claim = bool(set(CALLS[call]) - set(ranks))
            claims += claim
            if claim or show_all:
                what = "Any" if value == "a" else "DynTensor"
                flag = "claims" if claim else "ok"
                print(f"{flag:6} {checker:7} {call.replace('X', what)}: ranks {ranks or '-'}")
    print(f"{claims} results claim a rank they cannot know")


if __name__ == "__main__":
    main("--all" in sys.argv[1:])
