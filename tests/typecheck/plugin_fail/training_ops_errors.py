"""The training ops on sizes that cannot fit: topk's k larger than its axis, a sort axis out
of range, too many samples without replacement, split sizes that do not add up, a chunk
count of 0, a slice_scatter source that does not fit its slice, a clamp bound that does not
broadcast, an arange that cannot reach its end, a size() axis out of range; and the aliases
(view, cat, cross_entropy) report as the ops they name."""

# rules: selection, unary, facts, movement, creation, losses

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)

k1 = x.topk(5)  # E: mypy[dfdx-shape "topk: k 5 is larger than axis 1 of Tensor[3, 4] (size 4)"]
k2 = dx.topk(x, 2, axis=2)  # E: mypy[dfdx-shape "topk: axis 2 is out of range for Tensor[3, 4]"]
s1 = dx.sort(x, axis=-3)  # E: mypy[dfdx-shape "sort: axis -3 is out of range for Tensor[3, 4]"]
s2 = x.argsort(2)  # E: mypy[dfdx-shape "argsort: axis 2 is out of range for Tensor[3, 4]"]
m1 = dx.multinomial(x, 5)  # E: mypy[dfdx-shape "multinomial: cannot draw 5 samples without "
#     "replacement from 4 categories (Tensor[3, 4])"]
m2 = dx.multinomial(dx.ones(2, 2, 2), 1)  # E: mypy[dfdx-shape "multinomial: probs must be 1-d or "
#     "2-d, got Tensor[2, 2, 2]"]
p1 = x.split([1, 1])  # E: mypy[dfdx-shape "split: sizes [1, 1] add up to 2, not to the size 3 of "
#     "axis 0 of Tensor[3, 4]"]
p2 = dx.split(x, 0, axis=1)  # E: mypy[dfdx-shape "split: split size must be > 0 (0 only for an "
#     "empty axis), got 0 for axis 1 of Tensor[3, 4]"]
c1 = x.chunk(0)  # E: mypy[dfdx-shape "chunk: chunks must be > 0, got 0"]
u1 = dx.slice_scatter(x, dx.ones(2, 4), 0, 0, 3)  # E: mypy[dfdx-shape "slice_scatter: src "
#     "Tensor[2, 4] does not fit the slice 0:3 of axis 0 of Tensor[3, 4] (Tensor[3, 4])"]
b1 = dx.clamp(x, min=dx.zeros(3))  # E: mypy[dfdx-shape "clamp: min Tensor[3] does not broadcast "
#     "to Tensor[3, 4] (axis -1: 3 != 4)"]
a1 = dx.arange(5, 1)  # E: mypy[dfdx-shape "arange: end 1 is not reachable from start 5 by step 1"]
a2 = dx.arange(0, 4, 0)  # E: mypy[dfdx-shape "arange: step must not be 0"]
z1 = x.size(2)  # E: mypy[dfdx-shape "size: axis 2 is out of range for Tensor[3, 4]"]
v1 = x.view(5, -1)  # E: mypy[dfdx-shape "reshape: cannot reshape Tensor[3, 4] (12 elements) to "
#     "Tensor[5, -1] (12 is not a multiple of 5)"]
j1 = dx.cat([x, dx.ones(3, 5)])  # E: mypy[dfdx-shape "concat: sizes differ on axis 1: "
#     "Tensor[3, 4] and Tensor[3, 5] (4 != 5)"]
e1 = dx.losses.cross_entropy(x, dx.ones(4, 4))  # E: mypy[dfdx-shape "cross_entropy_with_logits_"
#     "loss: targets Tensor[4, 4] do not fit logits Tensor[3, 4]: expected class probabilities "
#     "Tensor[3, 4] or integer labels Tensor[3]"]
o1 = dx.one_hot(dx.tensor([0, 1]), num_classes=-1)  # E: mypy[dfdx-shape "one_hot: the number "
#     "of classes must be >= 0, got -1"]
