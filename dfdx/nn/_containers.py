"""``Sequential`` and ``Residual``: modules made of modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, Literal, Never, TypeVarTuple, overload

from typing_extensions import TypeVar

from dfdx._dtypes import FLOATS
from dfdx._tensor import NoneTape, OwnedTape, Tensor
from dfdx._typing import AnyTensor, Dyn
from dfdx.nn._layers import ReLU
from dfdx.nn._linear import Linear
from dfdx.nn._module import FIELD_MEMBERS, Module
from dfdx.ops import linalg
from dfdx_mypy_plugin import shapes

S = TypeVarTuple("S")
Ts = TypeVarTuple("Ts")
T = TypeVar("T", NoneTape, OwnedTape)
Layers = TypeVar("Layers", bound=tuple[Any, ...], default=tuple[Any, ...])
M = TypeVar("M", bound=Module)
_L = TypeVar("_L", bound=Module)
"""A layer's type, read from the tuple of a ``Sequential``'s type (an index's item)."""


def _chain_link(m: Module) -> shapes.ChainLink:
    """A layer as :func:`shapes.sequential_chain` reads it, from the layer table (the plugin
    builds the same from the layer's type)."""
    kind = type(m)
    layer = shapes.layer_of(f"{kind.__module__}.{kind.__qualname__}")
    if layer is None:
        return shapes.ChainLink(None)
    return shapes.ChainLink(layer, tuple(int(getattr(m, a.kept_as)) for a in layer.sizes))


class Sequential(Module, Generic[Layers]):
    """Modules applied in order: ``Sequential(Linear(784, 512), ReLU(), Linear(512, 10))``.

    Its type keeps the layers' types in a tuple (``Sequential[tuple[Linear[L[784], L[512]],
    ReLU, Linear[L[512], L[10]]]]``). The plugin checks each layer against the one before it
    where the Sequential is built and folds the input's shape through the layers where it is
    called; without the plugin a call keeps the tape and says nothing of the shape.
    Parameters are named by position, as PyTorch's: ``"0.weight"``, ``"2.bias"``. Layers
    that do not fit together (``Linear(784, 512)`` then ``Linear(256, 10)``) raise
    ``ShapeError`` here, with the plugin's message.
    """

    layers: tuple[Module, ...]
    _names: tuple[str, ...]

    def __init__(self: Sequential[tuple[*Ts]], *layers: *Ts) -> None:
        super().__init__()
        items: tuple[Any, ...] = layers
        for i, m in enumerate(items):
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: layer {i + 1} is a {type(m).__name__}, not a dx.nn.Module"
                )
        self.layers = items
        self._names = tuple(str(i) for i in range(len(items)))
        shapes.sequential_chain([_chain_link(m) for m in items])

    def add_module(self, name: str, module: Module) -> None:
        """Appends ``module`` to the layers, its parameters named ``"<name>.weight"``, as
        PyTorch's ``Sequential.add_module``. A name that is not a non-empty string without a
        ``.``, or one already used, raises KeyError (TypeError for a name or module of
        another type); a layer that does not take what the last one gives raises
        ``ShapeError``. With the plugin the Sequential's chain is then not known: its calls
        give ``Dyn`` sizes (pass the layers to ``Sequential(...)`` to keep them)."""
        if not isinstance(name, str):
            raise TypeError(f"Sequential.add_module: name must be a str, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(
                f"Sequential.add_module: a name must be non-empty and contain no '.', got {name!r}"
            )
        if name in self._names:
            raise KeyError(f"Sequential.add_module: a layer is already named {name!r}")
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential.add_module: {name!r} is a {type(module).__name__}, not a dx.nn.Module"
            )
        layers = (*self.layers, module)
        shapes.sequential_chain([_chain_link(m) for m in layers])
        self.layers = layers
        self._names = (*self._names, name)

    def _members(self) -> Iterator[tuple[str, AnyTensor | Module]]:
        yield from zip(self._names, self.layers, strict=True)

    FIELD_MEMBERS.add(_members)

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*tuple[Dyn, ...], T]:
        y: Any = x
        layers = self.layers
        i, n = 0, len(layers)
        while i < n:
            m = layers[i]
            if type(m) is Linear:
                direct, i_next = _linear_run(layers, i, y)
                if direct is not None:
                    y = direct
                    i = i_next
                    continue
            y = m(y)
            i += 1
        return y  # type: ignore[no-any-return]

    forward = __call__

    def __len__(self) -> int:
        return len(self.layers)

    # A literal index gives that layer's type from the tuple the type holds, without the
    # plugin too (pyright runs none): ``Sequential(PMA(...), SAB(...), Linear(h, o))[2]`` is the
    # ``Linear``. A Sequential of untyped layers (``Sequential[tuple[Any, ...]]``, a bare
    # ``Sequential`` annotation) fits the first item, whose ``Module`` both checkers keep; an
    # index past the layers the type holds, a negative one (``add_module`` may have appended
    # layers since) or one known only at run time is a ``Module``.
    @overload
    def __getitem__(self: Sequential[tuple[Never, ...]], i: int) -> Module: ...
    @overload
    def __getitem__(self: Sequential[tuple[_L, *tuple[Any, ...]]], i: Literal[0]) -> _L: ...
    @overload
    def __getitem__(self: Sequential[tuple[Any, _L, *tuple[Any, ...]]], i: Literal[1]) -> _L: ...
    @overload
    def __getitem__(
        self: Sequential[tuple[Any, Any, _L, *tuple[Any, ...]]], i: Literal[2]
    ) -> _L: ...
    @overload
    def __getitem__(
        self: Sequential[tuple[Any, Any, Any, _L, *tuple[Any, ...]]], i: Literal[3]
    ) -> _L: ...
    @overload
    def __getitem__(
        self: Sequential[tuple[Any, Any, Any, Any, _L, *tuple[Any, ...]]], i: Literal[4]
    ) -> _L: ...
    @overload
    def __getitem__(
        self: Sequential[tuple[Any, Any, Any, Any, Any, _L, *tuple[Any, ...]]], i: Literal[5]
    ) -> _L: ...
    @overload
    def __getitem__(
        self: Sequential[tuple[Any, Any, Any, Any, Any, Any, _L, *tuple[Any, ...]]], i: Literal[6]
    ) -> _L: ...
    @overload
    def __getitem__(
        self: Sequential[tuple[Any, Any, Any, Any, Any, Any, Any, _L, *tuple[Any, ...]]],
        i: Literal[7],
    ) -> _L: ...
    @overload
    def __getitem__(self, i: int) -> Module: ...
    def __getitem__(self, i: int) -> Any:
        return self.layers[i]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)


def _linear_run(layers: tuple[Module, ...], i: int, x: Any) -> tuple[AnyTensor | None, int]:
    """The ``Linear`` layers from ``layers[i]`` on, each followed by a ``ReLU`` or not, run
    as one op on ``x`` (:func:`dfdx.ops.linalg.linear_chain`; a single layer as
    :func:`~dfdx.ops.linalg.linear` or :func:`~dfdx.ops.linalg.linear_relu`), without the
    layers' calls, and the index of the layer after them; None where the first layer would
    not run without an error (the layers then run one by one, and an error names the
    failing one), or while the layers' calls are wrapped (by ``summary``, which records
    each layer's output). The run stops before a layer that would not run."""
    a = getattr(x, "_data", None)
    if a is None or Linear.__call__ is not _LINEAR_CALL or ReLU.__call__ is not _RELU_CALL:
        return None, i
    dtype = a.dtype
    if dtype not in FLOATS or not a.ndim:
        return None, i
    size = a.shape[-1]
    run: list[linalg.Layer] = []
    n = len(layers)
    while i < n:
        linear = layers[i]
        if type(linear) is not Linear:
            break
        weight, bias = linear.weight, linear.bias
        w = weight._data
        if (
            w.dtype is not dtype  # identical dtype objects: the common case, checked fast
            or w.ndim != 2
            or w.shape[1] != size
        ):
            break
        b = None
        if bias is not None:
            b = bias._data
            if b.dtype is not dtype or b.ndim != 1 or b.shape[0] != w.shape[0]:
                break
        relu = i + 1 < n and type(layers[i + 1]) is ReLU
        run.append((w, weight, b, bias, relu))
        size = w.shape[0]
        i += 2 if relu else 1
    if not run:
        return None, i
    if len(run) > 1:
        return linalg.linear_chain_checked(x, run), i
    w, weight, b, bias, relu = run[0]
    if relu:
        return linalg.linear_relu_checked(x, weight, bias, a, w, b), i
    return linalg.linear_checked(x, weight, bias, a, w, b), i


_LINEAR_CALL = Linear.__call__
_RELU_CALL = ReLU.__call__


class Residual(Module, Generic[M]):
    """``x + module(x)``: the module must give back the shape it was given."""

    def __init__(self, module: M) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"Residual: expected a dx.nn.Module, got {type(module).__name__}")
        self.module = module

    def __call__(self, x: Tensor[*S, T]) -> Tensor[*S, T]:
        y = self.module(x)
        if y.shape != x.shape:
            shapes.residual(type(self.module).__name__, x.size(), y.size())
        return x + y  # type: ignore[no-any-return]

    forward = __call__
