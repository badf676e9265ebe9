"""Symbolic sizes survive flattening: ``x.reshape(-1, C)`` on a ``Tensor[B, T, C]`` is
``Tensor[Expr[L["B*T"]], C]`` (a product in normal form: the int factor first, then the names
sorted), reshaping back recovers ``B`` and ``T``, and the nanoGPT loss, logits and targets
flattened to ``B * T``, is checked."""

# rules: movement, losses, nn

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Expr, NoneTape, OwnedTape, Tensor
from dfdx.losses import cross_entropy_with_logits_loss

B = TypeVar("B", bound=int)
T = TypeVar("T", bound=int)
C = TypeVar("C", bound=int)
V = L[65]


def round_trip(x: Tensor[B, T, C, OwnedTape]) -> Tensor[B, T, C, OwnedTape]:
    b, t, c = x.shape
    flat = x.reshape(-1, c)
    assert_type(flat, Tensor[Expr[L["B*T"]], C, OwnedTape])
    assert_type(x.reshape(b * t, c), Tensor[Expr[L["B*T"]], C, OwnedTape])
    assert_type(x.flatten(0, 1), Tensor[Expr[L["B*T"]], C, OwnedTape])
    return flat.reshape(b, t, c)


def lm_loss(
    logits: Tensor[B, T, V, OwnedTape], targets: Tensor[B, T, NoneTape]
) -> Tensor[OwnedTape]:
    b, t, v = logits.shape
    flat = logits.reshape(b * t, v)
    assert_type(flat, Tensor[Expr[L["B*T"]], V, OwnedTape])
    return cross_entropy_with_logits_loss(flat, targets.reshape(b * t))


def scaled(x: Tensor[B, L[4], L[8], NoneTape]) -> Tensor[B, L[32], NoneTape]:
    flat = x.reshape(-1)
    assert_type(flat, Tensor[Expr[L["32*B"]], NoneTape])
    return flat.reshape(-1, 32)  # 32*B over 32 is B again


x = dx.randn(2, 3, 5).trace()
assert_type(round_trip(x), Tensor[L[2], L[3], L[5], OwnedTape])
logits = dx.randn(2, 3, 65).trace()
targets = dx.tensor(np.array([[1, 2, 3], [4, 5, 6]]), dtype=dx.int64).ensure_shape(2, 3)
assert_type(lm_loss(logits, targets), Tensor[OwnedTape])
assert_type(scaled(dx.zeros(3, 4, 8)), Tensor[L[3], L[32], NoneTape])


def feed_forward(n_embd: C, x: Tensor[B, T, C, OwnedTape]) -> Tensor[B, T, C, OwnedTape]:
    """The transformer's MLP sized from a symbolic width: ``4 * n_embd`` is a product."""
    up = dx.nn.Linear(n_embd, 4 * n_embd)
    assert_type(up, dx.nn.Linear[C, Expr[L["4*C"]]])
    down = dx.nn.Linear(4 * n_embd, n_embd)
    h = up(x).relu()
    assert_type(h, Tensor[B, T, Expr[L["4*C"]], OwnedTape])
    return down(h)


assert_type(feed_forward(5, x), Tensor[L[2], L[3], L[5], OwnedTape])
