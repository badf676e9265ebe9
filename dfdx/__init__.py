"""dfdx: deep learning whose tensor types carry their shapes.

``Tensor[*Dims, Tape]`` holds a NumPy array; its sizes are type parameters that mypy (with
``dfdx_mypy_plugin``) and pyright check, and its tape kind says whether gradients are traced.
"""

from dfdx import _malloc
from dfdx import losses as losses
from dfdx import nn as nn
from dfdx import optim as optim
from dfdx import utils as utils
from dfdx._checked import TapeError as TapeError
from dfdx._checked import checked as checked
from dfdx._checkpoint import load_checkpoint as load_checkpoint
from dfdx._checkpoint import save_checkpoint as save_checkpoint
from dfdx._creation import arange as arange
from dfdx._creation import full as full
from dfdx._creation import manual_seed as manual_seed
from dfdx._creation import ones as ones
from dfdx._creation import rand as rand
from dfdx._creation import randn as randn
from dfdx._creation import tensor as tensor
from dfdx._creation import zeros as zeros
from dfdx._dtypes import DTypeError as DTypeError
from dfdx._dtypes import bool_ as bool_
from dfdx._dtypes import float32 as float32
from dfdx._dtypes import float64 as float64
from dfdx._dtypes import int64 as int64
from dfdx._gradients import Gradients as Gradients
from dfdx._tensor import DynTensor as DynTensor
from dfdx._tensor import NoneTape as NoneTape
from dfdx._tensor import OwnedTape as OwnedTape
from dfdx._tensor import Tensor as Tensor
from dfdx._typing import Dyn as Dyn
from dfdx.nn.attention import scaled_dot_product_attention as scaled_dot_product_attention
from dfdx.ops.binary import add as add
from dfdx.ops.binary import div as div
from dfdx.ops.binary import maximum as maximum
from dfdx.ops.binary import minimum as minimum
from dfdx.ops.binary import mul as mul
from dfdx.ops.binary import sub as sub
from dfdx.ops.checks import ensure_shape as ensure_shape
from dfdx.ops.conv import adaptive_avg_pool2d as adaptive_avg_pool2d
from dfdx.ops.conv import avg_pool2d as avg_pool2d
from dfdx.ops.conv import conv1d as conv1d
from dfdx.ops.conv import conv2d as conv2d
from dfdx.ops.conv import conv_transpose2d as conv_transpose2d
from dfdx.ops.conv import max_pool2d as max_pool2d
from dfdx.ops.conv import upsample2d as upsample2d
from dfdx.ops.indexing import argmax as argmax
from dfdx.ops.indexing import dropout as dropout
from dfdx.ops.indexing import eq as eq
from dfdx.ops.indexing import gather as gather
from dfdx.ops.indexing import ge as ge
from dfdx.ops.indexing import gt as gt
from dfdx.ops.indexing import index_select as index_select
from dfdx.ops.indexing import le as le
from dfdx.ops.indexing import lt as lt
from dfdx.ops.indexing import masked_fill as masked_fill
from dfdx.ops.indexing import ne as ne
from dfdx.ops.indexing import one_hot as one_hot
from dfdx.ops.indexing import tril as tril
from dfdx.ops.indexing import triu as triu
from dfdx.ops.indexing import where as where
from dfdx.ops.linalg import matmul as matmul
from dfdx.ops.movement import broadcast_to as broadcast_to
from dfdx.ops.movement import cat as cat
from dfdx.ops.movement import chunk as chunk
from dfdx.ops.movement import concat as concat
from dfdx.ops.movement import flatten as flatten
from dfdx.ops.movement import permute as permute
from dfdx.ops.movement import reshape as reshape
from dfdx.ops.movement import slice_scatter as slice_scatter
from dfdx.ops.movement import split as split
from dfdx.ops.movement import squeeze as squeeze
from dfdx.ops.movement import stack as stack
from dfdx.ops.movement import transpose as transpose
from dfdx.ops.movement import unsqueeze as unsqueeze
from dfdx.ops.movement import view as view
from dfdx.ops.norm import layer_norm as layer_norm
from dfdx.ops.reduce import log_softmax as log_softmax
from dfdx.ops.reduce import logsumexp as logsumexp
from dfdx.ops.reduce import max as max
from dfdx.ops.reduce import mean as mean
from dfdx.ops.reduce import min as min
from dfdx.ops.reduce import softmax as softmax
from dfdx.ops.reduce import sum as sum
from dfdx.ops.reduce import var as var
from dfdx.ops.selection import argsort as argsort
from dfdx.ops.selection import multinomial as multinomial
from dfdx.ops.selection import sort as sort
from dfdx.ops.selection import topk as topk
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
from dfdx.ops.unary import rsqrt as rsqrt
from dfdx.ops.unary import sigmoid as sigmoid
from dfdx.ops.unary import silu as silu
from dfdx.ops.unary import sin as sin
from dfdx.ops.unary import softplus as softplus
from dfdx.ops.unary import sqrt as sqrt
from dfdx.ops.unary import square as square
from dfdx.ops.unary import tanh as tanh
from dfdx.ops.unary import to as to
from dfdx_mypy_plugin.shapes import ShapeError as ShapeError

__version__ = "0.1.0"

_malloc.tune()  # freed buffers stay in the heap: DFDX_MALLOC_TUNING=0 opts out
