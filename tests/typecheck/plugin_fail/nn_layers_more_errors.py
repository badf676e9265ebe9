"""The layers of nn_layers_more.py built or called where they cannot fit: a Conv1d or GroupNorm
whose groups do not divide its channels (the runtime raises the same at construction), a window
argument below its minimum, an input of the wrong channels, rank or features, an output length
that is not positive, an Unflatten whose sizes do not fit its axis, and a Sequential whose
layers do not fit together."""

# rules: nn

import dfdx as dx
from dfdx.nn import Conv1d, ConvTranspose1d, GroupNorm, Linear, RMSNorm, Sequential, Unflatten

s = dx.randn(2, 4, 9)
v = dx.randn(4, 6)

c1 = Conv1d(4, 6, 3, groups=4)  # E: mypy[dfdx-shape "Conv1d: groups 4 must divide out_channels 6"]
c2 = Conv1d(4, 6, 0)  # E: mypy[dfdx-shape "Conv1d: kernel_size must be an int > 0, got 0"]
c3 = Conv1d(4, 6, 3, padding=-1)  # E: mypy[dfdx-shape "Conv1d: padding must be an int >= 0, "
#     "got -1"]
c4 = Conv1d(4, 6, (0,))  # E: mypy[dfdx-shape "Conv1d: kernel_size must be an int > 0, got 0"]
y1 = Conv1d(3, 6, 3)(s)  # E: mypy[dfdx-shape "conv1d: input channels differ: input Tensor[2, 4, "
#     "9], weight Tensor[6, 3, 3] (4 != 3 per group * groups 1)"]
y2 = Conv1d(4, 6, 5, dilation=3)(s)  # E: mypy[dfdx-shape "conv1d: output size -3 at axis 2 of "
#     "Tensor[2, 4, 9] (size 9 + 2 * padding 0 < dilation 3 * (kernel 5 - 1) + 1)"]
y3 = Conv1d(4, 6, 3)(dx.randn(2, 4, 9, 9))  # E: mypy[dfdx-shape "conv1d: expected a 3-d input "
#     "(N, C, L), got Tensor[2, 4, 9, 9]"]

u1 = ConvTranspose1d(4, 6, 3, groups=3)  # E: mypy[dfdx-shape "ConvTranspose1d: groups 3 must "
#     "divide in_channels 4"]
u2 = ConvTranspose1d(4, 6, 3)(dx.randn(2, 6, 9))  # E: mypy[dfdx-shape "conv_transpose1d: input "
#     "channels differ: input Tensor[2, 6, 9], weight Tensor[4, 6, 3] (6 != 4)"]
u3 = ConvTranspose1d(4, 6, 3, output_padding=2, stride=2)(s)  # E: mypy[dfdx-shape
#     "conv_transpose1d: output_padding 2 must be smaller than stride 2 or dilation 1"]

g1 = GroupNorm(4, 6)  # E: mypy[dfdx-shape "GroupNorm: num_groups 4 must divide num_channels 6"]
g2 = GroupNorm(0, 6)  # E: mypy[dfdx-shape "GroupNorm: num_groups must be an int > 0, got 0"]
z1 = GroupNorm(2, 6)(s)  # E: mypy[dfdx-shape "GroupNorm[6]: takes 6 channels on axis 1, got "
#     "Tensor[2, 4, 9] (4 != 6)"]
z2 = GroupNorm(2, 4)(dx.randn(4))  # E: mypy[dfdx-shape "GroupNorm[4]: needs an input (N, C, *) "
#     "of at least 2 axes, got Tensor[4]"]

r1 = RMSNorm(0)  # E: mypy[dfdx-shape "RMSNorm: normalized_shape must be an int > 0, got 0"]
r2 = RMSNorm(8)(v)  # E: mypy[dfdx-shape "RMSNorm[8]: takes 8 features, got Tensor[4, 6] (6 != 8)"]

f1 = Unflatten(1, (2, 5))(v)  # E: mypy[dfdx-shape "Unflatten: unflattened_size (2, 5) does not "
#     "fit axis 1 of Tensor[4, 6] (size 6)"]
f2 = Unflatten(1, (-1, -1))  # E: mypy[dfdx-shape "Unflatten: only one size of unflattened_size "
#     "may be -1, got (-1, -1)"]
f3 = Unflatten(1, (2, -3))  # E: mypy[dfdx-shape "Unflatten: unflattened_size must be a tuple of "
#     "ints >= -1, got (2, -3)"]
f4 = Unflatten(2, (2, 3))(v)  # E: mypy[dfdx-shape "Unflatten: axis 2 is out of range for "
#     "Tensor[4, 6]"]

seq = Sequential(Conv1d(4, 8, 3), GroupNorm(2, 6))  # E: mypy[dfdx-shape "Sequential: layer 2 "
#     "(GroupNorm[6]) takes 6 channels, layer 1 gives 8"]
mlp = Sequential(Linear(6, 5), RMSNorm(4))  # E: mypy[dfdx-shape "Sequential: layer 2 "
#     "(RMSNorm[4]) takes 4 features, layer 1 gives 5"]
