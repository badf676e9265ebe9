"""The ops a training script reaches for, with the plugin: sort/argsort/topk (tuples of values
and int64 indices), multinomial, split/chunk (tuples of pieces), slice_scatter, clamp with
tensor bounds, arange(start, end, step), PyTorch's names (view, cat, cross_entropy) and the
facts size(), dim(), numel(); on both tapes."""

# rules: selection, unary, facts, movement, creation, losses

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

x = dx.randn(3, 5)
t = x.trace()

# sorting: values keep the tape, indices have none
values, indices = t.sort(axis=0, descending=True)
assert_type(values, Tensor[L[3], L[5], OwnedTape])
assert_type(indices, Tensor[L[3], L[5], NoneTape])
assert_type(dx.sort(x), tuple[Tensor[L[3], L[5], NoneTape], Tensor[L[3], L[5], NoneTape]])
assert_type(dx.argsort(t, axis=-1), Tensor[L[3], L[5], NoneTape])
top, where = t.topk(2)
assert_type(top, Tensor[L[3], L[2], OwnedTape])
assert_type(where, Tensor[L[3], L[2], NoneTape])
assert_type(dx.topk(x, k=3, axis=0, largest=False)[0], Tensor[L[3], L[5], NoneTape])

# multinomial: int64 samples on the last axis
probs = dx.tensor([[0.2, 0.8], [0.5, 0.5]])
assert_type(dx.multinomial(probs, 4, replacement=True), Tensor[L[2], L[4], NoneTape])
assert_type(probs.multinomial(1), Tensor[L[2], L[1], NoneTape])

# split and chunk: PyTorch's uneven pieces
a, b, c = t.split(2, axis=1)
assert_type(a, Tensor[L[3], L[2], OwnedTape])
assert_type(c, Tensor[L[3], L[1], OwnedTape])
assert_type(
    dx.split(x, [1, 4], axis=1), tuple[Tensor[L[3], L[1], NoneTape], Tensor[L[3], L[4], NoneTape]]
)
assert_type(dx.chunk(x, 2), tuple[Tensor[L[2], L[5], NoneTape], Tensor[L[1], L[5], NoneTape]])
assert_type(t.chunk(3, axis=-1)[1], Tensor[L[3], L[2], OwnedTape])

# slice_scatter: the updated copy has the input's shape; a traced src puts it on a tape
cache = dx.zeros(2, 8, 4)
new = dx.randn(2, 1, 4).trace()
assert_type(
    dx.slice_scatter(cache, new, axis=1, start=3, end=4), Tensor[L[2], L[8], L[4], OwnedTape]
)
assert_type(cache.slice_scatter(dx.ones(2, 4, 4), 1, 0, 8, 2), Tensor[L[2], L[8], L[4], NoneTape])

# clamp with tensor bounds that broadcast to the input
assert_type(dx.clamp(x, min=dx.zeros(5), max=1.0), Tensor[L[3], L[5], NoneTape])
assert_type(x.clamp(max=dx.ones(3, 1).trace()), Tensor[L[3], L[5], OwnedTape])

# arange: literal start, end and step give the length
assert_type(dx.arange(5), Tensor[L[5], NoneTape])
assert_type(dx.arange(1, 11, 3), Tensor[L[4], NoneTape])
assert_type(dx.arange(5, -4, -2), Tensor[L[5], NoneTape])
assert_type(dx.arange(2, 6), Tensor[L[4], NoneTape])
assert_type(dx.arange(0, 10, step=4), Tensor[L[3], NoneTape])
assert_type(dx.arange(0.5, 2.0, 0.25), Tensor[Dyn, NoneTape])

# PyTorch's names: the same rules as reshape, concat and cross_entropy_with_logits_loss
assert_type(x.view(5, -1), Tensor[L[5], L[3], NoneTape])
assert_type(dx.view(t, 15), Tensor[L[15], OwnedTape])
assert_type(dx.cat([x, dx.ones(2, 5)]), Tensor[L[5], L[5], NoneTape])
assert_type(dx.losses.cross_entropy(t, dx.tensor([0, 1, 4])), Tensor[OwnedTape])
assert_type(
    dx.losses.cross_entropy(t, dx.tensor([0, -100, 4]), label_smoothing=0.1), Tensor[OwnedTape]
)

# facts: literal sizes where the type knows them
assert_type(x.size(), tuple[L[3], L[5]])
assert_type(x.size(-1), L[5])
assert_type(x.dim(), L[2])
assert_type(x.numel(), L[15])
assert_type(dx.tril(x, diagonal=1), Tensor[L[3], L[5], NoneTape])
assert_type(2.0**t, Tensor[L[3], L[5], OwnedTape])
assert_type(dx.silu(t).rsqrt(), Tensor[L[3], L[5], OwnedTape])

# the layers: their output shapes from the layer table
img = dx.randn(2, 3, 4, 4).trace()
assert_type(dx.nn.SiLU()(t), Tensor[L[3], L[5], OwnedTape])
assert_type(dx.nn.AdaptiveAvgPool2d(1)(img), Tensor[L[2], L[3], L[1], L[1], OwnedTape])
assert_type(dx.nn.Upsample(2, mode="bilinear")(img), Tensor[L[2], L[3], L[8], L[8], OwnedTape])
up: dx.nn.ConvTranspose2d[L[3], L[8]] = dx.nn.ConvTranspose2d(3, 8, 2, stride=2)
assert_type(up(img), Tensor[L[2], L[8], Dyn, Dyn, OwnedTape])


# generic code: a symbolic size stays its TypeVar
def batch_size(h: Tensor[B, L[5], T]) -> int:
    assert_type(h.size(), tuple[B, L[5]])
    first, _rest = h.split([2, 3], axis=1)
    assert_type(first, Tensor[B, L[2], T])
    n: int = h.size(0)
    return n


assert batch_size(x) == 3
assert_type(dx.one_hot(dx.tensor([0, 2]), num_classes=3), Tensor[L[2], L[3], NoneTape])
