"""Every speed target in one table: dfdx against PyTorch CPU, in one process, one run.

Usage: python bench/run.py [--rounds 3] [--seconds 0.3] [--threads N] [--no-torch]

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
side's best round (see bench/README.md). One thread on every side unless ``--threads``.
Times are the process's CPU time (``time.process_time``, every thread) unless ``--wall``: on
a shared machine, time spent preempted by other processes is not counted on either side
(with ``--threads`` above 1, wall-clock time: CPU time would add up the threads).
"""

import os
import sys

# --threads must reach _timing's environment before numpy loads.
if "--threads" in sys.argv:
    os.environ["DFDX_BENCH_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]

# First: _timing sets the BLAS/OpenMP threads on every side, before numpy (or torch) loads.
from _timing import THREADS, Fn, Race, arg_parser, describe_machine, print_table, torch, use_torch

# isort: split
import itertools
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


def _calls(make: Callable[[], Fn], seconds: float) -> int:
    """How many calls fill about ``seconds`` (one timed probe call after a warm-up)."""
    fn = make()
    fn()
    start = time.perf_counter()
    fn()
    return max(3, int(seconds / max(time.perf_counter() - start, 1e-6)))


def main() -> None:
    p = arg_parser(__doc__.splitlines()[0], steps=0)
    p.set_defaults(rounds=3)
    p.add_argument("--seconds", type=float, default=0.3, help="time per case and round")
    p.add_argument("--threads", type=int, default=1, help="threads on every side")
    p.add_argument("--wall", action="store_true", help="wall-clock time, not CPU time")
    p.add_argument("--only", default="", help="run the cases whose name contains this")
    args = p.parse_args()
    with_torch = use_torch(args.no_torch)
    describe_machine(with_torch)
    # CPU time adds up every thread's: with several, only wall-clock time compares.
    wall = args.wall or THREADS > 1
    clock = time.perf_counter if wall else time.process_time
    rate = gemm_rate(clock)
    print(f"GEMM 512x512 float32, {THREADS} thread(s): {rate / 1e9:.0f} GFLOP/s")
    selected = [c for c in cases(with_torch) if args.only in c[0]]
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


if __name__ == "__main__":
    main()
