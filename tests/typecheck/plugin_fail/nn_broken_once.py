"""A Sequential whose layers do not chain is reported once, where it is built; calling it
reports nothing more (its result is the plain signature's)."""

# rules: nn

import dfdx as dx
from dfdx.nn import Linear, ReLU, Sequential

bad = Sequential(Linear(3, 4), ReLU(), Linear(5, 6))  # E: mypy[dfdx-shape
#    "Sequential: layer 3 (Linear[5, 6]) takes 5 features, layer 1 gives 4"]
y = bad(dx.zeros(2, 3))
