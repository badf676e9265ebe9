"""Data-parallel training throughput: the MLP 784-512-128-32-10 with Adam on 1 and 2
processes (``mpiexec -n N``), one BLAS thread each.

Usage: python bench/bench_distributed.py [--jobs 3] [--rounds 3] [--steps 40] [--batches 128,32]
                                         [--modes fused,overlap,sharded,sharded-mpi,independent]
                                         [--async-progress]
       python bench/bench_distributed.py --parts [--rounds 20] [--steps 10]

``--parts`` measures, in this one process, one rank's CPU time per step and phase (forward
and backward, the gradients backward left pending, the reduction, the optimizer, the
exchange) in the 2-process runs, with the other rank absent (its shared slots hold zeros,
the barriers return at once), beside the single process's: the work each rank does, copies
included, without the waiting and the memory contention of two processes, and little
disturbed by a busy machine (CPU time, best of alternating rounds). Then the same phases in
a job of 2 processes, each rank's, with its time in the barriers (``wait``) apart.

The script starts itself under ``mpiexec -n 1`` and ``mpiexec -n 2`` (the mpiexec beside this
Python: the ``mpich`` wheel of the ``distributed`` extra), alternately, ``--jobs`` times each,
and keeps each case's best round over all jobs (so that a busy spell slows both sides alike).
Each process trains on its own batch of B images (B per process: 2 processes see 2B images
per step) with the gradients averaged over the processes before every Adam step. Reported, per B:

- ``samples/s``: images per second, all processes together (best round of ``--rounds``
  rounds of ``--steps`` steps per job, after warm-up steps);
- ``speed-up``: samples/s over the single process's, and the scaling efficiency
  (speed-up / processes);
- ``comm ms/step``: the time in ``all_reduce_gradients`` per step (computing the parameters'
  gradients that the backward pass leaves pending, into one buffer per dtype, and the sum
  over the ranks), on the rank that spends the least there (the last to arrive, which waits
  for no one), and the whole step's time beside it;
- ``fused-mpi``: ``fused`` with ``shared_memory=False``: ``MPI_Allreduce`` instead of the
  sum through shared memory (each rank writes its gradients there and adds everyone's);
- ``overlap``: ``dist.backward(loss, model)`` instead of ``loss.backward()`` and the
  reduction after it: buckets of 0.5 MB, last layers first, each started
  (``MPI_Iallreduce``) as soon as the reverse pass no longer reads its parameters, with
  ``MPI_Testall`` between the remaining backward steps; whether overlapping the reduction
  with the backward pass gains anything (its ``comm`` is not separable: ``-``);
- ``sharded``: ``dist.ShardedOptimizer(Adam)``, ZeRO stage 1: each rank sums half of the
  gradients over the ranks, makes Adam's step on that half only and sends it to the other,
  through shared memory; ``sharded-mpi``: the same with ``MPI_Reduce_scatter_block`` and
  ``MPI_Allgather``; ``update ms/step``: the reduction and the optimizer step together (for
  ``fused`` too, and for the single process: its optimizer step), each with the pending
  gradients' computation (the products of ``linear``'s weight gradients), on the rank that
  spends the least there: the 2-process figure minus the single process's is what the
  reduction costs;
- ``cpu ms/step``: the CPU time per step, the mean of the ranks: above the single process's
  it is the work the reduction adds (a rank waiting in MPI polls, so waiting counts too);
- ``independent``: the 2 processes train at the same time without reducing anything: the
  throughput the machine gives two processes at all, the ceiling for data parallelism (on a
  shared machine, or one whose cores share resources, it is below 2x).

Target (issue): at least 1.7x the single process's samples/s with 2 processes at B = 128 on
a 2-core machine. Compare runs made one after the other on an otherwise idle machine; on a
shared one, two busy processes slow each other more than one alone.
"""

# First: _timing sets one BLAS/OpenMP thread, before numpy loads.
from _timing import arg_parser, describe_machine, print_table

# isort: split
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import dfdx as dx
from dfdx import distributed as dist

SIZES = [784, 512, 128, 32, 10]
WARMUP = 5


def build() -> dx.nn.Sequential[Any]:
    rng = np.random.default_rng(0)
    layers: list[Any] = []
    for i, (a, b) in enumerate(itertools.pairwise(SIZES)):
        layers.append(dx.nn.Linear(a, b, rng=rng))
        if i < len(SIZES) - 2:
            layers.append(dx.nn.ReLU())
    return dx.nn.Sequential(*layers)


MODES = ("fused", "fused-mpi", "overlap", "sharded", "sharded-mpi", "independent")
UPDATES = ("fused", "fused-mpi", "sharded", "sharded-mpi")
"""The modes whose reduction and update are timed together (``update ms/step``)."""


def measure(batch: int, rounds: int, steps: int, modes: list[str]) -> dict[str, dict[str, float]]:
    """Each mode's best round (seconds per step, per step's reduction, per step's reduction
    and update, CPU seconds per step), the modes in alternating rounds; a round's time is the
    slowest rank's."""
    world = dist.init()
    model = build()
    dist.broadcast_parameters(model)
    opt = dx.optim.Adam(model, lr=1e-4)
    sharded = {
        "sharded": dist.ShardedOptimizer(dx.optim.Adam(model, lr=1e-4)),
        "sharded-mpi": dist.ShardedOptimizer(dx.optim.Adam(model, lr=1e-4), shared_memory=False),
    }
    rng = np.random.default_rng(1 + world.rank)
    x = dx.tensor(rng.standard_normal((batch, SIZES[0]), dtype=np.float32))
    y = dx.tensor(rng.integers(0, 10, batch), dtype=dx.int64)

    def step(mode: str) -> tuple[float, float]:
        """(seconds in the reduction, seconds in the reduction and the update)"""
        loss = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y)
        if mode == "overlap":  # reduced during the backward pass: not timed apart
            opt.update(model, dist.backward(loss, model))
            return 0.0, 0.0
        # the parameters' gradients stay pending (computed when read), as in training: on
        # one machine the reduction has linear's products write them into shared memory
        grads = loss.backward()
        start = time.perf_counter()
        if mode in sharded:  # the reduction and the update: not separable
            sharded[mode].update(model, grads)
            return 0.0, time.perf_counter() - start
        if mode.startswith("fused"):  # independent: no reduction, the ranks never wait
            grads = dist.all_reduce_gradients(grads, model, shared_memory=mode == "fused")
        comm = time.perf_counter() - start
        opt.update(model, grads)
        return comm, time.perf_counter() - start

    for mode in modes:
        for _ in range(WARMUP):
            step(mode)
    inf = float("inf")
    best = {mode: {"step": inf, "comm": inf, "update": inf, "cpu": inf} for mode in modes}
    for r in range(rounds):
        for mode in modes[r % len(modes) :] + modes[: r % len(modes)]:
            dist.barrier()
            comm = update = 0.0
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(steps):
                c, u = step(mode)
                comm += c
                update += u
            elapsed = dist.all_reduce((time.perf_counter() - start) / steps, "max")
            cpu = dist.all_reduce((time.process_time() - cpu) / steps, "mean")
            # the rank that arrives last at the reduction waits for no one: its time is the
            # transfer itself (the other rank's also holds its wait for the slower one)
            comm = dist.all_reduce(comm / steps, "min")
            update = dist.all_reduce(update / steps, "min")
            if elapsed < best[mode]["step"]:
                best[mode] = {"step": elapsed, "comm": comm, "update": update, "cpu": cpu}
    return best


def bare_allreduce(rounds: int, calls: int = 50) -> float:
    """Best round's seconds per in-place ``MPI_Allreduce`` of the MLP's gradient size, the
    ranks already in step: the transfer alone."""
    world = dist.init()
    buf = np.ones(sum(p.numpy().size for p in build().parameters()), np.float32)
    best = float("inf")
    for _ in range(rounds + 1):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(calls):
            world.allreduce_(buf)
        best = min(best, dist.all_reduce((time.perf_counter() - start) / calls, "max"))
    return best


def worker(out: Path, batches: list[int], rounds: int, steps: int, modes: list[str]) -> None:
    world = dist.init()
    results = {"allreduce": {"step": bare_allreduce(rounds), "comm": 0.0, "cpu": 0.0}}
    for batch in batches:
        for mode, r in measure(batch, rounds, steps, modes).items():
            results[f"{batch}/{mode}"] = r
    if world.rank == 0:
        out.write_text(json.dumps({"size": world.size, "results": results}))


def launch(n: int, args: Any, out: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    argv = [str(mpiexec), "-n", str(n), sys.executable, __file__, "--worker", str(out)]
    argv += ["--rounds", str(args.rounds), "--steps", str(args.steps), "--batches", args.batches]
    argv += ["--modes", args.modes]
    subprocess.run(argv, check=True, env={**os.environ, **(env or {})})
    result: dict[str, Any] = json.loads(out.read_text())
    return result


JOBS: dict[str, tuple[int, dict[str, str]]] = {
    "1": (1, {}),
    "2": (2, {}),
    # MPICH's own progress thread: non-blocking reductions advance during computation, at the
    # price of a thread that polls (here it shares the 2 cores with the ranks)
    "2 async": (2, {"MPIR_CVAR_ASYNC_PROGRESS": "1"}),
}


def main() -> None:
    p = arg_parser("Data-parallel MLP training throughput on 1 and 2 processes", steps=40)
    p.set_defaults(rounds=3)
    p.add_argument("--jobs", type=int, default=3, help="mpiexec jobs per process count")
    p.add_argument("--batches", default="128,32", help="batch sizes per process")
    p.add_argument("--modes", default=",".join(MODES), help="the 2-process variants to run")
    p.add_argument(
        "--async-progress",
        action="store_true",
        help="also 2-process jobs with MPIR_CVAR_ASYNC_PROGRESS=1",
    )
    p.add_argument(
        "--parts",
        action="store_true",
        help="one rank's CPU time per phase, in this process (no mpiexec)",
    )
    p.add_argument("--worker", type=Path, help=argparse_hidden())
    p.add_argument("--in-job", action="store_true", help=argparse_hidden())
    args = p.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if args.parts:
        if not args.in_job:
            describe_machine(with_torch=False)
        parts(batches, max(args.rounds, 10), args.steps, args.in_job)
        return
    modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(modes) - set(MODES))
    if unknown or "fused" not in modes:
        p.error(f"--modes: 'fused' and any of {', '.join(MODES)}; got {args.modes!r}")
    if args.worker:
        worker(args.worker, batches, args.rounds, args.steps, modes)
        return
    describe_machine(with_torch=False)
    kinds = [k for k in JOBS if args.async_progress or k != "2 async"]
    print(
        f"processes: mpiexec -n 1 and -n 2 (MPICH), one BLAS thread each; {args.jobs} jobs "
        f"of each ({', '.join(kinds)}), alternately, {args.rounds} rounds of {args.steps} "
        "steps per case and job\n"
    )
    runs: dict[str, dict[str, dict[str, float]]] = {k: {} for k in kinds}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for job in range(args.jobs):
            for kind in kinds:
                n, env = JOBS[kind]
                loads.append(os.getloadavg()[0])
                out = Path(tmp) / f"{n}-{job}.json"
                for case, r in launch(n, args, out, env)["results"].items():
                    if r["step"] < runs[kind].get(case, {"step": float("inf")})["step"]:
                        runs[kind][case] = r
    header = ["batch/process", "reduction", "processes", "samples/s", "speed-up", "efficiency"]
    header += ["step ms", "cpu ms/step", "comm ms/step", "update ms/step"]
    rows = []
    for batch in batches:
        base = batch / runs["1"][f"{batch}/fused"]["step"]
        for kind in kinds:
            n = JOBS[kind][0]
            for mode in modes if n > 1 else ("fused",):  # one process: no reduction
                if kind == "2 async" and mode != "overlap":
                    continue
                r = runs[kind][f"{batch}/{mode}"]
                rate = n * batch / r["step"]
                label = "-" if n == 1 else mode + (" (async progress)" if kind != "2" else "")
                rows.append(
                    [
                        str(batch),
                        label,
                        str(n),
                        f"{rate:.0f}",
                        f"{rate / base:.2f}x",
                        f"{rate / base / n:.0%}",
                        f"{r['step'] * 1e3:.2f}",
                        f"{r['cpu'] * 1e3:.2f}",
                        f"{r['comm'] * 1e3:.3f}" if n > 1 and mode.startswith("fused") else "-",
                        f"{r['update'] * 1e3:.3f}" if mode in UPDATES or n == 1 else "-",
                    ]
                )
    print_table(header, rows)
    print(
        "\ncomm ms/step: 'fused' times all_reduce_gradients (with the gradients backward left"
        " pending, computed into shared memory), one buffer summed through shared memory;"
        " 'fused-mpi': the same with MPI_Allreduce."
        " 'overlap': dist.backward, the reduction started during the backward pass."
        " 'sharded': dist.ShardedOptimizer (each rank reduces and updates half of the"
        " parameters, then the halves are exchanged) over shared memory; 'sharded-mpi': the"
        " same over MPI_Reduce_scatter_block and MPI_Allgather. update ms/step: the reduction"
        " and the optimizer step together, with the parameters' gradients that backward leaves"
        " pending (on the rank that spends the least there); one process: its step alone."
        " 'independent': the same processes, no reduction at all (each trains alone): the"
        " most the machine gives 2 processes at this moment."
    )
    size = sum(p.numpy().nbytes for p in build().parameters()) / 1e6
    print(
        f"MPI_Allreduce of the {size:.1f} MB of gradients alone (2 processes in step): "
        f"{runs['2']['allreduce']['step'] * 1e3:.3f} ms"
    )
    print(
        f"load average (1 min) before each job: min {min(loads):.2f}, "
        f"mean {sum(loads) / len(loads):.2f}, max {max(loads):.2f}"
    )


PHASES = ("fwd+bwd", "gradients", "reduce", "optimizer", "exchange", "wait")


def parts(batches: list[int], rounds: int, steps: int, in_job: bool) -> None:
    """``--parts``: one rank's CPU time per step and phase in the 2-process runs, measured
    in this one process (a world of 2 whose other rank is absent: its shared slots hold
    zeros and the barriers return at once), beside the single process's. No waiting and no
    second process: the work each rank does, copies included, little disturbed by the
    machine's load (CPU time, best of alternating rounds). ``in_job``: the same phases in a
    real 2-process job (each rank's, and its time in the barriers, ``wait``)."""
    from dfdx._gradients import Gradients
    from dfdx.distributed import _reduce, _shard, _world
    from dfdx.optim import _base

    class Absent(_world.World):
        """Rank 0 of 2, alone: the collectives do nothing."""

        def __init__(self) -> None:
            super().__init__()
            self.size = 2

        def allgather(self, obj: Any) -> list[Any]:
            return [obj, obj]

    clock = time.process_time
    spent = dict.fromkeys(PHASES, 0.0)
    current = ["fwd+bwd"]

    def timed(owner: Any, name: str, phase: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer, current[0] = current[0], phase
            start = clock()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[phase] += clock() - start
                spent[outer] -= clock() - start  # nested: counted once, in the inner phase
                current[0] = outer

        setattr(owner, name, wrapper)

    # the gradients that backward leaves pending, computed (into shared memory) or copied
    timed(_shard._Flat, "fill", "gradients")
    timed(_reduce._Bucket, "fill", "gradients")
    timed(_shard._Flat, "reduce", "reduce")
    timed(_reduce._SharedSum, "all_reduce", "reduce")
    timed(Gradients, "array", "gradients")
    timed(dx.optim.Adam, "_step", "optimizer")
    timed(_base._Group, "step", "optimizer")  # small parameters stepped as one flat array
    timed(_shard._Flat, "publish", "exchange")
    timed(_world.SharedMemory, "fence", "wait")
    job = dist.init() if in_job else None
    cases: tuple[str, ...] = ("fused", "sharded") if in_job else ("single", "fused", "sharded")
    if job is None:
        print(
            "--parts: one rank's CPU time per step (ms) in this process (a world of 2 whose "
            f"other rank is absent), best of {rounds} alternating rounds of {steps} steps\n"
        )
    elif job.rank == 0:
        print(
            "\n--parts in a job of 2 processes: each rank's CPU time per step (ms), rank 0 / "
            f"rank 1, best of {rounds} alternating rounds of {steps} steps\n"
        )
    rows = []
    for batch in batches:
        runs: dict[str, Any] = {}
        for case in cases:
            w = job or (_world.World() if case == "single" else Absent())
            _world._world = w
            model = build()
            opt = dx.optim.Adam(model, lr=1e-4)
            sharded = (
                dist.ShardedOptimizer(dx.optim.Adam(model, lr=1e-4)) if case == "sharded" else None
            )
            rng = np.random.default_rng(1)
            x = dx.tensor(rng.standard_normal((batch, SIZES[0]), dtype=np.float32))
            y = dx.tensor(rng.integers(0, 10, batch), dtype=dx.int64)
            runs[case] = (w, model, opt, sharded, x, y)

        def run(case: str, runs: dict[str, Any] = runs) -> dict[str, float]:
            w, model, opt, sharded, x, y = runs[case]
            _world._world = w
            for phase in PHASES:
                spent[phase] = 0.0
            start = clock()
            for _ in range(steps):
                grads = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y).backward()
                if sharded is not None:
                    sharded.update(model, grads)
                elif case == "fused":
                    opt.update(model, dist.all_reduce_gradients(grads, model))
                else:
                    opt.update(model, grads)
            total = clock() - start
            if job is not None:
                dist.barrier()
            result = {phase: spent[phase] / steps for phase in PHASES}
            result["fwd+bwd"] = total / steps - sum(result[p] for p in PHASES[1:])
            result["total"] = total / steps
            return result

        best = {case: run(case) for case in cases}
        for r in range(rounds):
            for case in cases[r % 3 :] + cases[: r % 3]:
                got = run(case)
                if got["total"] < best[case]["total"]:
                    best[case] = got
        if job is not None:
            everyone = job.allgather(best)
            for case in cases:
                rows.append(
                    [str(batch), case]
                    + [
                        " / ".join(f"{b[case][p] * 1e3:.3f}" for b in everyone)
                        for p in (*PHASES, "total")
                    ]
                )
            continue
        for case in cases:
            b = best[case]
            speedup = 2 * best["single"]["total"] / b["total"]
            rows.append(
                [str(batch), case]
                + [f"{b[p] * 1e3:.3f}" for p in (*PHASES, "total")]
                + ["-" if case == "single" else f"{speedup:.2f}x"]
            )
    if job is not None:
        if job.rank == 0:
            print_table(["batch", "run", *PHASES, "total"], rows)
            print(
                "\nwait: in the barriers (MPICH polls: waiting for the other rank costs CPU"
                " time); total minus wait: the rank's work, contention for memory included."
            )
        return
    _world._world = None
    header = ["batch", "run", *PHASES, "total", "2 x single / total"]
    print_table(header, rows)
    print(
        "\nfwd+bwd: forward and backward (what backward computes at once); gradients: the"
        " parameters' gradients backward left pending, computed (single: read by the"
        " optimizer; fused, sharded: into the shared slots, or copied there where an op cannot"
        " write them); reduce: adding the slots (fused: all of them, sharded: this rank's"
        " block); optimizer: the optimizer's steps; exchange: the sharded all-gather."
        " 2 x single / total: the speed-up 2 processes would reach with nothing but this"
        " work (no waiting at the barriers, no contention for memory)."
    )
    mpiexec = Path(sys.executable).parent / "mpiexec"
    argv = [str(mpiexec), "-n", "2", sys.executable, __file__, "--parts", "--in-job"]
    argv += ["--rounds", str(rounds), "--steps", str(steps)]
    argv += ["--batches", ",".join(map(str, batches))]
    subprocess.run(argv, check=True)


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
