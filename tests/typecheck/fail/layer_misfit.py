"""A typed input that does not fit a layer is still an error without the plugin: the overloads
that give an untyped input an untyped result (``pass/untyped_layer_inputs.py``) match no
misfit. mypy names the general signature, as before them; pyright adds that no overload
matches."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import Embedding, GroupNorm, LayerNorm, Linear, RMSNorm

x: Tensor[L[2], L[5], NoneTape] = dx.randn(2, 5)
image: Tensor[L[2], L[5], L[4], L[4], NoneTape] = dx.randn(2, 5, 4, 4)
lin: Linear[L[8], L[4]] = Linear(8, 4)
ln: LayerNorm[L[8]] = LayerNorm(8)
rms: RMSNorm[L[8]] = RMSNorm(8)
gn: GroupNorm[L[8]] = GroupNorm(2, 8)
emb: Embedding[L[10], L[8]] = Embedding(10, 8)
ids: Tensor[L[5], NoneTape] = dx.zeros(5, dtype=dx.int64)
y = lin(x)  # E: pyright[reportCallIssue,reportArgumentType] mypy[arg-type
#             "expected \"Tensor[Literal[2], Literal[8], NoneTape]\""]
z = ln(x)  # E: pyright[reportCallIssue,reportArgumentType] mypy[arg-type
#            "expected \"Tensor[Literal[2], Literal[8], NoneTape]\""]
r = rms(x)  # E: mypy[arg-type] pyright[reportCallIssue,reportArgumentType]
g = gn(image)  # E: mypy[arg-type] pyright[reportCallIssue,reportArgumentType]
# a typed input's result is exact: a wrong declared width is an error
e: Tensor[L[5], L[4], NoneTape] = emb(ids)  # E: mypy[assignment] pyright[reportAssignmentType]
