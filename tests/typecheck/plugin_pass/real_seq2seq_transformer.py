"""A seq2seq Transformer as a PyTorch user writes it from the docs: token and positional
embeddings, ``nn.Transformer`` (batch first) with a causal target mask and padding masks, a
shifted target for teacher forcing, the loss on flattened logits, and a greedy decode loop
that grows the output one token at a time."""

# rules: attention, nn, movement, losses, indexing

from typing import Final, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

VOCAB: Final = 12
D_MODEL: Final = 16
N_HEAD: Final = 4
PAD: Final = 0
BOS: Final = 1


class Seq2Seq(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.src_emb = dx.nn.Embedding(VOCAB, D_MODEL)
        self.tgt_emb = dx.nn.Embedding(VOCAB, D_MODEL)
        self.pos = dx.nn.SinusoidalPositionalEncoding(D_MODEL, max_len=64)
        self.transformer = dx.nn.Transformer(
            d_model=D_MODEL,
            nhead=N_HEAD,
            num_encoder_layers=1,
            num_decoder_layers=1,
            dim_feedforward=2 * D_MODEL,
            dropout=0.0,
            batch_first=True,
        )
        self.out = dx.nn.Linear(D_MODEL, VOCAB)

    def forward(
        self,
        src: Tensor[L[4], L[6], OwnedTape],
        tgt: Tensor[L[4], Dyn, NoneTape],
    ) -> Tensor[L[4], Dyn, L[12], OwnedTape]:
        _, T = tgt.shape
        tgt_mask = dx.nn.Transformer.generate_square_subsequent_mask(T)
        src_pad = src == PAD
        tgt_pad = tgt == PAD
        s = self.pos(self.src_emb(src))
        t = self.pos(self.tgt_emb(tgt))
        assert_type(s, Tensor[L[4], L[6], L[16], OwnedTape])
        assert_type(t, Tensor[L[4], Dyn, L[16], NoneTape])
        h = self.transformer(
            s,
            t,
            tgt_mask=tgt_mask,
            src_key_padding_mask=src_pad,
            tgt_key_padding_mask=tgt_pad,
            memory_key_padding_mask=src_pad,
        )
        assert_type(h, Tensor[L[4], Dyn, L[16], OwnedTape])
        return self.out(h)


def batch(
    rng: np.random.Generator,
) -> tuple[Tensor[L[4], L[6], NoneTape], Tensor[L[4], L[7], NoneTape]]:
    """A copy task: the target is BOS then the source."""
    src = rng.integers(2, VOCAB, size=(4, 6))
    tgt = np.concatenate([np.full((4, 1), BOS), src], axis=1)
    return dx.tensor(src).ensure_shape(4, 6), dx.tensor(tgt).ensure_shape(4, 7)


def train(model: Seq2Seq, steps: int) -> float:
    rng = np.random.default_rng(0)
    opt = dx.optim.AdamW(model, lr=3e-3)
    loss = dx.zeros()
    for _ in range(steps):
        src, tgt = batch(rng)
        tgt_in = tgt[:, :-1]
        tgt_out = tgt[:, 1:]
        assert_type(tgt_in, Tensor[L[4], L[6], NoneTape])
        model.train()
        logits = model(src.trace(), tgt_in.ensure_shape(4, None))
        B, T, V = logits.shape
        assert_type(logits.reshape(B * T, V), Tensor[Dyn, L[12], OwnedTape])
        loss = dx.losses.cross_entropy_with_logits_loss(
            logits.reshape(B * T, V), dx.one_hot(tgt_out.reshape(B * T), V)
        )
        opt.update(model, loss.backward())
    return loss.item()


def greedy_decode(
    model: Seq2Seq, src: Tensor[L[4], L[6], NoneTape], steps: int
) -> Tensor[L[4], Dyn, NoneTape]:
    model.eval()
    ys = dx.full((4, 1), BOS).ensure_shape(4, None)
    for _ in range(steps):
        logits = model(src.trace(), ys)
        nxt = logits[:, -1].argmax(axis=-1)
        assert_type(nxt, Tensor[L[4], NoneTape])
        ys = dx.concat([ys, nxt.unsqueeze(1)], axis=1)
    return ys


net = Seq2Seq()
final = train(net, 3)
assert np.isfinite(final)
out = greedy_decode(net, batch(np.random.default_rng(1))[0], 6)
assert out.shape == (4, 7)
