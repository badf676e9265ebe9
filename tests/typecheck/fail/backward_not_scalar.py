"""backward() starts from a 0-d loss: on a traced tensor of any other rank it is an error in
both checkers, even without the plugin."""

from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)
v: Tensor[L[4], NoneTape] = dx.randn(4)

x.trace().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
(x.trace() @ w).backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
v.trace().relu().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
d: Tensor[Dyn, OwnedTape] = dx.randn(3).trace()
d.backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
dx.zeros(1).trace().backward()  # E: mypy[misc] pyright[reportAttributeAccessIssue]
