"""The three trees tied together: the runtime (``dfdx/``), the plugin's rules (found by name in
``METHOD_RULES``/``FUNCTION_RULES``) and the programs under ``tests/typecheck/``.

- every rule key names a function or method that exists, where mypy will look for it (the
  class or module that defines it): a renamed op would otherwise switch its rule off silently;
- every public op has a rule or is listed in :data:`NO_RULE_NEEDED` with the reason;
- every rule family (a module of ``dfdx_mypy_plugin/rules/``) has a program that must pass
  and one that must fail, found by their ``# rules: <family>, ...`` comment (that the comment
  is true, i.e. the program runs a rule of that family, is checked in test_typecheck.py);
- every layer of ``dx.nn`` is in the layer table (``shapes/layers.py``) or listed there with
  the reason it is not; each entry agrees with its class's constructor, the runtime computes
  the shape the table says, and a plugin program builds and calls it.

The checks are plain functions of the tables, so that a test can feed them a broken table.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _helpers import rules_comment

import dfdx as dx
import dfdx_mypy_plugin.rules as rules_package
from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin.rules import FUNCTION_RULES, METHOD_RULES, load_all

load_all()

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "typecheck"

# ---- rule keys -------------------------------------------------------------------------------


def resolve(key: str) -> str | None:
    """Why ``key`` (``dfdx.ops.conv.conv2d``, ``dfdx._tensor.Tensor.sum``) names nothing mypy
    will look up; None where it names a function, method or class at the place that defines
    it (mypy's fullname: a re-export or an inherited method has another one)."""
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:i])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        owner = module_name
        for name in parts[i:]:
            if inspect.isclass(obj):
                if name not in vars(obj):
                    return f"{owner} defines no {name!r}"
                obj = vars(obj)[name]
            else:
                if not hasattr(obj, name):
                    return f"{owner} has no {name!r}"
                obj = getattr(obj, name)
                defined_in = getattr(obj, "__module__", None)
                if defined_in != module_name:
                    return f"{name!r} is defined in {defined_in}, not in {module_name}"
            owner = f"{owner}.{name}"
        if not callable(obj) and not isinstance(obj, staticmethod | classmethod):
            return f"{key} is not callable"
        return None
    return f"no module of {key} can be imported"


def unresolved_rule_keys(keys: Iterable[str]) -> dict[str, str]:
    """The keys that name nothing, each with the reason."""
    problems = {key: resolve(key) for key in keys}
    return {key: why for key, why in problems.items() if why is not None}


def test_every_rule_key_names_an_existing_function_or_method() -> None:
    assert unresolved_rule_keys([*METHOD_RULES, *FUNCTION_RULES]) == {}


def test_a_misspelt_rule_key_is_reported() -> None:
    table = {
        "dfdx.ops.conv.conv2d": None,
        "dfdx.ops.conv.conv2dd": None,  # misspelt
        "dfdx._tensor.Tensor.summ": None,  # misspelt method
        "dfdx.conv2d": None,  # a re-export: mypy names the function dfdx.ops.conv.conv2d
        "dfdx.nn._layers.Linear": None,  # Linear lives in dfdx.nn._linear
        "dfdx.nn._layers.BatchNorm1d.extra_repr": None,  # inherited: mypy names _BatchNorm's
        "dfdx.opz.conv.conv2d": None,  # no such module
    }
    problems = unresolved_rule_keys(table)
    assert sorted(problems) == sorted(k for k in table if k != "dfdx.ops.conv.conv2d")
    assert problems["dfdx.ops.conv.conv2dd"] == "dfdx.ops.conv has no 'conv2dd'"


# ---- public ops ------------------------------------------------------------------------------

_ELEMENTWISE = "elementwise: its signature (Tensor[*S, T] to Tensor[*S, T]) is exact"
_UNARY = ("abs", "cos", "exp", "gelu", "leaky_relu", "log", "neg", "pow", "relu")
_UNARY += ("rsqrt", "sigmoid", "silu", "sin", "softplus", "sqrt", "square", "tanh", "to")
_UNARY += ("erf", "log1p")
_NOT_AN_OP = "not an op on tensors"

NO_RULE_NEEDED: dict[str, str] = {
    **{f"dfdx.ops.unary.{name}": _ELEMENTWISE for name in _UNARY},
    **{f"dfdx._tensor.Tensor.{name}": _ELEMENTWISE for name in _UNARY},
    **{f"dfdx.ops.unary.{name}": _ELEMENTWISE for name in ("elu", "hardswish", "mish", "relu6")},
    "dfdx._tensor.Tensor.relu6": _ELEMENTWISE,
    "dfdx._tensor.Tensor.__neg__": _ELEMENTWISE,
    "dfdx._tensor.Tensor.__abs__": _ELEMENTWISE,
    "dfdx._tensor.Tensor.__pow__": _ELEMENTWISE,
    "dfdx._tensor.Tensor.__rpow__": _ELEMENTWISE,
    "dfdx._tensor.Tensor.trace": "the same shape on OwnedTape: its signature is exact",
    "dfdx._tensor.Tensor.detach": "the same shape on NoneTape: its signature is exact",
    "dfdx._tensor.Tensor.__init__": "wraps an array whose shape is known at run time only",
    "dfdx._tensor.Tensor.__iter__": "yields rows of a size known at run time only",
    "dfdx._tensor.Tensor.numpy": "returns an array (NumPy's types carry no shape)",
    "dfdx._tensor.Tensor.item": "returns a float",
    "dfdx._tensor.Tensor.__len__": "returns an int",
    "dfdx._tensor.Tensor.__bool__": "raises: a tensor has no truth value",
    "dfdx._tensor.Tensor.__repr__": "returns a str",
    "dfdx._tensor.Tensor": "the class: its methods are listed one by one",
    "dfdx._typing.Expr": "a size as the plugin writes it in a type (never instantiated)",
    "dfdx._tensor.NoneTape": _NOT_AN_OP,
    "dfdx._tensor.OwnedTape": _NOT_AN_OP,
    "dfdx._gradients.Gradients": "gradients by tensor: Gradients.__getitem__ keeps the key's type",
    "dfdx.DTypeError": _NOT_AN_OP,
    "dfdx.ShapeError": _NOT_AN_OP,
    "dfdx.TapeError": _NOT_AN_OP,
    "dfdx.nn.LoadError": _NOT_AN_OP,
    "dfdx._checked.checked": "a decorator: it keeps the function's signature",
    "dfdx._creation.manual_seed": _NOT_AN_OP,
    "dfdx._checkpoint.save_checkpoint": _NOT_AN_OP,
    "dfdx._checkpoint.load_checkpoint": _NOT_AN_OP,
    "dfdx.nn._module.Module": "the base class: a user's module is typed by its own signature",
    "dfdx.nn._collections.ModuleList": "a container typed by its element: indexing and "
    "iteration give the element's type; its modules are called, not it",
    "dfdx.nn._collections.ModuleDict": "as ModuleList, by key",
    "dfdx.nn._parameter_list.ParameterList": "holds tensors typed by its element type: "
    "indexing and iteration give that type",
    "dfdx.nn._summary.summary": "prints and returns a str: shapes are read at run time",
    "dfdx.nn.attention.causal_mask": "sizes from ints known at run time: Tensor[Dyn, Dyn]",
    "dfdx.nn.positional.sinusoidal_table": "returns an array (NumPy's types carry no shape)",
}
"""Public callables without a plugin rule, keyed as mypy names them, and why none is needed."""


def _fullname(obj: Any) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def public_ops() -> dict[str, Any]:
    """Every callable re-exported from ``dfdx``, ``dfdx.losses`` and ``dfdx.nn``, and every
    method ``Tensor`` defines (public or an operator), keyed by mypy's fullname."""
    ops: dict[str, Any] = {}
    for module in (dx, dx.losses, dx.nn):
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
                continue
            home = getattr(obj, "__module__", "") or ""
            if home == module.__name__ or home.startswith(module.__name__ + "."):
                ops[_fullname(obj)] = obj
    for name, member in vars(dx.Tensor).items():
        dunder = name.startswith("__") and name.endswith("__")
        if inspect.isfunction(member) and (dunder or not name.startswith("_")):
            ops[f"{_fullname(dx.Tensor)}.{name}"] = member
    return ops


def has_rule(key: str, obj: Any, methods: Mapping[str, Any], functions: Mapping[str, Any]) -> bool:
    """A function's rule is keyed by its name; a module's by its constructor or its call."""
    if key in functions or key in methods:
        return True
    return inspect.isclass(obj) and f"{key}.__call__" in methods


def ops_without_rules(
    ops: Mapping[str, Any],
    methods: Mapping[str, Any],
    functions: Mapping[str, Any],
    exempt: Mapping[str, str],
) -> list[str]:
    """Public ops with neither a rule nor a listed reason."""
    return sorted(
        key
        for key, obj in ops.items()
        if key not in exempt and not has_rule(key, obj, methods, functions)
    )


def stale_exemptions(
    ops: Mapping[str, Any],
    methods: Mapping[str, Any],
    functions: Mapping[str, Any],
    exempt: Mapping[str, str],
) -> list[str]:
    """Listed names that are no public op (renamed, removed) or that have a rule after all."""
    return sorted(
        key for key in exempt if key not in ops or has_rule(key, ops[key], methods, functions)
    )


def test_every_public_op_has_a_rule_or_a_reason_for_none() -> None:
    ops = public_ops()
    assert ops_without_rules(ops, METHOD_RULES, FUNCTION_RULES, NO_RULE_NEEDED) == []
    assert stale_exemptions(ops, METHOD_RULES, FUNCTION_RULES, NO_RULE_NEEDED) == []


def test_an_op_without_a_rule_is_reported() -> None:
    ops = public_ops()
    functions = {k: v for k, v in FUNCTION_RULES.items() if k != "dfdx.ops.conv.conv2d"}
    missing = ops_without_rules(ops, METHOD_RULES, functions, NO_RULE_NEEDED)
    assert missing == ["dfdx.ops.conv.conv2d"]
    exempt = {**NO_RULE_NEEDED, "dfdx.ops.linalg.matmul": "listed by mistake"}
    assert stale_exemptions(ops, METHOD_RULES, FUNCTION_RULES, exempt) == ["dfdx.ops.linalg.matmul"]


# ---- rule families and their programs --------------------------------------------------------


def rule_families() -> list[str]:
    """The modules of ``dfdx_mypy_plugin/rules/``: one family of rules each."""
    return sorted(m.name for m in pkgutil.iter_modules(rules_package.__path__))


def program_families(directory: Path) -> dict[str, set[str]]:
    """Each program's families, from its ``# rules: conv, nn`` comment."""
    return {path.name: rules_comment(path) for path in sorted(directory.glob("*.py"))}


def family_problems(
    families: Iterable[str], passing: Mapping[str, set[str]], failing: Mapping[str, set[str]]
) -> list[str]:
    """What is missing: a family without a passing or a failing program, a program that names
    no family or one that does not exist."""
    known = set(families)
    problems = []
    for family in sorted(known):
        for verdict, programs in (("pass", passing), ("fail", failing)):
            if not any(family in named for named in programs.values()):
                problems.append(f"rules/{family}.py has no program that must {verdict}")
    for verdict, programs in (("plugin_pass", passing), ("plugin_fail", failing)):
        for name, named in programs.items():
            if not named:
                problems.append(f"{verdict}/{name} has no '# rules: <family>' comment")
            for family in sorted(named - known):
                problems.append(f"{verdict}/{name} names {family!r}, which is no rule family")
    return problems


def test_every_rule_family_has_a_passing_and_a_failing_program() -> None:
    passing = program_families(PROGRAMS / "plugin_pass")
    failing = program_families(PROGRAMS / "plugin_fail")
    assert family_problems(rule_families(), passing, failing) == []


def test_a_family_without_programs_is_reported() -> None:
    passing = {"conv_shapes.py": {"conv"}, "nn_modules.py": {"nn", "conv"}, "odd.py": set()}
    failing = {"conv_errors.py": {"conv", "convs"}}
    assert family_problems(["conv", "nn"], passing, failing) == [
        "rules/nn.py has no program that must fail",
        "plugin_pass/odd.py has no '# rules: <family>' comment",
        "plugin_fail/conv_errors.py names 'convs', which is no rule family",
    ]


# ---- the layer table -------------------------------------------------------------------------


def nn_classes() -> dict[str, type]:
    return {name: obj for name, obj in vars(dx.nn).items() if inspect.isclass(obj)}


def layer_table_problems(
    classes: Mapping[str, type], layers: Iterable[shapes.Layer], not_layers: Mapping[str, str]
) -> list[str]:
    """Classes of ``dx.nn`` in neither table, names in a table that ``dx.nn`` lacks, entries
    whose module is not the class's, and sizes or window arguments that are not the
    constructor's (with its defaults)."""
    problems = []
    layers = list(layers)
    described = {layer.name for layer in layers}
    for name in sorted(set(classes) - described - set(not_layers)):
        problems.append(f"dx.nn.{name} is neither in LAYERS nor in NOT_LAYERS")
    for name in sorted((described | set(not_layers)) - set(classes)):
        problems.append(f"{name} is in the layer table but not in dx.nn")
    for layer in layers:
        cls = classes.get(layer.name)
        if cls is None:
            continue
        if _fullname(cls) != layer.fullname:
            problems.append(
                f"{layer.name}: the table says {layer.fullname}, it is {_fullname(cls)}"
            )
        params = inspect.signature(cls.__init__).parameters
        for arg in (*layer.sizes, *layer.window):
            if arg.name not in params:
                problems.append(f"{layer.name}: the constructor has no {arg.name!r}")
                continue
            default = params[arg.name].default
            want = inspect.Parameter.empty if arg.default is None else arg.default
            if arg.default_from is not None or arg.optional:
                want = None  # "absent": the constructor's None stands for the other argument
            if default != want:
                problems.append(
                    f"{layer.name}: {arg.name} defaults to {default!r}, the table says {want!r}"
                )
    return problems


def test_every_nn_class_is_described_or_listed_and_agrees_with_its_constructor() -> None:
    assert layer_table_problems(nn_classes(), shapes.LAYERS, shapes.NOT_LAYERS) == []


def test_a_layer_table_that_drifted_is_reported() -> None:
    classes = {**nn_classes(), "Hardshrink": type("Hardshrink", (dx.nn.Module,), {})}
    layers = [
        shapes.Layer(
            "Linear",
            "dfdx.nn._linear",
            sizes=(shapes.Arg("in_features"), shapes.Arg("out_feature")),
        ),
        shapes.Layer("Conv2d", "dfdx.nn._layers", window=(shapes.Arg("stride", 2, pair=True),)),
        shapes.Layer("Unfold", "dfdx.nn._layers"),
        *(layer for layer in shapes.LAYERS if layer.name not in ("Linear", "Conv2d")),
    ]
    assert layer_table_problems(classes, layers, shapes.NOT_LAYERS) == [
        "dx.nn.Hardshrink is neither in LAYERS nor in NOT_LAYERS",
        "Unfold is in the layer table but not in dx.nn",
        "Linear: the constructor has no 'out_feature'",
        "Conv2d: stride defaults to 1, the table says 2",
    ]


EXAMPLES: dict[str, tuple[Callable[[], dx.nn.Module], tuple[int, ...]]] = {
    "Softmax": (lambda: dx.nn.Softmax(axis=0), (2, 3)),
    "Dropout": (lambda: dx.nn.Dropout(0.5), (2, 3)),
    "Linear": (lambda: dx.nn.Linear(3, 5), (2, 4, 3)),
    "LayerNorm": (lambda: dx.nn.LayerNorm(3), (2, 4, 3)),
    "BatchNorm1d": (lambda: dx.nn.BatchNorm1d(3), (2, 3, 5)),
    "BatchNorm2d": (lambda: dx.nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "Embedding": (lambda: dx.nn.Embedding(10, 4), (2, 5)),
    "Conv2d": (
        lambda: dx.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, groups=2),
        (2, 4, 9, 7),
    ),
    "MaxPool2d": (lambda: dx.nn.MaxPool2d(3, stride=2), (2, 3, 9, 8)),
    "AvgPool2d": (lambda: dx.nn.AvgPool2d((2, 3), padding=1), (2, 3, 9, 8)),
    "Flatten": (lambda: dx.nn.Flatten(1, 2), (2, 3, 4, 5)),
    "Residual": (lambda: dx.nn.Residual(dx.nn.Linear(3, 3)), (2, 3)),
    "ConvTranspose2d": (
        lambda: dx.nn.ConvTranspose2d(
            4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2
        ),
        (2, 4, 5, 6),
    ),
    "AdaptiveAvgPool2d": (lambda: dx.nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 8)),
    "Upsample": (lambda: dx.nn.Upsample((2, 3), mode="bilinear"), (2, 3, 4, 5)),
    "Conv1d": (lambda: dx.nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    "GroupNorm": (lambda: dx.nn.GroupNorm(2, 4), (2, 4, 3, 5)),
    "RMSNorm": (lambda: dx.nn.RMSNorm(5), (2, 3, 5)),
    "Unflatten": (lambda: dx.nn.Unflatten(1, (2, -1, 2)), (3, 8, 5)),
    "ConvTranspose1d": (
        lambda: dx.nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        (2, 4, 5),
    ),
    "ReflectionPad2d": (lambda: dx.nn.ReflectionPad2d((1, 2, 0, 3)), (2, 3, 4, 5)),
    "ReplicationPad2d": (lambda: dx.nn.ReplicationPad2d(2), (2, 3, 1, 2)),
    "ZeroPad2d": (lambda: dx.nn.ZeroPad2d((0, 1, 2, 3)), (2, 3, 4, 5)),
    "PixelShuffle": (lambda: dx.nn.PixelShuffle(2), (2, 8, 3, 4)),
    "PixelUnshuffle": (lambda: dx.nn.PixelUnshuffle(3), (2, 2, 6, 3)),
    "InstanceNorm2d": (lambda: dx.nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    "MaxPool1d": (lambda: dx.nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 10)),
    "AvgPool1d": (lambda: dx.nn.AvgPool1d(2), (2, 3, 9)),
    "AdaptiveAvgPool1d": (lambda: dx.nn.AdaptiveAvgPool1d(4), (2, 3, 9)),
    "AdaptiveMaxPool1d": (lambda: dx.nn.AdaptiveMaxPool1d((3,)), (2, 3, 7)),
    "GLU": (lambda: dx.nn.GLU(axis=1), (2, 6, 5)),
}
"""A constructor call and an input shape for the layers of the table; a layer not here is
built without arguments and called on :data:`DEFAULT_INPUT` (an activation)."""

DEFAULT_INPUT = (2, 3, 4, 4)


def example(layer: shapes.Layer) -> tuple[dx.nn.Module, tuple[int, ...]]:
    if layer.name in EXAMPLES:
        make, shape = EXAMPLES[layer.name]
        return make(), shape
    try:
        return getattr(dx.nn, layer.name)(), DEFAULT_INPUT
    except TypeError:
        pytest.fail(f"{layer.name} needs constructor arguments: add it to EXAMPLES")


def _runtime_window(module: Any, layer: shapes.Layer) -> dict[str, tuple[int, int] | int]:
    """A built layer's window arguments as the table names them (as the plugin records them)."""
    out: dict[str, tuple[int, int] | int] = {}
    for arg in layer.window:
        value = getattr(module, arg.name)
        if value is None and arg.default_from is not None:
            value = out[arg.default_from]
        out[arg.name] = tuple(value) if isinstance(value, tuple) else value
    return out


def test_examples_are_layers_of_the_table() -> None:
    assert set(EXAMPLES) <= {layer.name for layer in shapes.LAYERS}


@pytest.mark.parametrize("layer", shapes.LAYERS, ids=lambda layer: layer.name)
def test_the_runtime_computes_the_shape_the_layer_table_says(layer: shapes.Layer) -> None:
    module, shape = example(layer)
    assert type(module).__name__ == layer.name
    sizes = tuple(getattr(module, arg.kept_as) for arg in layer.sizes)
    if layer.name == "Embedding":
        x: Any = dx.zeros(*shape, dtype=dx.int64)
    else:
        x = dx.randn(*shape, rng=np.random.default_rng(0))
    expected = shapes.output_shape(layer, shape, sizes, _runtime_window(module, layer) or None)
    assert module(x).shape == expected


@pytest.mark.parametrize("layer", shapes.LAYERS, ids=lambda layer: layer.name)
def test_every_layer_is_built_and_called_in_a_plugin_program(layer: shapes.Layer) -> None:
    called = re.compile(rf"\b{layer.name}\(.*\)\(")
    programs = sorted((PROGRAMS / "plugin_pass").glob("*.py"))
    assert any(called.search(p.read_text(encoding="utf-8")) for p in programs), (
        f"no program in tests/typecheck/plugin_pass builds and calls {layer.name}(...)(x)"
    )
