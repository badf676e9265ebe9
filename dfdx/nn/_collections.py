"""``ModuleList`` and ``ModuleDict``: modules held by position or by name, typed by their
element (``ModuleList[Linear[L[4], L[4]]]``), named in the state_dict as PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Generic, overload

from typing_extensions import TypeVar

from dfdx._typing import AnyTensor
from dfdx.nn._module import FIELD_MEMBERS, Module

M = TypeVar("M", bound=Module, default=Module)
"""The element type; an empty ``ModuleList()`` filled by ``append`` holds ``Module``s (both
checkers would otherwise ask for an annotation, or infer a list of nothing)."""


def _module(owner: str, where: str, m: M) -> M:
    """``m``, checked at run time to be a module (lists from untyped code may hold anything)."""
    if not isinstance(m, Module):
        raise TypeError(f"{owner}: {where} must be a dx.nn.Module, got {type(m).__name__}")
    return m


class ModuleList(Module, Generic[M]):
    """Modules in a list, as PyTorch's ``nn.ModuleList``: their parameters are named by
    position (``"0.weight"``, ``"blocks.1.bias"`` in a field ``blocks``). Indexing and
    iteration give the element type: ``ModuleList[Linear[L[4], L[4]]]`` yields
    ``Linear[L[4], L[4]]``. It has no ``forward``: the owner decides how to call them."""

    _items: list[M]

    def __init__(self, modules: Iterable[M] | None = None) -> None:
        super().__init__()
        self._items = []
        if modules is not None:
            self.extend(modules)

    def _members(self) -> Iterator[tuple[str, AnyTensor | Module]]:
        for i, m in enumerate(self._items):
            yield str(i), m

    FIELD_MEMBERS.add(_members)

    def _index(self, i: int) -> int:
        n = len(self._items)
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"ModuleList: indices must be ints or slices, got {type(i).__name__}")
        if not -n <= i < n:
            raise IndexError(f"ModuleList: index {i} is out of range for {n} modules")
        return i % n

    @overload
    def __getitem__(self, i: int) -> M: ...
    @overload
    def __getitem__(self, i: slice) -> ModuleList[M]: ...
    def __getitem__(self, i: int | slice) -> M | ModuleList[M]:
        if isinstance(i, slice):
            return ModuleList(self._items[i])
        return self._items[self._index(i)]

    def __setitem__(self, i: int, module: M) -> None:
        self._items[self._index(i)] = _module("ModuleList", f"item {i}", module)

    def __delitem__(self, i: int | slice) -> None:
        if isinstance(i, slice):
            del self._items[i]
        else:
            del self._items[self._index(i)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[M]:
        return iter(self._items)

    def append(self, module: M) -> ModuleList[M]:
        """Add ``module`` at the end; returns self (as PyTorch's)."""
        where = f"item {len(self._items)}"
        self._items.append(_module("ModuleList", where, module))
        return self

    def extend(self, modules: Iterable[M]) -> ModuleList[M]:
        """Add every module of ``modules`` at the end; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleList):
            raise TypeError("ModuleList: expected an iterable of modules, got a single module")
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: M) -> None:
        """Insert ``module`` before position ``index``."""
        self._items.insert(index, _module("ModuleList", f"item {index}", module))

    def __add__(self, other: ModuleList[M]) -> ModuleList[M]:
        return ModuleList([*self._items, *other])


class ModuleDict(Module, Generic[M]):
    """Modules by name, as PyTorch's ``nn.ModuleDict``, kept in insertion order: their
    parameters are named ``"<key>.weight"``. ``d["proj"]`` gives the element type; iterating
    gives the keys. It has no ``forward``."""

    _items: dict[str, M]

    def __init__(self, modules: Mapping[str, M] | Iterable[tuple[str, M]] | None = None) -> None:
        super().__init__()
        self._items = {}
        if modules is not None:
            self.update(modules)

    def _members(self) -> Iterator[tuple[str, AnyTensor | Module]]:
        yield from self._items.items()

    FIELD_MEMBERS.add(_members)

    @staticmethod
    def _key(key: object) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {type(key).__name__}")
        if not key or "." in key:
            raise KeyError(f"ModuleDict: a key must be non-empty and contain no '.', got {key!r}")
        return key

    def __getitem__(self, key: str) -> M:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"ModuleDict: no module named {key!r}") from None

    def __setitem__(self, key: str, module: M) -> None:
        self._items[self._key(key)] = _module("ModuleDict", f"item {key!r}", module)

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def keys(self) -> Iterable[str]:
        return self._items.keys()

    def values(self) -> Iterable[M]:
        return self._items.values()

    def items(self) -> Iterable[tuple[str, M]]:
        return self._items.items()

    def pop(self, key: str) -> M:
        """Remove the module ``key`` and return it."""
        module = self[key]
        del self._items[key]
        return module

    def clear(self) -> None:
        self._items.clear()

    def update(self, modules: Mapping[str, M] | Iterable[tuple[str, M]]) -> None:
        """Add (or replace) the modules of a mapping or of ``(key, module)`` pairs."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleDict):
            raise TypeError("ModuleDict: expected a mapping of modules, got a single module")
        pairs: Iterable[Any] = (
            modules.items() if isinstance(modules, Mapping | ModuleDict) else modules
        )
        for i, pair in enumerate(pairs):
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise TypeError(
                    f"ModuleDict.update: element {i} is a {type(pair).__name__}, "
                    "not a (key, module) pair"
                )
            self[pair[0]] = pair[1]
