"""``dx.nn.MultiHeadAttention`` and the transformer layers against PyTorch with the same
weights: outputs, input and parameter gradients (float64, dropout 0), state_dict keys, and a
saved dfdx model loaded into the PyTorch module.

Expected values come from ``fixtures/torch_transformer.npz``, written by
``fixtures/make_torch_transformer_fixtures.py`` (whose ``CASES`` table this file imports), so
these tests need no PyTorch. Where PyTorch is importable, the fixture is recomputed and the
saved-model round trip runs.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx

fixtures = _helpers.load_fixture_script("make_torch_transformer_fixtures.py")
CASES = fixtures.CASES
HAS_TORCH = importlib.util.find_spec("torch") is not None
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

RTOL, ATOL = 1e-9, 1e-10


def _arrays(case: Any) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{case.name}/",
        f"no fixture for {case.name}: run python tests/fixtures/make_torch_transformer_fixtures.py",
    )


def dx_module(case: Any) -> dx.nn.Module:
    kw = dict(case.kwargs)
    kind = case.kind
    if kind in ("TransformerEncoder", "TransformerDecoder"):
        n = kw.pop("num_layers")
        layer_kind = (
            "TransformerEncoderLayer" if kind == "TransformerEncoder" else "TransformerDecoderLayer"
        )
        layer = getattr(dx.nn, layer_kind)(**kw, dtype=dx.float64)
        return getattr(dx.nn, kind)(layer, n)  # type: ignore[no-any-return]
    return getattr(dx.nn, kind)(**kw, dtype=dx.float64)  # type: ignore[no-any-return]


def run_case(case: Any, model: Any, ins: dict[str, Any], masks: dict[str, Any]) -> Any:
    """The dfdx call that mirrors the fixture script's PyTorch call."""
    kind = case.kind
    if kind == "MultiHeadAttention":
        return model(
            ins["query"],
            ins.get("key"),
            ins.get("value"),
            key_padding_mask=masks.get("key_padding_mask"),
            attn_mask=masks.get("attn_mask", masks.get("attn_mask3")),
            is_causal="is_causal" in case.causal,
        )
    if kind in ("TransformerEncoderLayer", "TransformerEncoder"):
        return model(
            ins["src"],
            src_key_padding_mask=masks.get("src_key_padding_mask"),
            is_causal="is_causal" in case.causal,
        )
    if kind in ("TransformerDecoderLayer", "TransformerDecoder"):
        return model(
            ins["tgt"],
            ins["memory"],
            memory_mask=masks.get("memory_mask"),
            tgt_key_padding_mask=masks.get("tgt_key_padding_mask"),
            memory_key_padding_mask=masks.get("memory_key_padding_mask"),
            tgt_is_causal="tgt_is_causal" in case.causal,
        )
    return model(ins["src"], ins["tgt"], tgt_is_causal="tgt_is_causal" in case.causal)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_torch(case: Any) -> None:
    data = _arrays(case)
    model = dx_module(case)
    state = {k[6:]: v for k, v in data.items() if k.startswith("state/")}
    assert list(model.state_dict()) == list(state), "state_dict keys (and order) differ"
    model.load_state_dict(state)
    ins = {k[3:]: dx.tensor(v).trace() for k, v in data.items() if k.startswith("in/")}
    masks = {k[5:]: dx.tensor(v) for k, v in data.items() if k.startswith("mask/")}
    out = run_case(case, model, ins, masks)
    np.testing.assert_allclose(out.numpy(), data["out"], rtol=RTOL, atol=ATOL)
    grads = (out * dx.tensor(data["r"])).sum().backward()
    for name, x in ins.items():
        np.testing.assert_allclose(
            grads[x].numpy(), data[f"grad/in/{name}"], rtol=1e-8, atol=1e-9, err_msg=name
        )
    for name, p in model.named_parameters():
        np.testing.assert_allclose(
            grads[p].numpy(), data[f"grad/state/{name}"], rtol=1e-8, atol=1e-9, err_msg=name
        )


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fixture_is_current(case: Any) -> None:
    fresh = fixtures.torch_case(case)
    prefix = f"{case.name}/"
    stored = {k: v for k, v in FIXTURE.items() if k.startswith(prefix)}
    _helpers.assert_same_arrays(fresh, stored)  # tolerances of the dtype and size


def _torch_twin(model: Any, kind: str, kwargs: dict[str, Any]) -> Any:
    import torch

    if kind == "TransformerEncoder":
        kw = dict(kwargs)
        n = kw.pop("num_layers")
        layer = torch.nn.TransformerEncoderLayer(**kw, batch_first=True)
        return torch.nn.TransformerEncoder(layer, n, enable_nested_tensor=False)
    if kind == "MultiHeadAttention":
        return torch.nn.MultiheadAttention(**kwargs, batch_first=True)
    return getattr(torch.nn, kind)(**kwargs, batch_first=True)


SAVE_CASES = [
    ("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2}),
    ("MultiHeadAttention", {"embed_dim": 8, "num_heads": 4, "bias": False}),
    ("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0}),
    ("TransformerDecoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0}),
    (
        "Transformer",
        {
            "d_model": 8,
            "nhead": 2,
            "num_encoder_layers": 2,
            "num_decoder_layers": 1,
            "dim_feedforward": 16,
            "dropout": 0.0,
        },
    ),
]


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.parametrize(("kind", "kwargs"), SAVE_CASES, ids=lambda v: str(v))
def test_saved_model_loads_into_torch(kind: str, kwargs: dict[str, Any], tmp_path: Path) -> None:
    """``model.save`` writes what ``torch_module.load_state_dict`` reads (strict: the same
    keys), and both then compute the same output."""
    import torch

    model: Any = getattr(dx.nn, kind)(**kwargs, rng=np.random.default_rng(3))
    path = tmp_path / "model.npz"
    model.save(path)
    twin = _torch_twin(model, kind, kwargs)
    with np.load(path) as npz:
        twin.load_state_dict({k: torch.from_numpy(npz[k]) for k in npz.files}, strict=True)
    twin.train()
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    y = rng.standard_normal((2, 3, 8)).astype(np.float32)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    if kind == "MultiHeadAttention":
        want = twin(tx, tx, tx, need_weights=False)[0]
        got = model(dx.tensor(x))
    elif kind == "TransformerEncoderLayer":
        want, got = twin(tx), model(dx.tensor(x))
    else:
        want, got = twin(tx, ty), model(dx.tensor(x), dx.tensor(y))
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_state_dict_keys_equal_pytorchs() -> None:
    """The keys PyTorch's modules use, written out (this test needs no PyTorch)."""
    layer = dx.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight",
        "self_attn.in_proj_bias",
        "self_attn.out_proj.weight",
        "self_attn.out_proj.bias",
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
        "norm1.weight",
        "norm1.bias",
        "norm2.weight",
        "norm2.bias",
    ]
    model = dx.nn.Transformer(8, 2, 1, 1, 16)
    keys = list(model.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "decoder.layers.0.multihead_attn.out_proj.bias" in keys
    assert keys[-2:] == ["decoder.norm.weight", "decoder.norm.bias"]


def test_encoder_copies_are_independent() -> None:
    """Copies start equal (PyTorch's deepcopy) but are separate parameters."""
    enc = dx.nn.TransformerEncoder(dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2)
    state = enc.state_dict()
    w0, w1 = state["layers.0.linear1.weight"], state["layers.1.linear1.weight"]
    np.testing.assert_array_equal(w0, w1)
    x = dx.randn(2, 3, 8).trace()
    grads = (enc(x) * dx.randn(2, 3, 8)).sum().backward()
    params = dict(enc.named_parameters())
    assert params["layers.0.linear1.weight"]._id != params["layers.1.linear1.weight"]._id
    g0 = grads[params["layers.0.linear1.weight"]].numpy()
    g1 = grads[params["layers.1.linear1.weight"]].numpy()
    assert not np.allclose(g0, g1)


def test_batch_first_false_transposes() -> None:
    rng = np.random.default_rng(0)
    a = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, rng=rng)
    b = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=False)
    b.load_state_dict(a.state_dict())
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    want = a(dx.tensor(x)).numpy()
    got = b(dx.tensor(x.transpose(1, 0, 2).copy())).numpy().transpose(1, 0, 2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dropout_is_off_in_eval_and_on_in_training() -> None:
    layer = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, rng=np.random.default_rng(0))
    x = dx.randn(2, 5, 8, rng=np.random.default_rng(1))
    layer.eval()
    first, second = layer(x).numpy(), layer(x).numpy()
    np.testing.assert_array_equal(first, second)
    layer.train()
    assert not np.allclose(layer(x).numpy(), first)


def test_generate_square_subsequent_mask_matches_causal() -> None:
    m = dx.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert m.dtype == np.float32
    np.testing.assert_array_equal(np.isneginf(m), dx.nn.causal_mask(4).numpy())
    assert (m[~np.isneginf(m)] == 0).all()


def test_activation_must_be_known() -> None:
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable"):
        dx.nn.TransformerEncoderLayer(8, 2, activation="swish")  # type: ignore[arg-type]


def test_nhead_must_divide_d_model() -> None:
    with pytest.raises(
        dx.ShapeError, match=r"TransformerEncoderLayer: nhead 3 does not divide d_model 8 \(8 % 3"
    ):
        dx.nn.TransformerEncoderLayer(8, 3)
    with pytest.raises(dx.ShapeError, match="Transformer: nhead must be at least 1, got 0"):
        dx.nn.Transformer(8, 0)


def test_wrong_feature_size_names_the_sequence() -> None:
    """The same words as the plugin's (tests/typecheck/plugin_fail/attention_errors.py)."""
    x, w = dx.zeros(2, 5, 16), dx.zeros(2, 5, 8)
    enc = dx.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
    msg = r"TransformerEncoderLayer\[16\]: src takes 16 features, got Tensor\[2, 5, 8\] \(8 != 16\)"
    with pytest.raises(dx.ShapeError, match=msg):
        enc(w)
    with pytest.raises(dx.ShapeError, match=msg):
        dx.nn.TransformerEncoder(enc, 2)(w)
    dec = dx.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)
    with pytest.raises(dx.ShapeError, match=r"TransformerDecoderLayer\[16\]: memory takes 16"):
        dec(x, w)
    with pytest.raises(dx.ShapeError, match=r"Transformer\[16\]: tgt takes 16 features"):
        dx.nn.Transformer(16, 4, 1, 1, 32)(x, w)
    with pytest.raises(dx.ShapeError, match=r"src must be 3-d \(batch, sequence, d_model\)"):
        enc(dx.zeros(5, 16))


def test_masks_are_checked_against_the_lengths_as_the_plugin_checks_them() -> None:
    """The calls and messages of tests/typecheck/plugin_fail/transformer_mask_errors.py."""
    enc = dx.nn.TransformerEncoderLayer(16, 4, 32, 0.0)
    seq_first = dx.nn.TransformerEncoderLayer(16, 4, 32, 0.0, batch_first=False)
    x = dx.zeros(2, 5, 16)
    cases: list[tuple[str, Any]] = [
        (
            "TransformerEncoderLayer[16]: src_mask must be Tensor[5, 5] or "
            "Tensor[batch * nhead, 5, 5], got Tensor[5, 4]",
            lambda: enc(x, src_mask=dx.zeros(5, 4)),
        ),
        (
            "TransformerEncoderLayer[16]: src_key_padding_mask must be Tensor[2, 5] (batch, S), "
            "got Tensor[5, 2]",
            lambda: enc(x, src_key_padding_mask=dx.zeros(5, 2) > 0.0),
        ),
        (
            "TransformerEncoderLayer[16]: src_mask must be Tensor[2, 2] or "
            "Tensor[batch * nhead, 2, 2], got Tensor[5, 5]",
            lambda: seq_first(x, src_mask=dx.zeros(5, 5)),
        ),
        (
            "in layers.0 (TransformerEncoderLayer): TransformerEncoderLayer[16]: src_mask must "
            "be Tensor[5, 5] or Tensor[batch * nhead, 5, 5], got Tensor[4, 4]",
            lambda: dx.nn.TransformerEncoder(enc, 2)(x, mask=dx.zeros(4, 4)),
        ),
    ]
    dec = dx.nn.TransformerDecoderLayer(16, 4, 32, 0.0)
    memory, tgt = dx.zeros(2, 7, 16), dx.zeros(2, 3, 16)
    cases.append(
        (
            "TransformerDecoderLayer[16]: memory_mask must be Tensor[3, 7] or "
            "Tensor[batch * nhead, 3, 7], got Tensor[7, 3]",
            lambda: dec(tgt, memory, memory_mask=dx.zeros(7, 3)),
        )
    )
    model = dx.nn.Transformer(16, 4, 1, 1, 32, 0.0)
    cases.append(
        (
            "Transformer[16]: memory_key_padding_mask must be Tensor[2, 7] (batch, S), "
            "got Tensor[2, 3]",
            lambda: model(memory, tgt, memory_key_padding_mask=dx.zeros(2, 3) > 0.0),
        )
    )
    for message, call in cases:
        with pytest.raises(dx.ShapeError, match=f"^{re.escape(message)}$"):
            call()
    # a 3-d mask's first axis is checked by the attention inside (the type holds no nhead)
    with pytest.raises(dx.ShapeError, match=r"MultiHeadAttention\[16, 4\]: attn_mask must be"):
        dec(tgt, memory, tgt_mask=dx.zeros(2, 3, 3))


def test_masks_mean_the_same_in_either_layout() -> None:
    """A causal mask and a padding mask given to a sequence-first layer act as on the same
    layer batch first (masks are (S, S) and (batch, S) in both)."""
    rng = np.random.default_rng(0)
    a = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, rng=rng)
    b = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=False)
    b.load_state_dict(a.state_dict())
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    pad = dx.tensor(np.array([[False] * 5, [False] * 3 + [True] * 2]))
    causal = dx.nn.causal_mask(5)
    want = a(dx.tensor(x), src_mask=causal, src_key_padding_mask=pad).numpy()
    xs = dx.tensor(x.transpose(1, 0, 2).copy())
    got = b(xs, src_mask=causal, src_key_padding_mask=pad).numpy().transpose(1, 0, 2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a(dx.tensor(x)).numpy(), want)  # the masks did something
