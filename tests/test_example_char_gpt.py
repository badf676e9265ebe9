"""``examples/06_char_gpt.py``: the model against the same architecture in PyTorch (same
weights: logits, loss and gradients; ``tests/fixtures/torch_char_gpt.npz``, made by
``make_torch_char_gpt_fixture.py``, recomputed where torch is importable), nanoGPT's
initialisation, sampling, and a run stopped and resumed from its checkpoint ending exactly
where the uninterrupted run ends.

(tests/test_examples.py smoke-runs and type-checks it with the other examples.)
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PROGRAM = EXAMPLES / "06_char_gpt.py"


def _load() -> ModuleType:
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))  # for its `from _data import ...`
    spec = importlib.util.spec_from_file_location("char_gpt", PROGRAM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gpt = _load()


def test_parameters_are_nanogpts() -> None:
    model = gpt.GPT(rng=np.random.default_rng(0))
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["wte.weight", "wpe.weight"]
    assert "h.1.attn.c_attn.weight" in names and "h.1.mlp.c_proj.bias" in names
    assert names[-2:] == ["ln_f.weight", "ln_f.bias"]
    assert not any("lm_head" in n for n in names)  # the read-out is wte.weight
    # token and position embeddings, 2 blocks of (2 LayerNorms, 64x192, 64x64, 64x256, 256x64)
    block = 2 * 128 + (64 * 192 + 192) + (64 * 64 + 64) + (64 * 256 + 256) + (256 * 64 + 64)
    assert model.num_parameters() == 128 * 64 + 64 * 64 + 2 * block + 128


def test_initialisation_is_nanogpts() -> None:
    model = gpt.GPT(rng=np.random.default_rng(0))
    sd = model.state_dict()
    for name in ("wte.weight", "h.0.attn.c_attn.weight", "h.1.mlp.c_fc.weight"):
        assert abs(sd[name].std() - 0.02) < 0.002, name
    residual = 0.02 / math.sqrt(2 * 2)
    for name in ("h.0.attn.c_proj.weight", "h.1.mlp.c_proj.weight"):
        assert abs(sd[name].std() - residual) < 0.1 * residual, name
    for name in ("h.0.attn.c_attn.bias", "h.1.mlp.c_proj.bias", "ln_f.bias"):
        assert not sd[name].any(), name
    assert (sd["ln_f.weight"] == 1).all()


def test_weight_decay_groups() -> None:
    _model, opt, _sched = gpt.build(steps=10, lr=1e-3, seed=0)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert {"wte.weight", "wpe.weight", "h.0.mlp.c_fc.weight"} <= set(decay["params"])
    assert all(n.endswith("bias") or ".ln_" in n or n.startswith("ln_") for n in no_decay["params"])


def test_schedule_warms_up_then_decays() -> None:
    f = gpt.warmup_cosine(10, 100)
    rates = [f(step) for step in range(101)]
    assert rates[0] == 0.1 and rates[9] == 1.0
    assert all(a >= b for a, b in itertools.pairwise(rates[9:]))
    assert rates[100] == pytest.approx(0.1)


def test_greedy_sampling_follows_the_argmax() -> None:
    """top_k=1 leaves one character to draw: the model's most likely one, step after step."""
    model = gpt.GPT(dropout=0.0, rng=np.random.default_rng(1))
    text = gpt.generate(model, "To be", 12, top_k=1, rng=np.random.default_rng(0))
    ids = list(gpt.encode("To be"))
    for _ in range(12):
        logits = model(dx.tensor(np.array([ids[-64:]])))
        ids.append(int(logits.numpy()[0, -1].argmax()))
    assert text == gpt.decode(np.array(ids))
    assert model.training  # generate() restores training mode


def test_sampling_draws_from_the_top_k() -> None:
    model = gpt.GPT(dropout=0.0, rng=np.random.default_rng(2))
    prompt = gpt.encode("a")
    logits = model(dx.tensor(prompt[None, :])).numpy()[0, -1]
    top3 = set(np.argsort(logits)[-3:].tolist())
    drawn = {
        gpt.generate(model, "a", 1, top_k=3, rng=np.random.default_rng(s))[-1] for s in range(40)
    }
    assert {ord(c) for c in drawn} <= top3 and len(drawn) > 1


# ---- the same model in PyTorch ---------------------------------------------------------------

fixture = _helpers.load_fixture_script("make_torch_char_gpt_fixture.py")


def _dfdx_side(dtype: Any) -> dict[str, np.ndarray]:
    """The fixture's outputs computed by the example's model, in ``dtype``."""
    model = gpt.GPT(dropout=0.0).to(dtype)
    model.load_state_dict({k: v.astype(dtype) for k, v in fixture.weights().items()})
    idx, targets = fixture.batch()
    logits = model(dx.tensor(idx).trace())
    loss = dx.losses.cross_entropy(logits, dx.tensor(targets))
    grads = loss.backward()
    params = dict(model.named_parameters())
    out = {"logits": logits.numpy(), "loss": loss.numpy()}
    return out | {f"grad/{n}": grads[params[n]].numpy() for n in fixture.GRAD_NAMES}


@pytest.mark.parametrize(("dtype", "rtol"), [(dx.float64, 1e-9), (dx.float32, 2e-4)])
def test_forward_and_backward_equal_pytorchs(dtype: Any, rtol: float) -> None:
    """Logits, loss and the gradients of embeddings (both uses of the tied ``wte``), attention,
    LayerNorm and MLP parameters equal PyTorch's for the same weights (float64 fixture; float32
    within float32's rounding over a few hundred sums)."""
    want = _helpers.load_npz(fixture.FIXTURE)
    got = _dfdx_side(dtype)
    assert sorted(got) == sorted(want)
    for key, desired in want.items():
        atol = rtol * float(np.abs(desired).max())
        np.testing.assert_allclose(got[key], desired, rtol=rtol, atol=atol, err_msg=key)


def test_fixture_is_current() -> None:
    pytest.importorskip("torch")
    want = _helpers.load_npz(fixture.FIXTURE)
    fresh = fixture.run_torch()
    assert sorted(fresh) == sorted(want)
    for key, desired in want.items():
        np.testing.assert_allclose(fresh[key], desired, rtol=1e-12, atol=1e-14, err_msg=key)


# ---- stopping and resuming -------------------------------------------------------------------


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DFDX_EXAMPLES_QUICK": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(PROGRAM), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_resumed_run_ends_where_the_uninterrupted_run_ends(tmp_path: Path) -> None:
    whole = _run(tmp_path, "--steps", "10", "--checkpoint", "whole.npz")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    first = _run(tmp_path, "--steps", "10", "--stop-at", "4", "--checkpoint", "half.npz")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "saved half.npz at step 4" in first.stdout and "sample" not in first.stdout
    rest = _run(tmp_path, "--steps", "10", "--resume", "half.npz", "--checkpoint", "rest.npz")
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert "resuming half.npz at step 4" in rest.stdout and "steps 4 to 10 of 10" in rest.stdout

    a, b = np.load(tmp_path / "whole.npz"), np.load(tmp_path / "rest.npz")
    assert sorted(a.files) == sorted(b.files)
    assert any(k.startswith("optimizer/") for k in a.files)
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    # the same sample and the same last validation loss
    assert whole.stdout.split("sample", 1)[1] == rest.stdout.split("sample", 1)[1]

    other = _run(tmp_path, "--steps", "20", "--resume", "half.npz")
    assert other.returncode == 2 and "pass --steps 10 --seed 0 to resume it" in other.stdout
