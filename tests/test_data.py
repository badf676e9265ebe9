"""dx.utils.data: datasets, samplers, collation and the loader, with PyTorch's semantics
(checked live against torch.utils.data where torch is installed)."""

from __future__ import annotations

import importlib.util
from collections import namedtuple
from collections.abc import Iterator
from typing import Any, cast

import numpy as np
import pytest

import dfdx as dx
from dfdx.utils.data import (
    DataLoader,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")


def make_data(n: int = 10) -> tuple[np.ndarray, np.ndarray, TensorDataset[Any, Any]]:
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 4
    return x, y, TensorDataset(dx.tensor(x), dx.tensor(y))


def labels(loader: DataLoader[Any]) -> list[list[int]]:
    return [batch[1].numpy().tolist() for batch in loader]


def flat(batches: list[list[int]]) -> list[int]:
    return [i for batch in batches for i in batch]


# ---- TensorDataset ------------------------------------------------------------------------


def test_tensor_dataset_samples_are_rows_of_each_tensor() -> None:
    x, y, data = make_data()
    assert len(data) == 10
    xs, ys = data[7]
    np.testing.assert_array_equal(xs.numpy(), x[7])
    assert ys.shape == () and ys.item() == y[7] and ys.dtype == dx.int64
    assert data[-1][1].item() == y[-1]
    assert not xs.is_traced
    with pytest.raises(IndexError, match="TensorDataset: index 10 is out of range for 10"):
        data[10]
    assert len(list(cast(Any, data))) == 10  # iteration stops at the IndexError, as for a sequence
    part = Subset(data, [3, 1])
    assert part[-1][1].item() == y[1]
    with pytest.raises(IndexError, match="Subset: index 2 is out of range for 2 samples"):
        part[2]


def test_tensor_dataset_errors_name_the_tensor_at_fault() -> None:
    x = dx.zeros(10, 3)
    with pytest.raises(
        dx.ShapeError, match=r"tensors differ in their number of samples \(axis 0\)"
    ):
        TensorDataset(x, dx.zeros(9))
    with pytest.raises(dx.ShapeError, match="tensor 1 is 0-d"):
        TensorDataset(x, dx.zeros())
    with pytest.raises(dx.ShapeError, match="needs at least one tensor"):
        TensorDataset()  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="tensor 0 is traced"):
        TensorDataset(x.trace())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tensor 1 is a ndarray, not a dfdx tensor"):
        TensorDataset(x, np.zeros(10))  # type: ignore[call-overload]


def test_runtime_and_plugin_share_the_mismatch_message() -> None:
    # the plugin reports this text at check time (tests/typecheck/plugin_fail/data_errors.py)
    with pytest.raises(dx.ShapeError) as info:
        TensorDataset(dx.zeros(100, 8), dx.zeros(50))
    assert str(info.value) == (
        "TensorDataset: tensors differ in their number of samples (axis 0): "
        "Tensor[100, 8] and Tensor[50] (100 != 50)"
    )


# ---- DataLoader: order, sizes, len ------------------------------------------------------------


@pytest.mark.parametrize(
    ("batch_size", "drop_last", "sizes"),
    [(4, False, [4, 4, 2]), (4, True, [4, 4]), (5, True, [5, 5]), (1, False, [1] * 10)],
)
def test_loader_batches_in_order(batch_size: int, drop_last: bool, sizes: list[int]) -> None:
    x, y, data = make_data()
    loader = DataLoader(data, batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [xb.shape for xb, _ in batches] == [(s, 3) for s in sizes]
    np.testing.assert_array_equal(
        np.concatenate([xb.numpy() for xb, _ in batches]), x[: sum(sizes)]
    )
    np.testing.assert_array_equal(
        np.concatenate([yb.numpy() for _, yb in batches]), y[: sum(sizes)]
    )
    assert all(not xb.is_traced and xb.dtype == dx.float32 for xb, _ in batches)


def test_batch_size_larger_than_the_dataset() -> None:
    _, _, data = make_data(3)
    assert [b[0].shape for b in DataLoader(data, 8)] == [(3, 3)]
    assert list(DataLoader(data, 8, drop_last=True)) == []
    assert len(DataLoader(data, 8, drop_last=True)) == 0


def test_shuffle_is_reproducible_with_an_rng_and_reshuffles_each_pass() -> None:
    _, _, data = make_data(64)
    a = DataLoader(data, 16, shuffle=True, rng=np.random.default_rng(7))
    b = DataLoader(data, 16, shuffle=True, rng=np.random.default_rng(7))
    first, second = labels(a), labels(a)
    assert first == labels(b) and second == labels(b)
    assert first != second  # a new order each pass
    xs = [xb.numpy()[:, 0] // 3 for xb, _ in DataLoader(data, 16, shuffle=True)]
    assert sorted(np.concatenate(xs).tolist()) == list(range(64))  # a permutation of all


def test_shuffle_without_rng_follows_manual_seed() -> None:
    _, _, data = make_data(64)
    loader = DataLoader(data, 8, shuffle=True)
    dx.manual_seed(3)
    once = labels(loader)
    dx.manual_seed(3)
    assert labels(loader) == once
    assert labels(loader) != once


def test_batched_read_equals_reading_sample_by_sample() -> None:
    _, _, data = make_data(23)
    fast = DataLoader(data, 5, shuffle=True, rng=np.random.default_rng(1))
    slow = DataLoader(
        data, 5, shuffle=True, rng=np.random.default_rng(1), collate_fn=default_collate
    )
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
        assert (fx.dtype, fy.dtype) == (sx.dtype, sy.dtype)


def test_tensor_dataset_batches_without_reading_single_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, _, data = make_data(12)
    part = Subset(data, [11, 0, 5, 6])

    def no_single_reads(self: object, index: int) -> None:
        raise AssertionError("the loader read one sample at a time")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_single_reads)
    expected = [[0, 1, 2, 3, 0, 1], [2, 3, 0, 1, 2, 3]]
    assert [yb.numpy().tolist() for _, yb in DataLoader(data, 6)] == expected
    assert [yb.numpy().tolist() for _, yb in DataLoader(part, 3)] == [[3, 0, 1], [2]]


# ---- samplers ---------------------------------------------------------------------------------


class EpochSampler:
    """A sampler with ``set_epoch``, as a distributed sampler has: its order depends on the
    epoch, which only the training loop sets."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.epoch = 0
        self.calls: list[int] = []

    def set_epoch(self, epoch: int) -> None:
        self.calls.append(epoch)
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        return iter(np.random.default_rng(self.epoch).permutation(self.n).tolist())

    def __len__(self) -> int:
        return self.n


def test_sampler_chooses_the_order_and_set_epoch_is_left_to_the_caller() -> None:
    _, y, data = make_data(10)
    sampler = EpochSampler(10)
    loader = DataLoader(data, 4, sampler=sampler)
    epoch0 = labels(loader)
    assert labels(loader) == epoch0 and sampler.calls == []
    sampler.set_epoch(1)
    order1 = np.random.default_rng(1).permutation(10)
    assert flat(labels(loader)) == y[order1].tolist()
    assert len(loader) == 3


def test_any_iterable_of_indices_is_a_sampler() -> None:
    _, y, data = make_data(10)
    assert flat(labels(DataLoader(data, 3, sampler=[9, 0, 9, 4]))) == y[[9, 0, 9, 4]].tolist()
    gen_loader = DataLoader(data, 2, sampler=(i for i in range(3)), drop_last=True)
    assert labels(gen_loader) == [y[:2].tolist()]  # the last, smaller batch is dropped
    with pytest.raises(TypeError, match="len\\(\\) needs a sampler that has a len\\(\\)"):
        len(DataLoader(data, 2, sampler=iter(range(3))))
    with pytest.raises(TypeError, match=r"the sampler: indices must be ints, got 1\.5"):
        list(DataLoader(data, 2, sampler=cast(Any, [0, 1.5])))
    with pytest.raises(IndexError, match="index 10 is out of range for 10 samples"):
        list(DataLoader(data, 2, sampler=[0, 10]))


def test_sequential_and_random_samplers() -> None:
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    rs = RandomSampler(range(50), rng=np.random.default_rng(0))
    a, b = list(rs), list(rs)
    assert sorted(a) == sorted(b) == list(range(50)) and a != b and len(rs) == 50
    draws = RandomSampler(range(3), replacement=True, num_samples=40, rng=np.random.default_rng(0))
    assert len(list(draws)) == len(draws) == 40 and set(draws) <= {0, 1, 2}
    repeated = list(RandomSampler(range(3), num_samples=7, rng=np.random.default_rng(0)))
    assert len(repeated) == 7 and sorted(repeated[:3]) == sorted(repeated[3:6]) == [0, 1, 2]
    with pytest.raises(ValueError, match="cannot draw samples from an empty dataset"):
        list(RandomSampler([], replacement=True, num_samples=2))
    with pytest.raises(ValueError, match="num_samples must be an int >= 1"):
        RandomSampler(range(3), replacement=True, num_samples=0)


# ---- loader arguments -------------------------------------------------------------------------


def test_loader_argument_errors() -> None:
    _, _, data = make_data()
    with pytest.raises(ValueError, match="sampler= and shuffle=True are mutually exclusive"):
        DataLoader(data, 2, shuffle=True, sampler=[0, 1])
    with pytest.raises(dx.ShapeError, match="batch_size must be at least 1, got 0"):
        DataLoader(data, 0)
    with pytest.raises(TypeError, match="batch_size must be an int, got True"):
        DataLoader(data, True, drop_last=True)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        DataLoader(data, 2, 1)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        DataLoader(data, 2, shuffle=True, rng=0)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        DataLoader(data, 2, collate_fn=3)  # type: ignore[call-overload]
    assert isinstance(dx.ShapeError("x"), ValueError)  # torch raises ValueError here too


def test_custom_dataset_and_collate_fn() -> None:
    class Words:
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> str:
            return "abcde"[i]

    assert list(DataLoader(Words(), 2)) == [["a", "b"], ["c", "d"], ["e"]]
    joined = DataLoader(Words(), 2, collate_fn="".join)
    assert list(joined) == ["ab", "cd", "e"]


# ---- default_collate ------------------------------------------------------------------------


def test_default_collate_stacks_tensors_arrays_and_numbers() -> None:
    t = default_collate([dx.ones(2, 3), dx.zeros(2, 3)])
    assert t.shape == (2, 2, 3) and t.dtype == dx.float32 and not t.is_traced
    traced = default_collate([dx.ones(2).trace(), dx.ones(2).trace()])
    assert not traced.is_traced  # batches are untraced
    a = default_collate([np.zeros(3, np.float64), np.ones(3, np.float64)])
    assert a.shape == (2, 3) and a.dtype == dx.float64
    assert default_collate([np.int32(1), np.int32(2)]).dtype == dx.int64
    assert default_collate([1, 2]).dtype == dx.int64
    assert default_collate([1.5, 2]).dtype == dx.float32
    assert default_collate([True, False]).dtype == dx.bool_


def test_default_collate_keeps_containers() -> None:
    Point = namedtuple("Point", ["x", "label"])
    out = default_collate([Point(np.zeros(2, np.float32), 0), Point(np.ones(2, np.float32), 1)])
    assert isinstance(out, Point) and out.x.shape == (2, 2) and out.label.numpy().tolist() == [0, 1]
    d = default_collate([{"a": 1.0, "b": ("x", [1, 2])}, {"a": 2.0, "b": ("y", [3, 4])}])
    assert list(d) == ["a", "b"] and d["a"].numpy().tolist() == [1.0, 2.0]
    word, pair = d["b"]
    assert word == ["x", "y"]
    assert isinstance(pair, list) and [p.numpy().tolist() for p in pair] == [[1, 3], [2, 4]]


def test_default_collate_errors() -> None:
    with pytest.raises(dx.ShapeError, match=r"stack: shapes differ: Tensor\[2\] and Tensor\[3\]"):
        default_collate([dx.zeros(2), dx.zeros(3)])
    with pytest.raises(dx.DTypeError, match="samples differ in dtype"):
        default_collate([dx.zeros(2), dx.zeros(2, dtype=dx.int64)])
    with pytest.raises(TypeError, match="samples of different types: Tensor and ndarray"):
        default_collate([dx.zeros(2), np.zeros(2)])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object()])
    with pytest.raises(ValueError, match="different numbers of fields: 2 and 1"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(ValueError, match="different keys"):
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(ValueError, match="needs at least one sample"):
        default_collate([])


# ---- Subset and random_split ------------------------------------------------------------------


def test_random_split_covers_the_dataset_once() -> None:
    _, y, data = make_data(10)
    parts = random_split(data, [6, 4], rng=np.random.default_rng(0))
    assert [len(p) for p in parts] == [6, 4]
    seen = sorted(i for p in parts for i in p.indices)
    assert seen == list(range(10))
    assert parts[1][0][1].item() == y[parts[1].indices[0]]
    again = random_split(data, [6, 4], rng=np.random.default_rng(0))
    assert [p.indices for p in again] == [p.indices for p in parts]


@pytest.mark.parametrize(
    ("n", "fractions", "expected"),
    [(10, [0.5, 0.5], [5, 5]), (10, [0.33, 0.33, 0.34], [4, 3, 3]), (7, [0.8, 0.2], [6, 1])],
)
def test_random_split_fractions(n: int, fractions: list[float], expected: list[int]) -> None:
    _, _, data = make_data(n)
    assert [len(p) for p in random_split(data, fractions)] == expected


def test_random_split_errors() -> None:
    _, _, data = make_data(10)
    with pytest.raises(ValueError, match="lengths add up to 9, but the dataset has 10 samples"):
        random_split(data, [5, 4])
    with pytest.raises(ValueError, match="fractions that add up to 1"):
        random_split(data, [0.5, 0.25])
    with pytest.raises(TypeError, match="lengths must be ints or fractions"):
        random_split(data, ["5", 5])  # type: ignore[list-item]
    with pytest.raises(IndexError, match="Subset: index 10 is out of range for 10 samples"):
        Subset(data, [0, 10])


# ---- parity with torch.utils.data -------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("n", [0, 1, 7, 10, 101])
@pytest.mark.parametrize("batch_size", [1, 3, 10])
@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_batches_match_torch(n: int, batch_size: int, drop_last: bool) -> None:
    import torch
    from torch.utils import data as tdata

    x = np.random.default_rng(0).standard_normal((n, 2)).astype(np.float32)
    y = np.arange(n)
    ours = DataLoader(TensorDataset(dx.tensor(x), dx.tensor(y)), batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(
        tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size,
        drop_last=drop_last,
    )
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for (gx, gy), (wx, wy) in zip(got, want, strict=True):
        np.testing.assert_array_equal(gx.numpy(), wx.numpy())
        np.testing.assert_array_equal(gy.numpy(), wy.numpy())


@needs_torch
@pytest.mark.parametrize(
    "fractions", [[0.5, 0.5], [0.33, 0.33, 0.34], [0.8, 0.2], [0.1] * 10, [0.25, 0.7, 0.05]]
)
@pytest.mark.parametrize("n", [1, 7, 10, 99])
def test_random_split_lengths_match_torch(n: int, fractions: list[float]) -> None:
    import warnings

    from torch.utils import data as tdata

    _, _, data = make_data(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty splits
        want = [len(p) for p in tdata.random_split(cast(Any, range(n)), fractions)]
    assert [len(p) for p in random_split(data, fractions)] == want


@needs_torch
def test_default_collate_matches_torch() -> None:
    import torch
    from torch.utils.data import default_collate as torch_collate

    samples = [
        {"x": np.full((2, 2), i, np.float32), "y": i, "w": 0.5 * i, "t": ("s", [i, -i])}
        for i in range(3)
    ]
    ours, theirs = default_collate(samples), torch_collate(samples)
    assert list(ours) == list(theirs)
    for key in ("x", "y", "w"):
        np.testing.assert_allclose(ours[key].numpy(), theirs[key].numpy())
    assert ours["x"].shape == tuple(theirs["x"].shape)
    assert ours["y"].dtype == dx.int64 and theirs["y"].dtype == torch.int64
    # Python floats: float32 here (dfdx's default), float64 in torch
    assert ours["w"].dtype == dx.float32 and theirs["w"].dtype == torch.float64
    assert list(ours["t"][0]) == list(theirs["t"][0])  # strings: a list (torch: a tuple here)
    assert [t.numpy().tolist() for t in ours["t"][1]] == [t.tolist() for t in theirs["t"][1]]


def test_every_public_name_is_exported() -> None:
    from dfdx.utils import data

    for name in (
        "Dataset",
        "TensorDataset",
        "Subset",
        "random_split",
        "SequentialSampler",
        "RandomSampler",
        "default_collate",
        "DataLoader",
    ):
        assert hasattr(data, name), name
    assert dx.utils.data is data
