"""dx.linear whose weight takes another number of features than the input has: no overload of
the plain signature matches, so both checkers report it without the plugin."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[5], L[6], NoneTape] = dx.randn(5, 6)

y = dx.linear(x, w)  # E: mypy[misc] pyright[reportCallIssue,reportArgumentType]
z = dx.linear(x.trace(), w.trace())  # E: mypy[misc,arg-type] pyright
