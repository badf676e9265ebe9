"""Per-op Python overhead and a small MLP training step: dfdx against PyTorch CPU and
against hand-written NumPy, in one process.

Usage: python bench/bench_overhead.py [--rounds 15] [--steps 100] [--ops-calls 10000] [--quick]

Every side runs single-threaded. Sides run in alternating rounds (the order rotates every
round) and each keeps its best round, so that a noisy, shared machine slows every side alike;
compare the printed ratios, not the absolute times. Without torch installed the torch columns
are skipped. See bench/README.md for what each figure measures.
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Fn, Race, arg_parser, describe_machine, print_table, ratio, torch, us, use_torch

# isort: split
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import dfdx as dx

Step = Callable[[], list[Any]]


# ---- (a) per-op overhead -------------------------------------------------------------------
BLOCK = 100
"""Ops per timed call: a traced block starts on a fresh tape, so the tape holds at most
BLOCK steps, as in a small model's forward pass (a tape of 20000 steps is slower per op)."""


def _block(op: Fn) -> Fn:
    def run() -> None:
        for _ in range(BLOCK):
            op()

    return run


def add_op_cases(race: Race, calls: int, with_torch: bool) -> list[str]:
    """exp, add and mul-by-a-number on (1, 8) float32: NumPy, dfdx untraced and traced,
    torch without and with requires_grad. Timed in blocks of BLOCK calls (the same loop on
    every side, so the loop's own cost cancels in the overhead)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1, 8), dtype=np.float32)
    b = rng.standard_normal((1, 8), dtype=np.float32)
    xa, xb = dx.tensor(a), dx.tensor(b)
    ops: dict[str, tuple[Any, Any, Any]] = {
        # name: (numpy, dfdx, torch), each a function of two operands
        "exp": (lambda u, v: np.exp(u), lambda u, v: u.exp(), lambda u, v: torch.exp(u)),
        "add": (lambda u, v: u + v, lambda u, v: u + v, lambda u, v: u + v),
        "mul 2.0": (lambda u, v: u * 2.0, lambda u, v: u * 2.0, lambda u, v: u * 2.0),
    }
    blocks = max(1, calls // BLOCK)
    for name, (np_op, dx_op, torch_op) in ops.items():
        race.add(f"{name}/numpy", _fixed(_block(partial(np_op, a, b))), blocks)
        race.add(f"{name}/dfdx", _fixed(_block(partial(dx_op, xa, xb))), blocks)
        race.add(f"{name}/dfdx traced", _fixed(_traced_block(dx_op, xa, xb)), blocks)
        if with_torch:
            ta, tb = torch.from_numpy(a.copy()), torch.from_numpy(b.copy())
            ga = ta.clone().requires_grad_(True)
            gb = tb.clone().requires_grad_(True)
            race.add(f"{name}/torch", _fixed(_block(partial(torch_op, ta, tb))), blocks)
            race.add(f"{name}/torch grad", _fixed(_block(partial(torch_op, ga, gb))), blocks)
    return list(ops)


def _fixed(fn: Fn) -> Callable[[], Fn]:
    """A case whose function needs no per-round setup."""
    return lambda: fn


def _traced_block(op: Callable[[Any, Any], object], x: Any, y: Any) -> Fn:
    def run() -> None:
        # A fresh tape per block: every call records one step on it (both operands
        # traced for add: their tapes merge on the first call).
        tx, ty = x.trace(), y.trace()
        for _ in range(BLOCK):
            op(tx, ty)

    return run


CHAIN = 50


def add_chain_cases(race: Race, calls: int, with_torch: bool, length: int = CHAIN) -> None:
    """A chain of ``length`` tanh on (1, 8) float32, forward and backward: the per-op cost
    of recording *and* replaying the tape (reported per tanh)."""
    a = np.random.default_rng(1).standard_normal((1, 8), dtype=np.float32)
    x = dx.tensor(a)

    def numpy_chain() -> object:
        ys = [a]
        for _ in range(length):
            ys.append(np.tanh(ys[-1]))
        g = np.ones_like(a)
        for y in reversed(ys[1:]):
            g = g * (1 - y * y)
        return g

    def dfdx_chain() -> object:
        xt = x.trace()
        y = xt
        for _ in range(length):
            y = y.tanh()
        return y.sum().backward().array(xt)

    race.add("chain/numpy", lambda: numpy_chain, max(1, calls // length))
    race.add("chain/dfdx traced", lambda: dfdx_chain, max(1, calls // length))
    if with_torch:
        t = torch.from_numpy(a.copy()).requires_grad_(True)

        def torch_chain() -> object:
            t.grad = None
            y = t
            for _ in range(length):
                y = torch.tanh(y)
            y.sum().backward()
            return t.grad

        race.add("chain/torch grad", lambda: torch_chain, max(1, calls // length))


# ---- (b) MLP 784 -> 256 -> 10 ----------------------------------------------------------------
IN, HIDDEN, OUT = 784, 256, 10


class MLPData:
    """Weights, a batch and one-hot labels, shared by every side (float32)."""

    def __init__(self, batch: int) -> None:
        rng = np.random.default_rng(batch)
        self.batch = batch
        self.w1 = rng.standard_normal((IN, HIDDEN), dtype=np.float32) / np.float32(IN**0.5)
        self.b1 = rng.standard_normal(HIDDEN, dtype=np.float32) * np.float32(0.1)
        self.w2 = rng.standard_normal((HIDDEN, OUT), dtype=np.float32) / np.float32(HIDDEN**0.5)
        self.b2 = rng.standard_normal(OUT, dtype=np.float32) * np.float32(0.1)
        self.x = rng.standard_normal((batch, IN), dtype=np.float32)
        self.labels = rng.integers(0, OUT, batch)
        self.onehot = np.eye(OUT, dtype=np.float32)[self.labels]

    def params(self) -> list[np.ndarray]:
        return [self.w1, self.b1, self.w2, self.b2]


def numpy_step(d: MLPData) -> Step:
    """The floor: the same forward and backward written by hand, no autodiff."""
    x, w1, b1, w2, b2, onehot = d.x, d.w1, d.b1, d.w2, d.b2, d.onehot
    inv_batch = np.float32(1 / d.batch)

    def step() -> list[np.ndarray]:
        h = x @ w1 + b1
        r = np.maximum(h, 0)
        z = r @ w2 + b2
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=1, keepdims=True)
        loss = (np.log(s) + m - (z * onehot).sum(axis=1, keepdims=True)).mean()
        del loss
        gz = (e / s - onehot) * inv_batch
        gw2 = r.T @ gz
        gb2 = gz.sum(axis=0)
        gh = (gz @ w2.T) * (h > 0)
        gw1 = x.T @ gh
        gb1 = gh.sum(axis=0)
        return [gw1, gb1, gw2, gb2]

    return step


def dfdx_step(d: MLPData) -> Step:
    """dfdx idiom: trace the input, read every parameter's gradient (dfdx computes a leaf's
    gradient when it is read, so reading all four is part of the step)."""
    x = dx.tensor(d.x)
    w1, b1, w2, b2 = (dx.tensor(p) for p in d.params())
    onehot = dx.tensor(d.onehot)
    params = [w1, b1, w2, b2]

    def step() -> list[np.ndarray]:
        h = (x.trace() @ w1 + b1).relu()
        z = h @ w2 + b2
        loss = (z.logsumexp(axis=1) - (z * onehot).sum(axis=1)).mean()
        grads = loss.backward()
        return [grads.array(p) for p in params]

    return step


def torch_step(d: MLPData) -> Step:
    """The same ops as dfdx_step, one by one."""
    w1, b1, w2, b2 = (torch.from_numpy(p.copy()).requires_grad_(True) for p in d.params())
    x, onehot = torch.from_numpy(d.x.copy()), torch.from_numpy(d.onehot.copy())
    params = [w1, b1, w2, b2]

    def step() -> list[Any]:
        for p in params:
            p.grad = None
        h = (x @ w1 + b1).relu()
        z = h @ w2 + b2
        loss = (z.logsumexp(1) - (z * onehot).sum(1)).mean()
        loss.backward()
        return [p.grad for p in params]

    return step


def torch_fused_step(d: MLPData) -> Step:
    """PyTorch's own idiom: F.linear (weights stored (out, in), one fused addmm) and
    F.cross_entropy (fused log_softmax + nll). Shows what fused ops buy."""
    fn = torch.nn.functional
    w1 = torch.from_numpy(d.w1.T.copy()).requires_grad_(True)
    w2 = torch.from_numpy(d.w2.T.copy()).requires_grad_(True)
    b1 = torch.from_numpy(d.b1.copy()).requires_grad_(True)
    b2 = torch.from_numpy(d.b2.copy()).requires_grad_(True)
    x, labels = torch.from_numpy(d.x.copy()), torch.from_numpy(d.labels.copy())
    params = [w1, b1, w2, b2]

    def step() -> list[Any]:
        for p in params:
            p.grad = None
        z = fn.linear(fn.linear(x, w1, b1).relu(), w2, b2)
        fn.cross_entropy(z, labels).backward()
        return [p.grad for p in params]

    return step


def check_same_gradients(d: MLPData, with_torch: bool) -> None:
    """Every side computes the same gradients (else the race would compare different work)."""
    want = numpy_step(d)()
    sides: dict[str, list[Any]] = {"dfdx": dfdx_step(d)()}
    if with_torch:
        sides["torch"] = [g.numpy() for g in torch_step(d)()]
        fused = [g.numpy() for g in torch_fused_step(d)()]
        sides["torch fused"] = [fused[0].T, fused[1], fused[2].T, fused[3]]
    for side, grads in sides.items():
        for g, w in zip(grads, want, strict=True):
            if not np.allclose(g, w, rtol=1e-4, atol=1e-6):
                raise SystemExit(f"{side} gradients differ from numpy's (batch {d.batch})")


def add_mlp_cases(race: Race, batches: list[int], steps: int, with_torch: bool) -> None:
    for batch in batches:
        d = MLPData(batch)
        check_same_gradients(d, with_torch)
        race.add(f"mlp{batch}/numpy", partial(numpy_step, d), steps)
        race.add(f"mlp{batch}/dfdx", partial(dfdx_step, d), steps)
        if with_torch:
            race.add(f"mlp{batch}/torch", partial(torch_step, d), steps)
            race.add(f"mlp{batch}/torch fused", partial(torch_fused_step, d), steps)


# ---- report --------------------------------------------------------------------------------
def report(best: dict[str, float], ops: list[str], batches: list[int]) -> None:
    get = best.get
    print("\n(a) Per-op cost on a (1, 8) float32 tensor, microseconds per call (best round)")
    print("    ovh = time - NumPy's time for the same op; traced = forward + tape record;")
    print(f"    tanh chain = {CHAIN} tanh forward + backward (+ sum), per tanh")
    sides = ["dfdx", "dfdx traced", "torch", "torch grad"]
    rows = []
    for op in [*ops, "chain"]:
        per = CHAIN if op == "chain" else BLOCK
        t = {side: get(f"{op}/{side}") for side in ["numpy", *sides]}
        t = {side: None if v is None else v / per for side, v in t.items()}
        raw = t["numpy"]
        over = [
            "-" if v is None or raw is None else f"{(v - raw) * 1e6:.2f}"
            for v in (t[side] for side in sides)
        ]
        name = "tanh chain fwd+bwd" if op == "chain" else op
        times = [us(t[side]) for side in sides]
        rows.append([name, us(raw), *times, *over, ratio(t["dfdx traced"], t["torch grad"])])
    print_table(
        ["op", "numpy", *sides, *(f"ovh {side}" for side in sides), "traced dfdx/torch"],
        rows,
    )
    traced = [get(f"{op}/dfdx traced", 0) - get(f"{op}/numpy", 0) for op in ops]
    worst = max(traced) / BLOCK * 1e6
    verdict = "met" if worst <= 5 else "NOT met"
    print(f"    target: dfdx traced overhead <= 5 us per op: {verdict} (worst {worst:.2f} us)")

    print(
        f"\n(b) MLP {IN}-{HIDDEN}-{OUT}, relu, cross-entropy (logsumexp composed from ops):"
        " forward + backward + all 4 parameter gradients, no optimizer step;"
        " microseconds per step (best round)"
    )
    rows = []
    for batch in batches:
        t = {s: get(f"mlp{batch}/{s}") for s in ("numpy", "dfdx", "torch", "torch fused")}
        rows.append(
            [
                str(batch),
                us(t["numpy"]),
                us(t["dfdx"]),
                us(t["torch"]),
                us(t["torch fused"]),
                ratio(t["dfdx"], t["torch"]),
                ratio(t["dfdx"], t["torch fused"]),
                ratio(t["dfdx"], t["numpy"]),
                ratio(t["torch"], t["numpy"]),
            ]
        )
    print_table(
        [
            "batch",
            "numpy floor",
            "dfdx",
            "torch",
            "torch fused",
            "dfdx/torch",
            "dfdx/torch fused",
            "dfdx/floor",
            "torch/floor",
        ],
        rows,
    )
    print("    ratios are time ratios: < 1 means the left side is faster")


def main(argv: list[str] | None = None) -> None:
    p = arg_parser(__doc__.splitlines()[0], steps=100, steps_help="MLP steps per round and side")
    p.add_argument("--ops-calls", type=int, default=10000, help="per-op calls per round")
    p.add_argument("--batches", default="1,32", help="MLP batch sizes, comma-separated")
    p.add_argument("--quick", action="store_true", help="smoke run: a few seconds")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.steps, args.ops_calls = 2, 5, 500
    with_torch = use_torch(args.no_torch)
    batches = [int(b) for b in args.batches.split(",")]

    describe_machine(with_torch)
    print(
        f"rounds {args.rounds}, {args.steps} MLP steps and {args.ops_calls} op calls per round"
        " and side"
    )
    race = Race()
    ops = add_op_cases(race, args.ops_calls, with_torch)
    add_chain_cases(race, args.ops_calls, with_torch)
    add_mlp_cases(race, batches, args.steps, with_torch)
    start = time.perf_counter()
    best = race.run(args.rounds)
    report(best, ops, batches)
    print(f"\n({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
