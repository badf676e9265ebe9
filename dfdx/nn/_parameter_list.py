"""``ParameterList``: trainable tensors held by position, as PyTorch's ``nn.ParameterList``
(per-stage scales, a list of learned queries), typed by their element."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, overload

from typing_extensions import TypeVar

from dfdx._tensor import Tensor
from dfdx._typing import AnyTensor
from dfdx.nn._module import FIELD_MEMBERS, Module

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape

P = TypeVar("P", bound="Tensor[*tuple[Any, ...], NoneTape]", default=AnyTensor)
"""The element type (``ParameterList[Tensor[L[4], NoneTape]]``); an empty list filled by
``append`` holds tensors of unknown shape."""


def _tensor(where: str, t: P) -> P:
    """``t``, checked at run time to be a float tensor (a parameter)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"ParameterList: {where} must be a dx.Tensor, got {type(t).__name__}")
    if t._data.dtype.kind != "f":
        raise TypeError(
            f"ParameterList: {where} is a {t._data.dtype} tensor; parameters are float32 or float64"
        )
    return t


class ParameterList(Module, Generic[P]):
    """Tensors in a list, each a trainable parameter named by its position (``"0"``,
    ``"scales.1"`` in a field ``scales``), as PyTorch's ``nn.ParameterList``. Indexing and
    iteration give the element type."""

    _items: list[P]

    def __init__(self, values: Iterable[P] | None = None) -> None:
        super().__init__()
        self._items = []
        if values is not None:
            self.extend(values)

    def _members(self) -> Iterator[tuple[str, AnyTensor | Module]]:
        for i, t in enumerate(self._items):
            yield str(i), t

    FIELD_MEMBERS.add(_members)

    def _index(self, i: int) -> int:
        n = len(self._items)
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(
                f"ParameterList: indices must be ints or slices, got {type(i).__name__}"
            )
        if not -n <= i < n:
            raise IndexError(f"ParameterList: index {i} is out of range for {n} tensors")
        return i % n

    @overload
    def __getitem__(self, i: int) -> P: ...
    @overload
    def __getitem__(self, i: slice) -> ParameterList[P]: ...
    def __getitem__(self, i: int | slice) -> P | ParameterList[P]:
        if isinstance(i, slice):
            return ParameterList(self._items[i])
        return self._items[self._index(i)]

    def __setitem__(self, i: int, value: P) -> None:
        self._items[self._index(i)] = _tensor(f"item {i}", value)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[P]:
        return iter(self._items)

    def append(self, value: P) -> ParameterList[P]:
        """Add ``value`` at the end; returns self (as PyTorch's)."""
        self._items.append(_tensor(f"item {len(self._items)}", value))
        return self

    def extend(self, values: Iterable[P]) -> ParameterList[P]:
        """Add every tensor of ``values`` at the end; returns self."""
        if isinstance(values, Tensor):
            raise TypeError("ParameterList: expected an iterable of tensors, got a single tensor")
        for t in list(values):
            self.append(t)
        return self

    def extra_repr(self) -> str:
        return ", ".join(f"({i}): {tuple(t.shape)}" for i, t in enumerate(self._items))
