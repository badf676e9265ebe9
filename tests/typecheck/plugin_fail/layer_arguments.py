"""Invalid hyper-parameters (a groups that does not divide the channels included) are errors
at the call (the runtime raises the same message at construction), and no size is computed
from them; a Sequential is checked where it is built, whatever it is assigned to or returned
as."""

# rules: nn

from typing import Any

import dfdx as dx


def model() -> dx.nn.Sequential[Any]:
    return dx.nn.Sequential(dx.nn.Linear(4, 8), dx.nn.ReLU(), dx.nn.Linear(5, 2))  # E: mypy[
    #     dfdx-shape "Sequential: layer 3 (Linear[5, 2]) takes 5 features, layer 1 gives 8"]


def pooled() -> dx.nn.Sequential[Any]:
    return dx.nn.Sequential(dx.nn.Conv2d(1, 8, 3), dx.nn.MaxPool2d(0))  # E: mypy[dfdx-shape
    #     "MaxPool2d: kernel_size must be an int > 0 or a pair of them, got 0"]


seq = dx.nn.Sequential(dx.nn.MaxPool2d(0))  # E: mypy[dfdx-shape "MaxPool2d: kernel_size must "
#     "be an int > 0 or a pair of them, got 0"]
conv = dx.nn.Conv2d(1, 8, 3, stride=0)  # E: mypy[dfdx-shape "Conv2d: stride must be an int > 0 "
#     "or a pair of them, got 0"]
conv_k = dx.nn.Conv2d(1, 1, 0)  # E: mypy[dfdx-shape "Conv2d: kernel_size must be an int > 0 or "
#     "a pair of them, got 0"]
conv_p = dx.nn.Conv2d(1, 1, 3, padding=(1, -1))  # E: mypy[dfdx-shape "Conv2d: padding must be "
#     "an int >= 0 or a pair of them, got (1, -1)"]
conv_d = dx.nn.Conv2d(1, 1, 3, dilation=0)  # E: mypy[dfdx-shape "Conv2d: dilation must be an "
#     "int > 0 or a pair of them, got 0"]
conv_b = dx.nn.Conv2d(True, 8, 3)  # E: mypy[dfdx-shape "Conv2d: in_channels must be an int > 0, "
#     "got True"]
conv_g = dx.nn.Conv2d(4, 8, 3, groups=0)  # E: mypy[dfdx-shape "Conv2d: groups must be an int > "
#     "0, got 0"]
conv_6 = dx.nn.Conv2d(6, 4, 3, groups=4)  # E: mypy[dfdx-shape "Conv2d: groups 4 must divide "
#     "in_channels 6"]
up_6 = dx.nn.ConvTranspose2d(4, 6, 3, groups=4)  # E: mypy[dfdx-shape "ConvTranspose2d: groups 4 "
#     "must divide out_channels 6"]
lin = dx.nn.Linear(-1, 3)  # E: mypy[dfdx-shape "Linear: in_features must be an int >= 0, got -1"]
lin2 = dx.nn.Linear(4, 2 - 3)  # E: mypy[dfdx-shape "Linear: out_features must be an int >= 0, "
#     "got -1"]
emb = dx.nn.Embedding(0, 8)  # E: mypy[dfdx-shape "Embedding: num_embeddings must be an int > 0, "
#     "got 0"]
norm = dx.nn.LayerNorm(False)  # E: mypy[dfdx-shape "LayerNorm: normalized_shape must be an int "
#     "> 0, got False"]
flat = dx.nn.Flatten(True)  # E: mypy[dfdx-shape "Flatten: start_axis must be an int, got True"]
avg = dx.nn.AvgPool2d(2, stride=0)  # E: mypy[dfdx-shape "AvgPool2d: stride must be an int > 0 "
#     "or a pair of them, got 0"]

# no size is computed from an invalid kernel: the output is not typed as larger than the input
x = dx.randn(2, 1, 8, 8)
y = conv_k(x)
strided = dx.nn.Sequential(dx.nn.Conv2d(1, 1, 3, stride=0), dx.nn.MaxPool2d(0))  # E: mypy[
#     dfdx-shape "Conv2d: stride must be an int > 0 or a pair of them, got 0",
#     dfdx-shape "MaxPool2d: kernel_size must be an int > 0 or a pair of them, got 0"]
z0 = strided(x)
small = dx.nn.Sequential(dx.nn.Conv2d(1, 1, 9, padding=0))
z = small(x)  # E: mypy[dfdx-shape "conv2d: output size 0 at axis 2 of Tensor[2, 1, 8, 8] (size "
#     "8 + 2 * padding 0 < dilation 1 * (kernel 9 - 1) + 1)"]
