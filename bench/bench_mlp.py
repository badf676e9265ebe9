"""One training step of an MLP 784-512-128-32-10 (ReLU) with cross-entropy and Adam: dfdx
against PyTorch CPU and against the hand-written NumPy floor, in one process.

Usage: python bench/bench_mlp.py [--rounds 15] [--steps 50] [--batches 32,128] [--no-torch]

One step is the forward pass, the loss, the backward pass and the Adam update (lr 1e-3), on
a fixed random batch with random labels. The sides:

- ``floor``: ../shared/bench/numpy_mlp_limit.py's step, copied here so that it runs in the
  same process and rounds (forward, softmax cross-entropy and backward written by hand,
  Adam with in-place NumPy ops: the floor a NumPy-runtime autodiff library can approach);
- ``dfdx``: ``dx.nn.Sequential`` of ``dx.nn.Linear``/``ReLU``,
  ``dx.losses.cross_entropy_with_logits_loss`` on int64 labels, ``loss.backward()`` and
  ``dx.optim.Adam.update``;
- ``torch``: ../shared/bench/torch_mlp.py's step (``nn.Sequential``, ``F.cross_entropy``,
  ``torch.optim.Adam``) with ``torch.set_num_threads(1)``.

Every side is single-threaded and runs in alternating rounds, keeping its best round (see
bench/README.md). Reported: steps/s, and the ratios dfdx/torch and dfdx/floor in steps/s
(above 1 means dfdx is faster). Targets: >= 1.5x torch at batch 32, >= 0.85 of the floor.
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Fn, Race, arg_parser, describe_machine, print_table, torch, use_torch

# isort: split
import itertools
from typing import Any

import numpy as np

import dfdx as dx

SIZES = [784, 512, 128, 32, 10]


def floor_step(batch: int) -> Fn:
    """numpy_mlp_limit.py's step, unchanged but for names."""
    rng = np.random.default_rng(0)
    W = [
        rng.standard_normal((i, o), dtype=np.float32) * np.float32(1 / np.sqrt(i))
        for i, o in itertools.pairwise(SIZES)
    ]
    b = [np.zeros(o, np.float32) for o in SIZES[1:]]
    params = W + b
    m = [np.zeros_like(q) for q in params]
    tmp = [np.zeros_like(q) for q in params]
    v = [np.zeros_like(q) for q in params]
    x = rng.standard_normal((batch, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    t_ = [0]

    def step() -> None:
        acts = [x]
        h = x
        for i in range(4):
            h = h @ W[i] + b[i]
            if i < 3:
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(1, keepdims=True)
        e = np.exp(z)
        sm = e / e.sum(1, keepdims=True)
        g = sm
        g[np.arange(batch), y] -= 1
        g /= batch
        gW: list[Any] = [None] * 4
        gb: list[Any] = [None] * 4
        for i in range(3, -1, -1):
            gW[i] = acts[i].T @ g
            gb[i] = g.sum(0)
            if i:
                g = (g @ W[i].T) * (acts[i] > 0)
        t_[0] += 1
        grads = gW + gb
        c1 = 1e-3 / (1 - 0.9 ** t_[0])
        c2 = 1 / np.sqrt(1 - 0.999 ** t_[0])
        for q, gq, mq, vq, tq in zip(params, grads, m, v, tmp, strict=True):
            mq *= 0.9
            np.multiply(gq, 0.1, out=tq)
            mq += tq
            vq *= 0.999
            np.multiply(gq, gq, out=tq)
            tq *= 0.001
            vq += tq
            np.sqrt(vq, out=tq)
            tq *= c2
            tq += 1e-8
            np.divide(mq, tq, out=tq)
            tq *= c1
            q -= tq

    return step


def dfdx_model() -> Any:
    nn = dx.nn
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(nn.Linear(n_in, n_out, rng=np.random.default_rng(i)))
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def dfdx_step(batch: int) -> Fn:
    rng = np.random.default_rng(0)
    model = dfdx_model()
    opt = dx.optim.Adam(model, lr=1e-3)
    x = dx.tensor(rng.standard_normal((batch, 784), dtype=np.float32))
    y = dx.tensor(rng.integers(0, 10, batch))
    ce = dx.losses.cross_entropy_with_logits_loss

    def step() -> None:
        loss = ce(model(x.trace()), y)
        opt.update(model, loss.backward())

    return step


def torch_step(batch: int) -> Fn:
    torch.manual_seed(0)
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def check_dfdx_matches_torch() -> None:
    """Before timing: the dfdx step computes what PyTorch computes (same weights, 3 steps;
    Adam's first steps move a weight by about lr * sign(grad), so a weight whose gradient is
    nearly 0 may differ by up to ~lr)."""
    rng = np.random.default_rng(1)
    model = dfdx_model()
    ref = torch.nn.Sequential(
        *[
            m
            for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES))
            for m in (torch.nn.Linear(n_in, n_out), torch.nn.ReLU())[: 1 if i == 3 else 2]
        ]
    )
    ref.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
    opt, topt = dx.optim.Adam(model, lr=1e-3), torch.optim.Adam(ref.parameters(), lr=1e-3)
    x = rng.standard_normal((16, 784), dtype=np.float32)
    y = rng.integers(0, 10, 16)
    for _ in range(3):
        loss = dx.losses.cross_entropy_with_logits_loss(model(dx.tensor(x).trace()), dx.tensor(y))
        opt.update(model, loss.backward())
        topt.zero_grad()
        tl = torch.nn.functional.cross_entropy(ref(torch.from_numpy(x)), torch.from_numpy(y))
        tl.backward()
        topt.step()
        assert abs(loss.item() - tl.item()) < 1e-5, (loss.item(), tl.item())
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[k], v.numpy(), rtol=1e-4, atol=1e-4)


def main(argv: list[str] | None = None) -> None:
    p = arg_parser(__doc__.split("\n\n")[0], steps=50)
    p.add_argument("--batches", default="32,128")
    a = p.parse_args(argv)
    with_torch = use_torch(a.no_torch)
    if with_torch:
        check_dfdx_matches_torch()
    describe_machine(with_torch)
    batches = [int(s) for s in a.batches.split(",")]
    race = Race()
    for batch in batches:
        race.add(f"floor/{batch}", lambda b=batch: floor_step(b), a.steps)
        race.add(f"dfdx/{batch}", lambda b=batch: dfdx_step(b), a.steps)
        if with_torch:
            race.add(f"torch/{batch}", lambda b=batch: torch_step(b), a.steps)
    best = race.run(a.rounds)
    print(f"\nMLP 784-512-128-32-10 training step (best of {a.rounds} rounds x {a.steps} steps)")
    rows = []
    for batch in batches:
        rate = {
            side: 1 / best[f"{side}/{batch}"]
            for side in ("floor", "dfdx", "torch")
            if f"{side}/{batch}" in best
        }
        rows.append(
            [
                str(batch),
                *(f"{rate[s]:.0f}" if s in rate else "-" for s in ("floor", "dfdx", "torch")),
                f"{rate['dfdx'] / rate['torch']:.2f}x" if "torch" in rate else "-",
                f"{rate['dfdx'] / rate['floor']:.2f}",
            ]
        )
    print_table(
        ["batch", "floor steps/s", "dfdx steps/s", "torch steps/s", "dfdx/torch", "dfdx/floor"],
        rows,
    )
    print("targets: dfdx/torch >= 1.5x at batch 32; dfdx/floor >= 0.85")


if __name__ == "__main__":
    main()
