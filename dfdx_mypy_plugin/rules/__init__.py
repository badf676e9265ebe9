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
from mypy.nodes import Context, Expression, MemberExpr, NameExpr
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    Instance,
    ProperType,
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
    size_of,
    tensor_type,
    type_of,
)
from dfdx_mypy_plugin._where import field_value
from dfdx_mypy_plugin.shapes import Dim, Shape, ShapeError


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
        return size_of(self.operands[i], e, type_of(self.api), self.syms, self._definitions())

    def named_size(self, name: str) -> Dim:
        """The named argument ``name`` read as a size (as :meth:`size`)."""
        e = self.named_exprs.get(name)
        return size_of(self.arg(name), e, type_of(self.api), self.syms, self._definitions())

    def _definitions(self) -> Definition:
        return size_definitions(self.api)

    def tensor(self, i: int) -> TensorType:
        if i >= len(self.operands):
            raise Unknown
        return read_tensor(self.operands[i])

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
