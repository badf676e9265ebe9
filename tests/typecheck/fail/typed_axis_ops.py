"""The rank-0 overloads that make an ``Any`` input's reduction or transpose ``Any``
(``pass/untyped_axis_ops.py``) never meet a typed input: a reduction or transpose of a typed
tensor keeps its exact type, so a wrong declaration is still an error."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[2], L[3], L[4], NoneTape] = dx.randn(2, 3, 4)
kept = dx.sum(x, -1, keepdims=True)
least = dx.min(x, 1)
swapped = dx.transpose(x, 1, 2)
a: Tensor[L[2], L[3], NoneTape] = kept  # E: mypy[assignment] pyright
b: Tensor[L[2], L[3], NoneTape] = least  # E: mypy[assignment] pyright
c: Tensor[L[2], L[3], L[4], NoneTape] = swapped  # E: mypy[assignment] pyright
