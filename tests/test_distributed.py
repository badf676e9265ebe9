"""``dx.distributed``: data-parallel training over MPI.

The MPI tests run every scenario of ``tests/_distributed_worker.py`` in one
``mpiexec -n 2`` job (a session fixture) and assert on what rank 0 wrote; the failure tests
start their own small jobs. They are skipped, with the reason, without mpi4py or mpiexec
(the ``distributed`` extra, which ``dev`` includes). The rest runs in this process, in a world
of one.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _mpi
import numpy as np
import pytest

import dfdx as dx
from dfdx import _autodiff
from dfdx.distributed import _reduce, _world

WORKER = Path(__file__).parent / "_distributed_worker.py"

# (case, dtype, optimizer) of the worker's equivalence runs
EQUIVALENCE = [
    ("mlp", "float32", "sgd"),
    ("mlp", "float32", "adam"),
    ("mlp", "float64", "sgd"),
    ("mlp", "float64", "adam"),
    ("encoder", "float32", "sgd"),
    ("encoder", "float64", "sgd"),
    ("gpt", "float32", "adamw"),
    ("gpt", "float64", "adamw"),
]

# The parameters' tolerance, in units in the last place at the scale of the values: 64 for
# SGD and Adam on the MLP and encoder; 1024 for the char GPT under AdamW, where one element
# in thousands is off by more (see test_char_gpt_clips_the_reduced_gradients).
PARAM_ULPS = {"mlp": 64, "encoder": 64, "gpt": 1024}


# dist.ShardedOptimizer's runs (shared memory, MPI collectives); on the char GPT the update
# clips the reduced gradients itself (max_norm)
SHARDED = ("sharded", "sharded-mpi")


@pytest.fixture(scope="session")
def job(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The worker's arrays and facts, from one 2-process job."""
    reason = _mpi.skip_reason()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("mpi")
    proc = _mpi.run([str(WORKER), str(out)], n=2, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with np.load(out / "results.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    return arrays, json.loads((out / "results.json").read_text())


# ---- equivalence with one process ------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "dtype", "opt"), EQUIVALENCE, ids=["-".join(c) for c in EQUIVALENCE]
)
def test_two_ranks_equal_one_process_on_the_whole_batch(
    job: tuple[dict[str, np.ndarray], dict[str, Any]], case: str, dtype: str, opt: str
) -> None:
    """5 steps on 2 ranks, each on half of every batch, and 5 steps of one process on the
    whole batches: every step's loss (the mean of the ranks' losses) and every parameter
    after the last step agree to round-off. Tolerance: 64 ulps of the dtype at the scale of
    the values (max(1, |value|)): the two runs sum each gradient over the batch in a
    different order, and the differences compound over the steps (measured: at most 4 ulps).
    The char GPT's parameters get 1024 ulps (PARAM_ULPS; its losses 64)."""
    arrays, _ = job
    prefix = f"{case}/{dtype}/{opt}"
    atol = 64 * float(np.finfo(dtype).eps)
    param_atol = PARAM_ULPS[case] * float(np.finfo(dtype).eps)
    names = [k.split("/param/")[1] for k in arrays if k.startswith(f"{prefix}/ref/param/")]
    assert names
    for tag in ("fused", "buckets", "overlap", *SHARDED):
        ref_losses, losses = arrays[f"{prefix}/ref/losses"], arrays[f"{prefix}/{tag}/losses"]
        assert len(losses) == 5
        np.testing.assert_allclose(losses, ref_losses, rtol=atol, atol=0, err_msg="losses")
        for name in names:
            ref = arrays[f"{prefix}/ref/param/{name}"]
            got = arrays[f"{prefix}/{tag}/param/{name}"]
            assert got.dtype == np.dtype(dtype)
            scale = max(1.0, float(np.abs(ref).max()))
            np.testing.assert_allclose(got, ref, rtol=0, atol=param_atol * scale, err_msg=name)
        # the run changed the parameters: the comparison is not between initial values
        first = f"{prefix}/ref/param/{names[0]}"
        assert not np.array_equal(arrays[first], arrays[f"{prefix}/{tag}/param/{names[0]}"] * 0)


@pytest.mark.parametrize(
    ("case", "dtype", "opt"), EQUIVALENCE, ids=["-".join(c) for c in EQUIVALENCE]
)
def test_parameters_and_optimizer_state_identical_on_every_rank(
    job: tuple[dict[str, np.ndarray], dict[str, Any]], case: str, dtype: str, opt: str
) -> None:
    """After the steps, every rank's parameters and optimizer state (moments, step counts,
    momentum buffers) hash the same, bit for bit: every rank applies the same reduced gradient
    to the same values, so nothing about the optimizer needs synchronizing."""
    _, facts = job
    for tag in ("fused", "buckets", "overlap"):
        assert facts[f"{case}/{dtype}/{opt}/{tag}/same_on_every_rank"] is True


SHARDED_CASES = [c for c in EQUIVALENCE if c[0] != "gpt"]


@pytest.mark.parametrize(
    ("case", "dtype", "opt"), SHARDED_CASES, ids=["-".join(c) for c in SHARDED_CASES]
)
def test_sharded_update_makes_the_unsharded_steps_bit_for_bit(
    job: tuple[dict[str, np.ndarray], dict[str, Any]], case: str, dtype: str, opt: str
) -> None:
    """ShardedOptimizer (each rank reduces, updates and keeps the state of half of the flat
    parameters, then the halves are exchanged), over shared memory and over MPI's
    collectives: after 5 steps every rank holds the same parameters, bit for bit, and they
    and the gathered state_dict are those of the unsharded optimizer after
    all_reduce_gradients, bit for bit (the update is elementwise, and on 2 ranks the sums
    are the same additions)."""
    _, facts = job
    for tag in SHARDED:
        prefix = f"{case}/{dtype}/{opt}/{tag}"
        assert facts[f"{prefix}/same_on_every_rank"] is True
        assert facts[f"{prefix}/equals_fused_bitwise"] == [True, True]


@pytest.mark.parametrize(
    ("case", "dtype", "opt"), SHARDED_CASES, ids=["-".join(c) for c in SHARDED_CASES]
)
def test_sharded_state_is_split_between_the_ranks(
    job: tuple[dict[str, np.ndarray], dict[str, Any]], case: str, dtype: str, opt: str
) -> None:
    """Each rank holds the optimizer state of its half of the parameters only: the halves
    add up to the whole state, and differ by at most one element (the flat buffer is cut in
    the middle, through a parameter if need be)."""
    _, facts = job
    for tag in SHARDED:
        prefix = f"{case}/{dtype}/{opt}/{tag}"
        held, total = facts[f"{prefix}/state_held"], facts[f"{prefix}/state_total"]
        assert total > 0 and sum(held) == total
        assert max(held) - min(held) <= {"sgd": 1, "adam": 2}[opt]


def test_sharded_checkpoints_are_interchangeable_with_unsharded_ones(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """3 steps sharded, the gathered state_dict loaded into an unsharded AdamW (two parameter
    groups), 2 steps with it; and the other way round: both end with the bits of 5
    unsharded steps, parameters and state."""
    _, facts = job
    for shared_memory in (True, False):
        assert facts[f"shard/{shared_memory}/to_plain"] == [True, True]
        assert facts[f"shard/{shared_memory}/from_plain"] == [True, True]


def test_sharded_update_with_gradients_missing_on_some_ranks(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """A parameter with a gradient on one rank counts as zero on the other; one with a
    gradient on no rank is left alone, without state: the unsharded update's bits."""
    _, facts = job
    assert facts["shard/partial/sharded"] == [True, True]
    assert facts["shard/partial/sharded-mpi"] == [True, True]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_char_gpt_clips_the_reduced_gradients(
    job: tuple[dict[str, np.ndarray], dict[str, Any]], dtype: str
) -> None:
    """The char GPT of examples/06_char_gpt.py (its classes; 2 blocks, width 64, 4 heads,
    vocabulary 128; windows of 8 characters, 4 per rank) trained as the example does: AdamW with
    nanoGPT's parameter groups, the warmup-cosine schedule and clip_grad_norm, without dropout
    (each rank draws its own dropout masks, by design). The data-parallel runs reduce, then
    clip, then update: every rank clips by the global batch's gradient norm, which equals the
    single-process norm to 64 ulps (measured: at most 11); so do the ShardedOptimizer runs,
    which clip inside update (max_norm). The clipping binds at every step, so the order
    matters: clipping each rank's own gradients before the reduction ends far away.

    The parameters' tolerance is 1024 ulps instead of 64 because Adam divides each element's
    gradient by its own running magnitude: an element whose gradient nearly cancels over the
    batch carries a relative round-off far above eps into a step of full size ``lr``. The
    keys' bias, whose exact gradient is zero (docs/distributed.md), only ever moves by such
    round-off (its gradients, about 2e-11 in float32, are below Adam's eps of 1e-8, so the
    steps stay about lr / 500). Measured: at most 180 ulps (one element of 16384 above 64)
    in float64, 95 in float32 (the keys' bias)."""
    arrays, facts = job
    prefix = f"gpt/{dtype}/adamw"
    eps = float(np.finfo(dtype).eps)
    for tag in SHARDED:  # ShardedOptimizer.update(..., max_norm=): clipped, then stepped
        assert facts[f"{prefix}/{tag}/same_on_every_rank"] is True
    ref_norms = arrays[f"{prefix}/ref/norms"]
    assert ref_norms.min() > 0.5  # GPT_MAX_NORM of the worker: the clipping scales every step
    for tag in ("fused", "buckets", "overlap", *SHARDED):
        norms = arrays[f"{prefix}/{tag}/norms"]  # (ranks, steps): the same on both ranks
        assert norms.shape == (2, 5)
        np.testing.assert_array_equal(norms[0], norms[1])
        np.testing.assert_allclose(norms[0], ref_norms, rtol=64 * eps, atol=0)
    if dtype == "float64":
        # the wrong order: each rank clips by its own half's norm
        wrong = arrays[f"{prefix}/clip_first/norms"]
        assert not np.allclose(wrong[0], wrong[1], rtol=1e-3)
        name = "h.0.attn.c_attn.weight"
        ref = arrays[f"{prefix}/ref/param/{name}"]
        off = np.abs(arrays[f"{prefix}/clip_first/param/{name}"] - ref).max()
        assert off > 1e6 * PARAM_ULPS["gpt"] * eps


def test_gradients_reach_the_reduction_without_a_copy(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """On one machine, the MLP's gradients are computed by the backward pass's products
    straight into the shared slots (no gradient is copied there), for the sharded update and
    for all_reduce_gradients; the sharded optimizer's parameters are views of the memory the
    ranks share (the all-gather copies nothing). Their results are the bits of the copying
    paths (test_sharded_update_makes_the_unsharded_steps_bit_for_bit compares with MPI's)."""
    _, facts = job
    assert facts["zero_copy/sharded/copied"] == [0, 0]
    assert facts["zero_copy/fused/copied"] == [0, 0]
    assert facts["zero_copy/params_in_shared_memory"] == [True, True]


def test_closing_a_sharded_optimizer_frees_its_shared_memory(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """3 rounds of ``with dist.ShardedOptimizer(...)``: one window while open, none left
    after; the model's parameters then have arrays of their own, still the same on every
    rank and trainable by a plain optimizer; update after close raises. all_reduce_gradients
    keeps the shared memory of SHARED_SUMS_KEPT layouts at most: new layouts free the
    oldest's."""
    _, facts = job
    assert facts["windows/inside"] == [1, 1]
    assert facts["windows/after"] == [0, 0]
    assert facts["windows/own_arrays"] == [True, True]
    assert facts["windows/update_after_close"] == (
        "ShardedOptimizer.update: this ShardedOptimizer was closed"
    )
    assert facts["windows/same_after_plain_step"] is True
    for live, sums, live_after, sums_after in facts["windows/shared_sums"]:
        assert sums_after == _reduce.SHARED_SUMS_KEPT
        assert live_after - live == sums_after - sums


def test_sharded_checkpoint_files_resume(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """dist.save_checkpoint after 3 sharded steps (AdamW, two groups, clipping in the
    update), dx.load_checkpoint into a new model and ShardedOptimizer on every rank, 2 more
    steps: the bits of 5 sharded steps, parameters and gathered state; an unsharded AdamW
    resumes from the same file (clip_grad_norm after all_reduce_gradients: the same up to
    round-off)."""
    _, facts = job
    assert facts["checkpoint/resumed"] == [[True, True], [True, True]]
    assert facts["checkpoint/extra"] == [{"step": 3}, {"step": 3}]


def test_windows_left_open_are_freed_before_mpi_finalize(tmp_path: Path) -> None:
    """A ShardedOptimizer never closed: its window is freed at exit, before MPI is finalized
    (an exit handler registered before dfdx's runs after it and sees no window left), and
    the model's parameters leave the shared memory first (that handler reads them)."""
    proc, _ = _job(
        tmp_path,
        """
        import atexit
        from mpi4py import MPI
        import dfdx as dx
        from dfdx.distributed import _world

        def after_dfdx() -> None:
            total = float(model.weight.numpy().sum())
            print(f"at exit: {_world.live_windows()} {MPI.Is_finalized()} {total}", flush=True)

        atexit.register(after_dfdx)
        world = dx.distributed.init()
        model = dx.nn.Linear(4, 2)
        dx.distributed.broadcast_parameters(model)
        sharded = dx.distributed.ShardedOptimizer(dx.optim.SGD(model, lr=0.1))
        sharded.update(model, model(dx.ones(3, 4).trace()).sum().backward())
        print(f"open: {_world.live_windows()} {float(model.weight.numpy().sum())}", flush=True)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    # the two ranks' lines may reach stdout run together: read the numbers, not up to a space
    opened = re.findall(r"open: 1 (-?\d+\.\d+(?:e-?\d+)?)", proc.stdout)
    assert len(opened) == 2 and opened[0] == opened[1], proc.stdout
    assert proc.stdout.count(f"at exit: 0 False {opened[0]}") == 2, proc.stdout


def test_buckets_reduce_exactly_as_one_buffer(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """Buckets (MPI_Iallreduce), one buffer summed through shared memory (``fused``) and
    one buffer with MPI_Allreduce (``fused-mpi``, MLP and encoder runs): the same bits."""
    arrays, facts = job
    fused = sorted(k for k in arrays if "/fused/" in k)
    assert len(fused) > 20
    for key in fused:
        np.testing.assert_array_equal(arrays[key.replace("/fused/", "/buckets/")], arrays[key])
    # "fused" went through shared memory: one buffer of each size and dtype reduced
    assert facts["shared_memory/all_reduce"][0] == facts["shared_memory/all_reduce"][1] != []
    assert facts["shared_memory/sharded"] == [True, True]
    with_mpi = [k for k in fused if not k.startswith("gpt/")]
    assert len(with_mpi) > 20
    for key in with_mpi:
        np.testing.assert_array_equal(arrays[key.replace("/fused/", "/fused-mpi/")], arrays[key])


def test_overlapped_backward_reduces_exactly_as_after_it(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """``dist.backward`` starts each bucket's reduction during the reverse pass: every run of
    it (MLP, encoder, char GPT with its tied embedding read through a transpose) ends with the
    same bits as ``all_reduce_gradients(loss.backward(), model)``, and so do a parameter read
    through an untraced view, a tied weight and a gradient present on one rank only, each
    parameter in a bucket of its own."""
    arrays, facts = job
    fused = sorted(k for k in arrays if "/fused/" in k)
    assert len(fused) > 20
    for key in fused:
        np.testing.assert_array_equal(arrays[key.replace("/fused/", "/overlap/")], arrays[key])
    assert facts["views/overlap_equal"] == [True, True]
    assert facts["views/reduced"] == [True, True]
    assert facts["partial/overlap_equal"] == [True, True]
    assert facts["tied/overlap_equal"] is True


def test_a_gradient_missing_on_some_ranks_counts_as_zero(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """head_b is used on rank 0 only (input 1.0 there): its mean gradient is rank 0's / 2, on
    both ranks; ``unused`` received no gradient anywhere and gets none."""
    arrays, facts = job
    expected_has = {
        "head_a.weight": True,
        "head_a.bias": True,
        "head_b.weight": True,
        "head_b.bias": True,
        "unused.weight": False,
        "unused.bias": False,
    }
    assert facts["partial/has"] == [expected_has, expected_has]
    for rank in (0, 1):
        # head_a: input rank + 1 on 2 rows: weight gradient 2 * (rank + 1), mean over ranks 3
        np.testing.assert_array_equal(arrays[f"partial/{rank}/head_a.weight"], np.full((1, 4), 3))
        np.testing.assert_array_equal(arrays[f"partial/{rank}/head_a.bias"], [2.0])
        np.testing.assert_array_equal(arrays[f"partial/{rank}/head_b.weight"], np.full((1, 4), 1))
        np.testing.assert_array_equal(arrays[f"partial/{rank}/head_b.bias"], [1.0])
        # op="sum": 2 * 1 + 2 * 2
        np.testing.assert_array_equal(arrays[f"sum/{rank}/head_a.weight"], np.full((1, 4), 6))


def test_broadcast_sends_buffers_and_tied_weights_once(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    _, facts = job
    assert facts["buffers/running_mean_changed_by_training"] is True
    assert facts["buffers/same_state"] is True
    assert facts["buffers/still_tied"] is True
    assert facts["tied/same_after_step"] is True


def test_sampler_shards_agree_across_ranks(
    job: tuple[dict[str, np.ndarray], dict[str, Any]],
) -> None:
    """11 items on 2 ranks: 6 each (one padded), disjoint but for the padding, covering all;
    epoch 1 a different order."""
    arrays, _ = job
    for epoch in (0, 1):
        r0, r1 = arrays[f"sampler/{epoch}/0"], arrays[f"sampler/{epoch}/1"]
        assert len(r0) == len(r1) == 6
        assert sorted({*r0.tolist(), *r1.tolist()}) == list(range(11))
        expected = dx.distributed.DistributedSampler(11, 2, 0, seed=3)
        expected.set_epoch(epoch)
        np.testing.assert_array_equal(r0, list(expected))
    assert not np.array_equal(arrays["sampler/0/0"], arrays["sampler/1/0"])


def test_save_writes_from_rank_zero_only(job: tuple[dict[str, np.ndarray], dict[str, Any]]) -> None:
    arrays, facts = job
    assert facts["save/calls"] == [1, 0]
    assert facts["save/loaded_equals_rank0"] == [True, True]
    assert facts["all_reduce"] == {"mean": 1.5, "sum": 3.0, "max": 2.0, "min": 1.0}
    np.testing.assert_array_equal(arrays["all_reduce/array_sum"], [0, 3, 6])
    assert facts["world"] == [0, 2, "mpi", True]


# ---- failures: no hang, the error shown once -------------------------------------------------


def _job(tmp_path: Path, source: str) -> tuple[subprocess.CompletedProcess[str], float]:
    reason = _mpi.skip_reason()
    if reason:
        pytest.skip(reason)
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(source))
    start = time.perf_counter()
    proc = _mpi.run([str(script)], n=2, timeout=60)
    return proc, time.perf_counter() - start


def test_a_rank_that_raises_ends_the_job(tmp_path: Path) -> None:
    """Rank 1 raises while rank 0 waits in a barrier: the job ends (no hang) with a failure
    status, and the error is printed once, by rank 1."""
    proc, elapsed = _job(
        tmp_path,
        """
        import dfdx as dx
        world = dx.distributed.init()
        if world.rank == 1:
            raise RuntimeError("rank one failed here")
        dx.distributed.barrier()
        print("rank 0 passed the barrier")
        """,
    )
    assert proc.returncode != 0
    assert elapsed < 30
    assert proc.stderr.count("RuntimeError: rank one failed here") == 1, proc.stderr
    assert "rank 1 of 2 raised an error" in proc.stderr
    assert "passed the barrier" not in proc.stdout


def test_mismatched_models_are_reported_at_broadcast(tmp_path: Path) -> None:
    """Rank 1 builds a different model: broadcast_parameters raises on every rank, rank 0
    reports it (once) and the job ends."""
    proc, elapsed = _job(
        tmp_path,
        """
        import dfdx as dx
        world = dx.distributed.init()
        model = dx.nn.Sequential(dx.nn.Linear(4, 8 if world.rank == 0 else 6), dx.nn.ReLU())
        dx.distributed.broadcast_parameters(model)
        print("broadcast passed")
        """,
    )
    assert proc.returncode != 0
    assert elapsed < 30
    message = (
        "broadcast_parameters: rank 1's model differs from rank 0's: '0.weight' is (6, 4) "
        "float32 on rank 1, (8, 4) float32 on rank 0; '0.bias' is (6,) float32 on rank 1, "
        "(8,) float32 on rank 0. Every rank must build the same model."
    )
    assert proc.stderr.count(message) == 1, proc.stderr
    assert "broadcast passed" not in proc.stdout


# ---- a world of one, in this process ---------------------------------------------------------


@pytest.fixture
def solo() -> Iterator[_world.World]:
    """A world of one without MPI (as with mpi4py not installed)."""
    saved = _world._world
    _world._world = _world.World()
    try:
        yield _world._world
    finally:
        _world._world = saved


def test_import_dfdx_never_imports_mpi() -> None:
    code = (
        "import sys, dfdx; dfdx.distributed.DistributedSampler; assert 'mpi4py' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_without_mpi4py_the_world_is_one_process(tmp_path: Path) -> None:
    """With mpi4py not importable, init() gives a world of one and everything works."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["mpi4py"] = None  # as if not installed
        import numpy as np
        import dfdx as dx
        world = dx.distributed.init()
        assert (world.rank, world.size, world.backend) == (0, 1, "none"), world
        assert dx.distributed.get_rank() == 0 and dx.distributed.get_world_size() == 1
        assert dx.distributed.is_main()
        model = dx.nn.Linear(3, 2)
        before = model.weight.numpy().copy()
        dx.distributed.broadcast_parameters(model)
        loss = model(dx.ones(4, 3).trace()).sum()
        grads = loss.backward()
        assert dx.distributed.all_reduce_gradients(grads, model) is grads
        np.testing.assert_array_equal(grads[model.bias].numpy(), [4.0, 4.0])
        assert dx.distributed.all_reduce(2.5) == 2.5
        dx.distributed.barrier()
        dx.distributed.save(model, {str(tmp_path / "m.npz")!r})
        np.testing.assert_array_equal(np.load({str(tmp_path / "m.npz")!r})["weight"], before)
        assert list(dx.distributed.DistributedSampler(3, shuffle=False)) == [0, 1, 2]
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_reduce_arguments_are_checked(solo: _world.World) -> None:
    model = dx.nn.Linear(3, 2)
    grads = model(dx.ones(1, 3).trace()).sum().backward()
    with pytest.raises(ValueError, match="all_reduce_gradients: op must be one of 'mean', 'sum'"):
        dx.distributed.all_reduce_gradients(grads, model, op="max")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bucket_cap_mb must be a positive number or None"):
        dx.distributed.all_reduce_gradients(grads, model, bucket_cap_mb=0)
    with pytest.raises(TypeError, match=r"expected the Gradients of loss\.backward"):
        dx.distributed.all_reduce_gradients({}, model)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"root must be a rank in \[0, 1\), got 1"):
        dx.distributed.broadcast_parameters(model, root=1)
    with pytest.raises(TypeError, match="all_reduce: expected a number or a NumPy array, got str"):
        dx.distributed.all_reduce("1")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="all_reduce: op must be one of"):
        dx.distributed.all_reduce(1.0, op="prod")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="expected numbers, got an array of bool"):
        dx.distributed.all_reduce(np.array([True]))
    np.testing.assert_array_equal(dx.distributed.all_reduce(np.arange(3), "mean"), [0, 1, 2])


class _Done:
    def Wait(self) -> None:
        pass

    def Test(self) -> bool:
        return True


class TwinWorld(_world.World):
    """A world of two ranks whose other rank has this rank's gradients: every sum doubles.
    It records, at each reduction started, whether the first layer's gradient was still
    uncomputed (not yet written into a bucket), to see the reduction start during the
    backward pass."""

    def __init__(self, watch: dx.Tensor[Any, Any, Any]) -> None:
        super().__init__()
        self.size = 2
        self.watch = watch
        self.leaves: dict[int, Any] = {}
        self.written: set[int] = set()  # ids of the Pending entries written into a bucket
        self.started: list[tuple[int, bool]] = []

    def allreduce_(self, buf: np.ndarray, op: _world.ReduceOp = "sum") -> None:
        buf *= 2

    def iallreduce_(self, buf: np.ndarray) -> _world.Request:
        pending = self.leaves.get(self.watch._id)
        self.started.append((buf.size, pending is None or id(pending) not in self.written))
        buf *= 2
        return _Done()


@pytest.fixture
def twin() -> Iterator[None]:
    saved = _world._world
    try:
        yield
    finally:
        _world._world = saved


def _mlp() -> dx.nn.Sequential[Any]:
    rng = np.random.default_rng(0)
    return dx.nn.Sequential(
        dx.nn.Linear(6, 5, rng=rng), dx.nn.ReLU(), dx.nn.Linear(5, 4, rng=rng), dx.nn.ReLU(),
        dx.nn.Linear(4, 3, rng=rng),
    )  # fmt: skip


def _mlp_loss(model: dx.nn.Sequential[Any]) -> Any:
    x = dx.tensor(np.random.default_rng(1).standard_normal((7, 6)).astype(np.float32))
    return model(x.trace()).square().mean()


@pytest.mark.parametrize("bucket_cap_mb", [None, 1e-6, 1e-4, 0.5])
def test_backward_starts_reductions_during_the_reverse_pass(
    twin: None, bucket_cap_mb: float | None
) -> None:
    """With buckets small enough, the last layers' reduction starts while the first layer's
    weight gradient is still uncomputed; every bucket is reduced once, in the same order as
    all_reduce_gradients's (MPI needs the same order on every rank), and the mean over two
    identical ranks is this rank's gradient, bit for bit (the halving is exact)."""
    model = _mlp()
    first = dict(model.named_parameters())["0.weight"]
    alone = _mlp_loss(model).backward()
    w = TwinWorld(first)
    _world._world = w
    run_backward = _autodiff.run_backward

    def spying(*args: Any) -> Any:
        hook = args[3]

        def after_step(index: int, leaves: dict[int, Any]) -> None:
            w.leaves = leaves
            hook(index, leaves)

        return run_backward(args[0], args[1], args[2], after_step)

    write = _reduce._write

    def writing(out: np.ndarray, entry: Any, scale: float) -> int:
        w.written.add(id(entry))
        return write(out, entry, scale)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_autodiff, "run_backward", spying)
        mp.setattr(_reduce, "_write", writing)
        grads = dx.distributed.backward(_mlp_loss(model), model, bucket_cap_mb=bucket_cap_mb)
    for p in model.parameters():
        np.testing.assert_array_equal(grads.array(p), alone.array(p))
    sizes = [size for size, _ in w.started]
    assert sum(sizes) == sum(p.numpy().size + 1 for p in model.parameters())  # + one flag each
    if bucket_cap_mb is None or bucket_cap_mb == 0.5:  # one bucket: started at the end
        assert len(w.started) == 1 and not w.started[0][1]
    else:
        assert len(w.started) > 1
        assert w.started[0][1], "the first bucket started after the first layer's gradient"
        assert not w.started[-1][1]  # the first layer's own bucket: last, once computed


def test_step_hook_sees_complete_gradients(twin: None) -> None:
    """run_backward's after_step(i, leaves): the indices decrease, and a parameter that no step
    before i reads has its whole gradient pending at that call (computing it there gives the
    final value)."""
    model = _mlp()
    expected = _mlp_loss(model).backward()
    loss = _mlp_loss(model)
    assert loss._tape is not None
    tape = loss._tape.root()
    first_use: dict[int, int] = {}
    for i, step in enumerate(tape.steps):
        for in_id, _, _ in step.inputs:
            first_use.setdefault(in_id, i)
    params = {p._id: p for p in model.parameters()}
    indices: list[int] = []
    early: dict[int, np.ndarray] = {}

    def after_step(index: int, leaves: dict[int, Any]) -> None:
        indices.append(index)
        for pid in params:
            if pid not in early and first_use[pid] >= index:
                early[pid] = leaves[pid].get().copy()

    seed = np.ones((), np.float32)
    leaves = _autodiff.run_backward(tape, loss._id, seed, after_step)
    assert indices == sorted(indices, reverse=True) and indices[-1] == 0
    assert set(early) == set(params)
    for pid, p in params.items():
        np.testing.assert_array_equal(early[pid], expected.array(p))
        np.testing.assert_array_equal(leaves[pid].get(), expected.array(p))


def test_backward_in_a_world_of_one_is_loss_backward(solo: _world.World) -> None:
    model = _mlp()
    expected = _mlp_loss(model).backward()
    grads = dx.distributed.backward(_mlp_loss(model), model)
    for p in model.parameters():
        np.testing.assert_array_equal(grads.array(p), expected.array(p))
    loss = _mlp_loss(model)
    with pytest.raises(ValueError, match="backward: op must be one of 'mean', 'sum'"):
        dx.distributed.backward(loss, model, op="max")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backward: bucket_cap_mb must be a positive number"):
        dx.distributed.backward(loss, model, bucket_cap_mb=-1.0)
    with pytest.raises(TypeError, match="backward: expected the loss, a Tensor, got Gradients"):
        dx.distributed.backward(expected, model)


def test_a_mean_over_a_power_of_two_ranks_scales_while_copying() -> None:
    """(factor while copying in, divisor after the sum): multiplying by 1/2, 1/4, ... is
    exact, so it replaces the division; over 3 ranks the sum is divided as before."""
    assert _reduce._scaling("mean", 2) == (0.5, 1)
    assert _reduce._scaling("mean", 8) == (0.125, 1)
    assert _reduce._scaling("mean", 3) == (1.0, 3)
    assert _reduce._scaling("sum", 4) == (1.0, 1)
    grads = np.random.default_rng(0).standard_normal((2, 1000)).astype(np.float32)
    np.testing.assert_array_equal(grads[0] * 0.5 + grads[1] * 0.5, (grads[0] + grads[1]) / 2)


# ---- DistributedSampler: PyTorch's rules -----------------------------------------------------


def _torch_rule(n: int, replicas: int, rank: int, order: list[int], drop_last: bool) -> list[int]:
    """torch.utils.data.DistributedSampler.__iter__ (2.x), transcribed, for a given order."""
    import math

    if drop_last and n % replicas != 0:
        num_samples = math.ceil((n - replicas) / replicas)
    else:
        num_samples = math.ceil(n / replicas)
    total = num_samples * replicas
    indices = list(order)
    if not drop_last:
        pad = total - len(indices)
        if pad <= len(indices):
            indices += indices[:pad]
        else:
            indices += (indices * math.ceil(pad / len(indices)))[:pad]
    else:
        indices = indices[:total]
    return indices[rank:total:replicas]


def _two_group_adam(model: dx.nn.Sequential[Any]) -> dx.optim.Adam:
    return dx.optim.Adam(model, lr=0.1, param_groups=[{"params": ["2.weight"], "lr": 0.01}])


@pytest.mark.parametrize("shared_memory", [True, False])
def test_sharded_optimizer_in_a_world_of_one_is_the_optimizer(
    solo: _world.World, shared_memory: bool
) -> None:
    """In a world of one the sharded update is the optimizer's, bit for bit (two parameter
    groups); the parameters become views of one flat buffer, and a parameter whose array is
    replaced (``model.to``) is taken in again, values and all."""
    model, ref = _mlp(), _mlp()
    opt_ref = _two_group_adam(ref)
    sharded = dx.distributed.ShardedOptimizer(_two_group_adam(model), shared_memory=shared_memory)
    for step in range(4):
        if step == 2:
            model.to(dx.float32)  # new arrays with the same values
            weight = dict(model.named_parameters())["0.weight"]
            assert not np.shares_memory(weight._data, sharded._flats[0].params)
        sharded.update(model, _mlp_loss(model).backward())
        opt_ref.update(ref, _mlp_loss(ref).backward())
        for p, q in zip(model.parameters(), ref.parameters(), strict=True):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert all(np.shares_memory(p._data, sharded._flats[0].params) for p in model.parameters())
    state, expected = sharded.state_dict(), opt_ref.state_dict()
    assert state["param_groups"] == expected["param_groups"]
    assert state["state"].keys() == expected["state"].keys()
    for key, entry in expected["state"].items():
        for name, value in entry.items():
            np.testing.assert_array_equal(state["state"][key][name], value)


def test_sharded_optimizer_arguments_are_checked(solo: _world.World) -> None:
    model = _mlp()
    ShardedOptimizer = dx.distributed.ShardedOptimizer
    with pytest.raises(TypeError, match=r"ShardedOptimizer: expected a dx\.optim optimizer, got"):
        ShardedOptimizer(model)  # type: ignore[arg-type]
    stepped = dx.optim.SGD(model, lr=0.1, momentum=0.9)
    stepped.update(model, _mlp_loss(model).backward())
    with pytest.raises(ValueError, match="the optimizer has already made steps; wrap a new one"):
        ShardedOptimizer(stepped)
    sharded = ShardedOptimizer(dx.optim.SGD(model, lr=0.1))
    grads = _mlp_loss(model).backward()
    with pytest.raises(
        ValueError, match=r"ShardedOptimizer\.update: op must be one of 'mean', 'sum'"
    ):
        sharded.update(model, grads, op="max")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"expected the Gradients of loss\.backward\(\), got dict"):
        sharded.update(model, {})  # type: ignore[call-overload]
    other = dx.nn.Linear(6, 5)
    with pytest.raises(KeyError, match=r"the model has no parameter '0\.weight'"):
        sharded.update(other, other(dx.ones(1, 6).trace()).sum().backward())
    wider = dx.nn.Sequential(dx.nn.Linear(6, 7), dx.nn.ReLU(), dx.nn.Linear(7, 4), dx.nn.ReLU(),
                             dx.nn.Linear(4, 3))  # fmt: skip
    with pytest.raises(
        dx.ShapeError,
        match=re.escape(
            "ShardedOptimizer.update: parameter '0.weight' is Tensor[7, 6]; it was Tensor[5, 6] "
            "when the optimizer was built"
        ),
    ):
        sharded.update(wider, _mlp_loss(wider).backward())
    with pytest.raises(ValueError, match="the state is of a Adam optimizer, not SGD"):
        sharded.load_state_dict(dx.optim.Adam(_mlp()).state_dict())
    grads = _mlp_loss(model).backward()
    entry = grads._pending[dict(model.named_parameters())["0.bias"]._id]
    entry.get()
    entry.value = np.zeros(4, np.float32)  # a gradient of the wrong shape
    with pytest.raises(
        dx.ShapeError,
        match=re.escape(
            "ShardedOptimizer.update: the gradient of '0.bias' is Tensor[4], the parameter is "
            "Tensor[5]"
        ),
    ):
        sharded.update(model, grads)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 11, 12])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_follows_torch_rules(n: int, replicas: int, drop_last: bool) -> None:
    for shuffle in (False, True):
        shards = []
        for rank in range(replicas):
            s = dx.distributed.DistributedSampler(
                n, replicas, rank, shuffle=shuffle, seed=5, drop_last=drop_last
            )
            s.set_epoch(2)
            order = np.random.default_rng(7).permutation(n).tolist() if shuffle else list(range(n))
            assert list(s) == _torch_rule(n, replicas, rank, order, drop_last)
            assert len(list(s)) == len(s)
            shards.append(list(s))
        assert len({len(sh) for sh in shards}) == 1  # every rank the same number of batches


def test_sampler_epochs_and_errors(solo: _world.World) -> None:
    s = dx.distributed.DistributedSampler(list(range(10)))  # any sized dataset; world of one
    assert (s.num_replicas, s.rank, len(s)) == (1, 0, 10)
    first = list(s)
    assert sorted(first) == list(range(10)) and list(s) == first  # same epoch, same order
    s.set_epoch(1)
    assert list(s) != first and sorted(s) == list(range(10))
    assert all(type(i) is int for i in s)
    with pytest.raises(ValueError, match=r"rank must be in \[0, 2\), got 2"):
        dx.distributed.DistributedSampler(5, num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be >= 1, got 0"):
        dx.distributed.DistributedSampler(5, num_replicas=0, rank=0)
    with pytest.raises(TypeError, match="dataset must have a length"):
        dx.distributed.DistributedSampler(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="epoch must be >= 0, got -1"):
        s.set_epoch(-1)
    empty = dx.distributed.DistributedSampler(0, num_replicas=2, rank=1)
    assert list(empty) == [] and len(empty) == 0


@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_matches_torch_live(drop_last: bool) -> None:
    """Without shuffling (the permutations come from different generators), the shards of
    torch's own DistributedSampler: padding, drop_last and lengths (skipped without torch)."""
    torch_data = pytest.importorskip("torch.utils.data")
    for n in (1, 2, 5, 7, 10, 11, 13):
        for replicas in (1, 2, 3, 4):
            for rank in range(replicas):
                theirs = torch_data.DistributedSampler(
                    range(n), replicas, rank, shuffle=False, drop_last=drop_last
                )
                ours = dx.distributed.DistributedSampler(
                    n, replicas, rank, shuffle=False, drop_last=drop_last
                )
                assert list(ours) == list(theirs) and len(ours) == len(theirs), (n, replicas)


# ---- writing gradients in place; clipping, closing and checkpoints of ShardedOptimizer ---------


def test_pending_gradients_are_computed_into_a_given_array() -> None:
    """Pending.get_into: linear's weight and bias gradients are computed straight into the
    array given (the bits of the gradient read as usual, which stays readable); not for a
    gradient already read, of two parts, of another dtype, or whose op cannot write into an
    array (the traced input's)."""
    rng = np.random.default_rng(0)
    layer = dx.nn.Linear(5, 3, rng=rng)
    x = dx.tensor(rng.standard_normal((4, 5)).astype(np.float32))

    def grads_of(loss: Any) -> Any:
        return loss.backward()

    expected = grads_of(layer(x.trace()).square().sum())
    grads = grads_of(layer(x.trace()).square().sum())
    params: list[Any] = [layer.weight, layer.bias]
    for p in params:
        entry = grads._pending[p._id]
        out = np.full(p.shape, np.nan, np.float32)
        assert entry.get_into(out)
        np.testing.assert_array_equal(out, expected.array(p))
        np.testing.assert_array_equal(grads.array(p), expected.array(p))  # computed again
        assert not entry.get_into(out)  # now read: nothing to compute
    traced = x.trace()
    grads = grads_of(layer(traced).square().sum())
    assert not grads._pending[traced._id].get_into(np.empty((4, 5), np.float32))
    assert not grads._pending[layer.weight._id].get_into(np.empty((3, 5), np.float64))
    twice = grads_of((layer(x.trace()) + layer(x.trace())).sum())
    assert not twice._pending[layer.weight._id].get_into(np.empty((3, 5), np.float32))


@pytest.mark.parametrize("shared_memory", [True, False])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_sharded_update_clips_as_clip_grad_norm_in_a_world_of_one(
    solo: _world.World, shared_memory: bool, norm_type: float
) -> None:
    """update(..., max_norm=) in a world of one is clip_grad_norm then the optimizer's
    update, bit for bit, and returns the same norm; the clipping binds at every step."""
    model, ref = _mlp(), _mlp()
    opt_ref = dx.optim.Adam(ref, lr=0.1)
    sharded = dx.distributed.ShardedOptimizer(
        dx.optim.Adam(model, lr=0.1), shared_memory=shared_memory
    )
    for _ in range(3):
        grads = _mlp_loss(ref).backward()
        expected = dx.optim.clip_grad_norm(ref, grads, max_norm=0.01, norm_type=norm_type)
        opt_ref.update(ref, grads)
        norm = sharded.update(
            model, _mlp_loss(model).backward(), max_norm=0.01, norm_type=norm_type
        )
        assert norm == expected and norm > 0.01
        for p, q in zip(model.parameters(), ref.parameters(), strict=True):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert sharded.update(model, _mlp_loss(model).backward()) is None
    grads = _mlp_loss(model).backward()
    with pytest.raises(ValueError, match=r"ShardedOptimizer\.update: max_norm must be a number"):
        sharded.update(model, grads, max_norm=-1.0)
    with pytest.raises(ValueError, match=r"ShardedOptimizer\.update: norm_type must be a number"):
        sharded.update(model, grads, max_norm=1.0, norm_type=0)


def test_sharded_optimizer_closes(solo: _world.World) -> None:
    """close() (and the end of a with block) gives the parameters arrays of their own, with
    their values; update then raises; closing again does nothing."""
    model = _mlp()
    with dx.distributed.ShardedOptimizer(dx.optim.SGD(model, lr=0.1)) as sharded:
        sharded.update(model, _mlp_loss(model).backward())
        flat = sharded._flats[0]
        assert all(np.shares_memory(p._data, flat.params) for p in model.parameters())
        values = [p.numpy().copy() for p in model.parameters()]
    assert not any(np.shares_memory(p._data, flat.params) for p in model.parameters())
    for p, v in zip(model.parameters(), values, strict=True):
        np.testing.assert_array_equal(p.numpy(), v)
    with pytest.raises(RuntimeError, match="this ShardedOptimizer was closed"):
        sharded.update(model, _mlp_loss(model).backward())
    sharded.close()
    assert sharded.state_dict()["kind"] == "SGD"


def test_sharded_optimizer_checkpoints_in_a_world_of_one(
    solo: _world.World, tmp_path: Path
) -> None:
    """dist.save_checkpoint with a ShardedOptimizer, dx.load_checkpoint into a new one:
    2 + 2 steps make the bits of 4 steps in one go."""
    model = _mlp()
    sharded = dx.distributed.ShardedOptimizer(_two_group_adam(model))
    for _ in range(2):
        sharded.update(model, _mlp_loss(model).backward())
    path = tmp_path / "ck.npz"
    dx.distributed.save_checkpoint(path, model=model, optimizer=sharded, extra={"step": 2})
    for _ in range(2):
        sharded.update(model, _mlp_loss(model).backward())
    resumed_model = dx.nn.Sequential(
        dx.nn.Linear(6, 5), dx.nn.ReLU(), dx.nn.Linear(5, 4), dx.nn.ReLU(), dx.nn.Linear(4, 3)
    )
    resumed = dx.distributed.ShardedOptimizer(_two_group_adam(resumed_model))
    assert dx.load_checkpoint(path, model=resumed_model, optimizer=resumed) == {"step": 2}
    for _ in range(2):
        resumed.update(resumed_model, _mlp_loss(resumed_model).backward())
    for p, q in zip(resumed_model.parameters(), model.parameters(), strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    state, expected = resumed.state_dict(), sharded.state_dict()
    for key, entry in expected["state"].items():
        for name, value in entry.items():
            np.testing.assert_array_equal(state["state"][key][name], value)


def test_gradients_computed_into_shared_memory_are_read_before_the_update(
    solo: _world.World,
) -> None:
    """A gradient the sharded update computed into shared memory is not kept in ``grads``:
    read before the update it is there; read after, it raises (as any gradient not read
    before an optimizer step), rather than give the slot's later contents."""
    model = dx.nn.Linear(4, 2)
    sharded = dx.distributed.ShardedOptimizer(dx.optim.SGD(model, lr=0.1))
    grads = model(dx.ones(3, 4).trace()).sum().backward()
    assert model.bias is not None
    before = grads[model.bias].numpy().copy()
    sharded.update(model, grads)
    np.testing.assert_array_equal(grads[model.bias].numpy(), before)  # read before: kept
    with pytest.raises(RuntimeError, match="read it before calling the optimizer"):
        grads[model.weight]
