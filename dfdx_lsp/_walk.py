"""Every expression, statement and function argument of a mypy tree.

mypy's own traversers cannot be subclassed outside mypy (its compiled visitors are traits), so
this walks the nodes' fields: ``__mypyc_attrs__`` where mypy is compiled, ``__slots__`` where
it is not. Fields that point elsewhere (a name's definition) are not followed. A function
whose TypeVars have values (``T = TypeVar("T", NoneTape, OwnedTape)``) is checked once per value
on copies of its body (``FuncItem.expanded``): the copies are walked too, after the original,
and only they carry types.
"""

from __future__ import annotations

from collections.abc import Iterator

from mypy.nodes import Argument, Expression, MypyFile, Node, Statement

Walked = Expression | Statement | Argument

_NOT_CHILDREN = frozenset({"node", "original_def", "def_var", "imports", "info"})
_fields_of: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    fields = _fields_of.get(cls)
    if fields is None:
        names: list[str] = list(getattr(cls, "__mypyc_attrs__", ()))
        for klass in cls.__mro__:
            slots = klass.__dict__.get("__slots__", ())
            names.extend([slots] if isinstance(slots, str) else slots)
        fields = tuple(dict.fromkeys(n for n in names if n not in _NOT_CHILDREN))
        _fields_of[cls] = fields
    return fields


def walk(tree: MypyFile) -> Iterator[Walked]:
    """The tree's nodes, parents before children, each once."""
    seen: set[int] = set()
    stack: list[object] = list(reversed(tree.defs))
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, Expression | Statement | Argument) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        children = [getattr(item, name, None) for name in _fields(type(item))]
        stack.extend(reversed([c for c in children if isinstance(c, Node | list | tuple)]))
