"""Sizes as real code computes them: int arithmetic on known sizes is folded wherever a size
is accepted (creation, reshape, layer constructors, ensure_shape, full's tuple), from literals,
``Final`` constants (module and class level), attributes of ``Literal`` type (a dataclass
config), and sizes taken from ``.shape``, which under the plugin is a tuple of the sizes the
type states."""

# rules: creation, movement, nn, checks, conv, indexing

from dataclasses import dataclass
from typing import Final, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)

N_HEAD: Final = 4
HIDDEN: Final = 16 * 4 * 4


@dataclass(frozen=True)
class Config:
    n_embd: L[32] = 32
    n_head: L[4] = 4
    vocab: L[65] = 65


class Sizes:
    WIDTH: Final = 8


cfg = Config()
assert_type(dx.randn(8, 16 * 4 * 4), Tensor[L[8], L[256], NoneTape])
assert_type(dx.zeros(HIDDEN // 2, N_HEAD), Tensor[L[128], L[4], NoneTape])
assert_type(dx.ones(Sizes.WIDTH * 2), Tensor[L[16], NoneTape])
assert_type(dx.full((2 * 3, 7 % 4), 0.5), Tensor[L[6], L[3], NoneTape])
assert_type(dx.zeros(len((1, 2, 3)), 2**3, -(1 - 6)), Tensor[L[3], L[8], L[5], NoneTape])
assert_type(dx.nn.Linear(cfg.n_embd, 3 * cfg.n_embd), dx.nn.Linear[L[32], L[96]])
assert_type(dx.nn.Embedding(cfg.vocab, cfg.n_embd), dx.nn.Embedding[L[65], L[32]])
assert_type(dx.nn.LayerNorm(cfg.n_embd), dx.nn.LayerNorm[L[32]])
assert_type(dx.zeros(4, 6).ensure_shape(2 * 2, HIDDEN // 256 * 6), Tensor[L[4], L[6], NoneTape])
img = dx.zeros(2, 3, 8, 8)
assert_type(dx.max_pool2d(img, 2, stride=1 + 1), Tensor[L[2], L[3], L[4], L[4], NoneTape])
labels = dx.zeros(4, dtype=dx.int64)
assert_type(dx.one_hot(labels, cfg.vocab - 60), Tensor[L[4], L[5], NoneTape])


def split_heads(x: Tensor[B, S, L[32], OwnedTape]) -> Tensor[B, L[4], S, L[8], OwnedTape]:
    b, s, c = x.shape
    assert_type(x.shape, tuple[B, S, L[32]])
    q = x.reshape(b, s, N_HEAD, c // N_HEAD)
    assert_type(q, Tensor[B, S, L[4], L[8], OwnedTape])
    return q.transpose(1, 2)


def merge_heads(y: Tensor[B, L[4], S, L[8], OwnedTape]) -> Tensor[B, S, L[32], OwnedTape]:
    b, h, s, d = y.shape
    return y.transpose(1, 2).reshape(b, s, h * d)


x = dx.randn(2, 5, 32).trace()
assert_type(merge_heads(split_heads(x)), Tensor[L[2], L[5], L[32], OwnedTape])
assert_type(x.shape[2], L[32])
