"""Padding words that cannot work: ``padding="same"`` with a stride other than 1 (reported
where the layer is built, with the runtime's message), a word other than "same" or "valid",
a "same" convolution whose sizes then misfit."""

# rules: conv, nn

import dfdx as dx
from dfdx.nn import Conv1d, Conv2d, Flatten, Linear, Sequential

x = dx.randn(2, 3, 9, 8)
s = dx.randn(2, 4, 10)

c1 = Conv2d(3, 4, 3, stride=2, padding="same")  # E: mypy[dfdx-shape "Conv2d: padding='same' "
#     "needs stride 1, got stride=2"]
c2 = Conv2d(3, 4, 3, stride=(1, 2), padding="same")  # E: mypy[dfdx-shape "Conv2d: "
#     "padding='same' needs stride 1, got stride=(1, 2)"]
c3 = Conv1d(4, 6, 3, stride=3, padding="same")  # E: mypy[dfdx-shape "Conv1d: padding='same' "
#     "needs stride 1, got stride=3"]
c4 = Conv2d(3, 4, 3, padding="full")  # E: mypy[dfdx-shape "Conv2d: padding must be "
#     "'same' or 'valid', an int >= 0 or a pair of them, got 'full'"]
f1 = dx.conv2d(x, dx.randn(4, 3, 3, 3), stride=2, padding="same")  # E: mypy[dfdx-shape "conv2d: "
#     "padding='same' needs stride 1, got stride=(2, 2)"]
f2 = dx.conv1d(s, dx.randn(5, 4, 3), padding="full")  # E: mypy[dfdx-shape "conv1d: "
#     "padding must be 'same', 'valid', an int or a tuple of ints, got 'full'"]
seq = Sequential(Conv2d(3, 8, 5, padding="same"), Flatten(), Linear(8 * 7 * 6, 10))
y = seq(x)  # E: mypy[dfdx-shape "Linear[336, 10]: takes 336 features, got Tensor[2, 576] "
#     "(576 != 336)"]
