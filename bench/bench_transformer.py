"""A transformer encoder layer, forward and backward: dfdx against PyTorch CPU in one process.

Usage: python bench/bench_transformer.py [--rounds 15] [--steps 20] [--no-torch]

One step: ``TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, dropout=0)``
(post-norm, ReLU, batch first) on a fixed ``(16, 64, 128)`` float32 batch, the loss
``(out * r).sum()`` and its backward pass (gradients of every parameter; dfdx reads them all
from ``Gradients``, PyTorch accumulates them into ``.grad``). Both sides hold the same weights
(checked before timing). Every side is single-threaded (BLAS/OpenMP threads = 1,
``torch.set_num_threads(1)``) and runs in alternating rounds, keeping its best round (see
bench/README.md). Reported: steps/s and the ratio dfdx/torch (above 1: dfdx is faster).
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Fn, Race, arg_parser, describe_machine, print_table, torch, use_torch

# isort: split
from typing import Any

import numpy as np

import dfdx as dx

B, S, E, HEADS, FF = 16, 64, 128, 4, 512


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, S, E), dtype=np.float32)
    r = rng.standard_normal((B, S, E), dtype=np.float32)
    return x, r


def dfdx_layer() -> Any:
    return dx.nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, rng=np.random.default_rng(1))


def dfdx_step() -> Fn:
    layer = dfdx_layer()
    xa, ra = _data()
    x, r = dx.tensor(xa), dx.tensor(ra)
    params = list(layer.parameters())

    def step() -> None:
        grads = (layer(x.trace()) * r).sum().backward()
        for p in params:
            grads.array(p)

    return step


def torch_layer(state: dict[str, np.ndarray]) -> Any:
    layer = torch.nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True)
    layer.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    return layer.train()


def torch_step() -> Fn:
    layer = torch_layer(dfdx_layer().state_dict())
    xa, ra = _data()
    x, r = torch.from_numpy(xa), torch.from_numpy(ra)

    def step() -> None:
        layer.zero_grad(set_to_none=True)
        (layer(x) * r).sum().backward()

    return step


def check_dfdx_matches_torch() -> None:
    """Before timing: the same output and gradients as PyTorch (float32 tolerances)."""
    layer = dfdx_layer()
    ref = torch_layer(layer.state_dict())
    xa, ra = _data()
    out = layer(dx.tensor(xa).trace())
    grads = (out * dx.tensor(ra)).sum().backward()
    tout = ref(torch.from_numpy(xa))
    (tout * torch.from_numpy(ra)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-3, atol=1e-4)
    for name, p in layer.named_parameters():
        tp = dict(ref.named_parameters())[name]
        assert tp.grad is not None
        np.testing.assert_allclose(grads[p].numpy(), tp.grad.numpy(), rtol=1e-2, atol=1e-2)


def main(argv: list[str] | None = None) -> None:
    p = arg_parser(__doc__.split("\n\n")[0], steps=20)
    a = p.parse_args(argv)
    with_torch = use_torch(a.no_torch)
    if with_torch:
        check_dfdx_matches_torch()
    describe_machine(with_torch)
    race = Race()
    race.add("dfdx", dfdx_step, a.steps)
    if with_torch:
        race.add("torch", torch_step, a.steps)
    best = race.run(a.rounds)
    print(
        f"\nTransformerEncoderLayer(d_model={E}, nhead={HEADS}, dim_feedforward={FF}) "
        f"forward + backward, batch ({B}, {S}, {E}) (best of {a.rounds} rounds x {a.steps} steps)"
    )
    rate = {side: 1 / t for side, t in best.items()}
    print_table(
        ["dfdx steps/s", "torch steps/s", "dfdx/torch"],
        [
            [
                f"{rate['dfdx']:.1f}",
                f"{rate['torch']:.1f}" if "torch" in rate else "-",
                f"{rate['dfdx'] / rate['torch']:.2f}x" if "torch" in rate else "-",
            ]
        ],
    )
    print("target: dfdx/torch >= 1.0x")


if __name__ == "__main__":
    main()
