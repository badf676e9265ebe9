"""Tensors, ops, tracing and gradients: a tour of the basics.

Run it with ``python examples/01_tensors.py``. Every comment ``# Tensor[...]`` is the type that
mypy with ``dfdx_mypy_plugin`` infers for that line; the ``assert_type`` calls make mypy check
it (they do nothing at run time, so the ``assert ... .shape`` lines check the values too).
"""

from typing import Literal as L
from typing import TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def creation() -> None:
    """Sizes given as literal ints become literal sizes in the type."""
    a = dx.zeros(2, 3)  # Tensor[L[2], L[3], NoneTape]
    assert_type(a, Tensor[L[2], L[3], NoneTape])
    rng = np.random.default_rng(0)
    w = dx.randn(3, 4, rng=rng)  # Tensor[L[3], L[4], NoneTape]
    c = dx.full((2, 4), 0.5)  # Tensor[L[2], L[4], NoneTape]
    d = dx.tensor([[1.0, 2.0, 3.0]])  # Tensor[L[1], L[3], NoneTape]: from the list's nesting
    i = dx.arange(5)  # Tensor[L[5], NoneTape], int64
    assert_type(d, Tensor[L[1], L[3], NoneTape])
    assert a.shape == (2, 3) and w.shape == (3, 4) and c.shape == (2, 4)
    print("creation:", a.shape, w.shape, c.dtype, d.numpy().tolist(), i.dtype)


def ops() -> None:
    """Ops are functions (``dx.exp``) and methods (``x.exp()``); shapes flow through them."""
    rng = np.random.default_rng(1)
    x = dx.randn(2, 3, rng=rng)
    w = dx.randn(3, 4, rng=rng)
    b = dx.zeros(4)

    h = (x @ w + b).relu()  # Tensor[L[2], L[4], NoneTape]: matmul, then broadcasting
    assert_type(h, Tensor[L[2], L[4], NoneTape])
    p = dx.softmax(h, axis=-1)  # Tensor[L[2], L[4], NoneTape]
    m = h.mean(axis=0, keepdims=True)  # Tensor[L[1], L[4], NoneTape]
    assert_type(m, Tensor[L[1], L[4], NoneTape])
    s = h.sum(axis=1)  # Tensor[L[2], NoneTape]
    assert_type(s, Tensor[L[2], NoneTape])
    both = dx.concat((h, m), axis=0)  # Tensor[L[3], L[4], NoneTape]: sizes on axis 0 add up
    assert_type(both, Tensor[L[3], L[4], NoneTape])
    flat = dx.zeros(8, 4, 5, 5).flatten(1)  # Tensor[L[8], L[100], NoneTape]
    assert_type(flat, Tensor[L[8], L[100], NoneTape])
    row = h[0]  # Tensor[L[4], NoneTape]: an int index removes its axis
    assert_type(row, Tensor[L[4], NoneTape])
    t = h.transpose(0, 1)  # Tensor[L[4], L[2], NoneTape]
    assert_type(t, Tensor[L[4], L[2], NoneTape])
    assert np.allclose(p.numpy().sum(axis=-1), 1.0)
    print("ops:", h.shape, m.shape, s.shape, both.shape, flat.shape, t.shape)


def symbolic_batch(x: Tensor[B, L[3], T], w: Tensor[L[3], L[4], NoneTape]) -> Tensor[B, L[4], T]:
    """A TypeVar size (the batch ``B``) and a TypeVar tape ``T`` flow through the ops: the
    function works for any batch, traced or not, and its return type says so."""
    return (x @ w).tanh()


def gradients() -> None:
    """``trace()`` starts recording; ``backward()`` on the 0-d loss returns the gradients."""
    rng = np.random.default_rng(2)
    x = dx.randn(5, 3, rng=rng)
    w = dx.randn(3, 4, rng=rng)

    y = symbolic_batch(x.trace(), w)  # Tensor[L[5], L[4], OwnedTape]: B = 5, T = OwnedTape
    assert_type(y, Tensor[L[5], L[4], OwnedTape])
    loss = y.square().mean()  # Tensor[OwnedTape]: a 0-d traced tensor
    assert_type(loss, Tensor[OwnedTape])
    grads = loss.backward()  # dx.Gradients
    gw = grads[w]  # Tensor[L[3], L[4], NoneTape]: the gradient has the shape of w
    gx = grads[x]  # Tensor[L[5], L[3], NoneTape]
    assert_type(gw, Tensor[L[3], L[4], NoneTape])
    assert gw.shape == (3, 4) and gx.shape == (5, 3)

    # The same gradient by hand: d mean(tanh(xw)^2) / dw = x.T @ (2 tanh(xw) (1 - tanh^2) / n)
    xa, wa = x.numpy(), w.numpy()
    th = np.tanh(xa @ wa)
    expected = xa.T @ (2 * th * (1 - th**2) / th.size)
    assert np.allclose(gw.numpy(), expected, atol=1e-5)
    print(f"gradients: loss {loss.item():.4f}, grads[w] {gw.shape}, matches the hand formula")

    untraced = symbolic_batch(x, w)  # Tensor[L[5], L[4], NoneTape]: nothing is recorded
    assert_type(untraced, Tensor[L[5], L[4], NoneTape])


def runtime_sizes() -> None:
    """Data whose size is known only at run time: ``Dyn`` sizes, checked when the code runs.
    ``ensure_shape`` checks the shape once and gives the result literal sizes in its type."""
    raw = np.random.default_rng(3).normal(size=(6, 3)).astype(np.float32)
    # NumPy's types carry no sizes: the plugin reads the ones written in the NumPy call
    # (Tensor[L[6], L[3], NoneTape] here), but data read from a file has none. Annotating
    # the rank lets ensure_shape give the sizes it checks a place in the type.
    data: Tensor[Dyn, Dyn, NoneTape] = dx.tensor(raw)
    rows = data.ensure_shape(None, 3)  # Tensor[Dyn, L[3], NoneTape]
    assert_type(rows, Tensor[Dyn, L[3], NoneTape])
    out = symbolic_batch(rows, dx.randn(3, 4))  # Tensor[Dyn, L[4], NoneTape]
    print("run-time sizes:", out.shape)
    try:
        data.ensure_shape(None, 4)  # the runtime checks what the type checker cannot see
    except dx.ShapeError as e:
        print("  ShapeError:", e)


def main() -> None:
    dx.manual_seed(0)
    creation()
    ops()
    gradients()
    runtime_sizes()


if __name__ == "__main__":
    main()
