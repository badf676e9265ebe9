"""Shape arithmetic and its error messages, shared by the runtime and the mypy plugin.

Pure Python: imports neither numpy nor mypy. The runtime calls these rules with ints; the
plugin calls them with what it knows at check time. A dimension (:data:`Dim`) is

- an ``int``: a size known exactly (a ``Literal`` at check time, every size at run time),
- a ``str``: a symbolic size, the name of an ``int``-bound TypeVar such as ``"B"``,
- ``None``: a size nobody knows (``Dyn``).

A rule raises :class:`ShapeError` only when it can prove the shapes are wrong (two different
known sizes); symbolic and unknown sizes are given the benefit of the doubt. The message names
the op, the shapes in the notation users write (``Tensor[B, 784]``) and the axis at fault.

The rules are grouped by op family, one module each, named as the family's runtime module in
``dfdx/ops/`` and its plugin rules in ``dfdx_mypy_plugin/rules/``; :mod:`._core` holds the
notation and the checks every family shares; :mod:`.layers` describes each layer of
``dx.nn`` (one table: what it reads, gives and keeps). Everything is re-exported here, so
callers write ``shapes.broadcast(...)``.
"""

from dfdx_mypy_plugin.shapes._core import TAPE_NEEDED as TAPE_NEEDED
from dfdx_mypy_plugin.shapes._core import Axis as Axis
from dfdx_mypy_plugin.shapes._core import Dim as Dim
from dfdx_mypy_plugin.shapes._core import Shape as Shape
from dfdx_mypy_plugin.shapes._core import ShapeError as ShapeError
from dfdx_mypy_plugin.shapes._core import agree as agree
from dfdx_mypy_plugin.shapes._core import agree_where_even as agree_where_even
from dfdx_mypy_plugin.shapes._core import apart_for_every_argument as apart_for_every_argument
from dfdx_mypy_plugin.shapes._core import argument_names as argument_names
from dfdx_mypy_plugin.shapes._core import at_least as at_least
from dfdx_mypy_plugin.shapes._core import counts_apart as counts_apart
from dfdx_mypy_plugin.shapes._core import differ_generically as differ_generically
from dfdx_mypy_plugin.shapes._core import dim_add as dim_add
from dfdx_mypy_plugin.shapes._core import dim_div as dim_div
from dfdx_mypy_plugin.shapes._core import dim_floordiv as dim_floordiv
from dfdx_mypy_plugin.shapes._core import dim_mul as dim_mul
from dfdx_mypy_plugin.shapes._core import dim_substitute as dim_substitute
from dfdx_mypy_plugin.shapes._core import ensure as ensure
from dfdx_mypy_plugin.shapes._core import equal_where_exact as equal_where_exact
from dfdx_mypy_plugin.shapes._core import fits_declared as fits_declared
from dfdx_mypy_plugin.shapes._core import fmt as fmt
from dfdx_mypy_plugin.shapes._core import fmt_dim as fmt_dim
from dfdx_mypy_plugin.shapes._core import grows_apart as grows_apart
from dfdx_mypy_plugin.shapes._core import head_counts as head_counts
from dfdx_mypy_plugin.shapes._core import normalize_axes as normalize_axes
from dfdx_mypy_plugin.shapes._core import normalize_axis as normalize_axis
from dfdx_mypy_plugin.shapes._core import same_dim as same_dim
from dfdx_mypy_plugin.shapes._core import same_layer_size as same_layer_size
from dfdx_mypy_plugin.shapes._core import same_shape as same_shape
from dfdx_mypy_plugin.shapes._core import scalar_for_backward as scalar_for_backward
from dfdx_mypy_plugin.shapes._core import size_names as size_names
from dfdx_mypy_plugin.shapes.attention import TRANSFORMER_MASKS as TRANSFORMER_MASKS
from dfdx_mypy_plugin.shapes.attention import attention_heads as attention_heads
from dfdx_mypy_plugin.shapes.attention import attention_inputs as attention_inputs
from dfdx_mypy_plugin.shapes.attention import attention_masks as attention_masks
from dfdx_mypy_plugin.shapes.attention import positional_input as positional_input
from dfdx_mypy_plugin.shapes.attention import sdpa as sdpa
from dfdx_mypy_plugin.shapes.attention import transformer_inputs as transformer_inputs
from dfdx_mypy_plugin.shapes.attention import transformer_masks as transformer_masks
from dfdx_mypy_plugin.shapes.binary import broadcast as broadcast
from dfdx_mypy_plugin.shapes.binary import broadcast_dim as broadcast_dim
from dfdx_mypy_plugin.shapes.binary import mask_broadcast as mask_broadcast
from dfdx_mypy_plugin.shapes.binary import where as where
from dfdx_mypy_plugin.shapes.conv import PADDING_MODES as PADDING_MODES
from dfdx_mypy_plugin.shapes.conv import SPATIAL_NAMES as SPATIAL_NAMES
from dfdx_mypy_plugin.shapes.conv import PaddingMode as PaddingMode
from dfdx_mypy_plugin.shapes.conv import Param as Param
from dfdx_mypy_plugin.shapes.conv import adaptive_pool as adaptive_pool
from dfdx_mypy_plugin.shapes.conv import conv as conv
from dfdx_mypy_plugin.shapes.conv import conv_bias as conv_bias
from dfdx_mypy_plugin.shapes.conv import conv_param as conv_param
from dfdx_mypy_plugin.shapes.conv import conv_transpose as conv_transpose
from dfdx_mypy_plugin.shapes.conv import padding_mode as padding_mode
from dfdx_mypy_plugin.shapes.conv import pool as pool
from dfdx_mypy_plugin.shapes.conv import same_needs_stride_1 as same_needs_stride_1
from dfdx_mypy_plugin.shapes.conv import same_padding as same_padding
from dfdx_mypy_plugin.shapes.conv import symbolic_window as symbolic_window
from dfdx_mypy_plugin.shapes.conv import upsample as upsample
from dfdx_mypy_plugin.shapes.creation import AXES as AXES
from dfdx_mypy_plugin.shapes.creation import AXIS as AXIS
from dfdx_mypy_plugin.shapes.creation import RANGE as RANGE
from dfdx_mypy_plugin.shapes.creation import SIZES as SIZES
from dfdx_mypy_plugin.shapes.creation import arange_size as arange_size
from dfdx_mypy_plugin.shapes.creation import ints_wanted as ints_wanted
from dfdx_mypy_plugin.shapes.creation import new_size as new_size
from dfdx_mypy_plugin.shapes.creation import not_an_int as not_an_int
from dfdx_mypy_plugin.shapes.data import batch_size as batch_size
from dfdx_mypy_plugin.shapes.data import dataset_length as dataset_length
from dfdx_mypy_plugin.shapes.indexing import ANY_INT as ANY_INT
from dfdx_mypy_plugin.shapes.indexing import IndexInt as IndexInt
from dfdx_mypy_plugin.shapes.indexing import IndexItem as IndexItem
from dfdx_mypy_plugin.shapes.indexing import TensorIndex as TensorIndex
from dfdx_mypy_plugin.shapes.indexing import gather as gather
from dfdx_mypy_plugin.shapes.indexing import index as index
from dfdx_mypy_plugin.shapes.indexing import index_out_of_range as index_out_of_range
from dfdx_mypy_plugin.shapes.indexing import index_select as index_select
from dfdx_mypy_plugin.shapes.indexing import label_out_of_range as label_out_of_range
from dfdx_mypy_plugin.shapes.indexing import one_hot as one_hot
from dfdx_mypy_plugin.shapes.indexing import probability as probability
from dfdx_mypy_plugin.shapes.layers import LAYERS as LAYERS
from dfdx_mypy_plugin.shapes.layers import NOT_LAYERS as NOT_LAYERS
from dfdx_mypy_plugin.shapes.layers import Arg as Arg
from dfdx_mypy_plugin.shapes.layers import ChainLink as ChainLink
from dfdx_mypy_plugin.shapes.layers import ChainMismatch as ChainMismatch
from dfdx_mypy_plugin.shapes.layers import Layer as Layer
from dfdx_mypy_plugin.shapes.layers import SizeAxis as SizeAxis
from dfdx_mypy_plugin.shapes.layers import Window as Window
from dfdx_mypy_plugin.shapes.layers import WindowValue as WindowValue
from dfdx_mypy_plugin.shapes.layers import check_arguments as check_arguments
from dfdx_mypy_plugin.shapes.layers import display_name as display_name
from dfdx_mypy_plugin.shapes.layers import layer_of as layer_of
from dfdx_mypy_plugin.shapes.layers import output_shape as output_shape
from dfdx_mypy_plugin.shapes.layers import sequential_chain as sequential_chain
from dfdx_mypy_plugin.shapes.layers import sequential_mismatch as sequential_mismatch
from dfdx_mypy_plugin.shapes.linalg import einsum as einsum
from dfdx_mypy_plugin.shapes.linalg import einsum_terms as einsum_terms
from dfdx_mypy_plugin.shapes.linalg import feed_forward as feed_forward
from dfdx_mypy_plugin.shapes.linalg import joined_inner as joined_inner
from dfdx_mypy_plugin.shapes.linalg import linear_operands as linear_operands
from dfdx_mypy_plugin.shapes.linalg import matmul as matmul
from dfdx_mypy_plugin.shapes.linalg import matmul_inner as matmul_inner
from dfdx_mypy_plugin.shapes.linalg import matrix as matrix
from dfdx_mypy_plugin.shapes.losses import class_targets as class_targets
from dfdx_mypy_plugin.shapes.movement import PAD_MODES as PAD_MODES
from dfdx_mypy_plugin.shapes.movement import broadcast_to_sizes as broadcast_to_sizes
from dfdx_mypy_plugin.shapes.movement import chunk_sizes as chunk_sizes
from dfdx_mypy_plugin.shapes.movement import concat as concat
from dfdx_mypy_plugin.shapes.movement import flatten as flatten
from dfdx_mypy_plugin.shapes.movement import flip as flip
from dfdx_mypy_plugin.shapes.movement import list_concat as list_concat
from dfdx_mypy_plugin.shapes.movement import matrix_transpose as matrix_transpose
from dfdx_mypy_plugin.shapes.movement import names_exchanged_in as names_exchanged_in
from dfdx_mypy_plugin.shapes.movement import new_axis as new_axis
from dfdx_mypy_plugin.shapes.movement import pad as pad
from dfdx_mypy_plugin.shapes.movement import permute as permute
from dfdx_mypy_plugin.shapes.movement import pieces as pieces
from dfdx_mypy_plugin.shapes.movement import pixel_shuffle as pixel_shuffle
from dfdx_mypy_plugin.shapes.movement import pixel_unshuffle as pixel_unshuffle
from dfdx_mypy_plugin.shapes.movement import product as product
from dfdx_mypy_plugin.shapes.movement import repeat as repeat
from dfdx_mypy_plugin.shapes.movement import repeat_interleave as repeat_interleave
from dfdx_mypy_plugin.shapes.movement import reshape as reshape
from dfdx_mypy_plugin.shapes.movement import slice_scatter as slice_scatter
from dfdx_mypy_plugin.shapes.movement import split_sizes as split_sizes
from dfdx_mypy_plugin.shapes.movement import squeeze as squeeze
from dfdx_mypy_plugin.shapes.movement import stack as stack
from dfdx_mypy_plugin.shapes.movement import transpose as transpose
from dfdx_mypy_plugin.shapes.movement import tri_indices_count as tri_indices_count
from dfdx_mypy_plugin.shapes.movement import unpacked_split as unpacked_split
from dfdx_mypy_plugin.shapes.movement import unsqueeze as unsqueeze
from dfdx_mypy_plugin.shapes.nn import channels as channels
from dfdx_mypy_plugin.shapes.nn import features as features
from dfdx_mypy_plugin.shapes.nn import joined_input as joined_input
from dfdx_mypy_plugin.shapes.nn import linear as linear
from dfdx_mypy_plugin.shapes.nn import prelu as prelu
from dfdx_mypy_plugin.shapes.nn import residual as residual
from dfdx_mypy_plugin.shapes.nn import sequential_link as sequential_link
from dfdx_mypy_plugin.shapes.norm import group_norm as group_norm
from dfdx_mypy_plugin.shapes.norm import layer_norm as layer_norm
from dfdx_mypy_plugin.shapes.norm import rms_norm as rms_norm
from dfdx_mypy_plugin.shapes.recurrent import recurrent as recurrent
from dfdx_mypy_plugin.shapes.recurrent import recurrent_cell as recurrent_cell
from dfdx_mypy_plugin.shapes.reduce import glu as glu
from dfdx_mypy_plugin.shapes.reduce import nonempty_reduce as nonempty_reduce
from dfdx_mypy_plugin.shapes.reduce import reduce as reduce
from dfdx_mypy_plugin.shapes.selection import multinomial as multinomial
from dfdx_mypy_plugin.shapes.selection import sort as sort
from dfdx_mypy_plugin.shapes.selection import topk as topk
