"""dx.conv_transpose1d that cannot fit: input channels that are not the weight's first size,
groups that do not divide them, an output_padding not smaller than the stride or dilation, a
bias that is not one per output channel, a rank that is not 3."""

# rules: conv

import dfdx as dx

s = dx.randn(2, 4, 5)

t1 = dx.conv_transpose1d(s, dx.randn(3, 2, 3))  # E: mypy[dfdx-shape "conv_transpose1d: input "
#     "channels differ: input Tensor[2, 4, 5], weight Tensor[3, 2, 3] (4 != 3)"]
t2 = dx.conv_transpose1d(s, dx.randn(4, 2, 3), groups=3)  # E: mypy[dfdx-shape "conv_transpose1d:"
#     " groups 3 does not divide the 4 input channels (input Tensor[2, 4, 5], weight Tensor[4, 2, "
#     "3])"]
t3 = dx.conv_transpose1d(s, dx.randn(4, 2, 3), output_padding=1)  # E: mypy[dfdx-shape
#     "conv_transpose1d: output_padding 1 must be smaller than stride 1 or dilation 1"]
t4 = dx.conv_transpose1d(s, dx.randn(4, 2, 3), dx.zeros(3))  # E: mypy[dfdx-shape
#     "conv_transpose1d: bias must be Tensor[2] (one per output channel), got Tensor[3]"]
t5 = dx.conv_transpose1d(dx.randn(2, 4, 5, 5), dx.randn(4, 2, 3))  # E: mypy[dfdx-shape
#     "conv_transpose1d: expected a 3-d input (N, C, L), got Tensor[2, 4, 5, 5]"]
