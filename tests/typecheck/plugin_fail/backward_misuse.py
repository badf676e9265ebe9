"""backward() on an untraced tensor (``dfdx-tape``) or on one that is not 0-d (``dfdx-shape``).
mypy checks ``backward``'s declared self type (``Tensor[OwnedTape]``) when it looks the method
up, before the plugin runs, so its own ``Invalid self argument`` error (``misc``) stays beside
the plugin's (docs/plugin.md)."""

# rules: tape

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)

# untraced
g1 = x.sum().backward()  # E: mypy[misc, dfdx-tape "backward() needs a traced tensor: call "
#     ".trace() on an input first"]
g2 = (x @ w).tanh().mean().backward()  # E: mypy[misc, dfdx-tape "backward() needs a traced "
#     "tensor: call .trace() on an input first"]
g3 = dx.mean(x).backward()  # E: mypy[misc, dfdx-tape "backward() needs a traced tensor: call "
#     ".trace() on an input first"]
g4 = x.trace().detach().sum().backward()  # E: mypy[misc, dfdx-tape "backward() needs a traced "
#     "tensor: call .trace() on an input first"]

# not 0-d
g5 = x.trace().backward()  # E: mypy[misc, dfdx-shape "backward: the loss must be 0-d, got "
#     "Tensor[3, 4]; reduce it first (e.g. .sum() or .mean())"]
g6 = (x.trace() @ w).backward()  # E: mypy[misc, dfdx-shape "backward: the loss must be 0-d, got "
#     "Tensor[3, 5]; reduce it first (e.g. .sum() or .mean())"]
g7 = x.trace().sum(axis=0).backward()  # E: mypy[misc, dfdx-shape "backward: the loss must be "
#     "0-d, got Tensor[4]; reduce it first (e.g. .sum() or .mean())"]
g8 = x.trace().sum(keepdims=True).backward()  # E: mypy[misc, dfdx-shape "backward: the loss must "
#     "be 0-d, got Tensor[1, 1]; reduce it first (e.g. .sum() or .mean())"]

# both
g9 = x.backward()  # E: mypy[misc, dfdx-tape "backward() needs a traced tensor: call .trace() on "
#     "an input first", dfdx-shape "backward: the loss must be 0-d, got Tensor[3, 4]; reduce it "
#     "first (e.g. .sum() or .mean())"]
