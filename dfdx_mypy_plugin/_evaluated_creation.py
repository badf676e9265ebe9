"""Tensors a ``forward`` creates (``dx.arange(seq_len)`` for position ids, ``dx.zeros(b, 1,
n_mels)`` for a decoder's first frame, ``dx.ones_like(x)``), as the per-instance evaluation
(:mod:`dfdx_mypy_plugin._instances`) gives them: their shapes from the sizes given, a size it
does not know unknown (None). Anything else stops the evaluation (:class:`Stop`)."""

from __future__ import annotations

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._evaluated_tensors import EvaluatedTensor, Stop, as_size

_BY_SIZES = frozenset({"zeros", "ones", "empty", "randn", "rand"})
"""Made from sizes given one by one or as one tuple."""

_LIKE = frozenset({"zeros_like", "ones_like", "full_like", "randn_like", "rand_like"})

CREATION = _BY_SIZES | _LIKE | {"full", "arange", "linspace", "eye"}
"""The names (``dx.<name>(...)``) followed here."""


def created(name: str, args: list[object], named: dict[str, object]) -> EvaluatedTensor:
    """``dx.<name>(*args, **named)``: the tensor it makes, where its sizes are ints, size
    names or unknown (None)."""
    if name in _LIKE:
        x = args[0] if args else None
        if not isinstance(x, EvaluatedTensor):
            raise Stop
        return x.derived(x.shape)
    return EvaluatedTensor(_shape(name, args))


def _sizes(values: object) -> shapes.Shape:
    if not isinstance(values, tuple | list):
        raise Stop
    return tuple(as_size(v) for v in values)


def _shape(name: str, args: list[object]) -> shapes.Shape:
    if name in _BY_SIZES:
        if len(args) == 1 and isinstance(args[0], tuple | list):
            return _sizes(args[0])
        return _sizes(args)
    if name == "full" and len(args) == 2:
        return _sizes(args[0])
    if name == "linspace" and len(args) == 3:
        return (as_size(args[2]),)
    if name == "eye" and len(args) in (1, 2):
        n = as_size(args[0])
        return (n, as_size(args[1]) if len(args) == 2 else n)
    if name == "arange":
        return (_arange_length(args),)
    raise Stop


def _arange_length(args: list[object]) -> shapes.Dim:
    """How many values ``arange`` gives: ``arange(n)`` is ``n`` long, ``arange(a, b)``
    ``b - a`` for ints; unknown otherwise."""
    if len(args) == 1:
        end = args[0]
        if isinstance(end, float):
            raise Stop
        return as_size(end)
    if len(args) in (2, 3) and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        start, end = args[0], args[1]
        step = args[2] if len(args) == 3 else 1
        assert isinstance(start, int) and isinstance(end, int) and isinstance(step, int)
        if step == 0:
            raise Stop
        return max(0, -(-(end - start) // step))
    return None
