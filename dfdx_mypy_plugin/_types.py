"""Between mypy's types and the shape rules' shapes.

A concrete tensor type is an ``Instance`` of ``dfdx._tensor.Tensor`` whose args are flat:
``[LiteralType(3), LiteralType(4), Instance(NoneTape)]``. A size is read as an int (a
``Literal``), a symbolic name (an int-bound TypeVar), a size computed from names
(``Expr[Literal["B*T"]]``, ``Expr[Literal["CI+CO"]]``, ``Expr[Literal["H//2"]]``, which the
plugin writes where a size is computed from symbolic ones) or None (``Dyn``/``Any``/``int``).

:func:`size_of` reads a size argument from its expression too: int arithmetic on known sizes is
folded (``16 * 4 * 4``, ``3 * config.n_embd``, ``C // n_head``), since mypy types ``8 * 2`` as
plain ``int``.
Anything else (an unpacked ``*tuple[...]``, a bool literal, a union) raises :class:`Unknown`,
and the rule that asked returns mypy's default type.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    CallExpr,
    Expression,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    StarExpr,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    ProperType,
    Type,
    TypeOfAny,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._locals import Definition
from dfdx_mypy_plugin.shapes import Dim, Shape

TENSOR = "dfdx._tensor.Tensor"
MODULE = "dfdx.nn._module.Module"
NONE_TAPE = "dfdx._tensor.NoneTape"
OWNED_TAPE = "dfdx._tensor.OwnedTape"
EXPR = "dfdx._typing.Expr"
"""The class that carries a product of symbolic sizes in a type (``Expr[Literal["B*T"]]``)."""


class Unknown(Exception):
    """A type the plugin does not understand: fall back to mypy's default."""


@dataclass
class TensorType:
    shape: Shape
    tape: ProperType
    syms: dict[str, Type] = field(default_factory=dict)
    """The TypeVar behind each symbolic size, to put back into results."""


def literal_int(t: Type) -> int | None:
    """The value of ``Literal[n]`` (or of an int expression mypy knows as ``Literal[n]?``)."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.last_known_value is not None:
        p = p.last_known_value
    if isinstance(p, LiteralType) and p.fallback.type.fullname == "builtins.int":
        value = p.value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _literal_value(t: Type) -> object:
    """The value of a ``Literal[...]`` type (or of an expression mypy knows as a literal),
    else None."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.last_known_value is not None:
        p = p.last_known_value
    return p.value if isinstance(p, LiteralType) else None


def literal_bool(t: Type) -> bool | None:
    value = _literal_value(t)
    return value if isinstance(value, bool) else None


def literal_str(t: Type) -> str | None:
    """The value of ``Literal["same"]`` (or of a str expression mypy knows as a literal)."""
    value = _literal_value(t)
    return value if isinstance(value, str) else None


def is_int_bound(tv: TypeVarType) -> bool:
    bound = get_proper_type(tv.upper_bound)
    return (
        isinstance(bound, Instance)
        and bound.type.has_base("builtins.int")
        and not bound.type.has_base("builtins.bool")
        and not tv.values
    )


def read_dim(t: Type, syms: dict[str, Type]) -> Dim:
    p = get_proper_type(t)
    n = literal_int(p)
    if n is not None:
        if n < 0:
            raise Unknown
        return n
    if isinstance(p, AnyType):
        return argument_size(p)
    if isinstance(p, TypeVarType) and is_int_bound(p):
        syms[p.name] = p
        return p.name
    if isinstance(p, Instance) and p.type.fullname == "builtins.int" and p.last_known_value is None:
        return None
    form = expr_form(p)
    if form is not None:
        return form
    raise Unknown


def expr_form(p: ProperType) -> str | None:
    """The product an ``Expr[Literal["B*T"]]`` holds, else None."""
    if not (isinstance(p, Instance) and p.type.fullname == EXPR and len(p.args) == 1):
        return None
    form = get_proper_type(p.args[0])
    if isinstance(form, LiteralType) and isinstance(form.value, str):
        return form.value
    return None


def read_tensor(t: Type) -> TensorType:
    """The shape and tape of an exact ``Tensor[...]`` type (not a subclass)."""
    p = get_proper_type(t)
    if not isinstance(p, Instance) or p.type.fullname != TENSOR or not p.args:
        raise Unknown
    syms: dict[str, Type] = {}
    shape = tuple(read_dim(a, syms) for a in p.args[:-1])
    return TensorType(shape, get_proper_type(p.args[-1]), syms)


def checked_shape(api: CheckerPluginInterface, e: Expression) -> Shape | None:
    """The shape of ``e``'s tensor as mypy typed it where it was checked, or None."""
    lookup = getattr(api, "lookup_type_or_none", None)
    t = lookup(e) if lookup is not None else None
    p = get_proper_type(t) if t is not None else None
    if not isinstance(p, Instance) or p.type.fullname != TENSOR:
        return None
    try:
        return read_tensor(p).shape
    except Unknown:
        return None


def read_known_axes(t: Type) -> tuple[Shape, bool] | None:
    """The sizes of a tensor's last axes that its type states, and whether axes of unknown
    number come before them (``Tensor[*tuple[Dyn, ...], E]``: ``(("E",), True)``); None for
    a type that is no tensor or whose sizes cannot be read."""
    p = get_proper_type(t)
    if not isinstance(p, Instance) or p.type.fullname != TENSOR or not p.args:
        return None
    dims = p.args[:-1]
    opened = [i for i, d in enumerate(dims) if isinstance(d, UnpackType)]
    if len(opened) > 1:
        return None
    try:
        known = tuple(read_dim(d, {}) for d in dims[opened[0] + 1 if opened else 0 :])
    except Unknown:
        return None
    return known, bool(opened)


def read_tape(t: Type) -> ProperType:
    """The tape of a tensor type (its last type argument)."""
    p = get_proper_type(t)
    if not isinstance(p, Instance) or p.type.fullname != TENSOR or not p.args:
        raise Unknown
    return get_proper_type(p.args[-1])


def is_scalar(t: Type) -> bool:
    """A Python or NumPy number, or a size TypeVar's value (``w / fan_in`` with ``fan_in:
    FI``: an ``int``)."""
    p = get_proper_type(t)
    if isinstance(p, TypeVarType) and is_int_bound(p):
        p = get_proper_type(p.upper_bound)
    if isinstance(p, LiteralType):
        p = p.fallback
    return isinstance(p, Instance) and (
        p.type.fullname in ("builtins.float", "builtins.int")
        or p.type.has_base("numpy.floating")
        or p.type.has_base("numpy.integer")
    )


def is_tensor(t: Type | None) -> bool:
    """Whether ``t`` is a ``Tensor[...]`` type."""
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == TENSOR


def tape_name(tape: ProperType) -> str | None:
    return tape.type.fullname if isinstance(tape, Instance) else None


def merge_tapes(tapes: list[ProperType]) -> ProperType:
    """The tape of an op's result: OwnedTape if any input is traced, NoneTape if none is, the
    shared tape TypeVar of generic code, else Any."""
    if any(tape_name(t) == OWNED_TAPE for t in tapes):
        return next(t for t in tapes if tape_name(t) == OWNED_TAPE)
    rest = [t for t in tapes if tape_name(t) != NONE_TAPE]
    if not rest:
        return tapes[0]
    typevars = [t for t in rest if isinstance(t, TypeVarType)]
    if len(typevars) == len(rest) and len({t.id for t in typevars}) == 1:
        return rest[0]
    return AnyType(TypeOfAny.special_form)


def dim_type(
    d: Dim,
    syms: dict[str, Type],
    int_type: Instance,
    api: CheckerPluginInterface | None = None,
    named: bool = False,
) -> Type:
    """A size as a type: ``Literal[n]``, its TypeVar, ``Expr[Literal["B*T"]]`` for a size
    computed from names (where ``api`` is given), else ``Any``; ``named``: a tensor's size,
    where a size of a module's ``int`` arguments alone is an ``Any`` that carries it
    (:func:`named_any`)."""
    if isinstance(d, int):
        return LiteralType(d, int_type)
    if isinstance(d, str) and d in syms:
        return syms[d]
    if isinstance(d, str) and api is not None and d.isidentifier():
        tv = scoped_typevar(api, d)  # a name out of an ``Expr`` (``2*H`` pooled is ``H``)
        # (a module's ``hidden: int`` alone is no size of a tensor's type: it may be any of
        # them, as ``int`` is, so it is an ``Any`` that carries its name for the plugin;
        # a layer's type names it, :func:`rules.nn._symbolic`)
        if tv is None and named:
            return named_any(api, d)
        return tv if tv is not None else AnyType(TypeOfAny.special_form)
    if isinstance(d, str) and api is not None and not d.isidentifier():
        if named and all(n.islower() for n in shapes.size_names(d)):
            return named_any(api, d)  # ``ch1x1+ch3x3``: sizes of no TypeVar, as ``int`` is
        return expr_type(d, api) or AnyType(TypeOfAny.special_form)
    return AnyType(TypeOfAny.special_form)


ARGUMENT_SIZE = "dfdx-size:"
"""How an ``Any`` that stands for a module's ``int`` argument read as a size is marked (its
``missing_import_name``: ``dfdx-size:heads``)."""


def named_any(api: CheckerPluginInterface, name: str) -> AnyType:
    """The size of a module's ``int`` argument ``name`` (``heads`` in ``q.view(b, n,
    self.heads, -1)``), or of a size written with such arguments alone (``ch1x1+ch3x3``), as
    a tensor's size: ``Any`` to mypy (a caller may declare it as any size, as plain ``int``
    was), which carries the name for the plugin's rules, so that the ops after it keep the
    axis (``Tensor[B, heads, N, D//heads]`` after the transpose). Only in a method other
    than ``__init__`` (whose fields' types another class may read), for names of the
    enclosing class's ``__init__`` read as sizes
    (:func:`_window_parameters.in_scope`); mypy allows a name on an ``Any`` only of the
    unimported kind, which no check of inferred types reads (``disallow_any_expr`` would)."""
    from dfdx_mypy_plugin._window_parameters import in_scope  # it imports this module

    names = shapes.size_names(name)
    scope = getattr(api, "scope", None)
    function = scope.current_function() if scope is not None else None
    if getattr(function, "name", "__init__") == "__init__":
        # a field's type, inferred in ``__init__``, may be read in another class, whose
        # arguments of the same name are other values: only a method's own values carry it
        return AnyType(TypeOfAny.special_form)
    if not names or not all(n.islower() and in_scope(api, n) for n in names):
        return AnyType(TypeOfAny.special_form)
    return AnyType(TypeOfAny.from_unimported_type, missing_import_name=ARGUMENT_SIZE + name)


def argument_size(p: AnyType) -> str | None:
    """The size a :func:`named_any` carries (also once mypy made another ``Any`` of it),
    else None: an unknown size."""
    name = p.missing_import_name
    if name is None or not name.startswith(ARGUMENT_SIZE):
        return None
    name = name[len(ARGUMENT_SIZE) :]
    names = shapes.size_names(name)
    return name if names and all(n.islower() for n in names) else None


def expr_type(d: str, api: CheckerPluginInterface) -> Instance | None:
    """``Expr[Literal[d]]``: a symbolic size as a type."""
    info = _expr_info(api)
    if info is None:
        return None
    return Instance(info, [LiteralType(d, api.named_generic_type("builtins.str", []))])


def scoped_typevar(api: CheckerPluginInterface, name: str) -> TypeVarType | None:
    """The int-bound TypeVar called ``name`` of the function being checked or of its class:
    the size a name in an ``Expr[Literal["2*H"]]`` stands for."""
    scope = getattr(api, "scope", None)
    if scope is None:
        return None
    candidates: list[Type] = []
    function = scope.current_function()
    signature = getattr(function, "type", None)
    if isinstance(signature, CallableType):
        candidates += signature.variables
    info = scope.active_class() or (scope.enclosing_class() if function is not None else None)
    if isinstance(info, TypeInfo):
        candidates += info.defn.type_vars
    for tv in candidates:
        if isinstance(tv, TypeVarType) and tv.name == name and is_int_bound(tv):
            return tv
    return None


def _expr_info(api: CheckerPluginInterface) -> TypeInfo | None:
    """``dfdx._typing.Expr``'s TypeInfo (``named_generic_type`` looks names up through the
    package's namespace, where the private module is not bound)."""
    modules = getattr(api, "modules", None)
    if modules is None:
        return None
    sym = lookup_fully_qualified(EXPR, modules, raise_on_missing=False)
    return sym.node if sym is not None and isinstance(sym.node, TypeInfo) else None


def tensor_type(
    template: Instance,
    shape: Shape,
    tape: Type,
    syms: dict[str, Type],
    int_type: Instance,
    api: CheckerPluginInterface | None = None,
) -> Instance:
    """A ``Tensor[...]`` of ``shape`` and ``tape``, built on ``template``'s TypeInfo."""
    args = [dim_type(d, syms, int_type, api, named=True) for d in shape]
    return Instance(template.type, [*args, tape])


# ---- sizes from expressions --------------------------------------------------------------------


TypeOf = Callable[[Expression], Type]
"""How a rule gets the type of a sub-expression of an argument."""


def type_of(api: CheckerPluginInterface) -> TypeOf:
    """The type mypy has inferred for an expression (from its type map where the expression is
    already checked, else checked now)."""
    lookup = getattr(api, "lookup_type_or_none", None)

    def get(e: Expression) -> Type:
        t = lookup(e) if lookup is not None else None
        return t if t is not None else api.get_expression_type(e)

    return get


def _int_op(op: str, a: int, b: int) -> int | None:
    if op in ("//", "%") and b == 0:
        return None
    if op == "**" and not 0 <= b <= 64:
        return None
    return _INT_OPS[op](a, b)


_INT_OPS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}


def dim_of_type(t: Type, syms: dict[str, Type]) -> Dim:
    """A size as a type states it: a literal int, an int-bound TypeVar's name, a product, or
    None (a plain ``int``, ``Any``, a bool, anything else)."""
    if literal_bool(t) is not None:
        return None
    n = literal_int(t)
    if n is not None:
        return n
    p = get_proper_type(t)
    if isinstance(p, TypeVarType) and is_int_bound(p):
        syms[p.name] = p
        return p.name
    return expr_form(p)


def _power(a: Dim, n: int) -> Dim:
    """``a ** n`` for a small positive int ``n`` (``grid ** 2``, a patch grid's token count)."""
    out: Dim = 1
    for _ in range(n):
        out = shapes.dim_mul(out, a)
    return out


Symbol = Callable[[Expression], "str | None"]
"""The name of a size an ``int`` expression stands for where its type does not say it (a
module's ``kernel_size: int`` given to a layer's window: :mod:`._window_parameters`)."""


def _unnarrowed(e: Expression, t: Type) -> Type:
    """``t``, the type of ``e``, or where ``e`` names a variable declared with one size
    TypeVar that mypy narrowed to another (``in_channels: CI`` is ``CO`` after ``if
    out_channels == in_channels:``), the declared one: the two are equal there, and the
    declared one is the size the block's fields are declared with (``self.identity:
    BatchNorm2d[CI] | None``, then ``BatchNorm2d(in_channels)``)."""
    node = e.node if isinstance(e, NameExpr) else None
    declared = get_proper_type(node.type) if isinstance(node, Var) and node.type else None
    narrowed = get_proper_type(t)
    if (
        isinstance(declared, TypeVarType)
        and isinstance(narrowed, TypeVarType)
        and is_int_bound(declared)
        and declared.id != narrowed.id
    ):
        return declared
    return t


def fold(
    e: Expression,
    get_type: TypeOf,
    syms: dict[str, Type],
    definition: Definition | None = None,
    depth: int = 0,
    symbol: Symbol | None = None,
) -> Dim:
    """The value of an int expression where it is known: ``+ - * // % **`` and unary minus on
    literals, ``Final`` constants, attributes of ``Literal`` type, sizes from ``.shape``, and
    ``len`` of a tuple or list literal. Arithmetic on symbolic sizes stays symbolic, in the
    canonical form of :mod:`dfdx_mypy_plugin.shapes._symbolic` (``B * T`` is ``"B*T"``, ``C * 3
    // 3`` is ``"C"``, ``ci + co`` is ``"CI+CO"``, ``(h - 1) // 2 + 1`` is ``"(H+1)//2"``);
    ``**`` by a small positive int is a product (``grid ** 2``); ``%`` and a division by
    anything but a positive int or product of names give None. With ``definition``, a local
    ``int`` variable assigned once is read through the expression it was assigned
    (:mod:`dfdx_mypy_plugin._locals`), and so is a field of ``self`` assigned once in its
    class (``self.head_dim = dim // n_heads``)."""

    def sub(x: Expression) -> Dim:
        return fold(x, get_type, syms, definition, depth, symbol)

    if isinstance(e, IntExpr):
        return e.value
    if isinstance(e, UnaryExpr) and e.op in ("-", "+"):
        v = sub(e.expr)
        if e.op == "+" or v is None:
            return v
        return -v if isinstance(v, int) else None
    if isinstance(e, OpExpr) and e.op in _INT_OPS:
        a, b = sub(e.left), sub(e.right)
        if isinstance(a, int) and isinstance(b, int):
            return _int_op(e.op, a, b)
        if e.op == "*":
            return shapes.dim_mul(a, b)
        if e.op in ("+", "-"):
            return shapes.dim_add(a, b, 1 if e.op == "+" else -1)
        if e.op == "//":
            return shapes.dim_floordiv(a, b)
        if e.op == "**" and isinstance(b, int) and 1 <= b <= 8:
            return _power(a, b)
        return None
    if (
        isinstance(e, CallExpr)
        and isinstance(e.callee, NameExpr)
        and e.callee.fullname == "builtins.len"
        and len(e.args) == 1
        and isinstance(e.args[0], TupleExpr | ListExpr)
        and not any(isinstance(i, StarExpr) for i in e.args[0].items)
    ):
        return len(e.args[0].items)
    stated = dim_of_type(_unnarrowed(e, get_type(e)), syms)
    if stated is None and isinstance(e, NameExpr) and definition is not None and depth < 8:
        value = definition(e)
        if value is not None:
            return fold(value, get_type, syms, definition, depth + 1, symbol)
    if stated is None and isinstance(e, MemberExpr) and definition is not None and depth < 8:
        value = definition(e)  # a field assigned once: its names are another method's,
        if value is not None:  # its fields the same (``self.n_heads // self.n_kv_heads``)
            fields = _fields_only(definition)
            return fold(value, get_type, syms, fields, depth + 1, symbol)
    if stated is None and symbol is not None:
        return symbol(e)
    return stated


def _fields_only(definition: Definition) -> Definition:
    """``definition`` for the fields of ``self`` only (not for local names)."""
    return lambda e: definition(e) if isinstance(e, MemberExpr) else None


def size_of(
    t: Type,
    e: Expression | None,
    get_type: TypeOf,
    syms: dict[str, Type],
    definition: Definition | None = None,
    symbol: Symbol | None = None,
) -> Dim:
    """A size argument of type ``t`` and expression ``e``: its literal type, else the folded
    expression (see :func:`fold`), else what its type states."""
    if literal_bool(t) is None:
        n = literal_int(t)
        if n is not None:
            return n
    if e is not None:
        return fold(e, get_type, syms, definition, symbol=symbol)
    return dim_of_type(t, syms)
