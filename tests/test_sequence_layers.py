"""The ops and layers that ports of audio and text models reach for: ``max_pool1d``,
``avg_pool1d``, ``adaptive_avg_pool1d``, ``adaptive_max_pool1d``, ``glu``, ``repeat_interleave``
(values and gradients against PyTorch, from the committed ``fixtures/torch_sequence_layers.npz``
written by ``fixtures/make_torch_sequence_fixtures.py``; gradients against float64 finite
differences; errors with their exact messages; the shape rules with symbolic sizes), the layers
``MaxPool1d``, ``AvgPool1d``, ``AdaptiveAvgPool1d``, ``AdaptiveMaxPool1d``, ``GLU`` (their values
against ``torch.nn`` are in tests/test_nn_parity.py) and the cells ``LSTMCell`` and ``GRUCell``
(stepped in a loop against PyTorch's, from the same fixture)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import _helpers
import numpy as np
import pytest
from _helpers import check_grads

import dfdx as dx
from dfdx import nn
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.shapes import ShapeError

fixtures = _helpers.load_fixture_script("make_torch_sequence_fixtures.py")
CASES = fixtures.CASES
DTYPES: tuple[str, ...] = fixtures.DTYPES
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)

DFDX_OPS: dict[str, Callable[..., Any]] = {
    "max_pool1d": dx.max_pool1d,  # kernel_size=, stride=, padding=, ceil_mode=
    "avg_pool1d": dx.avg_pool1d,
    "adaptive_avg_pool1d": dx.adaptive_avg_pool1d,  # output_size=
    "adaptive_max_pool1d": dx.adaptive_max_pool1d,
    "glu": dx.glu,  # axis=
    "repeat_interleave": dx.repeat_interleave,  # repeats=, axis=
}


def run_dfdx(case: Any, inputs: dict[str, np.ndarray], r: np.ndarray) -> dict[str, np.ndarray]:
    ts = {k: dx.tensor(v).trace() for k, v in inputs.items()}
    (x,) = ts
    out = DFDX_OPS[case.op](ts[x], **case.kwargs)
    grads = (out * dx.tensor(r)).sum().backward()
    return {"out": out.numpy(), **{f"grad/{k}": grads[t].numpy() for k, t in ts.items()}}


def _arrays(name: str, dtype: str) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"{name}/{dtype}/",
        f"no fixture for {name} ({dtype}): "
        "run python tests/fixtures/make_torch_sequence_fixtures.py",
    )


_PARAMS = [pytest.param(c, d, id=f"{c.name}-{d}") for c in CASES for d in DTYPES]


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_matches_pytorch(case: Any, dtype: str) -> None:
    _helpers.assert_matches_fixture(
        _arrays(case.name, dtype), lambda inputs, r: run_dfdx(case, inputs, r)
    )


def test_every_op_has_a_case() -> None:
    assert sorted({c.op for c in CASES}) == sorted(DFDX_OPS)


@pytest.mark.parametrize(("case", "dtype"), _PARAMS)
def test_fixture_is_current(case: Any, dtype: str) -> None:
    pytest.importorskip("torch")
    _helpers.assert_fixture_is_current(
        _arrays(case.name, dtype), lambda inputs, r: fixtures.run_torch(case, inputs, r)
    )


def test_empty_batches_and_channels_as_pytorch() -> None:
    assert dx.max_pool1d(z(0, 3, 6), 2).shape == (0, 3, 3)
    assert dx.adaptive_avg_pool1d(z(0, 3, 6), 2).shape == (0, 3, 2)
    assert dx.adaptive_avg_pool1d(z(1, 0, 6), 2).shape == (1, 0, 2)  # PyTorch's too
    assert dx.adaptive_max_pool1d(z(0, 3, 6), 4).shape == (0, 3, 4)
    assert dx.repeat_interleave(z(2, 0), 3, axis=1).shape == (2, 0)
    assert dx.repeat_interleave(z(2, 3), 0, axis=0).shape == (0, 3)
    assert dx.glu(z(0, 4)).shape == (0, 2)


def test_the_method_is_the_function() -> None:
    x = dx.tensor(rand(2, 3, 4))
    np.testing.assert_array_equal(
        x.repeat_interleave(2, axis=1).numpy(), dx.repeat_interleave(x, 2, 1).numpy()
    )
    np.testing.assert_array_equal(x.repeat_interleave(3).numpy(), np.repeat(x.numpy(), 3))


# ---- the cells, stepped in a loop ---------------------------------------------------------


def _cell_arrays(case: Any) -> dict[str, np.ndarray]:
    return _helpers.case_arrays(
        FIXTURE,
        f"cell/{case.name}/",
        f"no fixture for {case.name}: run python tests/fixtures/make_torch_sequence_fixtures.py",
    )


def run_cell(case: Any, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """dfdx's results and gradients for ``case`` with the fixture's weights and inputs."""
    lstm = case.kind == "LSTMCell"
    model = getattr(nn, case.kind)(case.input_size, case.hidden_size, case.bias, dtype=dx.float64)
    model.load_state_dict({k[6:]: v for k, v in arrays.items() if k.startswith("state/")})
    inputs = {k: dx.tensor(arrays[k]).trace() for k in ("x", "h0", "c0") if k in arrays}
    state: Any = None
    if "h0" in inputs:
        state = (inputs["h0"], inputs["c0"]) if lstm else inputs["h0"]
    hs, cs = [], []
    for t in range(case.shape[0]):
        state = model(inputs["x"][t], state)
        hs.append(state[0] if lstm else state)
        if lstm:
            cs.append(state[1])
    results = {"h": dx.stack(hs), **({"c": dx.stack(cs)} if lstm else {})}
    loss: Any = None
    for key, value in results.items():
        term = (value * dx.tensor(arrays[f"r/{key}"])).sum()
        loss = term if loss is None else loss + term
    grads = loss.backward()
    got = {key: value.numpy() for key, value in results.items()}
    got |= {f"grad/{k}": grads[t].numpy() for k, t in inputs.items()}
    got |= {f"grad/{k}": grads[p].numpy() for k, p in model.named_parameters()}
    got |= {k: v for k, v in arrays.items() if k.startswith(("state/", "r/")) or k in inputs}
    return got


@pytest.mark.parametrize("case", fixtures.CELL_CASES, ids=lambda c: c.name)
def test_cells_match_pytorch(case: Any) -> None:
    arrays = _cell_arrays(case)
    _helpers.assert_same_arrays(run_cell(case, arrays), arrays)


@pytest.mark.parametrize("case", fixtures.CELL_CASES, ids=lambda c: c.name)
def test_cell_fixture_is_current(case: Any) -> None:
    pytest.importorskip("torch")
    _helpers.assert_same_arrays(fixtures.torch_cell_case(case), _cell_arrays(case))


def test_cells_are_the_recurrent_layers_steps() -> None:
    """A GRU (LSTM) over a sequence is its cell stepped over it, with the same weights."""
    rng = np.random.default_rng(0)
    x = dx.tensor(rng.standard_normal((5, 2, 3)))
    for kind in ("LSTM", "GRU"):
        layer = getattr(nn, kind)(3, 4, rng=rng, dtype=dx.float64)
        cell = getattr(nn, f"{kind}Cell")(3, 4, dtype=dx.float64)
        cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
        out, _ = layer(x)
        state: Any = None
        for t in range(5):
            state = cell(x[t], state)
            h = state[0] if kind == "LSTM" else state
            np.testing.assert_allclose(h.numpy(), out[t].numpy(), rtol=1e-12, atol=1e-12)


# ---- gradients by finite differences (float64) ---------------------------------------------


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape: int, seed: int = 0) -> np.ndarray:
    return _helpers.distinct(shape, seed)


GRADIENT_CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "max_pool1d": (lambda x: dx.max_pool1d(x, 3, stride=2, padding=1), (distinct(2, 3, 9),)),
    "max_pool1d ceil_mode": (
        lambda x: dx.max_pool1d(x, 2, stride=2, padding=1, ceil_mode=True),
        (distinct(1, 2, 7),),
    ),
    "max_pool1d overlapping windows": (lambda x: dx.max_pool1d(x, 3, 1), (distinct(2, 2, 6),)),
    "avg_pool1d": (lambda x: dx.avg_pool1d(x, 4, stride=2, padding=2), (rand(2, 3, 10),)),
    "avg_pool1d ceil_mode": (
        lambda x: dx.avg_pool1d(x, 3, stride=2, ceil_mode=True),
        (rand(1, 2, 8),),
    ),
    "adaptive_avg_pool1d": (lambda x: dx.adaptive_avg_pool1d(x, 3), (rand(2, 3, 10),)),
    "adaptive_avg_pool1d upsampling": (lambda x: dx.adaptive_avg_pool1d(x, 7), (rand(1, 2, 3),)),
    "adaptive_max_pool1d": (lambda x: dx.adaptive_max_pool1d(x, 3), (distinct(2, 3, 10),)),
    "adaptive_max_pool1d overlapping bins": (
        lambda x: dx.adaptive_max_pool1d(x, 6),
        (distinct(1, 2, 4),),
    ),
    "glu": (lambda x: dx.glu(x), (rand(3, 8),)),
    "glu axis 1": (lambda x: dx.glu(x, axis=1), (rand(2, 6, 5),)),
    "repeat_interleave": (lambda x: dx.repeat_interleave(x, 3, axis=1), (rand(2, 3, 4),)),
    "repeat_interleave flattened": (lambda x: x.repeat_interleave(2), (rand(2, 3),)),
    "repeat_interleave non-contiguous": (
        lambda x: x.transpose(0, 1).repeat_interleave(2, axis=-1),
        (rand(3, 2),),
    ),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients_match_finite_differences(name: str) -> None:
    op, arrays = GRADIENT_CASES[name]
    check_grads(op, *arrays)


def test_layer_and_cell_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    lstm = nn.LSTMCell(3, 4, rng=rng, dtype=dx.float64)
    gru = nn.GRUCell(3, 4, rng=rng, dtype=dx.float64)
    check_grads(lambda x: lstm(x)[0], rand(2, 3))
    check_grads(
        lambda x, h, c: lstm(x, (h, c))[1], rand(2, 3), rand(2, 4, seed=1), rand(2, 4, seed=2)
    )
    check_grads(lambda x, h: gru(x, h), rand(2, 3), rand(2, 4, seed=1))
    check_grads(lambda x, h: gru(x, h), rand(3), rand(4, seed=1))  # unbatched
    check_grads(lambda x: nn.GLU(axis=0)(x), rand(4, 3))
    check_grads(lambda x: nn.AvgPool1d(2, padding=1)(x), rand(2, 2, 5))


def test_the_cells_parameters_get_their_gradients_from_zero_states() -> None:
    """From zero states (plain tensors), the state's weights still get their gradient."""
    for cell in (nn.LSTMCell(3, 4), nn.GRUCell(3, 4)):
        x = dx.tensor(rand(2, 3).astype(np.float32)).trace()
        out = cell(x)
        h = out[0] if isinstance(out, tuple) else out
        state = cell(x, out)
        h = state[0] if isinstance(state, tuple) else state
        grads = (h * h).sum().backward()
        params = dict(cell.named_parameters())
        assert sorted(params) == ["bias_hh", "bias_ih", "weight_hh", "weight_ih"]
        for p in params.values():
            assert grads[p].shape == p.shape and np.abs(grads[p].numpy()).sum() > 0


# ---- layers -----------------------------------------------------------------------------------


def test_layers_as_pytorch_builds_them() -> None:
    assert repr(nn.MaxPool1d(3, stride=2)) == (
        "MaxPool1d(kernel_size=3, stride=2, padding=0, ceil_mode=False)"
    )
    assert nn.AvgPool1d((3,), padding=(1,)).padding == 1
    assert nn.AvgPool1d(3).stride is None  # the kernel's (as MaxPool2d keeps it)
    assert repr(nn.AdaptiveMaxPool1d(4)) == "AdaptiveMaxPool1d(output_size=4)"
    assert repr(nn.GLU()) == "GLU(axis=-1)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
    assert repr(nn.GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"
    assert list(nn.GRUCell(3, 4, bias=False).state_dict()) == ["weight_ih", "weight_hh"]
    cell = nn.LSTMCell(3, 5)
    assert cell.weight_ih.shape == (20, 3) and cell.weight_hh.shape == (20, 5)
    assert cell.bias_ih is not None and cell.bias_ih.shape == (20,)
    assert np.abs(cell.weight_hh.numpy()).max() <= 1 / np.sqrt(5)
    assert nn.GRUCell(3, 5).weight_ih.shape == (15, 3)


def test_layers_in_a_sequential() -> None:
    model = nn.Sequential(
        nn.Conv1d(2, 8, 3, padding=1),
        nn.GLU(axis=1),
        nn.MaxPool1d(2),
        nn.AvgPool1d(2, ceil_mode=True),
        nn.AdaptiveMaxPool1d(2),
        nn.Flatten(),
        nn.Linear(8, 3),
    )
    assert model(dx.randn(4, 2, 11)).shape == (4, 3)
    odd = nn.Sequential(nn.Conv1d(2, 8, 3, padding=1), nn.MaxPool1d(2), nn.GLU(axis=2))
    raises_exactly(
        ShapeError,
        "in 2 (layer 3, GLU): glu: axis 2 of Tensor[4, 8, 11] has odd size 11; glu halves it "
        "(a gate for each value)",
        lambda: odd(dx.randn(4, 2, 22)),
    )


def test_pool1d_sizes_agree_with_the_shape_rule_for_symbolic_sizes() -> None:
    """The plugin's size for a symbolic ``L`` is the runtime's for every ``L`` it could be."""
    for k, s, p, ceil in [(2, 2, 0, False), (3, 2, 1, False), (3, 2, 0, True), (4, 1, 2, False)]:
        symbolic = shapes.pool("max_pool1d", (1, 1, "L"), (k,), (s,), (p,), ceil)[2]
        assert isinstance(symbolic, str)
        for n in range(max(1, k - 2 * p), 20):
            size = dx.max_pool1d(dx.zeros(1, 1, n), k, s, p, ceil_mode=ceil).shape[2]
            assert eval(symbolic, {"L": n}) == size, (k, s, p, n, symbolic)
            assert dx.avg_pool1d(dx.zeros(1, 1, n), k, s, p, ceil_mode=ceil).shape[2] == size


def test_shape_rules_with_symbolic_sizes() -> None:
    assert shapes.glu("glu", ("B", "S", "2*D"), -1) == ("B", "S", "D")
    assert shapes.glu("glu", ("B", "C", "L"), 1) == ("B", "C//2", "L")
    assert shapes.repeat_interleave(("B", "H", "S", 8), "R", 1) == ("B", "H*R", "S", 8)
    assert shapes.repeat_interleave(("B", 3), 2, None) == ("6*B",)
    assert shapes.adaptive_pool("adaptive_max_pool1d", ("N", "C", "L"), (4,)) == ("N", "C", 4)
    assert shapes.recurrent_cell("GRUCell", ("B", "E"), "E", 16, [("B", 16)]) == ("B", 16)
    assert shapes.recurrent_cell("LSTMCell", (8,), 8, "H") == ("H",)


# ---- errors -----------------------------------------------------------------------------------


def raises_exactly(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn()


def z(*shape: int) -> Any:
    return dx.zeros(*shape)


ERRORS: list[tuple[type[BaseException], str, Callable[[], Any]]] = [
    (
        ShapeError,
        "max_pool1d: expected a 3-d input (N, C, L), got Tensor[2, 3, 4, 4]",
        lambda: dx.max_pool1d(z(2, 3, 4, 4), 2),
    ),
    (
        ShapeError,
        "avg_pool1d: padding 2 is more than half the kernel size 3",
        lambda: dx.avg_pool1d(z(2, 3, 8), 3, padding=2),
    ),
    (
        ShapeError,
        "max_pool1d: output size 0 at axis 2 of Tensor[1, 2, 3] (size 3 + 2 * padding 0 < "
        "dilation 1 * (kernel 4 - 1) + 1)",
        lambda: dx.max_pool1d(z(1, 2, 3), 4),
    ),
    (
        TypeError,
        "max_pool1d: kernel_size must be an int or a tuple of 1 ints, got (2, 2)",
        lambda: dx.max_pool1d(z(1, 2, 8), (2, 2)),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "max_pool1d: stride must be at least 1, got 0",
        lambda: dx.max_pool1d(z(1, 2, 8), 2, stride=0),
    ),
    (
        TypeError,
        "avg_pool1d: ceil_mode must be a bool, got 1",
        lambda: dx.avg_pool1d(z(1, 2, 8), 2, ceil_mode=1),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "max_pool1d: expected non-zero sizes for every axis but the batch, got Tensor[1, 0, 8]",
        lambda: dx.max_pool1d(z(1, 0, 8), 2),
    ),
    (
        ShapeError,
        "adaptive_max_pool1d: expected non-zero sizes for every axis but the batch, got "
        "Tensor[2, 0, 8]",
        lambda: dx.adaptive_max_pool1d(z(2, 0, 8), 2),
    ),
    (
        ShapeError,
        "adaptive_avg_pool1d: expected a 3-d input (N, C, L), got Tensor[2, 8]",
        lambda: dx.adaptive_avg_pool1d(z(2, 8), 2),
    ),
    (
        ShapeError,
        "adaptive_max_pool1d: output_size must be at least 1, got 0",
        lambda: dx.adaptive_max_pool1d(z(2, 3, 8), 0),
    ),
    (
        TypeError,
        "max_pool1d: expected a tensor, got ndarray",
        lambda: dx.max_pool1d(np.zeros((1, 2, 8)), 2),  # type: ignore[call-overload]
    ),
    (
        ShapeError,
        "glu: axis -1 of Tensor[2, 5] has odd size 5; glu halves it (a gate for each value)",
        lambda: dx.glu(z(2, 5)),
    ),
    (ShapeError, "glu: axis 2 is out of range for Tensor[2, 4]", lambda: dx.glu(z(2, 4), 2)),
    (
        TypeError,
        "glu: axis must be an int, got True",
        lambda: dx.glu(z(2, 4), True),
    ),
    (
        TypeError,
        "repeat_interleave: repeats must be an int (a tensor of counts, one per element, is not "
        "supported), got Tensor",
        lambda: dx.repeat_interleave(z(2, 3), dx.tensor(np.array([1, 2])), 0),  # type: ignore[arg-type]
    ),
    (
        TypeError,
        "repeat_interleave: repeats must be an int (a tensor of counts, one per element, is not "
        "supported), got list",
        lambda: z(2, 3).repeat_interleave([1, 2], 0),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "repeat_interleave: repeats must be >= 0, got -2",
        lambda: z(2, 3).repeat_interleave(-2, 0),
    ),
    (
        ShapeError,
        "repeat_interleave: axis -3 is out of range for Tensor[2, 3]",
        lambda: z(2, 3).repeat_interleave(2, -3),
    ),
    (
        ShapeError,
        "LSTMCell: expected an input (N, input_size) or (input_size,) with input_size 3, "
        "got Tensor[2, 4]",
        lambda: nn.LSTMCell(3, 5)(z(2, 4)),
    ),
    (
        ShapeError,
        "LSTMCell: expected an input (N, input_size) or (input_size,) with input_size 3, "
        "got Tensor[5, 2, 3]",
        lambda: nn.LSTMCell(3, 5)(z(5, 2, 3)),
    ),
    (
        ShapeError,
        "LSTMCell: expected a state Tensor[2, 5] (N, hidden_size) for the input Tensor[2, 3], "
        "got Tensor[1, 2, 5]",
        lambda: nn.LSTMCell(3, 5)(z(2, 3), (z(1, 2, 5), z(2, 5))),
    ),
    (
        ShapeError,
        "GRUCell: expected a state Tensor[5] (hidden_size,) for the input Tensor[3], got "
        "Tensor[1, 5]",
        lambda: nn.GRUCell(3, 5)(z(3), z(1, 5)),
    ),
    (
        TypeError,
        "LSTMCell: hx must be a tuple (h, c) or None, got Tensor",
        lambda: nn.LSTMCell(3, 5)(z(2, 3), z(2, 5)),  # type: ignore[arg-type]
    ),
    (
        TypeError,
        "GRUCell: expected tensors, got ndarray",
        lambda: nn.GRUCell(3, 5)(z(2, 3), np.zeros((2, 5))),  # type: ignore[arg-type]
    ),
    (ValueError, "GRUCell: hidden_size must be an int > 0, got 0", lambda: nn.GRUCell(3, 0)),
    (TypeError, "LSTMCell: bias must be a bool, got 1", lambda: nn.LSTMCell(3, 4, 1)),  # type: ignore[arg-type]
    (ShapeError, "MaxPool1d: kernel_size must be an int > 0, got 0", lambda: nn.MaxPool1d(0)),
    (
        ValueError,
        "AvgPool1d: kernel_size must be an int or a 1-tuple, got (2, 2)",
        lambda: nn.AvgPool1d((2, 2)),  # type: ignore[arg-type]
    ),
    (
        ShapeError,
        "AdaptiveAvgPool1d: output_size must be an int > 0, got -1",
        lambda: nn.AdaptiveAvgPool1d(-1),
    ),
    (ShapeError, "GLU: axis must be an int, got 1.0", lambda: nn.GLU(1.0)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("exc", "message", "fn"), ERRORS, ids=[m for _, m, _ in ERRORS])
def test_errors(exc: type[BaseException], message: str, fn: Callable[[], Any]) -> None:
    raises_exactly(exc, message, fn)
