"""dx.linear and relu_feed_forward whose operands cannot fit: a weight that takes another
number of features, a weight that is not 2-d, a bias of the wrong size; the feed-forward's
second weight that does not take the first one's output."""

# rules: linalg

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.ops.linalg import relu_feed_forward

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(2, 3, 4)

l1 = dx.linear(x, dx.randn(5, 3))  # E: mypy[dfdx-shape "linear: weight Tensor[5, 3] takes 3 "
#     "features, x Tensor[2, 3, 4] has 4"]
l2 = dx.linear(x, dx.randn(5, 4), dx.zeros(4))  # E: mypy[dfdx-shape "linear: bias must be "
#     "Tensor[5] (one per output feature of weight), got Tensor[4]"]
l3 = dx.linear(x, dx.randn(5, 4), bias=dx.zeros(2, 5))  # E: mypy[dfdx-shape "linear: bias must "
#     "be Tensor[5] (one per output feature of weight), got Tensor[2, 5]"]
l4 = dx.linear(x, dx.randn(4))  # E: mypy[dfdx-shape "linear: weight must be 2-d (out_features, "
#     "in_features), got Tensor[4]"]

f1 = relu_feed_forward(x, dx.randn(5, 4), None, dx.randn(6, 3), None)  # E: mypy[dfdx-shape ""
#     "relu_feed_forward: weight2 Tensor[6, 3] takes 3 features, weight1 Tensor[5, 4] gives 5"]
f2 = relu_feed_forward(x, dx.randn(5, 3), None, dx.randn(6, 5), None)  # E: mypy[dfdx-shape ""
#     "relu_feed_forward: weight1 Tensor[5, 3] takes 3 features, x Tensor[2, 3, 4] has 4"]


def symbolic(h: Tensor[B, L[8], T]) -> None:
    dx.linear(h, dx.randn(3, 7))  # E: mypy[dfdx-shape "linear: weight Tensor[3, 7] takes 7 "
    #     "features, x Tensor[B, 8] has 8"]
