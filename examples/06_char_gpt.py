"""A small character-level GPT (nanoGPT's architecture) trained on a page of Shakespeare.

    python examples/06_char_gpt.py                      # 1500 steps: ~90 s of one free core
    python examples/06_char_gpt.py --quick              # a few steps (as DFDX_EXAMPLES_QUICK=1)
    python examples/06_char_gpt.py --steps 3000 --stop-at 1000   # stop early, saving gpt.npz
    python examples/06_char_gpt.py --steps 3000 --resume gpt.npz # ... and go on from there

The text is ``shakespeare.txt`` beside this file (16 KB of Coriolanus, Act I, public domain);
a token is a character's ASCII code, so the vocabulary is 128. The model is nanoGPT's: token
and learned position embeddings, 2 pre-LayerNorm blocks of causal multi-head self-attention
(4 heads of 16) and a GELU MLP (64 to 256 to 64), dropout 0.1, a final LayerNorm and a
read-out tied to the token embedding, initialised as nanoGPT does (normal(0, 0.02), the
residual projections scaled by ``1 / sqrt(2 * n_layer)``). It trains with AdamW (no weight
decay on biases and LayerNorm), warmup then cosine decay, gradient clipping at 1.0, on batches
of 16 windows of 64 characters from a DataLoader, and samples with a temperature and top-k
at the end. A checkpoint (``--checkpoint``, saved at the end or at ``--stop-at``) holds the
model, the optimizer, the schedule and the step; ``--resume`` continues it to the same
losses and weights, bit for bit, as a run that never stopped. The full run must bring the
validation loss (on the last 10% of the text) below 2.4 nats per character, or the script
exits 1: a uniform guess scores 4.85, character frequencies 3.23, the best bigram table 2.66;
the model reaches 2.15 (train loss 1.74), and its samples are Shakespeare-shaped words.

Every ``forward`` is typed: with the plugin, mypy checks that each layer takes 64 features,
that the attention's heads split and merge 64 features, and that the logits are
``Tensor[B, S, 128]`` for any batch ``B`` and length ``S``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
from _data import QUICK, small_matrices_one_thread
from tqdm import tqdm

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import init
from dfdx.utils.data import DataLoader, TensorDataset

TEXT = Path(__file__).with_name("shakespeare.txt")

BLOCK, N_LAYER, DROPOUT = 64, 2, 0.1  # context length, blocks, dropout
V = Literal[128]  # vocabulary: ASCII codes
C = Literal[64]  # embedding width
C3 = Literal[192]  # query, key and value side by side
H = Literal[4]  # heads
HD = Literal[16]  # width of a head
F = Literal[256]  # MLP width

B = TypeVar("B", bound=int)  # batch
S = TypeVar("S", bound=int)  # time (sequence length, at most BLOCK)
T = TypeVar("T", NoneTape, OwnedTape)


class CausalSelfAttention(dx.nn.Module):
    """Multi-head self-attention where position ``i`` sees positions ``<= i``."""

    def __init__(self, dropout: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.c_attn: dx.nn.Linear[C, C3] = dx.nn.Linear(64, 192, rng=rng)
        self.c_proj: dx.nn.Linear[C, C] = dx.nn.Linear(64, 64, rng=rng)
        self.resid_dropout = dx.nn.Dropout(dropout)
        self.dropout = dropout

    def forward(self, x: Tensor[B, S, C, T]) -> Tensor[B, S, C, T]:
        b, s, _ = x.size()  # B, S, 64
        q, k, v = self.c_attn(x).split(64, axis=-1)  # three Tensor[B, S, 64, T]
        # (B, S, 64) to (B, 4, S, 16). The plugin gives view(b, s, 4, 16) the 4 and 16 but not
        # B and S (sizes read from size()): the annotations put them back.
        qh: Tensor[B, H, S, HD, T] = q.view(b, s, 4, 16).transpose(1, 2)
        kh: Tensor[B, H, S, HD, T] = k.view(b, s, 4, 16).transpose(1, 2)
        vh: Tensor[B, H, S, HD, T] = v.view(b, s, 4, 16).transpose(1, 2)
        p = self.dropout if self.training else 0.0
        y = dx.scaled_dot_product_attention(qh, kh, vh, dropout_p=p, is_causal=True)
        merged = y.transpose(1, 2).flatten(2)  # heads side by side: Tensor[B, S, 64, T]
        return self.resid_dropout(self.c_proj(merged))


class MLP(dx.nn.Module):
    def __init__(self, dropout: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.c_fc: dx.nn.Linear[C, F] = dx.nn.Linear(64, 256, rng=rng)
        self.c_proj: dx.nn.Linear[F, C] = dx.nn.Linear(256, 64, rng=rng)
        self.dropout = dx.nn.Dropout(dropout)

    def forward(self, x: Tensor[B, S, C, T]) -> Tensor[B, S, C, T]:
        return self.dropout(self.c_proj(dx.gelu(self.c_fc(x))))


class Block(dx.nn.Module):
    """Pre-LayerNorm transformer block: ``x + attn(ln_1(x))``, then ``x + mlp(ln_2(x))``."""

    def __init__(self, dropout: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.ln_1: dx.nn.LayerNorm[C] = dx.nn.LayerNorm(64)
        self.attn = CausalSelfAttention(dropout, rng)
        self.ln_2: dx.nn.LayerNorm[C] = dx.nn.LayerNorm(64)
        self.mlp = MLP(dropout, rng)

    def forward(self, x: Tensor[B, S, C, T]) -> Tensor[B, S, C, T]:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(dx.nn.Module):
    """Token ids ``Tensor[B, S]`` (int64, ``S <= 64``) to next-token logits ``Tensor[B, S, 128]``.

    Parameter names follow nanoGPT's (``wte``, ``wpe``, ``h.0.attn.c_attn``, ``ln_f``) without
    its ``transformer.`` prefix; the read-out is ``wte.weight`` itself, so there is no
    ``lm_head``."""

    def __init__(self, dropout: float = DROPOUT, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng(0)
        self.wte: dx.nn.Embedding[V, C] = dx.nn.Embedding(128, 64, rng=rng)
        # adds its first S rows (nanoGPT's wpe(arange(S))); traced with a traced input
        self.wpe: dx.nn.LearnedPositionalEmbedding[C] = dx.nn.LearnedPositionalEmbedding(
            64, 64, rng=rng
        )
        self.drop = dx.nn.Dropout(dropout)
        self.h = dx.nn.ModuleList([Block(dropout, rng) for _ in range(N_LAYER)])
        self.ln_f: dx.nn.LayerNorm[C] = dx.nn.LayerNorm(64)
        self._init_weights(rng)

    def _init_weights(self, rng: np.random.Generator) -> None:
        for m in self.modules():
            if isinstance(m, dx.nn.Linear):
                init.normal_(m.weight, 0.0, 0.02, rng=rng)
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, dx.nn.Embedding | dx.nn.LearnedPositionalEmbedding):
                init.normal_(m.weight, 0.0, 0.02, rng=rng)
        for block in self.h:  # the projections into the residual stream (GPT-2's scaling)
            for proj in (block.attn.c_proj, block.mlp.c_proj):
                init.normal_(proj.weight, 0.0, 0.02 / math.sqrt(2 * N_LAYER), rng=rng)

    def forward(self, idx: Tensor[B, S, T]) -> Tensor[B, S, V, T]:
        x = self.drop(self.wpe(self.wte(idx)))  # Tensor[B, S, 64, T]
        for block in self.h:
            x = block(x)
        # The read-out is tied to the token embedding: PyTorch's F.linear(x, wte.weight), one
        # product with no transposed copy (`x @ self.wte.weight.transpose(0, 1)` gives the
        # same gradients: both uses of wte.weight add up).
        logits: Tensor[B, S, V, T] = dx.nn.linear(self.ln_f(x), self.wte.weight)
        return logits


# ---- data ---------------------------------------------------------------------------------------


def encode(text: str) -> np.ndarray:
    """ASCII codes (int64); any other character becomes ``?``."""
    return np.frombuffer(text.encode("ascii", errors="replace"), np.uint8).astype(np.int64)


def decode(ids: np.ndarray) -> str:
    return bytes(int(i) for i in ids).decode("ascii")


def windows(
    ids: np.ndarray, block: int
) -> TensorDataset[Tensor[Dyn, NoneTape], Tensor[Dyn, NoneTape]]:
    """Every window of ``block`` characters, with the ``block`` characters one step later as
    its targets."""
    x = np.lib.stride_tricks.sliding_window_view(ids[:-1], block)
    y = np.lib.stride_tricks.sliding_window_view(ids[1:], block)
    return TensorDataset(dx.tensor(x), dx.tensor(y))


def split_text(
    ids: np.ndarray, block: int
) -> tuple[TensorDataset[Tensor[Dyn, NoneTape], Tensor[Dyn, NoneTape]], ...]:
    """The first 90% of the text to train on, the rest to validate (nanoGPT's split: windows
    of one part never overlap the other)."""
    cut = int(len(ids) * 0.9)
    return windows(ids[:cut], block), windows(ids[cut:], block)


def step_seed(seed: int, step: int) -> int:
    """The seed of the dropout masks of ``step``: a resumed run draws the same masks."""
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


def batches(
    data: TensorDataset[Tensor[Dyn, NoneTape], Tensor[Dyn, NoneTape]],
    batch_size: int,
    seed: int,
    start_step: int,
) -> Iterator[tuple[Tensor[Dyn, Dyn, NoneTape], Tensor[Dyn, Dyn, NoneTape]]]:
    """Batches from step ``start_step`` on: each epoch is a fresh shuffle (seeded by the epoch),
    so a resumed run picks up in the middle of an epoch with the batches it would have had."""
    per_epoch = len(data) // batch_size
    epoch, skip = divmod(start_step, per_epoch)
    while True:
        order = np.random.default_rng([seed, epoch]).permutation(len(data))
        sampler = order[skip * batch_size : per_epoch * batch_size].tolist()
        yield from DataLoader(data, batch_size, sampler=sampler, drop_last=True)
        epoch, skip = epoch + 1, 0


def warmup_cosine(warmup: int, total: int, floor: float = 0.1) -> Callable[[int], float]:
    """The factor of the peak rate at each step: linear warmup over ``warmup`` steps, then a
    cosine decay to ``floor`` at ``total`` (nanoGPT's ``get_lr``)."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def build(
    steps: int, lr: float, seed: int, dropout: float = DROPOUT
) -> tuple[GPT, dx.optim.AdamW, dx.optim.lr_scheduler.LambdaLR]:
    """The model, AdamW with nanoGPT's parameter groups, and the schedule: the same for a
    fresh run and a resumed one (a checkpoint then overwrites their state)."""
    model = GPT(dropout, np.random.default_rng(seed))
    # decay on the matrices (nanoGPT's rule), none on biases and LayerNorm
    matrices = (dx.nn.Linear, dx.nn.Embedding, dx.nn.LearnedPositionalEmbedding)
    groups = dx.optim.weight_decay_groups(model, 0.1, decay_modules=matrices)
    opt = dx.optim.AdamW(model, lr=lr, betas=(0.9, 0.99), param_groups=groups)
    warmup = max(1, steps // 15)
    sched = dx.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(warmup, steps))
    return model, opt, sched


def evaluate(
    model: GPT,
    data: TensorDataset[Tensor[Dyn, NoneTape], Tensor[Dyn, NoneTape]],
    batch_size: int,
    n_batches: int,
) -> float:
    """The mean loss over the first ``n_batches`` batches of ``data`` (untraced, no dropout)."""
    model.eval()
    losses = []
    loader = DataLoader(data, batch_size, drop_last=True)
    for (xb, yb), _ in zip(loader, range(n_batches), strict=False):
        losses.append(dx.losses.cross_entropy(model(xb), yb).item())
    model.train()
    return float(np.mean(losses))


def generate(
    model: GPT,
    prompt: str,
    n_new: int,
    temperature: float = 0.8,
    top_k: int = 10,
    rng: np.random.Generator | None = None,
) -> str:
    """``prompt`` and ``n_new`` characters drawn one at a time from the model: the logits of
    the last position over the last 64 characters, divided by ``temperature``, cut to the
    ``top_k`` largest, softmax, one draw."""
    model.eval()
    idx: Tensor[Literal[1], Dyn, NoneTape] = dx.tensor(encode(prompt)).unsqueeze(0)
    for _ in range(n_new):
        logits = model(idx[:, -BLOCK:])[:, -1, :] / temperature  # Tensor[1, 128]
        kth = dx.topk(logits, top_k)[0][:, -1:]  # the k-th largest logit
        probs = logits.masked_fill(logits < kth, -math.inf).softmax(axis=-1)
        idx = dx.cat([idx, dx.multinomial(probs, 1, rng=rng)], axis=1)
    model.train()
    return decode(idx.numpy()[0])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few steps only (a smoke test)")
    p.add_argument("--steps", type=int, default=None, help="length of the run (1500; quick: 8)")
    p.add_argument("--stop-at", type=int, default=None, help="stop (and save) at this step")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", type=Path, default=Path("gpt.npz"), help="where to save")
    p.add_argument("--resume", type=Path, default=None, help="a checkpoint to continue")
    p.add_argument("--eval-every", type=int, default=100)
    a = p.parse_args(argv)
    quick = a.quick or QUICK
    steps: int = a.steps if a.steps is not None else 8 if quick else 1500
    batch_size, block, eval_batches = (8, 32, 2) if quick else (16, BLOCK, 16)
    eval_every = 4 if quick else a.eval_every
    stop = steps if a.stop_at is None else min(a.stop_at, steps)
    small_matrices_one_thread()

    train, val = split_text(encode(TEXT.read_text()), block)
    model, opt, sched = build(steps, a.lr, a.seed)
    start = 0
    if a.resume is not None:
        extra = dx.load_checkpoint(a.resume, model=model, optimizer=opt, scheduler=sched)
        start = int(extra["step"])
        if int(extra["steps"]) != steps or int(extra["seed"]) != a.seed:
            print(
                f"{a.resume} is a run of {extra['steps']} steps (seed {extra['seed']}): "
                f"pass --steps {extra['steps']} --seed {extra['seed']} to resume it"
            )
            return 2
        print(f"resuming {a.resume} at step {start}")
    print(
        f"{TEXT.name}: {len(train)} training windows of {block} characters, "
        f"{model.num_parameters():,} parameters, steps {start} to {stop} of {steps}"
    )
    began = time.perf_counter()
    window: list[float] = []
    val_loss = float("nan")
    bar = tqdm(total=stop, initial=start, unit="step", leave=False)
    for step, (xb, yb) in zip(
        range(start, stop), batches(train, batch_size, a.seed, start), strict=False
    ):
        dx.manual_seed(step_seed(a.seed, step))
        loss = dx.losses.cross_entropy(model(xb.trace()), yb)
        grads = loss.backward()
        norm = dx.optim.clip_grad_norm(model, grads, max_norm=1.0)
        opt.update(model, grads)
        sched.step()
        window.append(loss.item())
        bar.update()
        bar.set_postfix(loss=f"{window[-1]:.3f}", norm=f"{norm:.2f}", refresh=False)
        if (step + 1) % eval_every == 0 or step + 1 == stop:
            val_loss = evaluate(model, val, batch_size, eval_batches)
            tqdm.write(
                f"step {step + 1:5d}: train loss {np.mean(window):.3f}, val loss {val_loss:.3f}, "
                f"lr {sched.get_last_lr()[0]:.2e}"
            )
            window = []
    bar.close()
    elapsed = time.perf_counter() - began
    extra = {"step": stop, "steps": steps, "seed": a.seed}
    dx.save_checkpoint(a.checkpoint, model=model, optimizer=opt, scheduler=sched, extra=extra)
    print(f"{stop - start} steps in {elapsed:.1f} s; saved {a.checkpoint} at step {stop}")
    if stop < steps:
        print(f"to go on: --steps {steps} --resume {a.checkpoint}")
        return 0
    sample = generate(model, "MENENIUS:\n", 40 if quick else 300, rng=np.random.default_rng(a.seed))
    print(f"sample (temperature 0.8, top-k 10):\n{sample}")
    bar_loss = 4.5 if quick else 2.4  # log(128) = 4.85 is a uniform guess
    if not val_loss < bar_loss:
        print(f"expected a validation loss below {bar_loss}, got {val_loss:.3f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
