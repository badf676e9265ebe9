"""A one-hot encoding of labels of unknown rank keeps its classes as the last axis, so a layer
built for another number of classes is reported where it reads them (by the layer's plain
signature, which the plugin leaves to mypy for an input of unknown rank)."""

# rules: indexing, nn

import numpy as np

import dfdx as dx
from dfdx.nn import Linear

rng = np.random.default_rng(0)
labels = dx.tensor(rng.integers(0, 16, size=(2, 13)))
embed = Linear(10, 4)
hot = dx.one_hot(labels, 16)
embed(hot)  # E: mypy[
#     dfdx-shape "Linear[10, 4]: takes 10 features, got Tensor[2, 13, 16] (16 != 10)"]
