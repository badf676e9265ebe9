"""Every speed target in one table: dfdx against PyTorch CPU, in one process, one run.

Usage: python bench/run.py [--rounds 3] [--seconds 0.3] [--threads N|all] [--no-torch]
                           [--only NAME] [--no-memory | --memory-only]

Cases (the models are the other scripts' in bench/; steps per second, higher is better):

- ``gpt train p=0.1`` / ``p=0``: bench_gpt.py's character model, forward, loss, backward
  and AdamW update, dropout 0.1 and 0 (target 1.0x);
- ``mlp train b=32`` / ``b=128``: bench_mlp.py's 784-512-128-32-10 step with Adam
  (targets 2.0x and 1.3x); the ``roofline`` column is the step's matrix-product FLOPs at the
  single-thread GEMM rate measured here (512x512 float32), over the step's time (target 50%
  at batch 32);
- ``cnn train``: examples/03_conv_net.py's CNN on a batch of 32 8x8 images, with Adam (1.0x);
- ``conv2d fwd+bwd``: bench_conv.py's step, gradients of weight and input (1.0x);
- ``encoder layer fwd+bwd``: bench_transformer.py's step (1.3x);
- ``mlp infer b=1`` / ``b=256`` and ``gpt forward``: forward passes on ``NoneTape`` tensors
  against ``torch.no_grad()`` (1.5x).

Every case runs ``--rounds`` alternating rounds of about ``--seconds`` each and keeps each
side's best round (see bench/README.md). One thread on every side unless ``--threads``
(``--threads all``: every core this process may run on).
Times are the process's CPU time (``time.process_time``, every thread) unless ``--wall``: on
a shared machine, time spent preempted by other processes is not counted on either side
(with ``--threads`` above 1, wall-clock time: CPU time would add up the threads).

A second table gives each case's peak memory per step on each side (Linux): every side of
every case runs in a fresh process, and the peak resident memory of 3 steps above the
resident memory before them is read from ``/proc/self/status`` (see :func:`step_peak_mib`).
``--no-memory`` skips it, ``--memory-only`` prints only it.
"""

import os
import sys

# --threads must reach _timing's environment before numpy loads ("all": every core this
# process may run on, see _cores).
if "--threads" in sys.argv[:-1]:
    _n = sys.argv[sys.argv.index("--threads") + 1]
    if _n == "all":
        _n = str(
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        )
    os.environ["DFDX_BENCH_THREADS"] = _n

# First: _timing sets the BLAS/OpenMP threads on every side, before numpy (or torch) loads.
from _timing import THREADS, Fn, Race, arg_parser, describe_machine, print_table, torch, use_torch

# isort: split
import ctypes
import gc
import itertools
import subprocess
import time
from collections.abc import Callable
from typing import Any

import bench_conv
import bench_gpt
import bench_mlp
import bench_transformer
import numpy as np

import dfdx as dx

Case = tuple[str, Callable[[], Fn], Callable[[], Fn] | None, float]


def gemm_rate(clock: Callable[[], float]) -> float:
    """FLOP/s of a 512x512 float32 product on this machine's BLAS, best of a few, timed
    with the cases' clock."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((512, 512), dtype=np.float32)
    b = rng.standard_normal((512, 512), dtype=np.float32)
    out = np.empty_like(a)
    best = float("inf")
    for _ in range(10):
        start = clock()
        for _ in range(20):
            np.matmul(a, b, out=out)
        best = min(best, (clock() - start) / 20)
    return 2 * 512**3 / best


def mlp_flops(batch: int) -> float:
    """Matrix-product FLOPs of one MLP training step: the forward product, the weight
    gradient and (but for the first layer) the input gradient of every layer."""
    pairs = list(itertools.pairwise(bench_mlp.SIZES))
    forward = sum(2 * batch * i * o for i, o in pairs)
    return 3 * forward - 2 * batch * pairs[0][0] * pairs[0][1]


# ---- cases the other scripts do not have -------------------------------------------------


def dfdx_cnn() -> Fn:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "03_conv_net.py"
    spec = importlib.util.spec_from_file_location("conv_net_example", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    spec.loader.exec_module(example)
    model = example.cnn(8)
    opt = dx.optim.Adam(model, lr=2e-3)
    rng = np.random.default_rng(0)
    x = dx.tensor(rng.standard_normal((32, 1, 8, 8), dtype=np.float32))
    y = dx.tensor(rng.integers(0, 10, 32))

    def step() -> None:
        loss = dx.losses.cross_entropy_with_logits_loss(model(x.trace()), y)
        opt.update(model, loss.backward())

    return step


def torch_cnn() -> Fn:
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((32, 1, 8, 8), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, 32))

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def dfdx_mlp_infer(batch: int) -> Fn:
    model = bench_mlp.dfdx_model()
    x = dx.tensor(np.random.default_rng(0).standard_normal((batch, 784), dtype=np.float32))
    return lambda: model(x)


def torch_mlp_infer(batch: int) -> Fn:
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(bench_mlp.SIZES)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(bench_mlp.SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).eval()
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((batch, 784), dtype=np.float32))

    def fwd() -> None:
        with torch.no_grad():
            model(x)

    return fwd


def _unit(make: Callable[[], Callable[[], object]]) -> Callable[[], Fn]:
    def made() -> Fn:
        fn = make()
        return lambda: fn()

    return made


def cases(with_torch: bool) -> list[Case]:
    """(name, dfdx side, torch side or None, target ratio)."""
    conv = bench_conv.Data()
    table: list[Case] = [
        (
            "gpt train p=0.1",
            lambda: bench_gpt.dfdx_step(0.1),
            lambda: bench_gpt.torch_step(0.1),
            1.0,
        ),
        ("gpt train p=0", lambda: bench_gpt.dfdx_step(0.0), lambda: bench_gpt.torch_step(0.0), 1.0),
        ("mlp train b=32", lambda: bench_mlp.dfdx_step(32), lambda: bench_mlp.torch_step(32), 2.0),
        (
            "mlp train b=128",
            lambda: bench_mlp.dfdx_step(128),
            lambda: bench_mlp.torch_step(128),
            1.3,
        ),
        ("cnn train b=32", dfdx_cnn, torch_cnn, 1.0),
        (
            "conv2d fwd+bwd",
            _unit(lambda: bench_conv.dfdx_step(conv, True)),
            _unit(lambda: bench_conv.torch_step(conv, True)),
            1.0,
        ),
        ("encoder layer fwd+bwd", bench_transformer.dfdx_step, bench_transformer.torch_step, 1.3),
        ("mlp infer b=1", lambda: dfdx_mlp_infer(1), lambda: torch_mlp_infer(1), 1.5),
        ("mlp infer b=256", lambda: dfdx_mlp_infer(256), lambda: torch_mlp_infer(256), 1.5),
        ("gpt forward", bench_gpt.dfdx_forward, bench_gpt.torch_forward, 1.5),
    ]
    if not with_torch:
        table = [(n, d, None, t) for n, d, _, t in table]
    return table


# ---- peak memory per step ---------------------------------------------------------------


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` field in KiB (``VmRSS``: resident now, ``VmHWM``: its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def step_peak_mib(make: Callable[[], Fn], steps: int = 3) -> float:
    """Peak resident memory while ``steps`` calls of the case run, above the resident memory
    just before them, in MiB (Linux only). Two warm-up calls first (optimizer moments,
    compiled kernels, lazy imports: memory of the first step that later steps do not need
    again), then glibc hands its free memory back to the OS (``malloc_trim``), the peak
    (``VmHWM``) is reset to the resident size (``/proc/self/clear_refs``), and after the
    calls the peak minus the resident size before them is what the steps needed. Resident
    memory counts every allocator alike (NumPy's, PyTorch's), where tracemalloc sees only
    Python's."""
    fn = make()
    fn()
    fn()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: free memory may stay resident
        pass
    before = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to VmRSS
    for _ in range(steps):
        fn()
    return (_status_kib("VmHWM") - before) / 1024


def _memory_child(name: str, side: str) -> None:
    """``--memory-of NAME SIDE``: print the peak of one case's side, in this fresh process."""
    with_torch = use_torch(side != "torch")  # torch's threads set as in the timed run
    table = {c[0]: c for c in cases(with_torch)}
    _, dfdx_make, torch_make, _ = table[name]
    make = dfdx_make if side == "dfdx" else torch_make
    assert make is not None
    print(f"{step_peak_mib(make):.3f}")


def memory_table(selected: list[Case]) -> None:
    """Peak memory per step of each case and side, each in a fresh process (so that neither
    side's freed memory, nor its imports, count for the other)."""
    rows = []
    for name, _, torch_make, _ in selected:
        peaks: list[float | None] = []
        for side in ("dfdx", "torch"):
            if side == "torch" and torch_make is None:
                peaks.append(None)
                continue
            out = subprocess.run(
                [sys.executable, __file__, "--memory-of", name, side],
                capture_output=True,
                text=True,
                check=True,
            )
            peaks.append(float(out.stdout.split()[-1]))
        d, t = peaks
        rows.append(
            [
                name,
                f"{d:.1f}",
                "-" if t is None else f"{t:.1f}",
                "-" if t is None or min(d, t) < 0.1 else f"{d / t:.2f}x",  # a few pages: no ratio
            ]
        )
    print_table(["case", "dfdx MiB", "torch MiB", "dfdx/torch"], rows)
    print(
        "peak resident memory of 3 steps above the resident memory before them (VmHWM - "
        "VmRSS, each side in a fresh process, after 2 warm-up steps and malloc_trim)"
    )


def _calls(make: Callable[[], Fn], seconds: float) -> int:
    """How many calls fill about ``seconds`` (one timed probe call after a warm-up)."""
    fn = make()
    fn()
    start = time.perf_counter()
    fn()
    return max(3, int(seconds / max(time.perf_counter() - start, 1e-6)))


def _cores() -> int:
    """The cores this process may run on (``--threads all``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _threads(value: str) -> int:
    """``--threads``: a positive number, or ``all`` (every core this process may use)."""
    n = _cores() if value == "all" else int(value)
    if n < 1:
        raise ValueError(value)
    return n


def main() -> None:
    if "--memory-of" in sys.argv:
        i = sys.argv.index("--memory-of")
        _memory_child(sys.argv[i + 1], sys.argv[i + 2])
        return
    p = arg_parser(__doc__.splitlines()[0], steps=0)
    p.set_defaults(rounds=3)
    p.add_argument("--seconds", type=float, default=0.3, help="time per case and round")
    p.add_argument(
        "--threads", type=_threads, default=1, help="threads on every side, or all (every core)"
    )
    p.add_argument("--no-memory", action="store_true", help="skip the peak memory table")
    p.add_argument("--memory-only", action="store_true", help="only the peak memory table")
    p.add_argument("--wall", action="store_true", help="wall-clock time, not CPU time")
    p.add_argument("--only", default="", help="run the cases whose name contains this")
    args = p.parse_args()
    with_torch = use_torch(args.no_torch)
    describe_machine(with_torch)
    selected = [c for c in cases(with_torch) if args.only in c[0]]
    if args.memory_only:
        memory_table(selected)
        return
    # CPU time adds up every thread's: with several, only wall-clock time compares.
    wall = args.wall or THREADS > 1
    clock = time.perf_counter if wall else time.process_time
    rate = gemm_rate(clock)
    print(f"GEMM 512x512 float32, {THREADS} thread(s): {rate / 1e9:.0f} GFLOP/s")
    race = Race(clock)
    for name, dfdx_make, torch_make, _ in selected:
        race.add(f"dfdx {name}", dfdx_make, _calls(dfdx_make, args.seconds))
        if torch_make is not None:
            race.add(f"torch {name}", torch_make, _calls(torch_make, args.seconds))
    best = race.run(args.rounds)
    rows = []
    for name, _, _, target in selected:
        d, t = best[f"dfdx {name}"], best.get(f"torch {name}")
        r = None if t is None else t / d
        roof = "-"
        if name.startswith("mlp train"):
            batch = int(name.rsplit("=", 1)[1])
            roof = f"{mlp_flops(batch) / rate / d:.0%}"
        rows.append(
            [
                name,
                f"{1 / d:.1f}",
                "-" if t is None else f"{1 / t:.1f}",
                "-" if r is None else f"{r:.2f}x",
                f"{target:.1f}x",
                "-" if r is None else ("met" if r >= target else "NOT met"),
                roof,
            ]
        )
    print_table(
        ["case", "dfdx steps/s", "torch steps/s", "dfdx/torch", "target", "", "roofline"], rows
    )
    print(
        f"threads: {THREADS} on every side; best of {args.rounds} alternating rounds; "
        f"{'wall-clock' if wall else 'CPU'} time; "
        "roofline: matrix-product FLOPs at the GEMM rate above over the step's time"
    )
    if not args.no_memory:
        print()
        memory_table(selected)


if __name__ == "__main__":
    main()
