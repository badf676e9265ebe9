"""ensure_shape with a size that provably differs, or a different number of sizes."""

# rules: checks

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[32], L[100], NoneTape] = dx.randn(32, 100)

# a size that differs
e1 = x.ensure_shape(None, 784)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[Dyn, 784], "
#     "got Tensor[32, 100] (axis 1: 100 != 784)"]
e2 = x.ensure_shape(16, None)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[16, Dyn], got "
#     "Tensor[32, 100] (axis 0: 32 != 16)"]
e3 = dx.ensure_shape(x, 32, 101)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[32, 101], "
#     "got Tensor[32, 100] (axis 1: 100 != 101)"]
e4 = dx.ensure_shape(x.trace(), 1, 100)  # E: mypy[dfdx-shape "ensure_shape: expected "
#     "Tensor[1, 100], got Tensor[32, 100] (axis 0: 32 != 1)"]

# a rank that differs
e5 = x.ensure_shape(None)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[Dyn], got "
#     "Tensor[32, 100] (rank 2 != 1)"]
e6 = x.ensure_shape(32, 100, 1)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[32, 100, 1], "
#     "got Tensor[32, 100] (rank 2 != 3)"]
e7 = dx.ensure_shape(x)  # E: mypy[dfdx-shape "ensure_shape: expected Tensor[()], got "
#     "Tensor[32, 100] (rank 2 != 0)"]
e8 = dx.ensure_shape(dx.tensor(1.0), None)  # E: mypy[dfdx-shape "ensure_shape: expected "
#     "Tensor[Dyn], got Tensor[()] (rank 0 != 1)"]
