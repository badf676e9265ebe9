"""Layers of one class written as a list display keep the sizes they share: heads of
different class counts built for 8 features, applied to the 6-feature output of a trunk (the
trunk's width taken for the heads' input), are still reported."""

# rules: nn

import dfdx as dx
from dfdx.nn import Linear

trunk = Linear(4, 6)  # E: mypy[dfdx-shape "trunk is built here; its output reaches line 15: Li"
#     "near[8, Dyn]: takes 8 features, got Tensor[5, 6] (6 != 8)"]
heads = [Linear(8, 2), Linear(8, 3)]
features = trunk(dx.randn(5, 4))
for head in heads:
    logits = head(features)  # E: mypy[dfdx-shape "Linear[8, Dyn]: takes 8 features, got Te"
    #     "nsor[5, 6] (6 != 8)"]
