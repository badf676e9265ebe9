"""The untraced (``NoneTape``) fast paths against the traced ops they stand in for."""

from __future__ import annotations

import numpy as np
import pytest

import dfdx as dx
from dfdx import _fused

pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def _compiled_kernels_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pick each path themselves (through ``_fused._KERNELS``): a
    ``DFDX_NO_NUMBA=1`` run of the suite must not turn the compiled one off under them."""
    monkeypatch.delenv("DFDX_NO_NUMBA", raising=False)
    monkeypatch.setattr(_fused, "_KERNELS", {})


@pytest.mark.parametrize("shape", [(7,), (16, 33, 40)])
def test_untraced_gelu_matches_traced(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...]
) -> None:
    """The two-loop inference kernel against the traced forward (the same polynomials;
    NumPy's exp against libm's: equal up to a few float32 roundings), and without Numba."""
    rng = np.random.default_rng(5)
    a = (rng.standard_normal(shape) * 3).astype(np.float32)
    a.reshape(-1)[:7] = [0.0, -0.0, 40.0, -40.0, 0.927734375, -0.9277, -2.5]
    traced = dx.tensor(a).trace().gelu().numpy()
    got = dx.tensor(a).gelu()
    assert not got.is_traced and got.dtype == dx.float32
    # erf's tail is 1 - exp(r): near x = -4 the float32 cancellation turns one ulp of exp
    # into ~1e-7 absolute (about 2e-4 relative of a ~5e-4 result), in either kernel
    np.testing.assert_allclose(got.numpy(), traced, rtol=4e-7, atol=2e-7)
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    np.testing.assert_allclose(dx.tensor(a).gelu().numpy(), traced, rtol=4e-7, atol=2e-7)


def test_untraced_gelu_special_values() -> None:
    a = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0, 1e30, -1e30], np.float32)
    got = dx.tensor(a).gelu().numpy()
    want = np.array([0.0, np.inf, np.nan, 0.0, -0.0, 1e30, -0.0], np.float32)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, dx.tensor(a).trace().gelu().numpy())


def test_untraced_gelu_non_contiguous_and_float64() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 8)).astype(np.float32)
    view = dx.tensor(a).transpose(0, 1)
    np.testing.assert_allclose(view.gelu().numpy(), dx.tensor(a).gelu().numpy().T, rtol=1e-6)
    d = rng.standard_normal(5)
    np.testing.assert_allclose(
        dx.tensor(d).gelu().numpy(), dx.tensor(d).trace().gelu().numpy(), rtol=1e-15
    )


def test_gelu_of_a_parameter_keeps_its_gradient() -> None:
    """A parameter's GELU is not plain: it remembers its origin, so the gradient reaches the
    parameter (the inference kernel is only for tensors no gradient can reach)."""
    layer = dx.nn.Linear(3, 4, rng=np.random.default_rng(0))
    x = dx.tensor(np.ones((2, 3), np.float32)).trace()
    grads = (x * layer.weight.gelu()[:2, :]).sum().backward()
    w = layer.weight.numpy()[:2]
    h = 1e-3
    num = (
        dx.tensor(w + h).gelu().numpy().astype(np.float64)
        - dx.tensor(w - h).gelu().numpy().astype(np.float64)
    ) / (2 * h)
    np.testing.assert_allclose(grads[layer.weight].numpy()[:2], num, rtol=1e-2, atol=1e-3)


def _qkv(rng: np.random.Generator, dtype: type, *shape: int) -> list[np.ndarray]:
    return [rng.standard_normal(shape).astype(dtype) for _ in range(3)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask", ["none", "causal", "bool", "float", "batch_bool", "fully_masked"])
def test_untraced_attention_matches_traced(dtype: type, mask: str) -> None:
    """``scaled_dot_product_attention`` on plain tensors (the two Numba loops on transposed
    logits) against the traced op's forward, masks of every broadcast shape included."""
    rng = np.random.default_rng(3)
    q, k, v = _qkv(rng, dtype, 2, 3, 5, 4)
    k, v = k[:, :, :4].copy(), v[:, :, :4].copy()  # 4 keys for 5 queries
    attn_mask: dx.Tensor | None = None  # type: ignore[type-arg]
    causal = mask == "causal"
    if mask == "bool":
        attn_mask = dx.tensor(rng.random((5, 4)) > 0.3)
    elif mask == "float":
        attn_mask = dx.tensor(rng.standard_normal((3, 1, 4)).astype(dtype))
    elif mask == "batch_bool":
        attn_mask = dx.tensor(rng.random((2, 1, 5, 4)) > 0.3)
    elif mask == "fully_masked":
        keep = np.ones((5, 4), bool)
        keep[2] = False
        attn_mask = dx.tensor(keep)
    args = [dx.tensor(a) for a in (q, k, v)]
    got = dx.scaled_dot_product_attention(*args, attn_mask=attn_mask, is_causal=causal)
    assert not got.is_traced
    want = dx.scaled_dot_product_attention(
        args[0].trace(), *args[1:], attn_mask=attn_mask, is_causal=causal
    )
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=rtol)
    if mask == "fully_masked":
        np.testing.assert_array_equal(got.numpy()[:, :, 2], 0)


@pytest.mark.parametrize("masks", ["causal", "padding", "none"])
def test_untraced_multihead_attention_matches_traced(masks: str) -> None:
    """The packed self-attention path of ``MultiHeadAttention`` (heads laid out for their
    merge) and its cross-attention path."""
    rng = np.random.default_rng(4)
    mha = dx.nn.MultiHeadAttention(8, 2, rng=rng).eval()
    x = dx.tensor(rng.standard_normal((3, 6, 8)).astype(np.float32))
    mem = dx.tensor(rng.standard_normal((3, 4, 8)).astype(np.float32))
    pad = dx.tensor(np.array([[False] * 6, [False] * 4 + [True] * 2, [True] * 6]))
    kw = {"is_causal": masks == "causal"}
    if masks == "padding":
        kw = {"key_padding_mask": pad}  # type: ignore[dict-item]
    got = mha(x, **kw)
    want = mha(x.trace(), **kw)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    if masks != "padding":
        got = mha(x, mem, **kw)
        want = mha(x.trace(), mem, **kw)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_untraced_attention_without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    q, k, v = (dx.tensor(a) for a in _qkv(rng, np.float32, 2, 2, 4, 3))
    fast = dx.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    slow = dx.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_untraced_layer_norm_matches_traced(dtype: type, affine: str) -> None:
    """One Numba pass per row against the traced op (float32 sums in another order: a few
    float32 roundings of values of order 1)."""
    rng = np.random.default_rng(6)
    a = (rng.standard_normal((3, 5, 40)) * 4 + 2).astype(dtype)
    w = dx.tensor(rng.standard_normal(40).astype(dtype)) if affine != "none" else None
    b = dx.tensor(rng.standard_normal(40).astype(dtype)) if affine == "both" else None
    x = dx.tensor(a)
    for arg in (x, x.transpose(0, 1)):  # contiguous and not
        got = dx.layer_norm(arg, 40, w, b)
        assert not got.is_traced
        want = dx.layer_norm(arg.trace(), 40, w, b)
        tol = 2e-6 if dtype == np.float32 else 1e-14
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)


def test_untraced_layer_norm_constant_rows_and_no_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    a = np.zeros((2, 8), np.float32)
    a[1] = 3.0
    np.testing.assert_array_equal(dx.layer_norm(dx.tensor(a), 8).numpy(), 0.0)
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    np.testing.assert_array_equal(dx.layer_norm(dx.tensor(a), 8).numpy(), 0.0)


def test_untraced_batched_matmul_by_a_matrix() -> None:
    """A plain ``(*B, n, k) @ (k, m)`` as one product over the rows, contiguous or not."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    w = rng.standard_normal((6, 5)).astype(np.float32)
    x, wt = dx.tensor(a), dx.tensor(w).transpose(0, 1)
    for arg in (x, x.transpose(1, 2)):
        got = arg @ wt
        assert not got.is_traced and got.shape == (*arg.shape[:-1], 6)
        np.testing.assert_allclose(got.numpy(), (arg.trace() @ wt).numpy(), rtol=1e-5, atol=1e-6)


def test_untraced_batched_matmul_of_empty_arrays() -> None:
    for a, b in [((3, 4, 0), (0, 3)), ((0, 0, 1, 0), (0, 2)), ((2, 0, 3), (3, 4))]:
        got = dx.zeros(*a) @ dx.zeros(*b)
        assert got.shape == np.matmul(np.zeros(a), np.zeros(b)).shape
        np.testing.assert_array_equal(got.numpy(), 0.0)


def test_untraced_gelu_with_bias_in_place() -> None:
    """``_inference.gelu_float32`` with a bias, written over its input (the feed-forward's
    hidden layer): the traced GELU of ``a + bias``, special values included."""
    from dfdx import _inference

    rng = np.random.default_rng(6)
    a = (rng.standard_normal((5, 8)) * 3).astype(np.float32)
    bias = rng.standard_normal(8).astype(np.float32)
    a[0, :4] = [-np.inf, np.inf, np.nan, 40.0]
    with np.errstate(invalid="ignore"):
        want = dx.tensor(a + bias).trace().gelu().numpy()
    h = a.copy()
    assert _inference.gelu_float32(h, bias, out=h) is h
    np.testing.assert_allclose(h, want, rtol=4e-7, atol=2e-7)
    assert h[0, 0] == 0 and h[0, 1] == np.inf and np.isnan(h[0, 2])
    out = np.empty_like(a)
    assert _inference.gelu_float32(a + bias, None, out=out) is out
    np.testing.assert_allclose(out, want, rtol=4e-7, atol=2e-7)
    assert _inference.gelu_float32(a.astype(np.float64)) is None  # the caller's general path


@pytest.mark.parametrize("rows", [1, 8, 130])  # linear's three layouts of the product
@pytest.mark.parametrize("biases", [True, False])
def test_untraced_gelu_feed_forward_matches_traced(rows: int, biases: bool) -> None:
    """A GELU transformer layer's feed-forward on a plain input (``plain_gelu_feed_forward``:
    the bias added in GELU's first pass, GELU over the product) against the composed traced
    ops, in a layer and alone; it declines traced operands and other dtypes."""
    from dfdx.ops.linalg import plain_gelu_feed_forward

    rng = np.random.default_rng(8)
    layer = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", rng=rng)
    w1, w2 = layer.linear1, layer.linear2
    b1, b2 = (w1.bias, w2.bias) if biases else (None, None)
    x = dx.tensor(rng.standard_normal((rows, 8)).astype(np.float32))
    got = plain_gelu_feed_forward(x, w1.weight, b1, w2.weight, b2)
    assert got is not None and not got.is_traced
    want = dx.linear(dx.linear(x.trace(), w1.weight, b1).gelu(), w2.weight, b2)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert plain_gelu_feed_forward(x.trace(), w1.weight, b1, w2.weight, b2) is None
    x64 = dx.tensor(x.numpy().astype(np.float64))
    assert plain_gelu_feed_forward(x64, w1.weight, b1, w2.weight, b2) is None
    seq = x.reshape(1, rows, 8)
    np.testing.assert_allclose(
        layer.eval()(seq).numpy(), layer(seq.trace()).numpy(), rtol=1e-5, atol=1e-6
    )


def test_untraced_gelu_feed_forward_without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(9)
    layer = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", rng=rng)
    x = dx.tensor(rng.standard_normal((2, 5, 8)).astype(np.float32))
    fast = layer.eval()(x, is_causal=True).numpy()
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    slow = layer(x, is_causal=True).numpy()
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-6)


def test_causal_mask_is_shared_and_read_only() -> None:
    """The causal mask is built once per size, read-only (no op may write into the shared
    array), and combines with a padding mask as before."""
    from dfdx.nn.attention import _causal_keep

    keep = _causal_keep(4, 6)
    assert keep is _causal_keep(4, 6) and not keep.flags.writeable
    np.testing.assert_array_equal(keep, np.tril(np.ones((4, 6), bool)))
    rng = np.random.default_rng(10)
    mha = dx.nn.MultiHeadAttention(8, 2, rng=rng).eval()
    x = dx.tensor(rng.standard_normal((2, 4, 8)).astype(np.float32))
    pad = dx.tensor(np.array([[False] * 4, [False] * 3 + [True]]))
    both = mha(x, key_padding_mask=pad, is_causal=True).numpy()
    mask = dx.tensor(~np.tril(np.ones((4, 4), bool)))
    spelled = mha(x, key_padding_mask=pad, attn_mask=mask).numpy()
    np.testing.assert_allclose(both, spelled, rtol=1e-6, atol=1e-7)
    for _ in range(2):  # the additive form of the shared mask, reused: the same result
        again = mha(x, is_causal=True).numpy()
        np.testing.assert_allclose(again, mha(x, attn_mask=mask).numpy(), rtol=1e-6, atol=1e-7)


def test_float32_exp_of_the_softmax_kernel_within_two_ulps() -> None:
    """The ``exp`` the float32 softmax kernel computes in its loop (Cephes' polynomial, the
    power of two put in the exponent bits) against float64's, over its whole domain
    (``t <= 0``), with its limits: 0 below float32's normal range, NaN kept."""
    from dfdx import _inference

    _fused.enabled()
    _inference._compile_exp()
    exp = _inference._exp_nonpositive
    t = np.concatenate([-np.geomspace(1e-8, 87.3, 20000), -np.linspace(0, 1, 1001)])
    t = t.astype(np.float32)
    got = np.array([exp(v) for v in t], np.float32)
    want = np.exp(t.astype(np.float64))
    ulp = np.spacing(want.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - want) / ulp) <= 2
    special = np.array([0.0, -0.0, -87.4, -100.0, -np.inf, np.nan], np.float32)
    got = np.array([exp(v) for v in special], np.float32)
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.0, 0.0, 0.0, np.nan])


@pytest.mark.parametrize("n", [5, 40])  # 40: rows that start past a vector of 16 queries
def test_causal_softmax_skips_only_the_shared_causal_mask(n: int) -> None:
    """The float32 kernel skips the keys after each query for the shared causal mask (and no
    other; at 40 queries its products also skip the masked block), with the values of the
    same mask given as an ordinary array (up to the products' roundings)."""
    from dfdx import _inference
    from dfdx.nn.attention import _causal_keep

    f32 = np.dtype(np.float32)
    assert _inference._additive_mask(_causal_keep(5, 5), None, f32, 5, 5)[1]
    assert not _inference._additive_mask(_causal_keep(4, 6), None, f32, 4, 6)[1]
    assert not _inference._additive_mask(np.tril(np.ones((5, 5), bool)), None, f32, 5, 5)[1]
    band = np.tril(np.ones((5, 5), bool)) & np.triu(np.ones((5, 5), bool), -2)
    band.flags.writeable = False
    assert not _inference._additive_mask(band, None, f32, 5, 5)[1]
    rng = np.random.default_rng(11)
    q, k, v = _qkv(rng, np.float32, 2, 3, n, 4)
    shared = _inference.softmax_attention(q, k, v, _causal_keep(n, n), None, 0.5, False)
    tril = np.tril(np.ones((n, n), bool))
    plain = _inference.softmax_attention(q, k, v, tril, None, 0.5, False)
    assert shared is not None and plain is not None
    np.testing.assert_allclose(shared, plain, rtol=1e-6, atol=1e-7)
    want = dx.scaled_dot_product_attention(
        *(dx.tensor(a).trace() for a in (q, k, v)), is_causal=True, scale=0.5
    )
    np.testing.assert_allclose(shared, want.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("numba", [True, False])
def test_add_residual_rounds_as_two_adds(monkeypatch: pytest.MonkeyPatch, numba: bool) -> None:
    from dfdx import _inference

    if not numba:
        monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    rng = np.random.default_rng(12)
    x, y = (rng.standard_normal((6, 5)).astype(np.float32) * 1e3 for _ in range(2))
    b = rng.standard_normal(5).astype(np.float32) * 1e-3
    for bias in (b, None):
        out = y.copy()
        assert _inference.add_residual(out, bias, x) is out
        np.testing.assert_array_equal(out, x + (y if bias is None else y + bias))


def _without_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dx.nn.TransformerEncoderLayer, "_plain_encoder", lambda *args: None)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "causal", "padding", "float", "both"])
@pytest.mark.parametrize("seq", [5, 70])  # up to 64 rows and more: linear's two layouts
def test_plain_encoder_layer_equals_its_composed_ops(
    monkeypatch: pytest.MonkeyPatch, activation: str, norm_first: bool, masks: str, seq: int
) -> None:
    """An encoder layer on a plain input in eval mode (``_plain_encoder``: arrays, no op per
    step) gives the values of the ops it is composed of, bit for bit (the same products and
    kernels, the same order of adds), and those of the traced layer up to rounding."""
    rng = np.random.default_rng(13)
    layer = dx.nn.TransformerEncoderLayer(
        8, 2, 16, activation=activation, norm_first=norm_first, rng=rng
    ).eval()
    for p in layer.parameters():  # biases and norms away from their initial 0 and 1
        p._data[...] = rng.standard_normal(p.shape).astype(np.float32) * 0.5
    x = dx.tensor(rng.standard_normal((2, seq, 8)).astype(np.float32))
    kw: dict[str, object] = {"is_causal": masks in ("causal", "both")}
    if masks in ("padding", "both"):
        pad = np.zeros((2, seq), bool)
        pad[1, -2:] = True
        kw["src_key_padding_mask"] = dx.tensor(pad)
    if masks == "float":
        kw["src_mask"] = dx.tensor(rng.standard_normal((seq, seq)).astype(np.float32))
    got = layer(x, **kw)  # type: ignore[arg-type]
    assert not got.is_traced
    traced = layer(x.trace(), **kw).numpy()  # type: ignore[arg-type]
    _without_plain_path(monkeypatch)
    np.testing.assert_array_equal(got.numpy(), layer(x, **kw).numpy())  # type: ignore[arg-type]
    np.testing.assert_allclose(got.numpy(), traced, rtol=1e-5, atol=1e-5)


def test_plain_encoder_layer_sequence_first_and_stacked() -> None:
    rng = np.random.default_rng(14)
    layer = dx.nn.TransformerEncoderLayer(8, 2, 16, batch_first=False, rng=rng)
    stack = dx.nn.TransformerEncoder(layer, 2).eval()
    x = dx.tensor(rng.standard_normal((5, 3, 8)).astype(np.float32))  # (S, B, D)
    got = stack(x)
    assert got.shape == (5, 3, 8) and not got.is_traced
    np.testing.assert_allclose(got.numpy(), stack(x.trace()).numpy(), rtol=1e-5, atol=1e-5)


def test_plain_encoder_layer_declines_what_it_does_not_cover(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Traced inputs, active dropout, float64 GELU, a custom activation, masks that fail their
    checks and a run without Numba go through the composed ops (the same errors, located in
    the attention module as before)."""
    rng = np.random.default_rng(15)
    x = dx.tensor(rng.standard_normal((2, 4, 8)).astype(np.float32))
    layer = dx.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, rng=rng)
    assert layer._plain_encoder(x, None, None, False) is None  # training, dropout 0.1
    assert layer.eval()._plain_encoder(x, None, None, False) is not None
    assert layer._plain_encoder(x.trace(), None, None, False) is None
    layer.self_attn.train()  # attention's own dropout active
    assert layer._plain_encoder(x, None, None, False) is None
    gelu64 = dx.nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", dtype=dx.float64).eval()
    x64 = dx.tensor(x.numpy().astype(np.float64))
    assert gelu64._plain_encoder(x64, None, None, False) is None
    custom = dx.nn.TransformerEncoderLayer(8, 2, 16, activation=lambda t: t.tanh()).eval()
    assert custom._plain_encoder(x, None, None, False) is None
    bad = dx.tensor(np.zeros((4, 4), np.int64))
    with pytest.raises(dx.DTypeError, match=r"^in self_attn \(MultiHeadAttention.*attn_mask"):
        layer.eval()(x, src_mask=bad)
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    assert layer._plain_encoder(x, None, None, False) is None
