"""More ops of a tensor that the per-instance evaluation (:mod:`dfdx_mypy_plugin._instances`)
follows: ``squeeze``, ``broadcast_to``/``expand`` (a learned token broadcast over the batch:
``self.cls.broadcast_to(b, -1, -1)``), ``norm`` over axes and
``scaled_dot_product_attention``, each with the shape rule of :mod:`dfdx_mypy_plugin.shapes`
that the runtime and the plugin's rules use. A ``ShapeError`` is the op refusing its input;
anything else stops the evaluation (:class:`Stop`)."""

from __future__ import annotations

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._evaluated_tensors import EvaluatedTensor, Stop, as_size
from dfdx_mypy_plugin.shapes.attention import sdpa

OPS = frozenset({"squeeze", "broadcast_to", "expand", "norm", "scaled_dot_product_attention"})
"""The names (``x.<name>(...)``, ``dx.<name>(x, ...)``) followed here."""


def _axes(v: object) -> shapes.Axis:
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, tuple) and all(isinstance(i, int) and not isinstance(i, bool) for i in v):
        return tuple(i for i in v if isinstance(i, int))
    raise Stop


def applied(
    x: EvaluatedTensor, name: str, args: list[object], named: dict[str, object]
) -> EvaluatedTensor:
    """``x.<name>(*args, **named)``'s result."""
    if name == "squeeze" and len(args) <= 1 and set(named) <= {"axis", "dim"}:
        axis = _axes(named.get("axis", named.get("dim", args[0] if args else None)))
        out = shapes.squeeze(x.shape, axis)
        gone = set() if axis is None else set(shapes.normalize_axes("squeeze", x.shape, axis))
        kept = [i for i, d in enumerate(x.shape) if (d != 1 if axis is None else i not in gone)]
        return x.derived(out, tuple(x.origin(i) for i in kept))
    if name in ("broadcast_to", "expand") and not named:
        dims = args[0] if len(args) == 1 and isinstance(args[0], tuple | list) else args
        sizes = [as_size(d) for d in dims]
        out = shapes.broadcast_to_sizes(x.shape, sizes)
        lead = len(out) - len(x.shape)
        origins = tuple(
            x.origin(i - lead) if i >= lead and x.shape[i - lead] == d else None
            for i, d in enumerate(out)
        )
        return x.derived(out, origins)
    if name == "norm" and set(named) <= {"axis", "keepdims"} and len(args) <= 1:
        keepdims = named.get("keepdims", False)
        if not isinstance(keepdims, bool):
            raise Stop
        axis = _axes(named.get("axis"))
        out = shapes.reduce("norm", x.shape, axis, keepdims)
        gone = set(shapes.normalize_axes("norm", x.shape, axis))
        origins = tuple(x.origin(i) for i in range(len(x.shape)) if keepdims or i not in gone)
        return x.derived(out, origins)
    if name == "scaled_dot_product_attention" and len(args) == 2 and not named:
        key, value = args
        if not (isinstance(key, EvaluatedTensor) and isinstance(value, EvaluatedTensor)):
            raise Stop
        out = sdpa(name, x.shape, key.shape, value.shape)
        return EvaluatedTensor(
            out, made_from=x.made_from | key.made_from | value.made_from | {x.serial}
        )
    raise Stop
