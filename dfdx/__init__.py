"""dfdx: deep learning whose tensor types carry their shapes.

``Tensor[*Dims, Tape]`` holds a NumPy array; its sizes are type parameters that mypy (with
``dfdx_mypy_plugin``) and pyright check, and its tape kind says whether gradients are traced.
"""

from dfdx._creation import arange as arange
from dfdx._creation import full as full
from dfdx._creation import manual_seed as manual_seed
from dfdx._creation import ones as ones
from dfdx._creation import rand as rand
from dfdx._creation import randn as randn
from dfdx._creation import tensor as tensor
from dfdx._creation import zeros as zeros
from dfdx._dtypes import DTypeError as DTypeError
from dfdx._dtypes import float32 as float32
from dfdx._dtypes import float64 as float64
from dfdx._dtypes import int64 as int64
from dfdx._gradients import Gradients as Gradients
from dfdx._tensor import DynTensor as DynTensor
from dfdx._tensor import NoneTape as NoneTape
from dfdx._tensor import OwnedTape as OwnedTape
from dfdx._tensor import Tensor as Tensor
from dfdx._typing import Dyn as Dyn
from dfdx.ops.binary import add as add
from dfdx.ops.binary import div as div
from dfdx.ops.binary import maximum as maximum
from dfdx.ops.binary import minimum as minimum
from dfdx.ops.binary import mul as mul
from dfdx.ops.binary import sub as sub
from dfdx.ops.checks import ensure_shape as ensure_shape
from dfdx.ops.linalg import matmul as matmul
from dfdx.ops.reduce import log_softmax as log_softmax
from dfdx.ops.reduce import logsumexp as logsumexp
from dfdx.ops.reduce import max as max
from dfdx.ops.reduce import mean as mean
from dfdx.ops.reduce import min as min
from dfdx.ops.reduce import softmax as softmax
from dfdx.ops.reduce import sum as sum
from dfdx.ops.reduce import var as var
from dfdx.ops.unary import abs as abs
from dfdx.ops.unary import clamp as clamp
from dfdx.ops.unary import cos as cos
from dfdx.ops.unary import exp as exp
from dfdx.ops.unary import gelu as gelu
from dfdx.ops.unary import leaky_relu as leaky_relu
from dfdx.ops.unary import log as log
from dfdx.ops.unary import neg as neg
from dfdx.ops.unary import pow as pow
from dfdx.ops.unary import relu as relu
from dfdx.ops.unary import sigmoid as sigmoid
from dfdx.ops.unary import sin as sin
from dfdx.ops.unary import softplus as softplus
from dfdx.ops.unary import sqrt as sqrt
from dfdx.ops.unary import square as square
from dfdx.ops.unary import tanh as tanh
from dfdx.ops.unary import to as to
from dfdx_mypy_plugin.shapes import ShapeError as ShapeError

__version__ = "0.1.0"
