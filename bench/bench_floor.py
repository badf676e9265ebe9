"""The matrix-product floor of the two targets bench/run.py does not meet: the encoder layer's
training step (target 1.3x) and MLP inference at batch 256 (target 1.5x).

Usage: python bench/bench_floor.py [--rounds 8] [--steps 10] [--only encoder|mlp]

For each case, in one process and alternating rounds (CPU time, best round of each side, one
thread on every side; see bench/README.md):

- ``dfdx`` and ``torch``: the whole step, as bench/run.py times it;
- ``numpy products``: the matrix products of one dfdx step alone, replayed: every
  ``np.matmul``/``np.dot`` call that step makes is recorded once (its operands, with their
  shapes, strides and values, and its ``out=`` array) and called again in the same order,
  nothing else;
- ``torch products``: the same operands multiplied by ``torch.matmul`` (its products for the
  same shapes and memory layouts).

Reported per row: ms per step, the rate of the step's matrix-product FLOPs over that time
(GFLOP/s), and ``torch/this``. ``ceiling`` is torch's step over dfdx's products alone: the
ratio dfdx would reach if everything but its products took no time. The GEMM rate of bench/run.py
(512x512 float32) is printed for scale.
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Fn, Race, arg_parser, describe_machine, print_table, torch, use_torch

# isort: split
import math
import time
from collections.abc import Callable
from typing import Any

import bench_transformer
import numpy as np
import run

Call = tuple[Callable[..., Any], tuple[np.ndarray, np.ndarray], np.ndarray | None]


def record_products(step: Fn) -> list[Call]:
    """Every ``np.matmul``/``np.dot`` call of one ``step()``: the function, its two operands
    and its ``out=`` array (None if none). dfdx calls NumPy through its backend module, the
    numpy module itself, so replacing these two attributes for one step sees every call."""
    calls: list[Call] = []
    originals = {"matmul": np.matmul, "dot": np.dot}

    def spy(name: str) -> Callable[..., Any]:
        fn = originals[name]

        def called(a: Any, b: Any, *args: Any, **kw: Any) -> Any:
            out = kw.get("out", args[0] if args else None)
            calls.append((fn, (np.asarray(a), np.asarray(b)), out))
            return fn(a, b, *args, **kw)

        return called

    try:
        np.matmul = spy("matmul")  # type: ignore[assignment]
        np.dot = spy("dot")  # type: ignore[assignment]
        step()
    finally:
        np.matmul = originals["matmul"]  # type: ignore[assignment]
        np.dot = originals["dot"]  # type: ignore[assignment]
    return calls


def flops(calls: list[Call]) -> int:
    """Multiply-add FLOPs (2 m k n per product) of the recorded calls."""
    total = 0
    for _, (a, b), _ in calls:
        a2 = a if a.ndim > 1 else a[None, :]
        b2 = b if b.ndim > 1 else b[:, None]
        batch = math.prod(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]))
        total += 2 * batch * a2.shape[-2] * a2.shape[-1] * b2.shape[-1]
    return total


def replay_numpy(calls: list[Call]) -> Fn:
    def products() -> None:
        for fn, (a, b), out in calls:
            if out is None:
                fn(a, b)
            else:
                fn(a, b, out=out)

    return products


def replay_torch(calls: list[Call]) -> Fn:
    pairs = [(torch.from_numpy(a), torch.from_numpy(b)) for _, (a, b), _ in calls]

    def products() -> None:
        with torch.no_grad():
            for a, b in pairs:
                torch.matmul(a, b)

    return products


def cases() -> dict[str, tuple[Callable[[], Fn], Callable[[], Fn]]]:
    return {
        "encoder layer fwd+bwd": (bench_transformer.dfdx_step, bench_transformer.torch_step),
        "mlp infer b=256": (lambda: run.dfdx_mlp_infer(256), lambda: run.torch_mlp_infer(256)),
    }


def main(argv: list[str] | None = None) -> None:
    p = arg_parser(__doc__.split("\n\n")[0], steps=10)
    p.set_defaults(rounds=8)
    p.add_argument("--only", default="", help="the cases whose name contains this")
    a = p.parse_args(argv)
    if not use_torch(a.no_torch):
        raise SystemExit("bench_floor.py compares against PyTorch: install torch")
    describe_machine(True)
    clock = time.process_time
    rate = run.gemm_rate(clock)
    print(f"GEMM 512x512 float32, 1 thread: {rate / 1e9:.0f} GFLOP/s")
    for name, (dfdx_make, torch_make) in cases().items():
        if a.only not in name:
            continue
        step = dfdx_make()
        step()  # compiled kernels, lazy imports
        calls = record_products(step)
        n_flops = flops(calls)
        race = Race(clock)
        race.add("dfdx", dfdx_make, a.steps)
        race.add("torch", torch_make, a.steps)
        race.add("numpy products", lambda calls=calls: replay_numpy(calls), a.steps)
        race.add("torch products", lambda calls=calls: replay_torch(calls), a.steps)
        best = race.run(a.rounds)
        print(
            f"\n{name}: {len(calls)} products, {n_flops / 1e6:.1f} MFLOP per step "
            f"(best of {a.rounds} rounds x {a.steps} steps, CPU time)"
        )
        print_table(
            ["side", "ms", "GFLOP/s", "torch/this"],
            [
                [
                    side,
                    f"{t * 1e3:.2f}",
                    f"{n_flops / t / 1e9:.1f}",
                    f"{best['torch'] / t:.2f}x",
                ]
                for side, t in best.items()
            ],
        )
        rest = best["dfdx"] - best["numpy products"]
        print(
            f"dfdx outside its products: {rest * 1e3:.2f} ms; ceiling (torch step over "
            f"dfdx's products alone): {best['torch'] / best['numpy products']:.2f}x"
        )


if __name__ == "__main__":
    main()
