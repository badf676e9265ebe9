"""``dfdx-summary``: the static model summary agrees with the run-time ``dx.nn.summary`` of the
same models (output shapes and parameter counts), and says "?" where a size is not literal."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import dfdx as dx
from dfdx_lsp.summary import _PARAMETER_FREE, COUNTS, RECURRENT_GATES, Model, main, models
from dfdx_mypy_plugin import shapes

MODELS = """\
import dfdx as dx

mlp = dx.nn.Sequential(
    dx.nn.Linear(784, 512),
    dx.nn.ReLU(),
    dx.nn.LayerNorm(512),
    dx.nn.Linear(512, 10, bias=False),
)
x = dx.zeros(32, 784)
y = mlp(x)

cnn = dx.nn.Sequential(
    dx.nn.Conv2d(3, 8, 3, padding=1),
    dx.nn.BatchNorm2d(8),
    dx.nn.ReLU(),
    dx.nn.Conv2d(8, 16, (3, 5), groups=2),
    dx.nn.Flatten(),
)
images = dx.zeros(4, 3, 28, 28)
z = cnn(images)

emb = dx.nn.Sequential(
    dx.nn.Embedding(100, 16),
    dx.nn.Sequential(dx.nn.Linear(16, 8), dx.nn.ReLU()),
    dx.nn.Residual(dx.nn.Linear(8, 8, bias=False)),
)
ids = dx.zeros(4, 7, dtype=dx.int64)
out = emb(ids)

unseen = dx.nn.Sequential(dx.nn.Linear(4, 3), dx.nn.Tanh())
"""

INPUTS = {"mlp": "x", "cnn": "images", "emb": "ids"}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Model]]:
    path = tmp_path_factory.mktemp("summary") / "models.py"
    path.write_text(MODELS)
    found, messages = models(str(path))
    assert [m for m in messages if ": error:" in m] == []
    return path, {m.name: m for m in found}


def _runtime_rows(text: str) -> list[tuple[str, str, str]]:
    """(shape, params, path) of each direct child in ``dx.nn.summary``'s table."""
    rows = []
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            path, _type, *rest = line.split()
            shape = " ".join(rest[:-1]).removeprefix("Tensor")
            rows.append((shape, rest[-1], path))
    return rows


@pytest.mark.parametrize("name", ["mlp", "cnn", "emb"])
def test_shapes_and_counts_agree_with_the_runtime_summary(
    checked: tuple[Path, dict[str, Model]], name: str
) -> None:
    path, found = checked
    static = found[name]
    scope = runpy.run_path(str(path))
    model = scope[name]
    text = dx.nn.summary(model, scope[INPUTS[name]], verbose=False)
    runtime = _runtime_rows(text)
    assert len(static.rows) == len(runtime) == len(model)
    for row, (shape, params, child), layer in zip(static.rows, runtime, model, strict=True):
        assert child == str(row.index)
        assert row.output == shape
        expected = layer.num_parameters() if params == "--" else int(params.replace(",", ""))
        assert row.params == expected
    assert static.total == model.num_parameters()
    assert f"Total params: {static.total:,}" in text


def test_known_values(checked: tuple[Path, dict[str, Model]]) -> None:
    _, found = checked
    mlp = found["mlp"]
    assert [r.layer for r in mlp.rows] == ["Linear[784, 512]", "ReLU", "LayerNorm[512]",
                                           "Linear[512, 10]"]  # fmt: skip
    assert [r.params for r in mlp.rows] == [784 * 512 + 512, 0, 2 * 512, 512 * 10]
    assert mlp.input == "[32, 784]"
    assert found["cnn"].rows[3].params == 16 * 8 // 2 * 3 * 5 + 16
    assert found["cnn"].rows[4].output == f"[4, {16 * 26 * 24}]"  # 16 channels of 26 x 24


def test_a_model_never_called_has_sizes_but_no_shapes(
    checked: tuple[Path, dict[str, Model]],
) -> None:
    unseen = checked[1]["unseen"]
    assert unseen.input is None
    assert [(r.layer, r.output, r.params) for r in unseen.rows] == [
        ("Linear[4, 3]", None, 15),
        ("Tanh", None, 0),
    ]


def test_sizes_that_are_not_literals_are_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import dfdx as dx\n"
        "def build(n: int, flag: bool) -> None:\n"
        "    a = dx.nn.Sequential(dx.nn.Linear(n, 10), dx.nn.Linear(10, 2))\n"
        "    b = dx.nn.Sequential(dx.nn.Linear(3, 4, bias=flag), dx.nn.ReLU())\n"
    )
    found, _ = models(str(path))
    a, b = found
    assert [r.params for r in a.rows] == [None, 22]
    assert a.total is None
    assert [r.params for r in b.rows] == [None, 0]


def test_a_switch_passed_by_position_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import dfdx as dx\n"
        "a = dx.nn.Sequential(dx.nn.Linear(3, 4, False), dx.nn.LayerNorm(4, 1e-5, False))\n"
        "b = dx.nn.Sequential(dx.nn.BatchNorm1d(4, 1e-5, 0.1, False), dx.nn.Linear(4, 2, True))\n"
    )
    (a, b), _ = models(str(path))
    assert [r.params for r in a.rows] == [12, 0]
    assert [r.params for r in b.rows] == [0, 10]


def test_the_command_prints_the_table(
    checked: tuple[Path, dict[str, Model]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(checked[0])]) == 0
    out = capsys.readouterr().out
    assert "mlp (line 3): Sequential, input [32, 784]" in out
    assert "0      Linear[784, 512]  [32, 512]     401,920" in out
    assert "Total params: 408,064" in out  # the last Linear has no bias
    assert "unseen (line 30): Sequential, input unknown" in out


def test_the_command_reports_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "absent.py")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_type_error_in_the_file_is_printed_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.py"
    path.write_text(
        "import dfdx as dx\nm = dx.nn.Sequential(dx.nn.Linear(4, 3))\ny = m(dx.zeros(2, 5))\n"
    )
    assert main([str(path)]) == 1
    captured = capsys.readouterr()
    assert "Linear[4, 3]: takes 4 features" in captured.err
    assert "m (line 2): Sequential" in captured.out


def test_the_layers_counted_as_parameter_free_hold_none() -> None:
    layers = [
        dx.nn.ReLU(), dx.nn.GELU(), dx.nn.SiLU(), dx.nn.Sigmoid(), dx.nn.Tanh(), dx.nn.Softmax(),
        dx.nn.Dropout(), dx.nn.Flatten(), dx.nn.MaxPool2d(2), dx.nn.AvgPool2d(2),
        dx.nn.AdaptiveAvgPool2d(1), dx.nn.Upsample(scale_factor=2), dx.nn.Identity(),
        dx.nn.LeakyReLU(), dx.nn.ReLU6(), dx.nn.Hardswish(), dx.nn.Mish(), dx.nn.ELU(),
        dx.nn.Unflatten(1, (2, 3)), dx.nn.ReflectionPad2d(1), dx.nn.ReplicationPad2d(1),
        dx.nn.ZeroPad2d(1), dx.nn.PixelShuffle(2), dx.nn.PixelUnshuffle(2), dx.nn.MaxPool1d(2),
        dx.nn.AvgPool1d(2), dx.nn.AdaptiveAvgPool1d(1), dx.nn.AdaptiveMaxPool1d(1), dx.nn.GLU(),
    ]  # fmt: skip
    assert {type(m).__name__ for m in layers} == _PARAMETER_FREE
    assert [m.num_parameters() for m in layers] == [0] * len(layers)


def test_every_layer_of_the_table_is_counted_or_parameter_free() -> None:
    """A layer added to the plugin's table gets a count (or is listed as holding none): the
    summary never shows "?" for a layer whose sizes are literals."""
    table = {layer.name for layer in shapes.LAYERS} - {"Residual"}  # counted through its module
    assert set(COUNTS) | _PARAMETER_FREE == table
    assert not set(COUNTS) & _PARAMETER_FREE
    assert set(RECURRENT_GATES) <= set(shapes.NOT_LAYERS)


LAYERS_WITH_PARAMETERS = """\
import dfdx as dx

convs = dx.nn.Sequential(
    dx.nn.Conv1d(4, 6, 3, groups=2),
    dx.nn.Conv1d(6, 6, 5, 1, 0, 1, 3, False),
    dx.nn.ConvTranspose1d(6, 4, 3, stride=2, groups=2),
    dx.nn.ConvTranspose1d(4, 8, 2, bias=False),
)
planes = dx.nn.Sequential(
    dx.nn.ConvTranspose2d(8, 6, (3, 2), groups=2),
    dx.nn.Conv2d(6, 3, (2, 4), bias=False),
)
norms = dx.nn.Sequential(
    dx.nn.GroupNorm(2, 6),
    dx.nn.GroupNorm(3, 6, 1e-5, False),
    dx.nn.GroupNorm(3, 6, bias=False),
    dx.nn.RMSNorm(6),
    dx.nn.RMSNorm(6, None, False),
    dx.nn.LayerNorm(6, elementwise_affine=False),
    dx.nn.BatchNorm1d(6),
)
recurrent = dx.nn.Sequential(
    dx.nn.RNN(5, 7),
    dx.nn.RNN(5, 7, 2, "relu", False),
    dx.nn.LSTM(5, 7, num_layers=3, bidirectional=True),
    dx.nn.GRU(5, 7, 2, True, True, 0.0, True),
    dx.nn.LSTM(input_size=5, hidden_size=7, bias=False),
)
images = dx.nn.Sequential(
    dx.nn.InstanceNorm2d(6),
    dx.nn.InstanceNorm2d(6, affine=True),
    dx.nn.InstanceNorm2d(6, 1e-5, 0.1, True),
    dx.nn.PReLU(),
    dx.nn.PReLU(6),
    dx.nn.ReflectionPad2d(1),
    dx.nn.PixelShuffle(2),
)
"""


def test_the_newer_layers_are_counted_as_the_runtime_counts_them(tmp_path: Path) -> None:
    path = tmp_path / "layers.py"
    path.write_text(LAYERS_WITH_PARAMETERS)
    found, messages = models(str(path))
    assert [m for m in messages if ": error:" in m] == []
    scope = runpy.run_path(str(path))
    assert [m.name for m in found] == ["convs", "planes", "norms", "recurrent", "images"]
    for model in found:
        runtime = [layer.num_parameters() for layer in scope[model.name]]
        assert [r.params for r in model.rows] == runtime, model.name
        assert model.total == scope[model.name].num_parameters()
    # the recurrent layers' sizes are read from the call: one that is not a literal is unknown
    path.write_text("import dfdx as dx\nn = 5\nm = dx.nn.Sequential(dx.nn.GRU(n, 7))\n")
    (model,), _ = models(str(path))
    assert [r.params for r in model.rows] == [None]
