"""Scaled dot-product attention and ``MultiHeadAttention``: float64 finite-difference
gradients, masks, numerical safety (large logits, fully masked rows), errors, positional
embeddings, and a live comparison with ``torch.nn.functional.scaled_dot_product_attention``
where PyTorch is importable. (Module parity with fixtures: tests/test_transformer.py.)"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx

HAS_TORCH = importlib.util.find_spec("torch") is not None


def check_grads(f: Callable[..., Any], *arrays: np.ndarray, seed: int = 0) -> None:
    """test_gradients' finite-difference check at tighter tolerances."""
    _helpers.check_grads(f, *arrays, rtol=1e-6, atol=1e-8, seed=seed)


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


sdpa = dx.scaled_dot_product_attention


# ---- gradients -------------------------------------------------------------------------------


def test_sdpa_gradients() -> None:
    check_grads(lambda q, k, v: sdpa(q, k, v), _rand(2, 3, 4), _rand(2, 5, 4, seed=1),
                _rand(2, 5, 2, seed=2))  # fmt: skip


def test_sdpa_gradients_with_bool_and_float_masks_and_scale() -> None:
    keep_arr = np.random.default_rng(3).random((3, 5)) < 0.7
    keep_arr[:, 0] = True
    add = dx.tensor(_rand(2, 1, 3, 5, seed=4))
    check_grads(
        lambda q, k, v: sdpa(q, k, v, attn_mask=dx.tensor(keep_arr), scale=0.7),
        _rand(2, 3, 4), _rand(2, 5, 4, seed=1), _rand(2, 5, 3, seed=2),
    )  # fmt: skip
    check_grads(
        lambda q, k, v: sdpa(q, k, v, attn_mask=add, is_causal=True),
        _rand(2, 2, 3, 4), _rand(2, 2, 5, 4, seed=1), _rand(2, 2, 5, 3, seed=2),
    )  # fmt: skip


def test_sdpa_gradients_broadcast_batch() -> None:
    """A key/value shared by every head (batch axes broadcast) gets the summed gradient."""
    check_grads(lambda q, k, v: sdpa(q, k, v), _rand(2, 3, 4, 4), _rand(2, 1, 3, 4, seed=1),
                _rand(2, 1, 3, 2, seed=2))  # fmt: skip


def test_mha_gradients_of_inputs_and_parameters() -> None:
    """Finite differences through the whole module, for its inputs and every parameter
    (cross-attention with distinct key and value, a padding mask and a causal mask)."""
    mha = dx.nn.MultiHeadAttention(4, 2, rng=np.random.default_rng(0), dtype=dx.float64)
    names = [n for n, _ in mha.named_parameters()]
    params0 = [p.numpy() + _rand(*p.shape, seed=9) * 0.3 for _, p in mha.named_parameters()]
    pad = dx.tensor(np.array([[False, False, True], [False, False, False]]))

    def f(q: Any, k: Any, v: Any, *ps: Any) -> Any:
        m = dx.nn.MultiHeadAttention(4, 2, dtype=dx.float64)
        own = dict(m.named_parameters())
        for name, p in zip(names, ps, strict=True):
            own[name]._data = p._data  # the tensors themselves: their gradients are ps'
            own[name]._id = p._id
            own[name]._tape = p._tape
        return m(q, k, v, key_padding_mask=pad, is_causal=True)

    check_grads(f, _rand(2, 3, 4), _rand(2, 3, 4, seed=1), _rand(2, 3, 4, seed=2), *params0)


def test_mha_self_attention_gradients() -> None:
    mha = dx.nn.MultiHeadAttention(4, 2, rng=np.random.default_rng(0), dtype=dx.float64)
    check_grads(lambda x: mha(x), _rand(2, 3, 4))


def test_fused_feed_forward_gradients() -> None:
    """The transformer layers' fused ``linear2(relu(linear1(x)))`` step (the op
    ``dfdx.ops.linalg.relu_feed_forward``), against finite differences for its input and its
    four parameters (inputs away from ReLU's kink), with and without biases."""
    from dfdx.ops.linalg import relu_feed_forward

    check_grads(relu_feed_forward, _rand(2, 4, 3), _rand(5, 3, seed=1), _rand(5, seed=2),
                _rand(2, 5, seed=3), _rand(2, seed=4))  # fmt: skip
    check_grads(lambda x, w1, w2: relu_feed_forward(x, w1, None, w2, None),
                _rand(4, 3), _rand(5, 3, seed=1), _rand(2, 5, seed=3))  # fmt: skip


def test_fused_feed_forward_matches_composed_ops() -> None:
    """``relu_feed_forward`` gives the values and gradients of ``linear``, ``relu``,
    ``linear`` composed."""
    from dfdx.ops.linalg import relu_feed_forward

    arrays = [_rand(*s, seed=i) for i, s in enumerate([(2, 4, 3), (5, 3), (5,), (2, 5), (2,)])]
    r = dx.tensor(_rand(2, 4, 2, seed=9))

    def run(f: Callable[..., Any]) -> list[np.ndarray]:
        ts = [dx.tensor(a).trace() for a in arrays]
        out = f(*ts)
        grads = (out * r).sum().backward()
        return [out.numpy(), *(grads[t].numpy() for t in ts)]

    fused = run(relu_feed_forward)
    composed = run(lambda x, w1, b1, w2, b2: dx.linear(dx.relu(dx.linear(x, w1, b1)), w2, b2))
    for got, want in zip(fused, composed, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# ---- masks and numerical safety --------------------------------------------------------------


def test_sdpa_large_logits_are_finite() -> None:
    q = dx.tensor(_rand(1, 3, 4) * 1e4)
    out = sdpa(q.trace(), q, q)
    assert np.isfinite(out.numpy()).all()
    grads = out.sum().backward()
    assert np.isfinite(grads[q].numpy()).all()


def test_fully_masked_rows_give_zeros_not_nan() -> None:
    q, k, v = (dx.tensor(_rand(1, 3, 4, seed=s)).trace() for s in range(3))
    keep = np.ones((3, 3), bool)
    keep[1] = False  # query 1 may attend nothing
    out = sdpa(q, k, v, attn_mask=dx.tensor(keep))
    np.testing.assert_array_equal(out.numpy()[0, 1], 0)
    assert np.isfinite(out.numpy()).all()
    grads = out.sum().backward()
    for t in (q, k, v):
        assert np.isfinite(grads[t].numpy()).all()
    np.testing.assert_array_equal(grads[q].numpy()[0, 1], 0)
    # all -inf float mask: the same
    inf = np.zeros((3, 3))
    inf[1] = -np.inf
    q0, k0, v0 = q.detach(), k.detach(), v.detach()
    again = sdpa(q0, k0, v0, attn_mask=dx.tensor(inf)).numpy()
    np.testing.assert_array_equal(again, out.numpy())


def test_mha_fully_padded_sequence_gives_the_output_bias() -> None:
    """Every key padded: the attention is zero, so the output is out_proj's bias."""
    mha = dx.nn.MultiHeadAttention(4, 2, rng=np.random.default_rng(0))
    assert mha.out_proj.bias is not None
    mha.out_proj.bias._data[...] = np.arange(4)
    x = dx.randn(2, 3, 4, rng=np.random.default_rng(1))
    pad = dx.tensor(np.array([[True] * 3, [False, False, True]]))
    out = mha(x, key_padding_mask=pad).numpy()
    np.testing.assert_allclose(out[0], np.broadcast_to(np.arange(4.0), (3, 4)))
    assert np.isfinite(out).all()


def test_mha_bool_mask_equals_minus_inf_float_mask() -> None:
    mha = dx.nn.MultiHeadAttention(4, 2, rng=np.random.default_rng(0))
    x = dx.randn(2, 3, 4, rng=np.random.default_rng(1))
    causal = dx.nn.causal_mask(3)
    as_float = dx.tensor(np.where(causal.numpy(), -np.inf, 0.0).astype(np.float32))
    a = mha(x, attn_mask=causal).numpy()
    np.testing.assert_allclose(mha(x, attn_mask=as_float).numpy(), a, rtol=1e-6)
    np.testing.assert_allclose(mha(x, is_causal=True).numpy(), a, rtol=1e-6)


def test_mha_keeps_float32() -> None:
    mha = dx.nn.MultiHeadAttention(8, 2)
    out = mha(dx.randn(2, 3, 8).trace(), dx.randn(2, 5, 8))
    assert out.dtype == dx.float32
    assert out.shape == (2, 3, 8)


def test_mha_dropout_in_training_only() -> None:
    mha = dx.nn.MultiHeadAttention(8, 2, dropout=0.5, rng=np.random.default_rng(0))
    x = dx.randn(2, 4, 8, rng=np.random.default_rng(1))
    train = mha(x).numpy()
    mha.eval()
    ev = mha(x).numpy()
    np.testing.assert_array_equal(ev, mha(x).numpy())
    assert not np.allclose(train, ev)


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_sdpa_matches_torch_live(mask: str) -> None:
    import torch
    import torch.nn.functional as F

    q, k, v = _rand(2, 2, 3, 4), _rand(2, 2, 5, 4, seed=1), _rand(2, 2, 5, 6, seed=2)
    kw: dict[str, Any] = {}
    tkw: dict[str, Any] = {}
    if mask == "bool":
        m = np.random.default_rng(5).random((3, 5)) < 0.6
        m[:, 0] = True
        kw["attn_mask"], tkw["attn_mask"] = dx.tensor(m), torch.tensor(m)
    elif mask == "float":
        m = _rand(2, 1, 3, 5, seed=5)
        kw["attn_mask"], tkw["attn_mask"] = dx.tensor(m), torch.tensor(m)
    elif mask == "causal":
        kw["is_causal"] = tkw["is_causal"] = True
    want = F.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), **tkw
    ).numpy()
    got = sdpa(dx.tensor(q), dx.tensor(k), dx.tensor(v), **kw).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ---- errors ----------------------------------------------------------------------------------


def test_num_heads_must_divide_embed_dim() -> None:
    with pytest.raises(
        dx.ShapeError, match=r"MultiHeadAttention: num_heads 3 does not divide embed_dim 64 "
    ):
        dx.nn.MultiHeadAttention(64, 3)
    with pytest.raises(dx.ShapeError, match="num_heads must be at least 1, got 0"):
        dx.nn.MultiHeadAttention(64, 0)


def test_wrong_embed_dim_names_the_argument() -> None:
    mha = dx.nn.MultiHeadAttention(8, 2)
    with pytest.raises(
        dx.ShapeError,
        match=r"MultiHeadAttention\[8, 2\]: key takes 8 features, got Tensor\[2, 5, 4\] "
        r"\(4 != 8\)",
    ):
        mha(dx.zeros(2, 3, 8), dx.zeros(2, 5, 4))
    with pytest.raises(dx.ShapeError, match="query must be 3-d"):
        mha(dx.zeros(3, 8))
    with pytest.raises(dx.ShapeError, match="key and value lengths differ"):
        mha(dx.zeros(2, 3, 8), dx.zeros(2, 5, 8), dx.zeros(2, 4, 8))
    with pytest.raises(dx.ShapeError, match="batch sizes differ"):
        mha(dx.zeros(2, 3, 8), dx.zeros(3, 5, 8))


def test_bad_masks() -> None:
    mha = dx.nn.MultiHeadAttention(8, 2)
    x = dx.zeros(2, 3, 8)
    with pytest.raises(
        dx.ShapeError, match=r"attn_mask must be Tensor\[3, 3\] or Tensor\[4, 3, 3\]"
    ):
        mha(x, attn_mask=dx.zeros(3, 4))
    with pytest.raises(dx.ShapeError, match=r"key_padding_mask must be Tensor\[2, 3\]"):
        mha(x, key_padding_mask=dx.tensor(np.zeros((2, 4), bool)))
    with pytest.raises(dx.DTypeError, match="must be a bool or float tensor, got int64"):
        mha(x, attn_mask=dx.tensor(np.zeros((3, 3), np.int64)))
    with pytest.raises(dx.ShapeError, match="scaled_dot_product_attention: mask"):
        sdpa(x, x, x, attn_mask=dx.tensor(np.zeros((4, 3), bool)))


def test_sdpa_shape_errors() -> None:
    with pytest.raises(dx.ShapeError, match="query and key feature sizes differ"):
        sdpa(dx.zeros(2, 3, 4), dx.zeros(2, 5, 3), dx.zeros(2, 5, 3))
    with pytest.raises(dx.ShapeError, match="key and value lengths differ"):
        sdpa(dx.zeros(2, 3, 4), dx.zeros(2, 5, 4), dx.zeros(2, 4, 3))


# ---- positional embeddings -------------------------------------------------------------------


def test_sinusoidal_table_values() -> None:
    t = dx.nn.sinusoidal_table(50, 6, dtype=dx.float64)
    pos, i = 7, 2  # features 4 and 5
    angle = pos / 10000 ** (2 * i / 6)
    np.testing.assert_allclose(t[pos, 4], np.sin(angle))
    np.testing.assert_allclose(t[pos, 5], np.cos(angle))
    np.testing.assert_array_equal(t[0, 1::2], 1)


def test_sinusoidal_encoding_adds_the_table_and_passes_gradients() -> None:
    pe = dx.nn.SinusoidalPositionalEncoding(6, max_len=10)
    assert pe.state_dict() == {}
    x = dx.randn(2, 4, 6).trace()
    out = pe(x)
    table = dx.nn.sinusoidal_table(10, 6)[:4]
    np.testing.assert_allclose(
        out.numpy() - x.numpy(), np.broadcast_to(table, (2, 4, 6)), atol=1e-6
    )
    grads = out.sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), 1)
    with pytest.raises(dx.ShapeError, match="sequence length 11 is more than max_len 10"):
        pe(dx.zeros(1, 11, 6))
    with pytest.raises(dx.ShapeError, match="takes 6 features"):
        pe(dx.zeros(1, 3, 5))


def test_sinusoidal_table_is_a_buffer_not_saved_and_converted_by_to() -> None:
    pe = dx.nn.SinusoidalPositionalEncoding(6, max_len=10)
    assert [n for n, _ in pe.named_parameters()] == []
    assert [n for n, _ in pe.named_buffers()] == ["pe"]
    assert pe.state_dict() == {}
    np.testing.assert_array_equal(pe.pe.numpy(), dx.nn.sinusoidal_table(10, 6))
    assert pe.pe.dtype == np.float32
    pe.to(dx.float64)
    assert pe.pe.dtype == np.float64
    # converted from float32: exact to float32's rounding (values in [-1, 1])
    exact = dx.nn.sinusoidal_table(10, 6, dx.float64)
    np.testing.assert_allclose(pe.pe.numpy(), exact, rtol=0, atol=2.0**-24)
    x = dx.zeros(1, 3, 6, dtype=dx.float64)
    np.testing.assert_array_equal(pe(x).numpy()[0], pe.pe.numpy()[:3])
    precise = dx.nn.SinusoidalPositionalEncoding(6, max_len=10, dtype=dx.float64)
    np.testing.assert_array_equal(precise.pe.numpy(), exact)
    # an input of another dtype than the buffer's gets the table in its own dtype
    assert pe(dx.zeros(1, 3, 6)).dtype == np.float32


def test_learned_positional_embedding_gradient() -> None:
    pe = dx.nn.LearnedPositionalEmbedding(5, 3, rng=np.random.default_rng(0), dtype=dx.float64)
    assert list(pe.state_dict()) == ["weight"]
    x = dx.tensor(_rand(2, 4, 3)).trace()
    w = _rand(2, 4, 3, seed=1)
    out = pe(x)
    np.testing.assert_allclose(out.numpy(), x.numpy() + pe.weight.numpy()[:4])
    grads = (out * dx.tensor(w)).sum().backward()
    want = np.zeros((5, 3))
    want[:4] = w.sum(axis=0)
    np.testing.assert_allclose(grads[pe.weight].numpy(), want)


# The same calls as tests/typecheck/plugin_fail/attention_mask_errors.py: the runtime raises
# the plugin's messages word for word.
_MHA_MASK = (
    "MultiHeadAttention[8, 2]: attn_mask must be Tensor[3, 5] or Tensor[4, 3, 5] "
    "(batch * num_heads, L, S), got "
)
_MASK_CASES = {
    "attn_mask (L, S)": (
        lambda m, q, kv: m(q, kv, kv, attn_mask=dx.zeros(3, 4) > 0.0),
        _MHA_MASK + "Tensor[3, 4]",
    ),
    "attn_mask per head": (
        lambda m, q, kv: m(q, kv, kv, attn_mask=dx.zeros(3, 3, 5)),
        _MHA_MASK + "Tensor[3, 3, 5]",
    ),
    "key_padding_mask": (
        lambda m, q, kv: m(q, kv, kv, key_padding_mask=dx.zeros(2, 4) > 0.0),
        "MultiHeadAttention[8, 2]: key_padding_mask must be Tensor[2, 5] (batch, S), "
        "got Tensor[2, 4]",
    ),
    "key_padding_mask, self-attention": (
        lambda m, q, kv: m(q, key_padding_mask=dx.zeros(2, 5) > 0.0),
        "MultiHeadAttention[8, 2]: key_padding_mask must be Tensor[2, 3] (batch, S), "
        "got Tensor[2, 5]",
    ),
    "sdpa attn_mask": (
        lambda m, q, kv: sdpa(q, kv, kv, attn_mask=dx.zeros(3, 4) > 0.0),
        "scaled_dot_product_attention: mask Tensor[3, 4] does not broadcast to "
        "Tensor[2, 3, 5] (axis -1: 4 != 5)",
    ),
}


@pytest.mark.parametrize("case", sorted(_MASK_CASES))
def test_mask_errors_have_the_plugins_messages(case: str) -> None:
    call, message = _MASK_CASES[case]
    mha = dx.nn.MultiHeadAttention(8, 2)
    with pytest.raises(dx.ShapeError) as info:
        call(mha, dx.zeros(2, 3, 8), dx.zeros(2, 5, 8))
    assert str(info.value) == message


def test_masks_that_fit_run() -> None:
    mha = dx.nn.MultiHeadAttention(8, 2)
    q, kv = dx.zeros(2, 3, 8), dx.zeros(2, 5, 8)
    for kw in (
        {"attn_mask": dx.zeros(3, 5) > 0.0},
        {"attn_mask": dx.zeros(4, 3, 5)},
        {"key_padding_mask": dx.zeros(2, 5) > 0.0, "attn_mask": dx.zeros(3, 5)},
    ):
        assert mha(q, kv, kv, **kw).shape == (2, 3, 8)


def test_positional_encodings_errors_as_the_plugin_reports_them() -> None:
    """The calls and messages of tests/typecheck/plugin_fail/positional_errors.py."""
    with pytest.raises(
        ValueError, match=r"^SinusoidalPositionalEncoding: d_model must be an int > 0, got 0$"
    ):
        dx.nn.SinusoidalPositionalEncoding(0)
    with pytest.raises(
        ValueError, match=r"^LearnedPositionalEmbedding: d_model must be an int > 0, got -4$"
    ):
        dx.nn.LearnedPositionalEmbedding(10, -4)
    pe = dx.nn.SinusoidalPositionalEncoding(16)
    with pytest.raises(
        dx.ShapeError,
        match=r"^SinusoidalPositionalEncoding\[16\]: takes 16 features, got Tensor\[2, 5, 8\] "
        r"\(8 != 16\)$",
    ):
        pe(dx.zeros(2, 5, 8))
    with pytest.raises(
        dx.ShapeError,
        match=r"^SinusoidalPositionalEncoding\[16\]: needs \(\.\.\., sequence, 16\), "
        r"got Tensor\[16\]$",
    ):
        pe(dx.zeros(16))


def test_sdpa_mask_with_more_batch_axes_than_query_and_key() -> None:
    """A bool mask that broadcasts the logits of an unbatched query and key up to the
    value's batch: the masked logits are not computed in place then."""
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    v = rng.standard_normal((2, 4, 5))
    keep = rng.uniform(size=(2, 3, 4)) > 0.3
    keep[..., 0] = True
    out = sdpa(dx.tensor(q), dx.tensor(k), dx.tensor(v), attn_mask=dx.tensor(keep)).numpy()
    s = np.where(keep, q @ k.T / np.sqrt(2), -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(out, (p / p.sum(-1, keepdims=True)) @ v, rtol=1e-12, atol=1e-12)
