"""``examples/06_char_gpt.py``: the model against the same architecture in PyTorch (same
weights: logits, loss and gradients), nanoGPT's initialisation, sampling, and a run stopped
and resumed from its checkpoint ending exactly where the uninterrupted run ends.

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


def _torch_gpt(torch: Any) -> Any:
    nn, F = torch.nn, torch.nn.functional

    class Attention(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = nn.Linear(64, 192)
            self.c_proj = nn.Linear(64, 64)

        def forward(self, x: Any) -> Any:
            b, s, c = x.shape
            q, k, v = self.c_attn(x).split(64, dim=2)
            q, k, v = (t.view(b, s, 4, 16).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(b, s, c))

    class MLP(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.c_fc = nn.Linear(64, 256)
            self.c_proj = nn.Linear(256, 64)

        def forward(self, x: Any) -> Any:
            return self.c_proj(F.gelu(self.c_fc(x)))

    class Block(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.ln_1, self.attn = nn.LayerNorm(64), Attention()
            self.ln_2, self.mlp = nn.LayerNorm(64), MLP()

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(128, 64)
            self.wpe = nn.Embedding(64, 64)
            self.h = nn.ModuleList([Block() for _ in range(2)])
            self.ln_f = nn.LayerNorm(64)

        def forward(self, idx: Any) -> Any:
            pos = torch.arange(idx.shape[1])
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            return self.ln_f(x) @ self.wte.weight.T

    return GPT()


@pytest.mark.parametrize(("dtype", "rtol"), [(dx.float64, 1e-9), (dx.float32, 2e-4)])
def test_forward_and_backward_equal_pytorchs(dtype: Any, rtol: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    model = gpt.GPT(dropout=0.0, rng=rng).to(dtype)
    # trained-looking weights: nanoGPT's init leaves LayerNorms at 1 and 0, biases at 0
    for _name, p in model.named_parameters():
        dx.nn.init.normal_(p, 0.0, 0.1 if p.ndim == 2 else 0.5, rng=rng)
    ref = _torch_gpt(torch).to(torch.float64 if dtype == dx.float64 else torch.float32)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})

    idx = rng.integers(0, 128, size=(3, 37))
    targets = rng.integers(0, 128, size=(3, 37))
    logits = model(dx.tensor(idx).trace())
    loss = dx.losses.cross_entropy(logits, dx.tensor(targets))
    grads = loss.backward()

    ref_logits = ref(torch.from_numpy(idx))
    ref_loss = torch.nn.functional.cross_entropy(
        ref_logits.reshape(-1, 128), torch.from_numpy(targets).reshape(-1)
    )
    ref_loss.backward()
    atol = rtol * float(ref_logits.detach().abs().max())
    np.testing.assert_allclose(logits.numpy(), ref_logits.detach().numpy(), rtol=rtol, atol=atol)
    assert loss.item() == pytest.approx(ref_loss.item(), rel=rtol)
    ref_params = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        want = ref_params[name].grad.numpy()
        scale = float(np.abs(want).max())
        np.testing.assert_allclose(
            grads[p].numpy(), want, rtol=rtol, atol=rtol * scale, err_msg=name
        )


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
