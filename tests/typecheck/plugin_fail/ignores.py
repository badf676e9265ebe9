"""``# type: ignore[dfdx-shape]`` silences a shape error and ``# type: ignore[dfdx-tape]`` a
tape error; an ignore with the other code silences nothing, and mypy (warn_unused_ignores,
on in mypy_plugin.ini) says so. backward() also gets mypy's own ``misc`` error
(docs/plugin.md): ``ignore[misc, dfdx-tape]`` silences both."""

# rules: binary, tape

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

a: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
v: Tensor[L[5], NoneTape] = dx.randn(5)
w: Tensor[L[5], L[2], NoneTape] = dx.randn(5, 2)

# the right code: silent
r1 = a + v  # type: ignore[dfdx-shape]
r2 = a @ w  # type: ignore[dfdx-shape]
r3 = a.sum(axis=2)  # type: ignore[dfdx-shape]
r4 = a.softmax(axis=-3)  # type: ignore[dfdx-shape]
r5 = a.ensure_shape(3, 5)  # type: ignore[dfdx-shape]
g1 = a.sum().backward()  # type: ignore[misc, dfdx-tape]
g2 = a.trace().backward()  # type: ignore[misc, dfdx-shape]
g3 = a.backward()  # type: ignore[misc, dfdx-tape, dfdx-shape]

# dfdx-tape alone silences the plugin's tape error, not mypy's misc one
g4 = a.sum().backward()  # type: ignore[dfdx-tape]  # E: mypy[misc]

# the wrong code: the error shows, and so does the unused ignore
r6 = a @ w  # type: ignore[dfdx-tape]  # E: mypy[dfdx-shape "matmul: inner sizes differ: "
#     "Tensor[3, 4] @ Tensor[5, 2] (4 != 5)", unused-ignore]
g5 = a.sum().backward()  # type: ignore[misc, dfdx-shape]  # E: mypy[dfdx-tape "backward() needs "
#     "a traced tensor: call .trace() on an input first", unused-ignore]
