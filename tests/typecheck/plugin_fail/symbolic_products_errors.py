"""Products of symbolic sizes are checked: labels of the wrong rank or batch for flattened
logits, and a reshape back to sizes whose product differs."""

# rules: losses, movement

from typing import Literal as L
from typing import TypeVar

from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.losses import cross_entropy_with_logits_loss

B = TypeVar("B", bound=int)
T = TypeVar("T", bound=int)


def wrong_rank(
    logits: Tensor[B, T, L[65], OwnedTape], targets: Tensor[B, T, L[1], NoneTape]
) -> None:
    b, t, v = logits.shape
    cross_entropy_with_logits_loss(logits.reshape(b * t, v), targets)  # E: mypy[dfdx-shape
    #     "cross_entropy_with_logits_loss: targets Tensor[B, T, 1] do not fit logits "
    #     "Tensor[B*T, 65]: expected class probabilities Tensor[B*T, 65] or integer labels "
    #     "Tensor[B*T]"]


def wrong_batch(
    logits: Tensor[L[4], T, L[65], OwnedTape], targets: Tensor[L[8], T, NoneTape]
) -> None:
    v = logits.shape[-1]
    cross_entropy_with_logits_loss(logits.reshape(-1, v), targets.reshape(-1))  # E: mypy[
    #     dfdx-shape "cross_entropy_with_logits_loss: targets Tensor[8*T] do not fit logits "
    #     "Tensor[4*T, 65]: expected class probabilities Tensor[4*T, 65] or integer labels "
    #     "Tensor[4*T]"]


def wrong_back(x: Tensor[B, T, L[8], OwnedTape]) -> None:
    b, t, c = x.shape
    flat = x.reshape(-1, c)
    flat.reshape(b, t, 2 * c)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[B*T, 8] "
    #     "(8*B*T elements) to Tensor[B, T, 16] (16*B*T elements)"]
