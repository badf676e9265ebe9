"""conv2d's Winograd path (``dfdx.ops._winograd``: 3x3 kernels of stride 1 with Numba)
against the im2col path and PyTorch: values and the input's, weight's and bias's gradients
on odd sizes, every padding from 0 to 2 (and unequal), a batch of 1, outputs of 1 x 1 and
edge tiles cut by odd sizes, float32 and float64; which convolutions take it; which
gradients each pass computes, by the order they are read; and finite differences. The small
cases run with the path's size threshold (``MIN_SIZE``) lowered to 1."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _helpers import check_grads, tolerance

import dfdx as dx
from dfdx import _fused
from dfdx.ops import _winograd

numba_only = pytest.mark.skipif(
    not _fused.enabled(), reason="needs Numba (the fast extra), not turned off"
)

# (name, input (N, C, H, W), output channels, padding)
CASES: list[tuple[str, tuple[int, int, int, int], int, Any]] = [
    ("odd-pad1", (3, 4, 7, 9), 5, 1),
    ("pad0", (2, 3, 6, 5), 4, 0),
    ("pad2-batch1", (1, 2, 5, 8), 3, 2),
    ("pad-2-1", (2, 3, 5, 6), 2, (2, 1)),
    ("out-1x1", (2, 3, 3, 3), 2, 0),  # one tile, cut to its first value
    ("in-1x1-pad1", (2, 2, 1, 1), 3, 1),
    ("many-blocks", (9, 16, 16, 15), 32, 1),  # several blocks of samples, the last partial
]
IDS = [c[0] for c in CASES]


@pytest.fixture
def small_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small outputs take the Winograd path too."""
    monkeypatch.setattr(_winograd, "MIN_SIZE", 1)


def test_many_blocks_case_spans_several_blocks() -> None:
    """The ``many-blocks`` case keeps covering several blocks of samples, the last partial
    (float32), as ``CHUNK_BYTES`` changes."""
    _, (n, _, h, w), o, pad = CASES[IDS.index("many-blocks")]
    th, tw = (h + 2 * pad - 1) // 2, (w + 2 * pad - 1) // 2
    step = _winograd._step(n, o, th * (tw + 1), 4)
    assert step < n and n % step != 0


def _arrays(shape: tuple[int, ...], o: int, dtype: Any) -> list[np.ndarray]:
    rng = np.random.default_rng(sum(shape) + o)
    return [
        rng.standard_normal(shape).astype(dtype),
        rng.standard_normal((o, shape[1], 3, 3)).astype(dtype),
        rng.standard_normal(o).astype(dtype),
    ]


def _values_and_grads(arrays: list[np.ndarray], padding: Any) -> list[np.ndarray]:
    """conv2d's value and the input's, weight's and bias's gradients of ``sum(y * r)``."""
    x, w, b = (dx.tensor(a) for a in arrays)
    y = dx.conv2d(x.trace(), w, b, padding=padding)
    r = np.random.default_rng(7).standard_normal(y.shape).astype(arrays[0].dtype)
    grads = (y * dx.tensor(r)).sum().backward()
    return [y.numpy(), *(grads[t].numpy() for t in (x, w, b))]


def _terms(shape: tuple[int, ...], o: int, out: tuple[int, ...]) -> list[int]:
    """Each result's reduction length: the output's and the input's gradient's over channels
    and the kernel, the weight's and the bias's over samples and positions."""
    n, c = shape[:2]
    return [c * 9, o * 9, n * out[0] * out[1], n * out[0] * out[1]]


def _im2col(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_winograd, "usable", lambda *args: False)


def _assert_close(got: list[np.ndarray], want: list[np.ndarray], terms: list[int]) -> None:
    for g, v, count in zip(got, want, terms, strict=True):
        assert g.dtype == v.dtype and g.shape == v.shape
        rtol, atol = tolerance(v.dtype, count)
        np.testing.assert_allclose(g, v, rtol=rtol, atol=atol)


@numba_only
@pytest.mark.usefixtures("small_too")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "o", "padding"), [c[1:] for c in CASES], ids=IDS)
def test_winograd_matches_im2col(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, ...], o: int, padding: Any, dtype: Any
) -> None:
    calls: list[int] = []
    forward = _winograd.forward
    monkeypatch.setattr(_winograd, "forward", lambda *a: calls.append(1) or forward(*a))
    arrays = _arrays(shape, o, dtype)
    got = _values_and_grads(arrays, padding)
    assert calls == [1]  # the Winograd path ran
    _im2col(monkeypatch)
    want = _values_and_grads(arrays, padding)
    assert calls == [1]  # and the im2col path did not take it
    _assert_close(got, want, _terms(shape, o, want[0].shape[2:]))


@numba_only
@pytest.mark.usefixtures("small_too")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "o", "padding"), [c[1:] for c in CASES], ids=IDS)
def test_winograd_matches_torch(shape: tuple[int, ...], o: int, padding: Any, dtype: Any) -> None:
    torch = pytest.importorskip("torch")
    arrays = _arrays(shape, o, dtype)
    got = _values_and_grads(arrays, padding)
    x, w, b = (torch.tensor(a, requires_grad=True) for a in arrays)
    pad = padding if isinstance(padding, int) else tuple(padding)
    y = torch.nn.functional.conv2d(x, w, b, padding=pad)
    r = np.random.default_rng(7).standard_normal(tuple(y.shape)).astype(dtype)
    (y * torch.tensor(r)).sum().backward()
    want = [y.detach().numpy(), *(t.grad.numpy() for t in (x, w, b))]
    _assert_close(got, want, _terms(shape, o, want[0].shape[2:]))


@numba_only
@pytest.mark.usefixtures("small_too")
@pytest.mark.parametrize(("shape", "o", "padding"), [c[1:] for c in CASES[:4]], ids=IDS[:4])
def test_winograd_gradients(shape: tuple[int, ...], o: int, padding: Any) -> None:
    """Finite differences in float64 through the Winograd path."""
    x, w, b = _arrays(shape, o, np.float64)
    check_grads(lambda *t: dx.conv2d(*t, padding=padding), x, w, b)


@numba_only
@pytest.mark.usefixtures("small_too")
@pytest.mark.parametrize(
    ("read", "passes"),
    [
        # a layer inside a network: the reverse pass reads the input's first; one pass
        (("x", "w", "b"), [(True, True)]),
        # a first layer: the optimizer reads the weight's; the input's is never computed
        (("w", "b"), [(True, False)]),
        # the input's read after the weight's: a pass of its own
        (("w", "x"), [(True, False), (False, True)]),
        # the bias's alone: no pass, a sum
        (("b",), []),
    ],
)
def test_gradients_are_computed_as_they_are_read(
    monkeypatch: pytest.MonkeyPatch, read: tuple[str, ...], passes: list[tuple[bool, bool]]
) -> None:
    arrays = _arrays((2, 3, 6, 7), 4, np.float64)
    runs: list[tuple[bool, bool]] = []
    backward = _winograd.backward

    def counted(g: Any, saved: Any, weight: bool, inputs: bool) -> Any:
        runs.append((weight, inputs))
        return backward(g, saved, weight, inputs)

    monkeypatch.setattr(_winograd, "backward", counted)
    x, w, b = (dx.tensor(a) for a in arrays)
    y = dx.conv2d(x.trace(), w, b, padding=1)
    grads = (y * y).sum().backward()
    tensors = {"x": x, "w": w, "b": b}
    got = {name: grads[tensors[name]].numpy() for name in read}  # in this order
    assert runs == passes
    _im2col(monkeypatch)
    y = dx.conv2d(x.trace(), w, b, padding=1)
    want = (y * y).sum().backward()
    for name in read:
        np.testing.assert_allclose(got[name], want[tensors[name]].numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("size", "kernel", "kw", "taken"),
    [
        (16, (3, 3), {"padding": 1}, True),
        (17, (3, 3), {}, True),  # an output of 15 x 14
        (15, (3, 3), {}, False),  # 13 x 12: under MIN_SIZE, where im2col is faster
        (16, (3, 3), {"padding": (1, 0)}, False),  # 16 x 13
        (16, (3, 3), {"stride": 2}, False),
        (16, (3, 3), {"dilation": 2}, False),
        (16, (3, 3), {"groups": 2}, False),
        (16, (5, 5), {}, False),
        (16, (3, 1), {}, False),
    ],
)
def test_which_convolutions_take_the_winograd_path(
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    kernel: tuple[int, int],
    kw: dict[str, Any],
    taken: bool,
) -> None:
    calls: list[int] = []
    forward = _winograd.forward
    monkeypatch.setattr(_winograd, "forward", lambda *a: calls.append(1) or forward(*a))
    rng = np.random.default_rng(0)
    x = dx.tensor(rng.standard_normal((1, 4, size, size - 1)))
    w = dx.tensor(rng.standard_normal((2, 4 // kw.get("groups", 1), *kernel)))
    dx.conv2d(x, w, **kw)
    assert calls == ([1] if taken and _fused.enabled() else [])


def test_without_numba_the_im2col_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fused, "_KERNELS", {"enabled": False})
    a = np.zeros((1, 2, 32, 32))
    assert not _winograd.usable(a, (3, 3), (30, 30), (1, 1), (1, 1), 1)
