"""The MLP step's compiled paths against the NumPy code they replace: ``linear_relu`` (what
``Sequential`` runs for ``Linear`` then ``ReLU``), the cross-entropy on few classes, and
Adam's one-call update of every parameter."""

from __future__ import annotations

from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx
from dfdx import _fused
from dfdx.ops.linalg import linear, linear_chain, linear_relu

pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def _compiled_kernels_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test picks the path itself: a ``DFDX_NO_NUMBA=1`` run, or BLAS on several
    threads (which turns the compiled thin-batch products off), must not change it."""
    monkeypatch.delenv("DFDX_NO_NUMBA", raising=False)
    monkeypatch.setattr(_fused, "_KERNELS", {"one_blas_thread": True})


@pytest.mark.parametrize(
    ("env", "one"),
    [
        ({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "4"}, True),
        ({"OPENBLAS_NUM_THREADS": "2"}, False),
        ({"OMP_NUM_THREADS": "1"}, True),
        ({"GOTO_NUM_THREADS": "3", "OMP_NUM_THREADS": "1"}, False),
    ],
)
def test_one_blas_thread_reads_openblas_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], one: bool
) -> None:
    """The thin-batch products are compiled only where OpenBLAS runs on one thread, read
    in OpenBLAS's order of its variables."""
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(_fused, "_KERNELS", {})
    assert _fused.one_blas_thread() is one


def _numpy_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})


# rows: 1 (a vector-matrix product), 5 (the transposed layout of thin batches), 70 (above
# SMALL_BATCH: the product's own layout); (2, 3) rows: a batch of sequences
SHAPES = [(1, 7), (5, 7), (70, 7), (2, 3, 7)]


def _operands(shape: tuple[int, ...], dtype: Any, bias: bool = True) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape), rng.standard_normal((6, shape[-1]))]
    if bias:
        arrays.append(rng.standard_normal(6))
    return [a.astype(dtype) for a in arrays]


def _composed(x: Any, w: Any, b: Any = None) -> Any:
    return dx.relu(dx.linear(x, w, b))


def _values_and_grads(op: Any, arrays: list[np.ndarray]) -> list[np.ndarray]:
    xs = [dx.tensor(a).trace() for a in arrays]
    out = op(*xs)
    w = np.random.default_rng(1).uniform(0.5, 1.5, out.shape).astype(arrays[0].dtype)
    grads = (out * dx.tensor(w)).sum().backward()
    return [out.numpy()] + [grads[x].numpy() for x in xs]


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_linear_relu_is_relu_of_linear(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...], bias: bool, compiled: bool
) -> None:
    if not compiled:
        _numpy_only(monkeypatch)
    arrays = _operands(shape, np.float32, bias)
    got = _values_and_grads(linear_relu, arrays)
    want = _values_and_grads(_composed, arrays)
    rtol, atol = _helpers.tolerance(np.float32, shape[-1] * int(np.prod(shape[:-1])))
    for name, g, w in zip(("value", "x", "weight", "bias"), got, want, strict=False):
        assert g.shape == w.shape and g.dtype == w.dtype, name
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=name)
    assert (got[0] >= 0).all()


@pytest.mark.parametrize("shape", SHAPES)
def test_linear_relu_float64_gradients(shape: tuple[int, ...]) -> None:
    _helpers.check_grads(linear_relu, *_operands(shape, np.float64))
    _helpers.check_grads(lambda x, w: linear_relu(x, w), *_operands(shape, np.float64, False))


def test_linear_relu_untraced_input_records_nothing() -> None:
    x, w, b = (dx.tensor(a) for a in _operands((5, 7), np.float32))
    out = linear_relu(x, w, b)
    assert not out.is_traced
    np.testing.assert_allclose(out.numpy(), _composed(x, w, b).numpy(), rtol=1e-6, atol=1e-6)


def test_linear_relu_checks_its_operands() -> None:
    x, w, b = (dx.tensor(a) for a in _operands((5, 7), np.float32))
    with pytest.raises(dx.ShapeError, match="linear_relu"):
        linear_relu(x, dx.tensor(np.zeros((6, 8), np.float32)), b)
    with pytest.raises(dx.DTypeError, match="linear_relu"):
        linear_relu(x, w.to(dx.float64), b)
    with pytest.raises(TypeError, match="linear_relu: weight must be a tensor"):
        linear_relu(x, np.zeros((6, 7)), b)  # type: ignore[call-overload]


def test_linear_relu_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x, w, b = _operands((5, 7), np.float32)
    got = _values_and_grads(linear_relu, [x, w, b])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.relu(torch.nn.functional.linear(tx, tw, tb))
    weights = np.random.default_rng(1).uniform(0.5, 1.5, out.shape).astype(np.float32)
    (out * torch.from_numpy(weights)).sum().backward()
    rtol, atol = _helpers.tolerance(np.float32, 35)
    for g, t in zip(got, (out, tx.grad, tw.grad, tb.grad), strict=True):
        np.testing.assert_allclose(g, t.detach().numpy(), rtol=rtol, atol=atol)


def _mlp(dtype: Any = dx.float32) -> Any:
    nn = dx.nn
    rng = np.random.default_rng(0)
    return nn.Sequential(
        nn.Linear(7, 6, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.Linear(6, 5, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.Linear(5, 3, rng=rng, dtype=dtype),
    )


@pytest.mark.parametrize("rows", [1, 4, 100])
def test_sequential_runs_linear_relu(rows: int) -> None:
    model = _mlp()
    x = dx.tensor(np.random.default_rng(2).standard_normal((rows, 7)).astype(np.float32))
    layer_by_layer = x
    for m in model:
        layer_by_layer = m(layer_by_layer)
    np.testing.assert_allclose(model(x).numpy(), layer_by_layer.numpy(), rtol=1e-5, atol=1e-6)
    loss = dx.losses.cross_entropy(model(x.trace()), dx.tensor(np.zeros(rows, np.int64)))
    grads = loss.backward()
    assert all(t in grads for t in model.parameters())


def test_sequential_error_names_the_layer() -> None:
    model = _mlp()
    with pytest.raises(dx.ShapeError, match=r"in 0 \(layer 1, Linear\)"):
        model(dx.tensor(np.zeros((2, 8), np.float32)))
    with pytest.raises(dx.DTypeError, match=r"in 0 \(layer 1, Linear\)"):
        model(dx.tensor(np.zeros((2, 7), np.float64)))


def test_summary_still_sees_every_layer() -> None:
    text = dx.nn.summary(_mlp(), dx.tensor(np.zeros((2, 7), np.float32)), verbose=False)
    assert text.count("ReLU") == 2 and text.count("Linear") == 3


# ---- linear_chain: Sequential's Linear/ReLU layers as one op ------------------------------------

# (in, out, bias, relu) per layer: ReLU layers, a Linear without ReLU between them, no bias
CHAINS = [
    [(7, 6, True, True), (6, 5, True, True), (5, 3, True, False)],
    [(7, 6, False, True), (6, 4, True, False), (4, 5, True, True), (5, 2, False, False)],
]


def _chain_operands(shape: tuple[int, ...], chain: list[Any], dtype: Any) -> list[np.ndarray]:
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal(shape).astype(dtype)]
    for n_in, n_out, bias, _ in chain:
        arrays.append(rng.standard_normal((n_out, n_in)).astype(dtype))
        if bias:
            arrays.append(rng.standard_normal(n_out).astype(dtype))
    return arrays


def _chain_fn(chain: list[Any], layer_by_layer: bool = False) -> Any:
    """A function of (x, weight, [bias], ...) running ``chain`` as linear_chain, or layer by
    layer with linear_relu and linear (the ops Sequential ran before)."""

    def run(x: Any, *params: Any) -> Any:
        it = iter(params)
        layers = [(next(it), next(it) if bias else None, relu) for _, _, bias, relu in chain]
        if not layer_by_layer:
            return linear_chain(x, layers)
        for w, b, relu in layers:
            x = linear_relu(x, w, b) if relu else linear(x, w, b)
        return x

    return run


CHAIN_SHAPES = [*SHAPES, (7,)]  # and a vector


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("shape", CHAIN_SHAPES)
def test_linear_chain_is_the_layers_one_by_one(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...], chain: list[Any], compiled: bool
) -> None:
    """The same kernels and layouts as linear_relu and linear layer by layer: the same
    values and gradients, bit for bit."""
    if not compiled:
        _numpy_only(monkeypatch)
    arrays = _chain_operands(shape, chain, np.float32)
    got = _values_and_grads(_chain_fn(chain), arrays)
    want = _values_and_grads(_chain_fn(chain, layer_by_layer=True), arrays)
    assert len(got) == len(arrays) + 1
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.shape == w.shape and g.dtype == w.dtype, i
        np.testing.assert_array_equal(g, w, err_msg=f"output/input {i}")


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("shape", CHAIN_SHAPES)
def test_linear_chain_float64_gradients(shape: tuple[int, ...], chain: list[Any]) -> None:
    _helpers.check_grads(_chain_fn(chain), *_chain_operands(shape, chain, np.float64))


def test_linear_chain_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    chain = CHAINS[1]
    arrays = _chain_operands((5, 7), chain, np.float32)
    got = _values_and_grads(_chain_fn(chain), arrays)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    it = iter(ts[1:])
    out = ts[0]
    for _, _, bias, relu in chain:
        out = torch.nn.functional.linear(out, next(it), next(it) if bias else None)
        if relu:
            out = torch.relu(out)
    weights = np.random.default_rng(1).uniform(0.5, 1.5, out.shape).astype(np.float32)
    (out * torch.from_numpy(weights)).sum().backward()
    rtol, atol = _helpers.tolerance(np.float32, 35)
    for g, t in zip(got, (out, *(t.grad for t in ts)), strict=True):
        np.testing.assert_allclose(g, t.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("rows", "k", "n"), [(1, 1, 2), (3, 5, 2), (6, 7, 5), (9, 130, 17), (64, 784, 32)]
)
def test_thin_forward_kernel(dtype: Any, rows: int, k: int, n: int) -> None:
    """The compiled thin-batch layer (blocks of 4 x 4 and what they leave) against a
    float64 product: relu(x @ w.T + b) into ``out``; NaN stays NaN, -inf gives 0."""
    rng = np.random.default_rng(13)
    w = rng.standard_normal((rows, k)).astype(dtype)
    x = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal(rows).astype(dtype)
    x[-1, 0] = np.nan
    w[-1, 0] = -np.inf  # row -1 of the result: -inf, or NaN with the NaN input
    x[0, 0] = 1.0
    with np.errstate(invalid="ignore"):
        want = np.maximum(x.astype(np.float64) @ w.T.astype(np.float64) + b, 0)
    thin_forward = _fused.linear_relu()[4]  # type: ignore[index]
    out = np.full((n, rows), 7.0, dtype)
    thin_forward(w, x, b, out)
    rtol, atol = _helpers.tolerance(dtype, k)
    np.testing.assert_allclose(out, want, rtol=rtol, atol=atol)
    assert np.isnan(out[-1]).all() and out[0, -1] == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("rows", "n", "k"), [(1, 2, 1), (3, 5, 2), (6, 9, 5), (9, 17, 130), (512, 32, 784)]
)
def test_thin_weight_grad_kernel(dtype: Any, rows: int, n: int, k: int) -> None:
    """The compiled weight gradient of a thin batch (blocks of 4 rows by 8 of x and what
    they leave) against a float64 product, every element written (``out`` starts as NaN);
    a NaN or infinite input gives what a product gives."""
    rng = np.random.default_rng(14)
    g = rng.standard_normal((rows, n)).astype(dtype)
    x = rng.standard_normal((n, k)).astype(dtype)
    x[-1, -1] = np.nan
    g[0, 0] = np.inf
    with np.errstate(invalid="ignore"):
        want = g.astype(np.float64) @ x.astype(np.float64)
    rtol, atol = _helpers.tolerance(dtype, n)
    for layout in (g, np.ascontiguousarray(g.T).T):  # the layer's (n, out) gradient's view
        out = np.full((rows, k), np.nan, dtype)
        _fused.linear_relu()[5](layout, x, out)  # type: ignore[index]
        np.testing.assert_allclose(out, want, rtol=rtol, atol=atol)


def test_linear_chain_thin_weight_gradient_into_a_given_array() -> None:
    """The first layer's weight gradient of a thin batch (the compiled kernel) written
    straight into a given array, as ``dx.distributed`` asks for it: the bits of the
    gradient read as usual."""
    chain = [(40, 12, True, True), (12, 3, True, False)]
    x, *params = (dx.tensor(a) for a in _chain_operands((6, 40), chain, np.float32))

    def grads_of() -> Any:
        out = _chain_fn(chain)(x.trace(), *(p.trace() for p in params))
        return (out * out).sum().backward()

    expected = grads_of().array(params[0])
    grads = grads_of()
    out = np.full((12, 40), np.nan, np.float32)
    assert grads._pending[params[0]._id].get_into(out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("one_blas_thread", [True, False])  # False: BLAS's products
@pytest.mark.parametrize("order", ["C", "F"])  # F: the BLAS products on the transposed layout
@pytest.mark.parametrize("rows", [2, 5, 32, 64])
def test_linear_chain_thin_batch_compiled_and_numpy(
    monkeypatch: pytest.MonkeyPatch, rows: int, order: str, one_blas_thread: bool
) -> None:
    """An MLP's layers on a thin batch (the compiled thin products and weight gradients of
    the Linear+ReLU layers, or BLAS's where BLAS runs on several threads) against the layers
    one by one, bit for bit, and against the NumPy path, values and gradients, within
    float32 rounding."""
    monkeypatch.setitem(_fused._KERNELS, "one_blas_thread", one_blas_thread)
    chain = [(100, 36, True, True), (36, 20, True, True), (20, 9, False, True), (9, 4, True, False)]
    arrays = _chain_operands((rows, 100), chain, np.float32)
    arrays[0] = np.asarray(arrays[0], order=order)
    got = _values_and_grads(_chain_fn(chain), arrays)
    layer_by_layer = _values_and_grads(_chain_fn(chain, layer_by_layer=True), arrays)
    for i, (g, w) in enumerate(zip(got, layer_by_layer, strict=True)):
        np.testing.assert_array_equal(g, w, err_msg=f"output/input {i}")
    _numpy_only(monkeypatch)
    want = _values_and_grads(_chain_fn(chain), arrays)
    rtol, atol = _helpers.tolerance(np.float32, 100 * rows)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.shape == w.shape and g.dtype == w.dtype, i
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"output/input {i}")


def test_linear_chain_untraced_input_records_nothing() -> None:
    chain = CHAINS[0]
    x, *params = (dx.tensor(a) for a in _chain_operands((5, 7), chain, np.float32))
    out = _chain_fn(chain)(x, *params)
    assert not out.is_traced and out._origin is None
    np.testing.assert_array_equal(out.numpy(), _chain_fn(chain, True)(x, *params).numpy())


def test_linear_chain_checks_every_layer() -> None:
    x, w1, b1, w2, b2, w3, b3 = (
        dx.tensor(a) for a in _chain_operands((5, 7), CHAINS[0], np.float32)
    )
    # the second layer's input is (5, 6): the error names that shape
    with pytest.raises(dx.ShapeError, match=r"linear_chain: weight .* takes 5 features, x .*5, 6"):
        linear_chain(x, [(w1, b1, True), (w3, b3, True)])
    with pytest.raises(dx.ShapeError, match=r"linear_chain: bias must be Tensor\[5\]"):
        linear_chain(x, [(w1, b1, True), (w2, b1, True)])
    with pytest.raises(dx.DTypeError, match="linear_chain"):
        linear_chain(x, [(w1, b1, True), (w2.to(dx.float64), b2, True)])
    with pytest.raises(TypeError, match="linear_chain: weight must be a tensor"):
        linear_chain(x, [(w1, b1, True), (np.zeros((5, 6)), b2, True)])
    with pytest.raises(ValueError, match="linear_chain: needs at least one layer"):
        linear_chain(x, [])


def test_sequential_chain_sums_a_tied_layers_gradients() -> None:
    """The same Linear twice in a Sequential: its gradients are the sum of both uses."""
    nn = dx.nn
    layer = nn.Linear(4, 4, rng=np.random.default_rng(1))
    x = dx.tensor(np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32))
    got = nn.Sequential(layer, nn.ReLU(), layer)(x.trace()).sum().backward()
    want = linear(linear_relu(x.trace(), layer.weight, layer.bias), layer.weight, layer.bias)
    want_grads = want.sum().backward()
    for p in (layer.weight, layer.bias):
        np.testing.assert_allclose(got[p].numpy(), want_grads[p].numpy(), rtol=1e-6, atol=1e-6)


def test_sequential_records_one_step_for_its_linear_layers() -> None:
    model = _mlp()
    x = dx.tensor(np.ones((4, 7), np.float32)).trace()
    out = model(x)
    assert out._tape is not None and len(out._tape.root().steps) == 1
    # a layer that is not Linear or ReLU splits the chain; a lone Linear is one op
    nn = dx.nn
    split = nn.Sequential(nn.Linear(7, 6), nn.ReLU(), nn.Tanh(), nn.Linear(6, 3))
    out = split(x.detach().trace())
    assert out._tape is not None and len(out._tape.root().steps) == 3


# ---- cross-entropy on few classes -------------------------------------------------------------


def _ce(logits: np.ndarray, labels: np.ndarray, **kw: Any) -> list[np.ndarray]:
    x = dx.tensor(logits).trace()
    loss = dx.losses.cross_entropy(x, dx.tensor(labels), **kw)
    return [loss.numpy(), loss.backward()[x].numpy()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 10), (3, 4, 16), (1, 1)])
def test_compiled_cross_entropy_matches_numpy(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...], dtype: Any
) -> None:
    rng = np.random.default_rng(3)
    logits = (rng.standard_normal(shape) * 4).astype(dtype)
    labels = rng.integers(0, shape[-1], shape[:-1])
    got = _ce(logits, labels)
    _numpy_only(monkeypatch)
    want = _ce(logits, labels)
    rtol, atol = _helpers.tolerance(dtype, int(np.prod(shape)))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def test_compiled_cross_entropy_float64_gradient() -> None:
    labels = np.random.default_rng(4).integers(0, 10, 6)
    logits = np.random.default_rng(5).standard_normal((6, 10))
    _helpers.check_grads(lambda x: dx.losses.cross_entropy(x, dx.tensor(labels)), logits)


def test_compiled_cross_entropy_keeps_the_checks() -> None:
    logits = np.zeros((4, 10), np.float32)
    with pytest.raises(ValueError, match="label 10 is out of range for 10 classes"):
        _ce(logits, np.array([0, 1, 10, 2]))
    with pytest.raises(ValueError, match="label -3 is out of range"):
        _ce(logits, np.array([0, -3, 1, 2]))
    # ignored positions add nothing, as on the NumPy path
    kept = _ce(logits[:2], np.array([3, 4]))[0]
    np.testing.assert_allclose(_ce(logits, np.array([3, 4, -100, -100]))[0], kept, rtol=1e-6)
    np.testing.assert_allclose(_ce(logits, np.array([3, 4, 7, 7]), ignore_index=7)[0], kept)


def test_cross_entropy_nan_logits_give_nan() -> None:
    logits = np.zeros((2, 3), np.float32)
    logits[1, 2] = np.nan
    assert np.isnan(_ce(logits, np.array([0, 1]))[0])


# ---- Adam: one call for every parameter ------------------------------------------------------


def test_adam_one_call_skips_what_it_cannot_take(monkeypatch: pytest.MonkeyPatch) -> None:
    """A float64 parameter beside float32 ones, and a gradient that is not contiguous, are
    updated one by one, as without Numba: the same values either way."""

    def run(compiled: bool) -> dict[str, np.ndarray]:
        monkeypatch.setattr(_fused, "_KERNELS", {} if compiled else {"enabled": False})
        model = _mlp()
        model.layers[2].bias = dx.tensor(np.zeros(5))  # float64
        opt = dx.optim.Adam(model, lr=1e-2, weight_decay=0.01)
        params = dict(model.named_parameters())
        rng = np.random.default_rng(6)
        for _ in range(3):
            grads = {k: rng.standard_normal(t.shape).astype(t.dtype) for k, t in params.items()}
            grads["0.weight"] = np.asfortranarray(grads["0.weight"])
            loss: Any = None
            for k, g in grads.items():  # d/dp sum(p * G) = G, in G's layout
                term = (params[k].trace() * dx.tensor(g, dtype=g.dtype)).sum().to(dx.float64)
                loss = term if loss is None else loss + term
            opt.update(model, loss.backward())
        return model.state_dict()

    got, want = run(True), run(False)
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-6, atol=1e-7, err_msg=name)


def test_adam_updates_more_parameters_than_one_call_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    """13 parameters: calls of ADAM_CHUNK (8) parameters, the last one padded."""

    def run(compiled: bool) -> dict[str, np.ndarray]:
        monkeypatch.setattr(_fused, "_KERNELS", {} if compiled else {"enabled": False})
        rng = np.random.default_rng(7)
        layers: list[Any] = [dx.nn.Linear(4, 4, rng=rng) for _ in range(6)]
        layers.append(dx.nn.Linear(4, 3, bias=False, rng=rng))
        model = dx.nn.Sequential(*layers)
        opt = dx.optim.AdamW(model, lr=1e-2)
        x = dx.tensor(rng.standard_normal((5, 4)).astype(np.float32))
        for _ in range(3):
            loss = dx.losses.cross_entropy(model(x.trace()), dx.tensor(np.arange(5) % 3))
            opt.update(model, loss.backward())
        return model.state_dict()

    got, want = run(True), run(False)
    assert len(want) == 13 and dx.optim._adam.ADAM_CHUNK == 8
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-6, err_msg=name)
