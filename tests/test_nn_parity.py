"""``dx.nn`` modules against ``torch.nn`` with the same weights: outputs, parameter and input
gradients, BatchNorm's running statistics and eval-mode outputs.

Expected values come from ``fixtures/torch_nn.npz``, written by
``fixtures/make_torch_nn_fixtures.py`` (whose ``CASES`` table this file imports), so these tests
need no PyTorch. Where PyTorch is importable, ``test_fixture_is_current`` recomputes each case.
"""

from __future__ import annotations

from typing import Any

import _helpers
import numpy as np
import pytest

import dfdx as dx

fixtures = _helpers.load_fixture_script("make_torch_nn_fixtures.py")
FIXTURE = _helpers.load_npz(fixtures.FIXTURE)
# the modules of the training kit (SiLU, ConvTranspose2d, AdaptiveAvgPool2d, Upsample), whose
# cases live in make_torch_training_fixtures.py and its fixture, under "nn/"
training = _helpers.load_fixture_script("make_torch_training_fixtures.py")
TRAINING_FIXTURE = _helpers.load_npz(training.FIXTURE)
# the layers ports of public models reach for (Conv1d, ConvTranspose1d, GroupNorm, RMSNorm, the
# activations),
# whose cases live in make_torch_layer_fixtures.py and its fixture, under "nn/"
ports = _helpers.load_fixture_script("make_torch_layer_fixtures.py")
PORTS_FIXTURE = _helpers.load_npz(ports.FIXTURE)
# the layers of image models (padding, pixel shuffling, InstanceNorm2d, PReLU, ceil_mode pools),
# whose cases live in make_torch_image_fixtures.py and its fixture, under "nn/"
images = _helpers.load_fixture_script("make_torch_image_fixtures.py")
IMAGES_FIXTURE = _helpers.load_npz(images.FIXTURE)
# the layers of audio and text models (1-d pools, GLU), whose cases live in
# make_torch_sequence_fixtures.py and its fixture, under "nn/"
sequences = _helpers.load_fixture_script("make_torch_sequence_fixtures.py")
SEQUENCES_FIXTURE = _helpers.load_npz(sequences.FIXTURE)
CASES = (
    *fixtures.CASES,
    *training.NN_CASES,
    *ports.NN_CASES,
    *images.NN_CASES,
    *sequences.NN_CASES,
)

RTOL, ATOL = 1e-4, 1e-5


def _arrays(case: Any) -> dict[str, np.ndarray]:
    if case in sequences.NN_CASES:
        return _helpers.case_arrays(
            SEQUENCES_FIXTURE,
            f"nn/{case.name}/",
            f"no fixture for {case.name}: "
            "run python tests/fixtures/make_torch_sequence_fixtures.py",
        )
    if case in images.NN_CASES:
        return _helpers.case_arrays(
            IMAGES_FIXTURE,
            f"nn/{case.name}/",
            f"no fixture for {case.name}: run python tests/fixtures/make_torch_image_fixtures.py",
        )
    if case in ports.NN_CASES:
        return _helpers.case_arrays(
            PORTS_FIXTURE,
            f"nn/{case.name}/",
            f"no fixture for {case.name}: run python tests/fixtures/make_torch_layer_fixtures.py",
        )
    if case in training.NN_CASES:
        return _helpers.case_arrays(
            TRAINING_FIXTURE,
            f"nn/{case.name}/",
            f"no fixture for {case.name}: "
            "run python tests/fixtures/make_torch_training_fixtures.py",
        )
    return _helpers.case_arrays(
        FIXTURE,
        f"{case.name}/",
        f"no fixture for {case.name}: run python tests/fixtures/make_torch_nn_fixtures.py",
    )


def dx_module(case: Any) -> dx.nn.Module:
    mods = [getattr(dx.nn, kind)(*args, **dict(kwargs)) for kind, args, kwargs in case.layers]
    model: dx.nn.Module = mods[0] if len(mods) == 1 else dx.nn.Sequential(*mods)
    if case.residual:
        model = dx.nn.Residual(model)
    return model


def _close(what: str, got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_torch_nn(case: Any) -> None:
    arrays = _arrays(case)
    model = dx_module(case)
    state = {k[6:]: v for k, v in arrays.items() if k.startswith("state/")}
    model.load_state_dict(state)  # also checks that the keys are PyTorch's
    model.train(case.mode == "train")
    x = dx.tensor(arrays["x"], dtype=arrays["x"].dtype)
    xt = x.trace()  # int indices too: that is how an Embedding's weight gets its gradient
    y = model(xt)
    _close("out", y.numpy(), arrays["out"])
    loss = (y * dx.tensor(arrays["r"])).sum()
    grads = loss.backward()
    if "grad_x" in arrays:
        _close("grad_x", grads[xt].numpy(), arrays["grad_x"])
    params = dict(model.named_parameters())
    assert sorted(params) == sorted(k[5:] for k in arrays if k.startswith("grad/"))
    for name, p in params.items():
        _close(f"grad/{name}", grads[p].numpy(), arrays[f"grad/{name}"])
    buffers = dict(model.named_buffers())
    assert sorted(buffers) == sorted(k[6:] for k in arrays if k.startswith("after/"))
    for name, b in buffers.items():
        _close(f"after/{name}", b.numpy(), arrays[f"after/{name}"])
    model.eval()
    _close("eval_out", model(x).numpy(), arrays["eval_out"])


def test_every_module_has_a_case() -> None:
    kinds = {kind for case in CASES for kind, _, _ in case.layers}
    kinds |= {"Sequential"} if any(len(c.layers) > 1 for c in CASES) else set()
    kinds |= {"Residual"} if any(c.residual for c in CASES) else set()
    # the layers of this suite (Dropout's random masks are checked by statistics in
    # test_nn.py; the attention and transformer modules have parity tests of their own)
    layers = {
        "Linear", "ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "LayerNorm", "BatchNorm1d",
        "BatchNorm2d", "Embedding", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Sequential",
        "Residual", "SiLU", "ConvTranspose2d", "AdaptiveAvgPool2d", "Upsample",
        "Identity", "LeakyReLU", "ReLU6", "Hardswish", "Mish", "ELU", "Conv1d", "GroupNorm",
        "RMSNorm", "ConvTranspose1d", "Unflatten", "ReflectionPad2d", "ReplicationPad2d",
        "ZeroPad2d", "PixelShuffle", "PixelUnshuffle", "InstanceNorm2d", "PReLU", "MaxPool1d",
        "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "GLU",
    }  # fmt: skip
    assert layers <= kinds, layers - kinds
    assert all(issubclass(getattr(dx.nn, name), dx.nn.Module) for name in layers)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fixture_is_current(case: Any) -> None:
    pytest.importorskip("torch")
    fresh = fixtures.torch_case(case)
    _helpers.assert_same_arrays(fresh, _arrays(case))  # tolerances of the dtype and size
