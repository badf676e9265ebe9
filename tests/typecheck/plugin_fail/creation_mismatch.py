"""Creation with literal sizes gives exact types, so a value of the wrong shape is rejected
where it is assigned: ``zeros(3, 5)`` is not a ``Tensor[L[3], L[4], NoneTape]``, nor is a
nested list literal of 2 rows of 3. Where the sizes are the call's own arguments (a
creation's), the error names the axis at fault."""

# rules: creation

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

a: Tensor[L[3], L[4], NoneTape] = dx.zeros(3, 5)  # E: mypy[dfdx-shape "zeros: gives Tensor[3, 5]"
#     ", a's declared type is Tensor[3, 4] (5 != 4)"]
b: Tensor[L[2], L[2], NoneTape] = dx.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # E: mypy[
#     dfdx-shape "tensor: gives Tensor[2, 3], b's declared type is Tensor[2, 2] (3 != 2)"]
c: Tensor[L[4], NoneTape] = dx.arange(5)  # E: mypy[dfdx-shape "arange: gives Tensor[5], c's de"
#     "clared type is Tensor[4] (5 != 4)"]
d: Tensor[L[2], L[3], NoneTape] = dx.full((3, 2), 1.0)  # E: mypy[dfdx-shape "full: gives Tens"
#     "or[3, 2], d's declared type is Tensor[2, 3] (3 != 2)"]
