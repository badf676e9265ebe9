"""Full reductions give a 0-d ``Tensor[Tape]``, so ``backward()`` type-checks on a traced loss
and returns ``dx.Gradients``; ``grads[x]`` is an untraced tensor of ``x``'s shape."""

from typing import Literal as L
from typing import assert_type

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

x: Tensor[L[3], L[4], NoneTape] = dx.randn(3, 4)
w: Tensor[L[4], L[5], NoneTape] = dx.randn(4, 5)
t = x.trace()

# every full reduction, method and function
assert_type(t.sum(), Tensor[OwnedTape])
assert_type(t.mean(), Tensor[OwnedTape])
assert_type(t.max(), Tensor[OwnedTape])
assert_type(t.min(), Tensor[OwnedTape])
assert_type(t.var(), Tensor[OwnedTape])
assert_type(t.var(correction=0), Tensor[OwnedTape])
assert_type(t.logsumexp(), Tensor[OwnedTape])
assert_type(t.sum(axis=None), Tensor[OwnedTape])
assert_type(t.sum(keepdims=False), Tensor[OwnedTape])
assert_type(dx.sum(t), Tensor[OwnedTape])
assert_type(dx.mean(t), Tensor[OwnedTape])
assert_type(dx.max(t), Tensor[OwnedTape])
assert_type(dx.min(t), Tensor[OwnedTape])
assert_type(dx.var(t), Tensor[OwnedTape])
assert_type(dx.logsumexp(t), Tensor[OwnedTape])
assert_type(x.sum(), Tensor[NoneTape])
assert_type(dx.mean(x), Tensor[NoneTape])

# sizes known only at run time reduce the same way (method and function)
d: Tensor[Dyn, Dyn, NoneTape] = dx.randn(2, 2)
assert_type(d.sum(), Tensor[NoneTape])
assert_type(dx.sum(d), Tensor[NoneTape])
assert_type(dx.mean(d.trace()), Tensor[OwnedTape])

# a 0-d value
assert_type(t.mean().item(), float)

# backward on a traced 0-d loss
loss = (t @ w).tanh().sum()
assert_type(loss, Tensor[OwnedTape])
grads = loss.backward()
assert_type(grads, dx.Gradients)

# gradients: untraced, of the tensor's own shape, read by the tensor or its traced copy
assert_type(grads[t], Tensor[L[3], L[4], NoneTape])
assert_type(grads[x], Tensor[L[3], L[4], NoneTape])
assert_type(grads[w], Tensor[L[4], L[5], NoneTape])
assert_type(grads.get(w), Tensor[L[4], L[5], NoneTape] | None)

# a declared 0-d loss (on a new trace: backward() consumed the tape), and a loss from a function
declared: Tensor[OwnedTape] = ((x.trace() - 1.0) ** 2).mean()
assert_type(declared.backward(), dx.Gradients)


def mse(
    pred: Tensor[L[3], L[5], OwnedTape], target: Tensor[L[3], L[5], NoneTape]
) -> Tensor[OwnedTape]:
    return ((pred - target) ** 2).mean()


target: Tensor[L[3], L[5], NoneTape] = dx.zeros(3, 5)
p = w.trace()
g = mse(x @ p, target).backward()
step: Tensor[L[4], L[5], NoneTape] = w - 0.1 * g[p]

# the run time agrees
assert grads[x].shape == (3, 4)
assert not grads[w].is_traced
assert step.shape == (4, 5)
assert x in grads and w in grads
