# pyright: reportOverlappingOverload=false
"""Data loading with PyTorch's names: ``Dataset``, ``TensorDataset``, ``Subset``,
``random_split``, samplers, ``default_collate`` and ``DataLoader``.

A dataset is anything with ``__len__`` and ``__getitem__(int)`` (the :class:`Dataset`
protocol). ``TensorDataset(x, y)`` keeps each field's type without its first axis (a sample of
``Tensor[L[100], L[4], NoneTape]`` is ``Tensor[L[4], NoneTape]``), and a ``DataLoader`` over
it yields tuples of tensors whose first axis is the batch: ``Dyn`` in plain signatures;
with the plugin, ``Literal[n]`` for ``batch_size=n, drop_last=True``. Batches are untraced
(``NoneTape``): call ``.trace()`` on one for its gradient.

A loader over a ``TensorDataset`` (or a ``Subset`` of one) batches by indexing each field's
array once per batch with the batch's indices; other datasets are read one sample at a time
and their samples stacked by :func:`default_collate`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, TypeVarTuple, overload

import numpy as np

from dfdx._backend import Array, xp
from dfdx._creation import _generator
from dfdx._dtypes import DTypeError, canonical, infer
from dfdx._tensor import NoneTape, Tensor
from dfdx._typing import Dyn
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

T_co = TypeVar("T_co", covariant=True)
E = TypeVar("E")
B = TypeVar("B")
B_co = TypeVar("B_co", covariant=True)
Es = TypeVarTuple("Es")
S0 = TypeVarTuple("S0")
S1 = TypeVarTuple("S1")
S2 = TypeVarTuple("S2")
S3 = TypeVarTuple("S3")


class Dataset(Protocol[T_co]):
    """What a loader reads: ``len(dataset)`` samples, ``dataset[i]`` the i-th.

    A protocol: any class with these two methods is a dataset (subclassing it, as in PyTorch,
    is allowed but not needed)."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> T_co: ...


# ---- datasets ------------------------------------------------------------------------------


class TensorDataset(Generic[*Es]):
    """Samples are the rows of tensors that share their first axis: ``dataset[i]`` is
    ``(x[i], y[i])``. Sample types are the tensors' types without that axis. The tensors must
    be untraced (``NoneTape``); their values are not copied."""

    # Overloads of ``__new__``, not of ``__init__``: pyright then types a call whose tensors
    # have an unknown rank (``DynTensor``) as ``Any``, where with self-typed ``__init__``
    # overloads it leaks an unsolved TypeVarTuple into the type.
    @overload
    def __new__(cls, t0: Tensor[Dyn, *S0, NoneTape], /) -> TensorDataset[Tensor[*S0, NoneTape]]: ...
    @overload
    def __new__(
        cls, t0: Tensor[Dyn, *S0, NoneTape], t1: Tensor[Dyn, *S1, NoneTape], /
    ) -> TensorDataset[Tensor[*S0, NoneTape], Tensor[*S1, NoneTape]]: ...
    @overload
    def __new__(
        cls,
        t0: Tensor[Dyn, *S0, NoneTape],
        t1: Tensor[Dyn, *S1, NoneTape],
        t2: Tensor[Dyn, *S2, NoneTape],
        /,
    ) -> TensorDataset[Tensor[*S0, NoneTape], Tensor[*S1, NoneTape], Tensor[*S2, NoneTape]]: ...
    @overload
    def __new__(
        cls,
        t0: Tensor[Dyn, *S0, NoneTape],
        t1: Tensor[Dyn, *S1, NoneTape],
        t2: Tensor[Dyn, *S2, NoneTape],
        t3: Tensor[Dyn, *S3, NoneTape],
        /,
    ) -> TensorDataset[
        Tensor[*S0, NoneTape], Tensor[*S1, NoneTape], Tensor[*S2, NoneTape], Tensor[*S3, NoneTape]
    ]: ...
    @overload
    def __new__(
        cls, t0: Tensor[*tuple[Dyn, ...], NoneTape], /, *tensors: Tensor[*tuple[Dyn, ...], NoneTape]
    ) -> TensorDataset[*tuple[Tensor[*tuple[Dyn, ...], NoneTape], ...]]: ...
    def __new__(cls, *tensors: Any) -> Any:
        op = "TensorDataset"
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"{op}: tensor {i} is a {type(t).__name__}, not a dfdx tensor")
            if t.is_traced:
                raise TypeError(
                    f"{op}: tensor {i} is traced (OwnedTape); pass an untraced one (.detach())"
                )
        shapes.dataset_length(op, [t.shape for t in tensors])
        self = super().__new__(cls)
        self._length = tensors[0].shape[0]
        self.tensors = tensors
        return self

    _length: int
    tensors: tuple[*Es]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int, /) -> tuple[*Es]:
        i = _sample_index("TensorDataset", index, self._length)
        return tuple(t[i] for t in self._fields())  # type: ignore[return-value]

    def _fields(self) -> tuple[Tensor[*tuple[Dyn, ...], NoneTape], ...]:
        return self.tensors  # type: ignore[return-value]

    def _take(self, indices: Array) -> tuple[Tensor[*tuple[Dyn, ...], NoneTape], ...]:
        """The batch of the samples at ``indices``: one fancy index per field."""
        _check_range("TensorDataset", indices, self._length)
        return tuple(Tensor(t._data[indices]) for t in self._fields())


class Subset(Generic[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i]`` is
    ``dataset[indices[i]]``."""

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index_array = _index_array("Subset", indices)
        _check_range("Subset", self._index_array, len(dataset))

    def __len__(self) -> int:
        return len(self._index_array)

    def __getitem__(self, index: int, /) -> T_co:
        i = _sample_index("Subset", index, len(self._index_array))
        return self.dataset[int(self._index_array[i])]

    def _take(self, indices: Array) -> Any:
        take = _batch_taker(self.dataset)
        if take is None:
            return None
        _check_range("Subset", indices, len(self._index_array))
        return take(self._index_array[indices])


def random_split(
    dataset: Dataset[T_co], lengths: Sequence[int | float], *, rng: Generator | None = None
) -> list[Subset[T_co]]:
    """Split ``dataset`` at random into subsets of ``lengths`` (which add up to its length),
    or of fractions of it that add up to 1 (``[0.8, 0.2]``; the samples left over by rounding
    down go one each to the first subsets, as in PyTorch). ``rng`` (a NumPy Generator) makes
    the split reproducible, else the generator of :func:`dfdx.manual_seed` is used."""
    op = "random_split"
    n = len(dataset)
    sizes = list(lengths)
    for i, size in enumerate(sizes):
        if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
            raise TypeError(f"{op}: lengths must be ints or fractions, got {size!r} at {i}")
    total = math.fsum(sizes)
    if math.isclose(total, 1) and total <= 1:
        counts = []
        for i, frac in enumerate(sizes):
            if not 0 <= frac <= 1:
                raise ValueError(f"{op}: fraction {frac} at {i} is not between 0 and 1")
            counts.append(math.floor(n * frac))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        if not all(float(s).is_integer() and s >= 0 for s in sizes):
            raise ValueError(
                f"{op}: lengths must be ints >= 0 or fractions that add up to 1, got {sizes}"
            )
        counts = [int(s) for s in sizes]
        if sum(counts) != n:
            raise ValueError(
                f"{op}: lengths add up to {sum(counts)}, but the dataset has {n} samples"
            )
    order = _generator(rng).permutation(n)
    ends = itertools.accumulate(counts)
    return [
        Subset(dataset, order[end - c : end].tolist()) for end, c in zip(ends, counts, strict=True)
    ]


# ---- samplers ------------------------------------------------------------------------------


class _IndexSampler:
    """A sampler that can give all its indices at once, as an array (the loader's fast path)."""

    def _indices(self) -> Array:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())


class SequentialSampler(_IndexSampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __len__(self) -> int:
        return len(self.data_source)

    def _indices(self) -> Array:
        return xp.arange(len(self.data_source))


class RandomSampler(_IndexSampler):
    """The indices of ``data_source`` in a new random order each time it is iterated.
    ``num_samples`` indices instead of ``len(data_source)``: drawn with replacement for
    ``replacement=True``, else taken from as many permutations as it needs, one after the
    other (as in PyTorch). ``rng`` (a NumPy Generator) makes the orders reproducible, else the
    generator of :func:`dfdx.manual_seed` is used, read when iteration starts."""

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        *,
        rng: Generator | None = None,
    ) -> None:
        if num_samples is not None and (
            isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1
        ):
            raise ValueError(f"RandomSampler: num_samples must be an int >= 1, got {num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.rng = rng

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __len__(self) -> int:
        return self.num_samples

    def _indices(self) -> Array:
        rng = _generator(self.rng)
        n, k = len(self.data_source), self.num_samples
        if n == 0 and k:
            raise ValueError("RandomSampler: cannot draw samples from an empty dataset")
        if self.replacement:
            return rng.integers(0, n, size=k)
        if k == n:
            return rng.permutation(n)
        return xp.concatenate([rng.permutation(n) for _ in range(-(-k // n))])[:k]


# ---- collation -----------------------------------------------------------------------------


def default_collate(batch: Sequence[Any]) -> Any:
    """Samples into a batch, as PyTorch's ``default_collate``: tensors, NumPy arrays and
    numbers are stacked into a tensor with a new first axis (floats become float32, ints
    int64, bools bool); tuples stay tuples (named ones keep their class), lists lists and dicts
    dicts, collated field by field; strings stay a list. The result is untraced."""
    op = "default_collate"
    if not batch:
        raise ValueError(f"{op}: needs at least one sample")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(op, batch)
    if isinstance(elem, np.ndarray | np.generic) and elem.dtype.kind in "biuf":
        arrays = _same_kind(op, batch, np.ndarray | np.generic)
        return _stack_arrays(op, [np.asarray(e) for e in arrays])
    if isinstance(elem, bool | int | float):
        return _stack_arrays(op, [np.asarray(_number(op, e)) for e in batch], python=True)
    if isinstance(elem, str | bytes):
        return list(batch)
    if isinstance(elem, Mapping):
        keys = list(elem)
        for sample in _same_kind(op, batch, Mapping):
            if list(sample) != keys:
                raise ValueError(f"{op}: samples have different keys: {keys} and {list(sample)}")
        out = {k: default_collate([s[k] for s in batch]) for k in keys}
        return out if type(elem) is dict else _rebuild(type(elem), out)
    if isinstance(elem, tuple | list):
        rows = _same_kind(op, batch, tuple | list)
        size = len(elem)
        for sample in rows:
            if len(sample) != size:
                raise ValueError(
                    f"{op}: samples have different numbers of fields: {size} and {len(sample)}"
                )
        columns = [default_collate([s[i] for s in rows]) for i in range(size)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
            return type(elem)(*columns)
        return tuple(columns) if isinstance(elem, tuple) else columns
    raise TypeError(
        f"{op}: cannot batch samples of type {type(elem).__name__}; "
        "give the loader a collate_fn that does"
    )


def _same_kind(op: str, batch: Sequence[Any], kind: Any) -> Sequence[Any]:
    for sample in batch:
        if not isinstance(sample, kind):
            raise TypeError(
                f"{op}: samples of different types: {type(batch[0]).__name__} and "
                f"{type(sample).__name__}"
            )
    return batch


def _number(op: str, value: object) -> object:
    if not isinstance(value, bool | int | float):
        raise TypeError(f"{op}: samples of different types: a number and {type(value).__name__}")
    return value


def _rebuild(kind: type, fields: dict[Any, Any]) -> Any:
    """A mapping of ``kind`` built from ``fields``; a plain dict where ``kind`` cannot be."""
    try:
        return kind(fields)
    except TypeError:
        return fields


def _stack_tensors(op: str, batch: Sequence[Any]) -> Tensor[*tuple[Dyn, ...], NoneTape]:
    arrays = [t._data for t in _same_kind(op, batch, Tensor)]
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) > 1:
        raise DTypeError(f"{op}: samples differ in dtype: {', '.join(map(str, dtypes))}")
    return Tensor(_stack(arrays))


def _stack_arrays(
    op: str, arrays: list[Array], *, python: bool = False
) -> Tensor[*tuple[Dyn, ...], NoneTape]:
    stacked = _stack(arrays)
    if python and stacked.dtype.kind == "f":
        return Tensor(stacked.astype(canonical("float32")))
    return Tensor(stacked.astype(infer(stacked), copy=False))


def _stack(arrays: list[Array]) -> Array:
    """Arrays of one shape stacked on a new first axis (``np.array`` of the list: a quarter of
    ``np.stack``'s time for 64 small arrays)."""
    if len({a.shape for a in arrays}) > 1:
        shapes.stack([a.shape for a in arrays], 0)  # raises, naming the shapes
    return xp.array(arrays)


# ---- the loader ----------------------------------------------------------------------------


class DataLoader(Generic[B_co]):
    """Batches of ``batch_size`` samples of ``dataset``, in order or (``shuffle=True``) in a new
    random order each time it is iterated; ``drop_last=True`` leaves out a last, smaller batch.

    ``rng`` (a NumPy Generator) makes the shuffling reproducible, else the generator of
    :func:`dfdx.manual_seed` is used. ``sampler`` (any iterable of indices, e.g. a
    :class:`RandomSampler`) chooses the order instead of ``shuffle``; a sampler with
    ``set_epoch(epoch)`` is not told the epoch by the loader: call it yourself.
    ``collate_fn`` turns a list of samples into a batch (:func:`default_collate` by default).
    """

    # Overloads of ``__new__`` (as for TensorDataset): pyright types a loader over an ``Any``
    # dataset as ``DataLoader[Unknown]``; with self-typed ``__init__`` overloads it takes the
    # first one where the loader is returned from a function.
    @overload
    def __new__(
        cls,
        dataset: Dataset[Tensor[*S0, Any]],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[Tensor[Dyn, *S0, NoneTape]]: ...
    @overload
    def __new__(
        cls,
        dataset: Dataset[tuple[Tensor[*S0, Any]]],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[tuple[Tensor[Dyn, *S0, NoneTape]]]: ...
    @overload
    def __new__(
        cls,
        dataset: Dataset[tuple[Tensor[*S0, Any], Tensor[*S1, Any]]],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[tuple[Tensor[Dyn, *S0, NoneTape], Tensor[Dyn, *S1, NoneTape]]]: ...
    @overload
    def __new__(
        cls,
        dataset: Dataset[tuple[Tensor[*S0, Any], Tensor[*S1, Any], Tensor[*S2, Any]]],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[
        tuple[Tensor[Dyn, *S0, NoneTape], Tensor[Dyn, *S1, NoneTape], Tensor[Dyn, *S2, NoneTape]]
    ]: ...
    @overload
    def __new__(
        cls,
        dataset: Dataset[
            tuple[Tensor[*S0, Any], Tensor[*S1, Any], Tensor[*S2, Any], Tensor[*S3, Any]]
        ],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[
        tuple[
            Tensor[Dyn, *S0, NoneTape],
            Tensor[Dyn, *S1, NoneTape],
            Tensor[Dyn, *S2, NoneTape],
            Tensor[Dyn, *S3, NoneTape],
        ]
    ]: ...
    @overload
    def __new__(
        cls,
        dataset: Dataset[E],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: Callable[[list[E]], B],
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[B]: ...
    @overload
    def __new__(
        cls,
        dataset: Dataset[Any],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> DataLoader[Any]: ...
    def __new__(
        cls,
        dataset: Dataset[Any],
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        sampler: Iterable[int] | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        drop_last: bool = False,
        rng: Generator | None = None,
    ) -> Any:
        op = "DataLoader"
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"{op}: batch_size must be an int, got {batch_size!r}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, bool):
                raise TypeError(f"{op}: {name} must be True or False, got {flag!r}")
        if sampler is not None and shuffle:
            raise ValueError(f"{op}: sampler= and shuffle=True are mutually exclusive")
        if sampler is not None and not isinstance(sampler, Iterable):
            raise TypeError(f"{op}: sampler must be an iterable of indices, got {sampler!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"{op}: collate_fn must be callable, got {collate_fn!r}")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(f"{op}: rng must be a numpy.random.Generator, got {rng!r}")
        self = super().__new__(cls)
        self.dataset = dataset
        self.batch_size = shapes.batch_size(op, int(batch_size))
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        if sampler is not None:
            self.sampler = sampler
        elif shuffle:
            self.sampler = RandomSampler(dataset, rng=rng)
        else:
            self.sampler = SequentialSampler(dataset)
        return self

    dataset: Dataset[Any]
    batch_size: int
    drop_last: bool
    collate_fn: Callable[[list[Any]], Any] | None
    sampler: Iterable[int]

    def __len__(self) -> int:
        """The number of batches one pass yields."""
        if not isinstance(self.sampler, Sized):
            raise TypeError("DataLoader: len() needs a sampler that has a len()")
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[B_co]:
        take = _batch_taker(self.dataset) if self.collate_fn is None else None
        for indices in self._batches():
            if take is not None:
                yield take(indices)
            else:
                samples = [self.dataset[i] for i in indices.tolist()]
                yield (self.collate_fn or default_collate)(samples)

    def _batches(self) -> Iterator[Array]:
        """The indices of each batch, as arrays."""
        size = self.batch_size
        if isinstance(self.sampler, _IndexSampler):
            order = self.sampler._indices()
            stop = len(order) - len(order) % size if self.drop_last else len(order)
            for start in range(0, stop, size):
                yield order[start : start + size]
            return
        it = iter(self.sampler)
        while chunk := list(itertools.islice(it, size)):
            if len(chunk) < size and self.drop_last:
                return
            yield _index_array("DataLoader: the sampler", chunk)


# ---- helpers -------------------------------------------------------------------------------


def _index_array(what: str, indices: Iterable[Any]) -> Array:
    items = list(indices)
    for i in items:
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise TypeError(f"{what}: indices must be ints, got {i!r}")
    return xp.asarray(items, dtype=xp.intp).reshape(len(items))


def _sample_index(what: str, index: object, n: int) -> int:
    """``index`` as an int in ``[-n, n)``; an IndexError outside it, as for a sequence (which
    also ends ``for sample in dataset``)."""
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"{what}: an index must be an int, got {index!r}")
    if not -n <= index < n:
        raise IndexError(f"{what}: index {index} is out of range for {n} samples")
    return int(index)


def _check_range(what: str, indices: Array, n: int) -> None:
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        bad = high if high >= n else low if low < -n else None
        if bad is not None:
            raise IndexError(f"{what}: index {bad} is out of range for {n} samples")


def _batch_taker(dataset: object) -> Callable[[Array], Any] | None:
    """The dataset's own batched read (a TensorDataset, a Subset of one), or None."""
    if isinstance(dataset, TensorDataset):
        return dataset._take
    if isinstance(dataset, Subset) and _batch_taker(dataset.dataset) is not None:
        return dataset._take
    return None
