"""The plugin's rules, one function per op, registered by name and grouped by op family.

A rule receives a :class:`Call` and returns the type of the call's result. It reads operand
shapes with ``call.tensor(i)`` and computes result shapes with the shared rules of
:mod:`dfdx_mypy_plugin.shapes`, whose ``ShapeError`` becomes a ``dfdx-shape`` error. When it
meets a type it does not understand, ``Unknown`` is raised and mypy's default type stands.

Adding a rule for an op: write the function in the family's module, decorate it with
``@rule(methods=(...), functions=(...))`` naming the Tensor methods and the fully qualified
functions it types, and add a passing and a failing program under ``tests/typecheck/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from mypy.errorcodes import ErrorCode
from mypy.nodes import Context, Expression, ListExpr, MemberExpr, NameExpr, StarExpr, TupleExpr
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    Instance,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    UnpackType,
    get_proper_type,
)

from dfdx_mypy_plugin._locals import Definition, definitions
from dfdx_mypy_plugin._types import (
    TENSOR,
    TensorType,
    Unknown,
    merge_tapes,
    read_tensor,
    scoped_typevar,
    size_of,
    tensor_type,
    type_of,
)
from dfdx_mypy_plugin._where import field_value
from dfdx_mypy_plugin._window_parameters import in_scope as window_in_scope
from dfdx_mypy_plugin._window_parameters import window_parameter
from dfdx_mypy_plugin.shapes import Dim, Shape, ShapeError
from dfdx_mypy_plugin.shapes import _symbolic as _sym


def size_definitions(api: CheckerPluginInterface) -> Definition:
    """Where a size held in a name (or a field of ``self``) was assigned once."""
    local = definitions(api)

    def definition(e: NameExpr | MemberExpr) -> Expression | None:
        return field_value(api, e) if isinstance(e, MemberExpr) else local(e)

    return definition


@dataclass
class Call:
    """One call of an op, as a rule sees it: operands in order (the receiver first for a
    method), named arguments, mypy's default result, and where to report."""

    op: str
    operands: list[Type]
    operand_exprs: list[Expression | None]
    named: dict[str, Type]
    named_exprs: dict[str, Expression]
    default: Type
    api: CheckerPluginInterface
    context: Context
    report: bool = True
    """False where mypy is matching overloads: an error reported there would make mypy think
    the overload does not match. Errors are reported from the signature hook instead."""
    failures: list[tuple[str, ErrorCode, Context]] | None = None
    """Where given, every error the rule reports is also recorded here (to be replayed)."""
    syms: dict[str, Type] = field(default_factory=dict)
    """The TypeVar of each symbolic size read from a size argument (:meth:`size`)."""
    recovered: Type | None = None
    """The call's type after a ShapeError the rule raised (:meth:`recover`)."""

    def size(self, i: int) -> Dim:
        """Operand ``i`` read as a size: a literal, folded arithmetic on known sizes
        (:func:`size_of`), a TypeVar's name, or None."""
        if i >= len(self.operands):
            raise Unknown
        e = self.operand_exprs[i] if i < len(self.operand_exprs) else None
        return self.read_size(self.operands[i], e)

    def read_size(self, t: Type, e: Expression | None) -> Dim:
        """A size argument of type ``t`` (and expression ``e``, where known), as :meth:`size`."""
        return size_of(t, e, type_of(self.api), self.syms, self.definitions(), self.symbol)

    def size_items(self, first: int) -> list[tuple[Type, Expression | None]] | None:
        """The sizes of a ``*dims`` argument from operand ``first`` on, with their expressions:
        separate ints, or the items of one tuple or list there (``zeros((2, 3))``,
        ``x.reshape(y.shape)``, ``x.expand(B, *rest)``), as PyTorch takes them. None where that
        one operand is a sequence of unknown length (a ``tuple[int, ...]``, a list variable):
        the number of sizes, and so the rank, is known only at run time."""
        rest = list(zip(self.operands[first:], self.operand_exprs[first:], strict=False))
        if len(rest) != 1:
            return rest
        t, e = rest[0]
        p = get_proper_type(t)
        if isinstance(p, TupleType):
            if any(isinstance(get_proper_type(i), UnpackType) for i in p.items):
                return None  # ``tuple[int, *tuple[int, ...]]``
            exprs = e.items if isinstance(e, TupleExpr) else None
            if exprs is not None and len(exprs) != len(p.items):
                exprs = None
            return [(item, exprs[k] if exprs else None) for k, item in enumerate(p.items)]
        if isinstance(e, ListExpr) and not any(isinstance(i, StarExpr) for i in e.items):
            get = type_of(self.api)
            return [(get(item), item) for item in e.items]
        if isinstance(p, AnyType) or (
            isinstance(p, Instance) and p.type.has_base("typing.Sequence")
        ):
            return None  # ``Any`` may be a tuple too
        return rest

    def named_size(self, name: str) -> Dim:
        """The named argument ``name`` read as a size (as :meth:`size`)."""
        e = self.named_exprs.get(name)
        return size_of(
            self.arg(name), e, type_of(self.api), self.syms, self.definitions(), self.symbol
        )

    def symbol(self, e: Expression) -> str | None:
        """The size a module's ``int`` argument stands for where it is a layer's window size
        (:mod:`dfdx_mypy_plugin._window_parameters`: ``kernel_size: int``)."""
        return window_parameter(self.api, e)

    def in_scope(self, d: Dim) -> Dim:
        """``d``, a size read from a type, where its names are sizes of the code being checked
        (its TypeVars, its module's ``int`` arguments), else None."""
        return _scoped(d, self.api)

    def definitions(self) -> Definition:
        """Where a size held in a name (or a field of ``self``) was assigned once."""
        return size_definitions(self.api)

    def tensor(self, i: int) -> TensorType:
        if i >= len(self.operands):
            raise Unknown
        return _in_scope(read_tensor(self.operands[i]), self.api)

    def has(self, name: str) -> bool:
        return name in self.named

    def arg(self, name: str) -> Type:
        if name not in self.named:
            raise Unknown
        return self.named[name]

    def fail(self, message: str, code: ErrorCode, at: Context | None = None) -> None:
        """Report an error at the call (or at ``at``, another place of the same file)."""
        if self.report:
            where = self.context if at is None else at
            self.api.fail(message, where, code=code)
            if self.failures is not None:
                self.failures.append((message, code, where))

    def template(self) -> Instance:
        """A ``Tensor`` Instance to build results on."""
        for t in [self.default, *self.operands]:
            p = get_proper_type(t)
            if isinstance(p, Instance) and p.type.fullname == TENSOR:
                return p
        raise Unknown

    def unknown_rank_tape(self, i: int = 0) -> ProperType | None:
        """The tape of operand ``i`` where it is a tensor of unknown rank (``Tensor[*tuple[Any,
        ...], T]``), else None."""
        p = get_proper_type(self.operands[i]) if i < len(self.operands) else None
        if not (isinstance(p, Instance) and p.type.fullname == TENSOR and p.args):
            return None
        if not any(isinstance(a, UnpackType) for a in p.args[:-1]):
            return None
        return get_proper_type(p.args[-1])

    def of_unknown_rank(self, tape: ProperType | Type, last: Shape = ()) -> Instance:
        """A tensor of unknown rank whose last axes are ``last`` (``Tensor[*tuple[Dyn, ...],
        Literal[16], T]``): what an op on a tensor of unknown rank gives where its rank cannot
        be known (a plain signature's overload would claim one)."""
        known = self.result(last, tape)
        anything = AnyType(TypeOfAny.special_form)
        dims = UnpackType(self.api.named_generic_type("builtins.tuple", [anything]))
        return known.copy_modified(args=[dims, *known.args])

    def unknown_shape(self) -> Type:
        """The type of a call the plugin has reported: a tensor of unknown rank on the merged
        tape of the operands (not ``Any``, which ``--strict`` would flag where it is returned)."""
        tapes = [
            get_proper_type(p.args[-1])
            for p in map(get_proper_type, self.operands)
            if isinstance(p, Instance) and p.type.fullname == TENSOR and p.args
        ]
        anything = AnyType(TypeOfAny.special_form)
        tape = merge_tapes(tapes) if tapes else anything
        dims = UnpackType(self.api.named_generic_type("builtins.tuple", [anything]))
        return Instance(self.template().type, [dims, tape])

    def recover(
        self, error: ShapeError, tape: ProperType | Type, *operands: TensorType
    ) -> ShapeError:
        """``error``, after the call's type once it is reported is set to a tensor of the
        shape the result would have had (``error.best``), where known: the lines after a
        mistake are still checked, and their own mistakes found (else the result is a tensor of
        unknown rank, :meth:`unknown_shape`)."""
        if error.best is not None:
            self.recovered = self.result(error.best, tape, *operands)
        return error

    def result(self, shape: Shape, tape: ProperType | Type, *operands: TensorType) -> Instance:
        syms: dict[str, Type] = dict(self.syms)
        for t in operands:
            syms.update(t.syms)
        int_type = self.api.named_generic_type("builtins.int", [])
        return tensor_type(self.template(), shape, tape, syms, int_type, self.api)


def _in_scope(t: TensorType, api: CheckerPluginInterface) -> TensorType:
    """``t`` with each size computed from names that are not size TypeVars of the code being
    checked taken as unknown: an ``Expr[Literal["D//H"]]`` that a generic function declares it
    returns keeps its own ``D`` and ``H`` where it is called (mypy substitutes TypeVars, not
    the names in a literal string), so there it is no size of the caller's."""
    shape = tuple(_scoped(d, api) for d in t.shape)
    return t if shape == t.shape else TensorType(shape, t.tape, t.syms)


def _scoped(d: Dim, api: CheckerPluginInterface) -> Dim:
    if not isinstance(d, str) or d.isidentifier():
        return d  # a TypeVar read from the type: mypy has put the caller's there
    try:
        names = _sym.names(_sym.parse(d))
    except _sym.NotASize:
        return None
    # a window size read from the module's own ``int`` argument (``kernel_size``) is in scope
    # in the module's methods too (:mod:`dfdx_mypy_plugin._window_parameters`)
    known = all(scoped_typevar(api, n) is not None or window_in_scope(api, n) for n in names)
    return d if known else None


RuleFn = Callable[[Call], Type]


@dataclass(frozen=True)
class Rule:
    op: str
    fn: RuleFn


METHOD_RULES: dict[str, Rule] = {}
"""Keyed by the method's fully qualified name, e.g. ``dfdx._tensor.Tensor.__matmul__``."""
FUNCTION_RULES: dict[str, Rule] = {}
"""Keyed by the function's fully qualified name, e.g. ``dfdx.ops.linalg.matmul``."""


def rule(
    op: str,
    *,
    methods: tuple[str, ...] = (),
    functions: tuple[str, ...] = (),
) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the rule of ``op`` for the named Tensor methods and functions."""

    def register(fn: RuleFn) -> RuleFn:
        r = Rule(op, fn)
        for m in methods:
            METHOD_RULES[f"{TENSOR}.{m}"] = r
        for f in functions:
            FUNCTION_RULES[f] = r
        return fn

    return register


def load_all() -> None:
    """Import every module of this package: importing a rule module registers its rules."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
