"""A nanoGPT-style character model's training step: dfdx against PyTorch CPU in one process.

Usage: python bench/bench_gpt.py [--rounds 3] [--steps 100] [--dropout 0.1] [--no-torch]

The model (the same sizes on both sides): vocabulary 128, block 64, token and position
embeddings, 2 pre-LayerNorm transformer blocks (``TransformerEncoderLayer(d_model=64,
nhead=4, dim_feedforward=256, activation="gelu", norm_first=True)``, exact GELU, causal
self-attention), a final LayerNorm and a head tied to the token embedding; the loss is the
cross-entropy of the next character; AdamW (lr 1e-3). Batch 16. One step: forward, loss,
backward, update. Dropout 0.1 (on the embeddings, the attention weights, both residual
branches and the feed-forward hidden layer) or 0 with ``--dropout 0``.

Also ``forward``: the model's forward pass alone with no tape (dfdx ``NoneTape``, torch
``torch.no_grad()`` in eval mode). Every side is single-threaded and runs in alternating
rounds, keeping its best round (see bench/README.md). Reported: steps/s and dfdx/torch.
"""

# First: _timing sets one BLAS/OpenMP thread on every side, before numpy (or torch) loads.
from _timing import Fn, Race, arg_parser, describe_machine, print_table, torch, use_torch

# isort: split
from typing import Any

import numpy as np

import dfdx as dx

VOCAB, BLOCK, D, HEADS, FF, LAYERS, BATCH = 128, 64, 64, 4, 256, 2, 16


class DfdxGPT(dx.nn.Module):
    """The character model in dfdx."""

    def __init__(self, dropout: float, seed: int = 1) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.wte = dx.nn.Embedding(VOCAB, D, rng=rng)
        self.wpe = dx.nn.Embedding(BLOCK, D, rng=rng)
        self.drop = dx.nn.Dropout(dropout, rng=rng)
        self.blocks = dx.nn.ModuleList(
            [
                dx.nn.TransformerEncoderLayer(
                    D, HEADS, FF, dropout, activation="gelu", norm_first=True, rng=rng
                )
                for _ in range(LAYERS)
            ]
        )
        self.ln_f = dx.nn.LayerNorm(D)
        self.register_buffer("positions", dx.arange(BLOCK))

    def __call__(self, idx: Any) -> Any:
        tok = self.wte(idx)
        pos = self.wpe(self.positions.trace() if idx._tape is not None else self.positions)
        x = self.drop(tok + pos)
        for block in self.blocks:
            x = block(x, is_causal=True)
        x = self.ln_f(x)
        w = self.wte.weight.trace() if idx._tape is not None else self.wte.weight
        return dx.matmul(x, dx.ops.movement.transpose(w, 0, 1))


def torch_gpt(state: dict[str, np.ndarray], dropout: float) -> Any:
    nn = torch.nn

    class TorchGPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(VOCAB, D)
            self.wpe = nn.Embedding(BLOCK, D)
            self.drop = nn.Dropout(dropout)
            self.blocks = nn.ModuleList(
                [
                    nn.TransformerEncoderLayer(
                        D,
                        HEADS,
                        FF,
                        dropout,
                        activation="gelu",
                        batch_first=True,
                        norm_first=True,
                    )
                    for _ in range(LAYERS)
                ]
            )
            self.ln_f = nn.LayerNorm(D)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(BLOCK))
            self.register_buffer("positions", torch.arange(BLOCK))

        def forward(self, idx: Any) -> Any:
            x = self.drop(self.wte(idx) + self.wpe(self.positions))
            for block in self.blocks:
                x = block(x, src_mask=self.mask, is_causal=True)
            return self.ln_f(x) @ self.wte.weight.T

    model = TorchGPT()
    missing = model.load_state_dict(
        {k: torch.from_numpy(v.copy()) for k, v in state.items()}, strict=False
    )
    assert not missing.unexpected_keys, missing.unexpected_keys
    assert set(missing.missing_keys) <= {"mask", "positions"}, missing.missing_keys
    return model


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (BATCH, BLOCK))
    return x, np.roll(x, -1, axis=1)


def dfdx_step(dropout: float) -> Fn:
    model = DfdxGPT(dropout)
    opt = dx.optim.AdamW(model, lr=1e-3)
    xa, ya = _data()
    x, y = dx.tensor(xa), dx.tensor(ya.reshape(-1))

    def step() -> None:
        logits = model(x.trace())
        loss = dx.losses.cross_entropy_with_logits_loss(logits.reshape(-1, VOCAB), y)
        opt.update(model, loss.backward())

    return step


def torch_step(dropout: float) -> Fn:
    model = torch_gpt(DfdxGPT(dropout).state_dict(), dropout).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    xa, ya = _data()
    x, y = torch.from_numpy(xa), torch.from_numpy(ya.reshape(-1))
    F = torch.nn.functional

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x).reshape(-1, VOCAB), y).backward()
        opt.step()

    return step


def dfdx_forward() -> Fn:
    model = DfdxGPT(0.1).eval()
    x = dx.tensor(_data()[0])
    return lambda: model(x)


def torch_forward() -> Fn:
    model = torch_gpt(DfdxGPT(0.1).state_dict(), 0.1).eval()
    x = torch.from_numpy(_data()[0])

    def fwd() -> None:
        with torch.no_grad():
            model(x)

    return fwd


def check_dfdx_matches_torch() -> None:
    """Before timing: the same loss and gradients as PyTorch with dropout 0."""
    model = DfdxGPT(0.0)
    ref = torch_gpt(model.state_dict(), 0.0).train()
    xa, ya = _data()
    logits = model(dx.tensor(xa).trace())
    loss = dx.losses.cross_entropy_with_logits_loss(
        logits.reshape(-1, VOCAB), dx.tensor(ya.reshape(-1))
    )
    grads = loss.backward()
    tloss = torch.nn.functional.cross_entropy(
        ref(torch.from_numpy(xa)).reshape(-1, VOCAB), torch.from_numpy(ya.reshape(-1))
    )
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-4)
    tparams = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(
            grads.array(p), tparams[name].grad.numpy(), rtol=2e-3, atol=2e-5, err_msg=name
        )


def race(rounds: int, steps: int, with_torch: bool, dropouts: list[float]) -> dict[str, float]:
    """Seconds per call of every case, best of ``rounds`` alternating rounds."""
    r = Race()
    for p in dropouts:
        r.add(f"dfdx train p={p}", lambda p=p: dfdx_step(p), steps)
        if with_torch:
            r.add(f"torch train p={p}", lambda p=p: torch_step(p), steps)
    r.add("dfdx forward", dfdx_forward, steps)
    if with_torch:
        r.add("torch forward", torch_forward, steps)
    return r.run(rounds)


def main() -> None:
    p = arg_parser(__doc__.splitlines()[0], steps=100)
    p.set_defaults(rounds=3)
    p.add_argument("--dropout", type=float, action="append", help="default: 0.1 and 0")
    args = p.parse_args()
    with_torch = use_torch(args.no_torch)
    describe_machine(with_torch)
    if with_torch:
        check_dfdx_matches_torch()
    dropouts = args.dropout or [0.1, 0.0]
    best = race(args.rounds, args.steps, with_torch, dropouts)
    rows = []
    for case in [*(f"train p={p}" for p in dropouts), "forward"]:
        d, t = best[f"dfdx {case}"], best.get(f"torch {case}")
        rows.append(
            [
                case,
                f"{1 / d:.1f}",
                "-" if t is None else f"{1 / t:.1f}",
                "-" if t is None else f"{t / d:.2f}x",
            ]
        )
    print_table(["case", "dfdx steps/s", "torch steps/s", "dfdx/torch"], rows)


if __name__ == "__main__":
    main()
