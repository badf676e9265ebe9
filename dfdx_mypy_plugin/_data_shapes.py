"""The shape of a tensor made from NumPy data, read from the expressions that made it.

``dx.tensor(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))`` is typed
``Tensor[*tuple[Dyn, ...]]``: NumPy's types do not carry shapes. Where a model built with
known sizes is called on such data, the per-instance evaluation (:mod:`._instances`) runs its
``forward`` on the shape the data was made with: the size given to a NumPy creation function
(``zeros``, ``ones``, ``empty``, ``full``, ``rand``, ``randn``, and a generator's
``standard_normal``, ``random``, ``normal``, ``uniform``, ``integers``), through
``astype``/``copy``/``trace`` and ``dx.tensor``/``np.asarray``, and through a name bound once.
Anything else (a slice, a reshape, data read from a file) is not read: None.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import ARG_NAMED, ARG_POS, CallExpr, Expression, MemberExpr, NameExpr, TupleExpr
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, get_proper_type

from dfdx_mypy_plugin._types import literal_int
from dfdx_mypy_plugin._where import built_by

_SHAPE_FIRST = frozenset({"zeros", "ones", "empty", "full", "standard_normal", "random"})
"""Creation functions whose first argument (or ``shape=``/``size=``) is the shape."""

_SIZE_THIRD = frozenset({"normal", "uniform", "integers", "randint"})
"""Sampling functions whose third argument (or ``size=``) is the shape."""

_DIMS = frozenset({"rand", "randn"})
"""``np.random.randn(2, 3, 32, 32)``: each argument is a size."""

_KEEPS = frozenset({"astype", "copy", "trace", "detach", "contiguous", "clone", "float"})
"""Methods (of an array or a tensor) whose result has their receiver's shape."""

_WRAPS = frozenset({"tensor", "asarray", "array", "ascontiguousarray"})
"""``dx.tensor(data)``, ``np.asarray(data)``: the shape of the data."""

_FOLLOWED = 8
"""How many names and wrappers are followed back."""


def data_shape(api: CheckerPluginInterface, e: Expression) -> tuple[int, ...] | None:
    """The shape the data ``e`` was made with (the module docstring), or None."""
    for _ in range(_FOLLOWED):
        if isinstance(e, NameExpr):
            value = built_by(api, e)
            if value is None:
                return None
            e = value
            continue
        if not isinstance(e, CallExpr) or not isinstance(e.callee, MemberExpr | NameExpr):
            return None
        name = e.callee.name
        fullname = e.callee.fullname or ""
        if isinstance(e.callee, MemberExpr) and name in _KEEPS and not fullname:
            e = e.callee.expr
            continue
        if name in _WRAPS and fullname.split(".")[0] in ("dfdx", "numpy"):
            if not e.args or e.arg_kinds[0] != ARG_POS:
                return None
            e = e.args[0]
            continue
        return _created(api, e, name) if _is_array(api, e) else None
    return None


def _created(api: CheckerPluginInterface, e: CallExpr, name: str) -> tuple[int, ...] | None:
    if name in _DIMS:
        if any(k != ARG_POS for k in e.arg_kinds):
            return None
        return _sizes(api, e.args)
    position = 0 if name in _SHAPE_FIRST else 2 if name in _SIZE_THIRD else None
    if position is None:
        return None
    for a, kind, arg_name in zip(e.args, e.arg_kinds, e.arg_names, strict=True):
        if kind == ARG_NAMED and arg_name in ("shape", "size"):
            return _shape(api, a)
    positional = [a for a, k in zip(e.args, e.arg_kinds, strict=True) if k == ARG_POS]
    return _shape(api, positional[position]) if len(positional) > position else None


def _shape(api: CheckerPluginInterface, e: Expression) -> tuple[int, ...] | None:
    if isinstance(e, TupleExpr):
        return _sizes(api, e.items)
    return _sizes(api, [e])


def _sizes(api: CheckerPluginInterface, items: list[Expression]) -> tuple[int, ...] | None:
    checker = api if isinstance(api, TypeChecker) else None
    sizes: list[int] = []
    for item in items:
        t = checker.lookup_type_or_none(item) if checker is not None else None
        n = literal_int(t) if t is not None else None
        if n is None or n < 0:
            return None
        sizes.append(n)
    return tuple(sizes) if sizes else None


def _is_array(api: CheckerPluginInterface, e: Expression) -> bool:
    """Whether mypy typed ``e`` as a NumPy array (the call is NumPy's, not a namesake)."""
    checker = api if isinstance(api, TypeChecker) else None
    t = checker.lookup_type_or_none(e) if checker is not None else None
    p = get_proper_type(t) if t is not None else None
    return isinstance(p, Instance) and p.type.fullname == "numpy.ndarray"
