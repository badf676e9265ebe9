"""Plain-only: returning a result that plain signatures type as ``Any`` (here a broadcast with a
``(1, 5)`` row: a 1-d bias would be exact) from a function declared to return a tensor is
reported by mypy --strict (``warn_return_any``), not by pyright. Declare a variable for it
instead (pass/plain_fallbacks.py); with the plugin the result has an exact type and this is no
error."""

from typing import Literal as L
from typing import TypeVar

from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def linear(
    x: Tensor[B, L[4], T], w: Tensor[L[4], L[5], NoneTape], b: Tensor[L[1], L[5], NoneTape]
) -> Tensor[B, L[5], T]:
    return x @ w + b  # E: mypy[no-any-return]
