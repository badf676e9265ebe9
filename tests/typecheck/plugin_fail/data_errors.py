"""Data loading mistakes the plugin reports where they are made: tensors that do not agree on
their number of samples, a 0-d tensor in a TensorDataset, a batch size below 1, and (from
the plain signatures) a traced tensor in a TensorDataset."""

# rules: data

import dfdx as dx
from dfdx.utils.data import DataLoader, TensorDataset

x = dx.randn(100, 8)
y = dx.zeros(50)
ok = TensorDataset(x, x[:, 0])

a = TensorDataset(x, y)  # E: mypy[dfdx-shape
#   "TensorDataset: tensors differ in their number of samples (axis 0): Tensor[100, 8] and "
#   "Tensor[50] (100 != 50)"]
b = TensorDataset(x, x, dx.zeros())  # E: mypy[dfdx-shape
#   "TensorDataset: tensor 2 is 0-d: every tensor needs a first axis of samples"]
c = DataLoader(ok, 0)  # E: mypy[dfdx-shape "DataLoader: batch_size must be at least 1, got 0"]
d = DataLoader(ok, batch_size=-4, drop_last=True)  # E: mypy[dfdx-shape
#   "DataLoader: batch_size must be at least 1, got -4"]
e = TensorDataset(x.trace())  # E: mypy[arg-type]
