# pyright: reportOverlappingOverload=false
"""Attention: :func:`scaled_dot_product_attention`, one fused, recorded op, and the fused
steps :class:`dfdx.nn.MultiHeadAttention` calls (:func:`attend`, :func:`attend_packed`).

The softmax subtracts each row's largest logit before ``exp``, so large logits cannot
overflow. A row whose every key is masked out (all ``-inf``) has attention weights of zero:
its output is zero and no gradient flows through it. PyTorch gives NaN there; dfdx gives
zeros, never NaN.

Masks are constants: no gradient flows to a float mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from dfdx import _fused, _inference, _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import DTypeError, bool_, check_float, check_same
from dfdx._typing import AnyTensor, Bs, D, Dv, L, Sk, T
from dfdx.ops._op import array_of, result, result_shared
from dfdx.ops.indexing import dropout_multipliers
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

    from dfdx._tensor import NoneTape, OwnedTape, Tensor

Grads = tuple[Array, Array]
"""The output's gradient and the logits' (the work the three inputs' gradients share)."""
Part = Callable[[Grads, Array | None], Array]
"""One input's gradient from :data:`Grads`, written into the array given (if any)."""


def _softmax_attention(
    a: Array,
    b: Array,
    c: Array,
    keep: Array | None,
    add: Array | None,
    drop: Array | None,
    scale: float,
    heads_inner: bool = False,
) -> tuple[Array, Callable[[Array], Grads], tuple[Part, Part, Part]]:
    """The arithmetic of :func:`attend` on arrays: the output; the map from its gradient to
    :data:`Grads`, computed once per backward pass; and, per input, the map from those to
    its gradient. ``heads_inner`` (4-d ``(B, H, L, D)`` inputs): the
    output is a ``(B, H, L, Dv)`` view of ``(B, L, H, Dv)`` memory, so that merging the heads
    back, ``permute(0, 2, 1, 3)`` and a reshape to ``(B, L, H * Dv)``, copies nothing."""
    # ``b`` transposed into a contiguous copy: the small per-head products of a batch are
    # ~25% faster as plain products than with BLAS's transposed flag (which matmul passes
    # for a transposed view), the copy included.
    s = xp.matmul(a, xp.ascontiguousarray(xp.swapaxes(b, -1, -2)))
    s *= scale
    if add is not None:
        s = s + add
    masked = keep is not None or add is not None
    if keep is not None:
        if xp.broadcast_shapes(keep.shape, s.shape) == s.shape:
            xp.copyto(s, -xp.inf, where=~keep)  # in place: s is this call's own array
        else:  # a mask with more batch axes than the query and key
            s = xp.where(keep, s, -xp.inf)
    n = s.shape[-1]
    kernels = _fused.softmax_rows() if n and s.flags.c_contiguous else None
    if kernels is not None:
        shift, normalize, _ = kernels
        shift(s.reshape(-1, n), masked)  # a fully masked row stays -inf: exp gives 0
        p = xp.exp(s, out=s)
        normalize(p.reshape(-1, n), masked)  # its weights stay 0 (not 0 / 0)
    else:
        m = s.max(axis=-1, keepdims=True)
        if masked:
            m = xp.where(xp.isfinite(m), m, 0)  # a fully masked row: exp(-inf - 0) = 0
        s -= m
        p = xp.exp(s, out=s)
        z = xp.matmul(p, xp.ones(n, p.dtype))[..., None]  # row sums: BLAS, no reduce
        if masked:
            z[z == 0] = 1  # its weights stay 0 (not 0 / 0)
        p /= z
    pd = p if drop is None else p * drop
    if heads_inner:
        nb, nh, nl, _ = pd.shape
        out = xp.empty((nb, nl, nh, c.shape[-1]), c.dtype).transpose(0, 2, 1, 3)
        xp.matmul(pd, c, out=out)
    else:
        out = xp.matmul(pd, c)

    def shared(g: Array) -> Grads:
        gp = xp.matmul(g, xp.ascontiguousarray(xp.swapaxes(c, -1, -2)))  # as s's
        if drop is not None:
            gp *= drop
        # softmax's backward, in place on gp: (gp - rowsum(gp * p)) * p
        gs = gp
        if kernels is not None and gs.flags.c_contiguous and gs.shape == p.shape:
            kernels[2](gs.reshape(-1, n), p.reshape(-1, n), gs.dtype.type(scale))
            return g, gs
        gs -= xp.einsum("...ij,...ij->...i", gp, p)[..., None]
        gs *= p
        gs *= scale
        return g, gs

    def grad_q(s: Grads, into: Array | None) -> Array:
        return xp.matmul(s[1], b, out=into)

    def grad_k(s: Grads, into: Array | None) -> Array:
        return xp.matmul(xp.swapaxes(s[1], -1, -2), a, out=into)

    def grad_v(s: Grads, into: Array | None) -> Array:
        return xp.matmul(xp.swapaxes(pd, -1, -2), s[0], out=into)

    return out, shared, (grad_q, grad_k, grad_v)


def _plain(t: AnyTensor) -> bool:
    """Untraced and not derived from parameters: no gradient can reach it, so the forward
    may keep nothing for a backward pass (:mod:`dfdx._inference`)."""
    return t._tape is None and t._origin is None


def attend(
    q: AnyTensor,
    k: AnyTensor,
    v: AnyTensor,
    keep: Array | None,
    add: Array | None,
    drop: Array | None,
    scale: float,
) -> AnyTensor:
    """``softmax(q @ k^T * scale + add, masked where not keep) * drop @ v``, as one recorded
    step. ``q`` ``(*B, L, D)``, ``k`` ``(*B, S, D)``, ``v`` ``(*B, S, Dv)``; ``keep`` (bool,
    True = take part) and ``add`` (float) broadcast to ``(*B, L, S)``; ``drop`` holds dropout's
    multipliers ``(*B, L, S)``. Fused: one step instead of seven (matmul, scale, mask,
    softmax's three, matmul), and the softmax's backward never materialises its Jacobian."""
    if drop is None and _plain(q) and _plain(k) and _plain(v):
        fast = _inference.softmax_attention(q._data, k._data, v._data, keep, add, scale, False)
        if fast is not None:
            return q._new(fast, None)
    out, shared, parts = _softmax_attention(q._data, k._data, v._data, keep, add, drop, scale)
    grad_q, grad_k, grad_v = parts
    return result_shared(
        out,
        (q, k, v),
        shared,
        (lambda s: grad_q(s, None), lambda s: grad_k(s, None), lambda s: grad_v(s, None)),
    )


def attend_packed(
    qkv: AnyTensor, keep: Array | None, add: Array | None, drop: Array | None, scale: float
) -> AnyTensor:
    """:func:`attend` of ``qkv[0]``, ``qkv[1]``, ``qkv[2]`` for one ``(3, B, H, L, D)``
    tensor (self-attention): one gradient array, without three slices' scatters. That
    gradient has the memory layout of ``qkv`` (a permuted view of the projection's
    ``(B, L, 3, H, D)``), so the permute's and reshape's backward steps copy nothing; the
    output is laid out for the heads' merge likewise (see :func:`_softmax_attention`)."""
    a = qkv._data
    if drop is None and _plain(qkv):
        fast = _inference.softmax_attention(a[0], a[1], a[2], keep, add, scale, a.ndim == 5)
        if fast is not None:
            return qkv._new(fast, None)
    out, shared, parts = _softmax_attention(
        a[0], a[1], a[2], keep, add, drop, scale, heads_inner=a.ndim == 5
    )

    def grad(g: Array) -> Array:
        packed = xp.empty_like(a)  # a's strides order ("K")
        s = shared(g)
        for i, part in enumerate(parts):
            part(s, packed[i])  # the three matmuls write into it
        return packed

    return result(out, (qkv,), (grad,))


def mask_array(op: str, what: str, mask: object) -> Array:
    """The array of an attention mask: a bool or float tensor."""
    a = array_of(op, mask, "a dx.Tensor (bool or float)", what)
    if a.dtype != bool_ and a.dtype.kind != "f":
        raise DTypeError(f"{op}: {what} must be a bool or float tensor, got {a.dtype}")
    return a


# Tapes, as binary ops have them: the result is traced if any input is. The first three
# overloads keep a generic caller's ``T`` (the first traced input's kind, the others T or
# NoneTape); the last takes any mix of concrete tapes.
@overload
def scaled_dot_product_attention(
    query: Tensor[*Bs, L, D, T],
    key: Tensor[*Bs, Sk, D, T] | Tensor[*Bs, Sk, D, NoneTape],
    value: Tensor[*Bs, Sk, Dv, T] | Tensor[*Bs, Sk, Dv, NoneTape],
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Tensor[*Bs, L, Dv, T]: ...
@overload
def scaled_dot_product_attention(
    query: Tensor[*Bs, L, D, NoneTape],
    key: Tensor[*Bs, Sk, D, T],
    value: Tensor[*Bs, Sk, Dv, T] | Tensor[*Bs, Sk, Dv, NoneTape],
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Tensor[*Bs, L, Dv, T]: ...
@overload
def scaled_dot_product_attention(
    query: Tensor[*Bs, L, D, NoneTape],
    key: Tensor[*Bs, Sk, D, NoneTape],
    value: Tensor[*Bs, Sk, Dv, T],
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Tensor[*Bs, L, Dv, T]: ...
@overload
def scaled_dot_product_attention(
    query: Tensor[*Bs, L, D, Any],
    key: Tensor[*Bs, Sk, D, Any],
    value: Tensor[*Bs, Sk, Dv, Any],
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Tensor[*Bs, L, Dv, OwnedTape]: ...
@overload  # of a rank the others cover, for arguments typed Any (see nn.Linear.__call__)
def scaled_dot_product_attention(  # pyright: ignore[reportOverlappingOverload]
    query: Tensor[L, D, T],
    key: Tensor[Sk, D, T],
    value: Tensor[Sk, Dv, T],
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Tensor[L, Dv, T]: ...
def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Any:
    """``softmax(query @ key^T * scale) @ value``: query ``(*B, L, D)``, key ``(*B, S, D)``,
    value ``(*B, S, Dv)`` give ``(*B, L, Dv)``; ``scale`` is ``1 / sqrt(D)`` by default.

    PyTorch's ``F.scaled_dot_product_attention``, with its mask meaning: a bool ``attn_mask``
    is True where a query MAY attend (the opposite of ``MultiHeadAttention``'s masks); a
    float one is added to the logits. Both broadcast to ``(*B, L, S)``. ``is_causal`` lets
    query ``i`` attend keys ``j <= i``. ``dropout_p`` drops attention weights (always, as
    PyTorch's function does; pass 0 in eval), drawn from ``rng``. A fully masked row gives
    zeros, not NaN."""
    op = "scaled_dot_product_attention"
    a, b, c = (array_of(op, t, "tensors", "query, key and value") for t in (query, key, value))
    check_float(op, a)
    check_same(op, a, b)
    check_same(op, a, c)
    out_shape: shapes.Shape = shapes.sdpa(op, a.shape, b.shape, c.shape)
    logits = tuple(int(n) for n in (*out_shape[:-1], b.shape[-2]))  # all ints at run time
    keep: Array | None = None
    add: Array | None = None
    if attn_mask is not None:
        m = mask_array(op, "attn_mask", attn_mask)
        shapes.mask_broadcast(op, m.shape, logits)
        if m.dtype == bool_:
            keep = m
        else:
            add = m.astype(a.dtype, copy=False)
    if is_causal:
        tri = xp.tril(xp.ones((a.shape[-2], b.shape[-2]), dtype=bool_))
        keep = tri if keep is None else keep & tri
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, int | float):
        raise TypeError(f"{op}: dropout_p must be a number, got {dropout_p!r}")
    shapes.probability(op, dropout_p)
    drop = None
    if dropout_p > 0:
        drop = dropout_multipliers(logits, float(dropout_p), a.dtype, rng)
    if scale is not None:
        _validate.finite(op, "scale", scale)
    # of D = 0 every logit is 0 whatever the scale
    sc = 1.0 / math.sqrt(a.shape[-1] or 1) if scale is None else float(scale)
    return attend(query, key, value, keep, add, drop, sc)
