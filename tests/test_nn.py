"""``dx.nn`` modules: parameter walking and names, modes, initialisation, gradients by finite
differences in float64, running statistics, dropout, and shape errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import dfdx as dx
from dfdx import nn


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- walking, names, modes ---------------------------------------------------------------------


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.norm = nn.BatchNorm1d(8)
        self.body = nn.Sequential(nn.ReLU(), nn.Linear(8, 3, bias=False), nn.Dropout(0.5))
        self.scale = dx.ones(3)

    def forward(self, x: Any) -> Any:
        return self.body(self.norm(self.fc1(x))) * self.scale


def test_named_parameters_use_pytorch_names_in_field_order() -> None:
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "body.1.weight", "scale"]


def test_buffers_are_saved_but_not_parameters() -> None:
    m = Block()
    buffers = [name for name, _ in m.named_buffers()]
    assert buffers == ["norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert set(m.state_dict()) == {n for n, _ in m.named_parameters()} | set(buffers)
    assert len(list(m.parameters())) == 6
    assert m.num_parameters() == 4 * 8 + 8 + 8 + 8 + 8 * 3 + 3


def test_parameters_are_the_field_tensors() -> None:
    m = Block()
    params = list(m.parameters())
    assert params[0] is m.fc1.weight
    assert params[-1] is m.scale


class Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(100, 100, bias=False, dtype=dx.float64)  # over the optimizer's
        self.b = nn.Linear(100, 100, bias=False, dtype=dx.float64)  # small-parameter size
        self.b.weight = self.a.weight

    def forward(self, x: Any) -> Any:
        return self.b(self.a(x))


def test_tied_weights_are_one_parameter_updated_once_per_step() -> None:
    # Regression: a shared tensor was listed twice, so optimizers stepped it twice.
    m = Tied()
    assert [n for n, _ in m.named_parameters()] == ["a.weight"]
    assert m.num_parameters() == 100 * 100
    assert set(m.state_dict()) == {"a.weight", "b.weight"}  # as PyTorch's state_dict
    before = m.a.weight.numpy()
    grads = m(dx.randn(4, 100, dtype=dx.float64, rng=_rng()).trace()).square().mean().backward()
    g = grads.array(m.a.weight).copy()
    dx.optim.SGD(m, lr=0.1).update(m, grads)
    np.testing.assert_allclose(m.a.weight.numpy(), before - 0.1 * g, rtol=1e-12)


def test_train_and_eval_reach_every_submodule() -> None:
    m = Block()
    assert all(sub.training for sub in m.modules())
    assert m.eval() is m
    assert not any(sub.training for sub in m.modules())
    m.train()
    assert all(sub.training for sub in m.modules())


def test_call_runs_forward() -> None:
    m = Block().eval()
    y = m(dx.randn(5, 4))
    assert y.shape == (5, 3)


def test_module_without_forward() -> None:
    with pytest.raises(NotImplementedError, match="Module defines no forward"):
        nn.Module()(dx.zeros(1))


def test_repr_lists_children() -> None:
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    assert "(0): Linear(in_features=2, out_features=3, bias=True)" in text
    assert "(1): ReLU()" in text


def test_to_float64_converts_parameters_and_buffers_but_not_counts() -> None:
    m = nn.BatchNorm1d(3).to(dx.float64)
    assert m.weight is not None and m.weight.dtype == dx.float64
    assert m.running_var.dtype == dx.float64
    assert m.num_batches_tracked.dtype == dx.int64


# ---- initialisation ----------------------------------------------------------------------------


def test_linear_init_is_pytorch_default_and_seedable() -> None:
    lin = nn.Linear(100, 400, rng=_rng(1))
    bound = 1 / math.sqrt(100)
    w = lin.weight.numpy()
    assert lin.weight.shape == (400, 100) and lin.weight.dtype == dx.float32
    assert np.abs(w).max() <= bound
    # uniform on [-b, b]: variance b^2 / 3
    assert abs(w.var() - bound**2 / 3) < 0.05 * bound**2 / 3
    assert lin.bias is not None and np.abs(lin.bias.numpy()).max() <= bound
    again = nn.Linear(100, 400, rng=_rng(1))
    assert np.array_equal(again.weight.numpy(), w)
    dx.manual_seed(7)
    a = nn.Linear(3, 2).weight.numpy()
    dx.manual_seed(7)
    assert np.array_equal(nn.Linear(3, 2).weight.numpy(), a)


def test_conv_init_uses_fan_in_over_the_kernel() -> None:
    conv = nn.Conv2d(4, 6, 3, groups=2, rng=_rng(2))
    assert conv.weight.shape == (6, 2, 3, 3)
    assert np.abs(conv.weight.numpy()).max() <= 1 / math.sqrt(2 * 9)


def test_linear_without_bias() -> None:
    lin = nn.Linear(3, 2, bias=False)
    assert lin.bias is None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


@pytest.mark.parametrize("bad", [0.5, -1, True, "3"])
def test_linear_sizes_must_be_ints(bad: Any) -> None:
    with pytest.raises(ValueError, match="Linear: in_features must be an int >= 0"):
        nn.Linear(bad, 2)


_INVALID_ARGUMENTS: list[tuple[Any, str]] = [
    # the messages of tests/typecheck/plugin_fail/layer_arguments.py, where the plugin reports
    # the same mistakes at the call
    (lambda: nn.MaxPool2d(0), "MaxPool2d: kernel_size must be an int > 0 or a pair of them, got 0"),
    (
        lambda: nn.Conv2d(1, 8, 3, stride=0),
        "Conv2d: stride must be an int > 0 or a pair of them, got 0",
    ),
    (lambda: nn.Conv2d(1, 1, 0), "Conv2d: kernel_size must be an int > 0 or a pair of them, got 0"),
    (
        lambda: nn.Conv2d(1, 1, 3, padding=(1, -1)),
        "Conv2d: padding must be an int >= 0 or a pair of them, got (1, -1)",
    ),
    (
        lambda: nn.Conv2d(1, 1, 3, dilation=0),
        "Conv2d: dilation must be an int > 0 or a pair of them, got 0",
    ),
    (lambda: nn.Conv2d(True, 8, 3), "Conv2d: in_channels must be an int > 0, got True"),
    (lambda: nn.Conv2d(4, 8, 3, groups=0), "Conv2d: groups must be an int > 0, got 0"),
    (
        lambda: nn.Conv2d(1, 8, (3, True)),
        "Conv2d: kernel_size must be an int > 0 or a pair of them, got (3, True)",
    ),
    (lambda: nn.Linear(-1, 3), "Linear: in_features must be an int >= 0, got -1"),
    (lambda: nn.Linear(4, 2 - 3), "Linear: out_features must be an int >= 0, got -1"),
    (lambda: nn.Embedding(0, 8), "Embedding: num_embeddings must be an int > 0, got 0"),
    (lambda: nn.LayerNorm(False), "LayerNorm: normalized_shape must be an int > 0, got False"),
    (
        lambda: nn.AvgPool2d(2, stride=0),
        "AvgPool2d: stride must be an int > 0 or a pair of them, got 0",
    ),
    (
        lambda: nn.AvgPool2d(2, padding=-1),
        "AvgPool2d: padding must be an int >= 0 or a pair of them, got -1",
    ),
    (lambda: nn.Flatten(True), "Flatten: start_axis must be an int, got True"),
]


@pytest.mark.parametrize(("build", "message"), _INVALID_ARGUMENTS)
def test_invalid_layer_arguments_raise_where_built(build: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == message


def test_valid_window_arguments_build() -> None:
    assert nn.MaxPool2d((2, 2), stride=1, padding=1).stride == 1
    assert nn.Conv2d(1, 8, (3, 1), padding=(1, 0), dilation=(1, 2)).kernel_size == (3, 1)
    assert nn.AvgPool2d(2).stride is None


# ---- gradients by finite differences (float64) -------------------------------------------------


def _check_module_grads(model: nn.Module, x: np.ndarray, *, grad_x: bool = True) -> None:
    """backward() through ``model`` against central differences of ``sum(model(x) * w)``, for
    every parameter and (``grad_x``) the input."""
    model.to(dx.float64)
    out = model(dx.tensor(x))
    w = _rng(99).uniform(0.5, 1.5, out.shape)

    def loss() -> float:
        return float(np.sum(model(dx.tensor(x)).numpy() * w))

    xt = dx.tensor(x).trace()
    grads = (model(xt) * dx.tensor(w)).sum().backward()
    targets = list(model.named_parameters())
    checked = 0
    eps = 1e-6
    for name, p in targets:
        got = grads[p].numpy()
        want = np.zeros_like(got)
        for idx in np.ndindex(p.shape):
            old = p._data[idx]
            p._data[idx] = old + eps
            up = loss()
            p._data[idx] = old - eps
            down = loss()
            p._data[idx] = old
            want[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=name)
        checked += 1
    if grad_x:
        got = grads[xt].numpy()
        want = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            shifted = x.copy()
            shifted[idx] += eps
            up = float(np.sum(model(dx.tensor(shifted)).numpy() * w))
            shifted[idx] -= 2 * eps
            down = float(np.sum(model(dx.tensor(shifted)).numpy() * w))
            want[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg="input")
        checked += 1
    assert checked > 0


GRAD_CASES: list[tuple[str, Any, tuple[int, ...]]] = [
    ("Linear", lambda: nn.Linear(4, 3, rng=_rng(3)), (2, 3, 4)),
    ("LayerNorm", lambda: nn.LayerNorm(5), (3, 5)),
    ("BatchNorm1d-2d", lambda: nn.BatchNorm1d(3), (5, 3)),
    ("BatchNorm1d-3d", lambda: nn.BatchNorm1d(2), (3, 2, 4)),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(2), (3, 2, 3, 3)),
    ("Conv2d", lambda: nn.Conv2d(2, 3, 2, stride=1, padding=1, rng=_rng(4)), (2, 2, 3, 3)),
    ("GELU", lambda: nn.GELU(), (3, 4)),
    ("Softmax", lambda: nn.Softmax(axis=0), (3, 4)),
    ("Sequential", lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), (5, 3)),
    ("Residual", lambda: nn.Residual(nn.Sequential(nn.Linear(3, 3), nn.Sigmoid())), (4, 3)),
    ("AvgPool2d", lambda: nn.AvgPool2d(2), (1, 2, 4, 4)),
]


@pytest.mark.parametrize(("name", "make", "shape"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_finite_differences(name: str, make: Any, shape: tuple[int, ...]) -> None:
    model = make()
    # norms start at weight 1, bias 0: move them so that their gradients are not trivial
    for p in model.parameters():
        p._data += 0.3 * _rng(5).standard_normal(p.shape).astype(p.dtype)
    _check_module_grads(model, _rng(6).standard_normal(shape))


def test_layer_norm_is_one_fused_op() -> None:
    # dx.layer_norm's own backward (its gradients are checked above and in test_ops_norm.py)
    x = dx.randn(4, 3).trace()
    y = nn.LayerNorm(3)(x)
    assert y.is_traced and y._tape is not None
    assert len(y._tape.root().steps) == 1


def test_embedding_weight_gradient_adds_up_repeated_indices() -> None:
    emb = nn.Embedding(5, 3, rng=_rng(7)).to(dx.float64)
    idx = dx.tensor(np.array([[1, 2], [1, 4]]), dtype=dx.int64)
    out = emb(idx.trace())
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.numpy()[1, 1], emb.weight.numpy()[4])
    g = out.sum().backward()[emb.weight].numpy()
    np.testing.assert_array_equal(g[:, 0], [0, 2, 1, 0, 1])


def test_embedding_untraced_records_nothing() -> None:
    emb = nn.Embedding(5, 3)
    out = emb(dx.tensor(np.array([0, 4]), dtype=dx.int64))
    assert out.shape == (2, 3) and not out.is_traced


# ---- BatchNorm running statistics --------------------------------------------------------------


def test_batch_norm_updates_running_statistics_in_train_mode_only() -> None:
    bn = nn.BatchNorm2d(2, momentum=0.5).to(dx.float64)
    x = _rng(8).standard_normal((4, 2, 3, 3)) * 2 + 1
    bn(dx.tensor(x))
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * mean)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * var)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    before = bn.state_dict()
    y = bn(dx.tensor(x)).numpy()
    after = bn.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    want = (x - 0.5 * mean[:, None, None]) / np.sqrt(0.5 + 0.5 * var[:, None, None] + 1e-5)
    np.testing.assert_allclose(y, want, rtol=1e-12)


def test_batch_norm_train_needs_more_than_one_value() -> None:
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(dx.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(dx.zeros(1, 3))  # eval mode is fine


@pytest.mark.parametrize(
    ("make", "x", "message"),
    [
        (lambda: nn.BatchNorm1d(3), dx.zeros(2, 4), "BatchNorm1d[3]: takes 3 channels on axis 1"),
        (lambda: nn.BatchNorm2d(3), dx.zeros(2, 3), "BatchNorm2d[3]: needs a 4-d input"),
        (
            lambda: nn.LayerNorm(4),
            dx.zeros(2, 5),
            "LayerNorm[4]: takes 4 features, got Tensor[2, 5] (5 != 4)",
        ),
        (
            lambda: nn.Linear(4, 2),
            dx.zeros(3, 5),
            "Linear[4, 2]: takes 4 features, got Tensor[3, 5] (5 != 4)",
        ),
        (
            lambda: nn.Residual(nn.Linear(4, 2)),
            dx.zeros(3, 4),
            "Residual: Linear maps Tensor[3, 4] to Tensor[3, 2]; the shapes must be equal",
        ),
    ],
)
def test_shape_errors(make: Any, x: Any, message: str) -> None:
    with pytest.raises(dx.ShapeError) as info:
        make()(x)
    assert message in str(info.value)


# ---- dropout -----------------------------------------------------------------------------------


def test_dropout_zeroes_about_p_and_scales_the_rest() -> None:
    d = nn.Dropout(0.25, rng=_rng(9))
    y = d(dx.ones(200, 200)).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75)
    d.eval()
    x = dx.randn(3, 4)
    np.testing.assert_array_equal(d(x).numpy(), x.numpy())


def test_dropout_masks_are_seedable() -> None:
    a = nn.Dropout(0.5, rng=_rng(10))(dx.ones(50)).numpy()
    b = nn.Dropout(0.5, rng=_rng(10))(dx.ones(50)).numpy()
    assert np.array_equal(a, b)


@pytest.mark.parametrize("p", [-0.1, 1.5, True])
def test_dropout_p_must_be_a_probability(p: Any) -> None:
    with pytest.raises(ValueError, match="Dropout: p must be a probability"):
        nn.Dropout(p)


# ---- containers --------------------------------------------------------------------------------


def test_sequential_indexing_and_errors() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert len(seq) == 2 and isinstance(seq[1], nn.ReLU)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU"]
    with pytest.raises(TypeError, match=r"Sequential: layer 2 is a function, not a dx\.nn\.Module"):
        nn.Sequential(nn.Linear(2, 3), dx.relu)  # type: ignore[arg-type]


def test_sequential_add_module_appends_a_named_layer() -> None:
    seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    seq.add_module("head", nn.Linear(8, 2))
    assert len(seq) == 3 and isinstance(seq[2], nn.Linear)
    names = [name for name, _ in seq.named_parameters()]
    assert names == ["0.weight", "0.bias", "head.weight", "head.bias"]
    x = dx.randn(3, 4)
    assert seq(x).shape == (3, 2)
    # the state dict round-trips under the new name
    again = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    again.add_module("head", nn.Linear(8, 2))
    again.load_state_dict(seq.state_dict())
    np.testing.assert_array_equal(again(x).numpy(), seq(x).numpy())


@pytest.mark.parametrize(
    ("name", "layer", "error", "message"),
    [
        ("head", nn.ReLU(), KeyError, "a layer is already named 'head'"),
        ("a.b", nn.ReLU(), KeyError, "a name must be non-empty and contain no '.', got 'a.b'"),
        ("", nn.ReLU(), KeyError, "a name must be non-empty"),
        (3, nn.ReLU(), TypeError, "name must be a str, got int"),
        ("tail", dx.relu, TypeError, "'tail' is a function, not a dx.nn.Module"),
        (
            "tail",
            nn.Linear(3, 1),
            dx.ShapeError,
            r"Sequential: layer 4 \(Linear\[3, 1\]\) takes 3 features, layer 3 gives 2",
        ),
    ],
)
def test_sequential_add_module_rejects(name: Any, layer: Any, error: type, message: str) -> None:
    seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
    seq.add_module("head", nn.Linear(8, 2))
    with pytest.raises(error, match=message):
        seq.add_module(name, layer)
    assert len(seq) == 3  # unchanged


def test_flatten_and_pools_shapes() -> None:
    x = dx.randn(2, 3, 8, 8)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert nn.AvgPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 4, 4)
    assert nn.Flatten()(x).shape == (2, 192)
    assert nn.Conv2d(3, 5, 3, padding=1)(x).shape == (2, 5, 8, 8)


def test_every_public_module_is_exported() -> None:
    names = {
        "Module", "Linear", "ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "Dropout",
        "LayerNorm", "BatchNorm1d", "BatchNorm2d", "Embedding", "Conv2d", "MaxPool2d",
        "AvgPool2d", "Flatten", "Sequential", "Residual",
    }  # fmt: skip
    for name in names:
        assert issubclass(getattr(dx.nn, name), nn.Module), name


def test_a_list_of_modules_is_named_as_a_module_list() -> None:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = [nn.Linear(2, 2), nn.LayerNorm(2)]

    names = [name for name, _ in Stack().named_parameters()]
    assert names == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(256, 10)),
            "Sequential: layer 3 (Linear[256, 10]) takes 256 features, layer 1 gives 512",
        ),
        (
            lambda: nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.BatchNorm2d(4)),
            "Sequential: layer 3 (BatchNorm2d[4]) takes 4 channels, layer 1 gives 8",
        ),
        (
            lambda: nn.Sequential(nn.Embedding(10, 4), nn.LayerNorm(4), nn.Linear(5, 2)),
            "Sequential: layer 3 (Linear[5, 2]) takes 5 features, layer 1 gives 4",
        ),
        (
            # BatchNorm1d reads axis 1, the last axis of the 2-d input a Linear gives it
            lambda: nn.Sequential(nn.Linear(8, 4), nn.BatchNorm1d(5)),
            "Sequential: layer 2 (BatchNorm1d[5]) takes 5 features, layer 1 gives 4",
        ),
        (
            lambda: nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.Conv2d(4, 2, 3)),
            "Sequential: layer 3 (Conv2d[4, 2]) takes 4 channels, layer 1 gives 8",
        ),
    ],
)
def test_sequential_checks_its_chain_when_built(make: Any, message: str) -> None:
    # the plugin reports the same text at check time (tests/typecheck/plugin_fail/nn_errors.py)
    with pytest.raises(dx.ShapeError) as info:
        make()
    assert str(info.value) == message


def test_sequential_chain_forgets_sizes_it_cannot_follow() -> None:
    # after Flatten (or a user's module) the feature size is unknown: no check, no false error
    nn.Sequential(nn.Conv2d(1, 8, 3), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
    nn.Sequential(nn.Linear(4, 6), Block(), nn.Linear(3, 2))
    nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Dropout(), nn.LayerNorm(6))
    # BatchNorm1d after a Conv2d? No: after a pool only the features are forgotten; the
    # channels a Conv2d gives stay known through it (and through the layers that keep them)
    nn.Sequential(nn.Conv2d(1, 8, 3), nn.MaxPool2d(2), nn.BatchNorm2d(8), nn.ReLU())


def test_batchnorm1d_follows_a_linear_and_reads_channels_after_channels() -> None:
    seq = nn.Sequential(nn.Linear(8, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    assert seq(dx.randn(3, 8)).shape == (3, 2)
    # after Flatten nothing is known; the first BatchNorm1d then fixes the channels
    message = "Sequential: layer 4 (BatchNorm1d[6]) takes 6 channels, layer 3 gives 4"
    with pytest.raises(dx.ShapeError) as info:
        nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(2), nn.BatchNorm1d(4), nn.BatchNorm1d(6))
    assert str(info.value) == message


def test_subclasses_of_built_in_layers_are_built_and_called() -> None:
    """A user's subclass of a layer (its own name, its own methods) is built with the layer
    table's checks of its base and called as its base."""

    class Norm(nn.BatchNorm2d[Any]):
        pass

    class Features(nn.Conv2d[Any, Any, Any]):
        def __call__(self, x: Any) -> Any:
            return super().__call__(x).relu()

    class Head(nn.Linear[Any, Any]):
        pass

    class Scaled(nn.LayerNorm[Any]):
        def __call__(self, x: Any) -> Any:
            return super().__call__(x) * 2.0

    rng = np.random.default_rng(0)
    model = nn.Sequential(
        Features(3, 4, 3, padding="same", rng=rng),
        Norm(4),
        nn.Flatten(),
        Head(4 * 5 * 5, 6, rng=rng),
        Scaled(6),
    )
    x = dx.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))
    y = model(x)
    assert y.shape == (2, 6)
    np.testing.assert_allclose(y.numpy().mean(axis=-1), 0.0, atol=1e-5)  # LayerNorm, scaled
    np.testing.assert_allclose(y.numpy().std(axis=-1), 2.0, rtol=1e-3)
    _check_module_grads(model, rng.standard_normal((2, 3, 5, 5)))  # every parameter's
    assert repr(Norm(4)).startswith("Norm(4,")
    with pytest.raises(ValueError, match=r"^BatchNorm2d: num_features must be an int > 0"):
        Norm(0)
    with pytest.raises(ValueError, match=r"^Conv2d: groups 2 must divide in_channels 3$"):
        Features(3, 4, 3, groups=2)
