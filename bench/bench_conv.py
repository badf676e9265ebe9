"""conv2d forward and backward: dfdx against PyTorch CPU and a hand-written NumPy floor, in
one process.

Usage: python bench/bench_conv.py [--rounds 15] [--steps 10] [--quick] [--no-torch]

The case is a batch of 32, 16 -> 32 channels, 28 x 28, a 3 x 3 kernel, padding 1, float32.
One step is the forward pass, ``loss = (y * w).sum()`` and the backward pass with the
gradients in hand: for the weight only (a first layer, whose input needs no gradient), and
for the weight and the input (a layer inside a network). Every side runs single-threaded, in
alternating rounds, keeping its best round (see bench/README.md); compare the ratios.
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Race, arg_parser, describe_machine, print_table, ratio, torch, use_torch

# isort: split
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import dfdx as dx

BATCH, C_IN, C_OUT, SIZE, K = 32, 16, 32, 28, 3
PRODUCT_FLOPS = 2 * BATCH * C_OUT * C_IN * K * K * SIZE * SIZE
"""One of the step's matrix products (forward, weight's or input's gradient)."""
Step = Callable[[], list[Any]]


class Data:
    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((BATCH, C_IN, SIZE, SIZE), dtype=np.float32)
        self.w = rng.standard_normal((C_OUT, C_IN, K, K), dtype=np.float32) * np.float32(0.1)
        self.b = rng.standard_normal(C_OUT, dtype=np.float32)
        self.gy = rng.standard_normal((BATCH, C_OUT, SIZE, SIZE), dtype=np.float32)


def dfdx_step(d: Data, input_grad: bool) -> Step:
    x, w, b, gy = dx.tensor(d.x), dx.tensor(d.w), dx.tensor(d.b), dx.tensor(d.gy)

    def step() -> list[Any]:
        xt = x.trace()
        y = dx.conv2d(xt, w, b, padding=1)
        grads = (y * gy).sum().backward()
        wanted = [w, b, x] if input_grad else [w, b]
        return [grads.array(t) for t in wanted]

    return step


def torch_step(d: Data, input_grad: bool) -> Step:
    x = torch.from_numpy(d.x.copy()).requires_grad_(input_grad)
    w = torch.from_numpy(d.w.copy()).requires_grad_(True)
    b = torch.from_numpy(d.b.copy()).requires_grad_(True)
    gy = torch.from_numpy(d.gy.copy())

    def step() -> list[Any]:
        for t in (x, w, b):
            t.grad = None
        y = torch.conv2d(x, w, b, padding=1)
        (y * gy).sum().backward()
        return [w.grad, b.grad, x.grad] if input_grad else [w.grad, b.grad]

    return step


def numpy_step(d: Data, input_grad: bool) -> Step:
    """The floor: im2col and one matrix product each way, no autodiff."""
    from numpy.lib.stride_tricks import sliding_window_view

    x, w, b, gy = d.x, d.w, d.b, d.gy
    wm = w.reshape(C_OUT, -1)

    def step() -> list[Any]:
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        cols = sliding_window_view(xp, (K, K), axis=(2, 3))  # (N, C, H, W, K, K)
        cols = np.ascontiguousarray(cols.transpose(1, 4, 5, 0, 2, 3)).reshape(C_IN * K * K, -1)
        y = (
            np.dot(wm, cols).reshape(C_OUT, BATCH, SIZE, SIZE).transpose(1, 0, 2, 3)
            + b[:, None, None]
        )
        del y
        g = np.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(C_OUT, -1)
        out = [np.dot(g, cols.T).reshape(w.shape), g.sum(axis=1)]
        if input_grad:
            dcols = np.dot(wm.T, g).reshape(C_IN, K, K, BATCH, SIZE, SIZE)
            gx = np.zeros((C_IN, BATCH, SIZE + 2, SIZE + 2), np.float32)
            for i in range(K):
                for j in range(K):
                    gx[:, :, i : i + SIZE, j : j + SIZE] += dcols[:, i, j]
            out.append(gx[:, :, 1:-1, 1:-1].transpose(1, 0, 2, 3))
        return out

    return step


def check_same(d: Data, with_torch: bool) -> None:
    want = [np.asarray(g) for g in numpy_step(d, True)()]
    sides = {"dfdx": dfdx_step(d, True)()}
    if with_torch:
        sides["torch"] = [g.numpy() for g in torch_step(d, True)()]
    for side, got in sides.items():
        for g, v in zip(got, want, strict=True):
            if not np.allclose(g, v, rtol=1e-3, atol=1e-3):
                raise SystemExit(f"{side}: gradients differ from numpy's")


def main(argv: list[str] | None = None) -> None:
    p = arg_parser(__doc__.splitlines()[0], steps=10)
    p.add_argument("--quick", action="store_true", help="smoke run: a few seconds")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.steps = 2, 2
    with_torch = use_torch(args.no_torch)
    describe_machine(with_torch)
    print(f"rounds {args.rounds}, {args.steps} steps per round and side")
    d = Data()
    check_same(d, with_torch)
    race = Race()
    modes = {"weight": False, "weight+input": True}
    for mode, input_grad in modes.items():
        race.add(f"{mode}/numpy", partial(numpy_step, d, input_grad), args.steps)
        race.add(f"{mode}/dfdx", partial(dfdx_step, d, input_grad), args.steps)
        if with_torch:
            race.add(f"{mode}/torch", partial(torch_step, d, input_grad), args.steps)
    start = time.perf_counter()
    best = race.run(args.rounds)
    print(
        f"\nconv2d {BATCH}x{C_IN}x{SIZE}x{SIZE} -> {C_OUT} channels, {K}x{K}, padding 1, float32:"
        " forward + backward, gradients in hand; milliseconds per step (best round)"
    )
    rows = []
    for mode in modes:
        t = {s: best.get(f"{mode}/{s}") for s in ("numpy", "dfdx", "torch")}
        ms = ["-" if v is None else f"{v * 1e3:.2f}" for v in t.values()]
        rows.append([mode, *ms, ratio(t["dfdx"], t["torch"]), ratio(t["dfdx"], t["numpy"])])
    print_table(["gradients of", "numpy floor", "dfdx", "torch", "dfdx/torch", "dfdx/floor"], rows)
    print("    ratios are time ratios: < 1 means the left side is faster")
    products = {"weight": 2, "weight+input": 3}  # forward, weight's and input's gradients
    for mode, count in products.items():
        flops = count * PRODUCT_FLOPS
        rates = [
            f"{side} {flops / t / 1e9:.0f}"
            for side in ("numpy", "dfdx", "torch")
            if (t := best.get(f"{mode}/{side}")) is not None
        ]
        print(
            f"    {mode}: {count} products of {PRODUCT_FLOPS / 1e6:.0f} MFLOP; "
            f"GFLOP/s over the whole step: {', '.join(rates)}"
        )
    if not with_torch:
        print("    (torch not installed: torch columns skipped)")
    print(f"\n({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
