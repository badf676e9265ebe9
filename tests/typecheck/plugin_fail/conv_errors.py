"""Convolution and pooling that cannot fit: an output size that is not positive, input
channels that differ from the weight's, groups that do not divide the channels, a bias of the
wrong size, a parameter below its minimum, an input of the wrong rank, pool padding over half
the kernel; with literal and symbolic batches."""

# rules: conv

from typing import Literal as L
from typing import TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x: Tensor[L[2], L[3], L[8], L[8], NoneTape] = dx.randn(2, 3, 8, 8)
w: Tensor[L[4], L[3], L[3], L[3], NoneTape] = dx.randn(4, 3, 3, 3)

# conv2d
c1 = dx.conv2d(x, dx.randn(4, 2, 3, 3))  # E: mypy[dfdx-shape "conv2d: input channels differ: "
#     "input Tensor[2, 3, 8, 8], weight Tensor[4, 2, 3, 3] (3 != 2 per group * groups 1)"]
c2 = dx.conv2d(x, dx.randn(4, 3, 9, 3))  # E: mypy[dfdx-shape "conv2d: output size 0 at axis 2 of "
#     "Tensor[2, 3, 8, 8] (size 8 + 2 * padding 0 < dilation 1 * (kernel 9 - 1) + 1)"]
c3 = dx.conv2d(x, w, dilation=4)  # E: mypy[dfdx-shape "conv2d: output size 0 at axis 2 of "
#     "Tensor[2, 3, 8, 8] (size 8 + 2 * padding 0 < dilation 4 * (kernel 3 - 1) + 1)"]
c4 = dx.conv2d(x, dx.randn(4, 1, 3, 3), groups=2)  # E: mypy[dfdx-shape "conv2d: groups 2 does not "
#     "divide the 3 input channels (input Tensor[2, 3, 8, 8], weight Tensor[4, 1, 3, 3])"]
c5 = dx.conv2d(x, dx.randn(6, 1, 3, 3), groups=4)  # E: mypy[dfdx-shape "conv2d: groups 4 does not "
#     "divide the 6 output channels (input Tensor[2, 3, 8, 8], weight Tensor[6, 1, 3, 3])"]
c6 = dx.conv2d(x, dx.randn(6, 2, 3, 3), groups=3)  # E: mypy[dfdx-shape "conv2d: input channels "
#     "differ: input Tensor[2, 3, 8, 8], weight Tensor[6, 2, 3, 3] (3 != 2 per group * groups 3)"]
c7 = dx.conv2d(x, w, bias=dx.zeros(3))  # E: mypy[dfdx-shape "conv2d: bias must be Tensor[4] (one "
#     "per output channel), got Tensor[3]"]
c8 = dx.conv2d(x, w, stride=0)  # E: mypy[dfdx-shape "conv2d: stride must be at least 1, got 0"]
c9 = dx.conv2d(x, w, padding=(1, -1))  # E: mypy[dfdx-shape "conv2d: padding must be at least 0, "
#     "got (1, -1)"]
c10 = dx.conv2d(x[0], w)  # E: mypy[dfdx-shape "conv2d: expected a 4-d input (N, C, H, W), got "
#     "Tensor[3, 8, 8]"]

# conv1d
s: Tensor[L[2], L[3], L[5], NoneTape] = dx.randn(2, 3, 5)
d1 = dx.conv1d(s, dx.randn(4, 2, 3))  # E: mypy[dfdx-shape "conv1d: input channels differ: input "
#     "Tensor[2, 3, 5], weight Tensor[4, 2, 3] (3 != 2 per group * groups 1)"]
d2 = dx.conv1d(s, dx.randn(4, 3, 7))  # E: mypy[dfdx-shape "conv1d: output size -1 at axis 2 of "
#     "Tensor[2, 3, 5] (size 5 + 2 * padding 0 < dilation 1 * (kernel 7 - 1) + 1)"]
d3 = dx.conv1d(x, w)  # E: mypy[dfdx-shape "conv1d: expected a 3-d input (N, C, L), got Tensor[2, "
#     "3, 8, 8]"]

# conv_transpose2d: the weight is (C, O / groups, kh, kw)
k3 = dx.randn(3, 3, 3, 3)
u1 = dx.conv_transpose2d(x, w)  # E: mypy[dfdx-shape "conv_transpose2d: input channels differ: "
#     "input Tensor[2, 3, 8, 8], weight Tensor[4, 3, 3, 3] (3 != 4)"]
u2 = dx.conv_transpose2d(x, k3, padding=9)  # E: mypy[dfdx-shape "conv_transpose2d: output size -8 "
#     "at axis 2 of Tensor[2, 3, 8, 8] (padding 9 too large for size 8, kernel 3, stride 1)"]
u3 = dx.conv_transpose2d(x, k3, stride=2, output_padding=2)  # E: mypy[dfdx-shape ""
#     "conv_transpose2d: output_padding 2 must be smaller than stride 2 or dilation 1"]
k1 = dx.randn(3, 1, 3, 3)
u4 = dx.conv_transpose2d(x, k1, groups=2)  # E: mypy[dfdx-shape "conv_transpose2d: groups 2 does "
#     "not divide the 3 input channels (input Tensor[2, 3, 8, 8], weight Tensor[3, 1, 3, 3])"]

# pooling, upsampling
p1 = dx.max_pool2d(x, 9)  # E: mypy[dfdx-shape "max_pool2d: output size 0 at axis 2 of Tensor[2, "
#     "3, 8, 8] (size 8 + 2 * padding 0 < dilation 1 * (kernel 9 - 1) + 1)"]
p2 = dx.avg_pool2d(x, 2, padding=2)  # E: mypy[dfdx-shape "avg_pool2d: padding 2 is more than half "
#     "the kernel size 2"]
p3 = dx.max_pool2d(x, (2, 0))  # E: mypy[dfdx-shape "max_pool2d: kernel_size must be at least 1, "
#     "got (2, 0)"]
p4 = dx.avg_pool2d(x[0], 2)  # E: mypy[dfdx-shape "avg_pool2d: expected a 4-d input (N, C, H, W), "
#     "got Tensor[3, 8, 8]"]
p5 = dx.adaptive_avg_pool2d(x, 0)  # E: mypy[dfdx-shape "adaptive_avg_pool2d: output_size must be "
#     "at least 1, got 0"]
p6 = dx.upsample2d(x, (2, 0))  # E: mypy[dfdx-shape "upsample2d: scale_factor must be at least 1, "
#     "got (2, 0)"]


def batch(h: Tensor[B, L[3], L[8], L[8], T]) -> None:
    q1 = dx.conv2d(h, dx.randn(4, 5, 3, 3))  # E: mypy[dfdx-shape "conv2d: input channels differ: "
    #     "input Tensor[B, 3, 8, 8], weight Tensor[4, 5, 3, 3] (3 != 5 per group * groups 1)"]
    q2 = dx.max_pool2d(h, 3, stride=1, padding=2)  # E: mypy[dfdx-shape "max_pool2d: padding 2 is "
    #     "more than half the kernel size 3"]
    q3 = dx.conv2d(h, w, stride=9, dilation=5)  # E: mypy[dfdx-shape "conv2d: output size 0 at "
    #     "axis 2 of Tensor[B, 3, 8, 8] (size 8 + 2 * padding 0 < dilation 5 * (kernel 3 - 1) + "
    #     "1)"]
