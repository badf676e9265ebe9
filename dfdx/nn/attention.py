"""Attention: :func:`scaled_dot_product_attention` (one fused, recorded op) and
:class:`MultiHeadAttention` (PyTorch's ``nn.MultiheadAttention``, batch first).

The softmax subtracts each row's largest logit before ``exp``, so large logits cannot
overflow. A row whose every key is masked out (all ``-inf``) has attention weights of zero:
its output is zero (plus the output projection's bias in ``MultiHeadAttention``) and no
gradient flows through it. PyTorch gives NaN there; dfdx gives zeros, never NaN.

Masks are constants: no gradient flows to a float mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, TypeVarTuple, cast

from dfdx import _validate
from dfdx._backend import Array, xp
from dfdx._dtypes import DTypeError, bool_, canonical, check_float, check_same, float32
from dfdx._tensor import NoneTape, OwnedTape, Tensor
from dfdx._typing import AnyTensor, Dyn
from dfdx.nn._init import uniform
from dfdx.nn._linear import Linear, linear
from dfdx.nn._module import Module
from dfdx.ops import movement
from dfdx.ops._op import result
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

Bs = TypeVarTuple("Bs")
T = TypeVar("T", NoneTape, OwnedTape)
B = TypeVar("B", bound=int)
L = TypeVar("L", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)
Dv = TypeVar("Dv", bound=int)
E = TypeVar("E", bound=int)
H = TypeVar("H", bound=int)


# ---- the fused op ------------------------------------------------------------------------------


Grads = Callable[[Array, Array | None], tuple[Array, Array, Array]]
"""``grads(g, into)``: the gradients of ``a``, ``b``, ``c``, written into ``into[0]``,
``into[1]``, ``into[2]`` where ``into`` is given."""


def _softmax_attention(
    a: Array,
    b: Array,
    c: Array,
    keep: Array | None,
    add: Array | None,
    drop: Array | None,
    scale: float,
    heads_inner: bool = False,
) -> tuple[Array, Grads]:
    """The arithmetic of :func:`_attend` on arrays: the output, and the map from its
    gradient to the gradients of ``a``, ``b`` and ``c`` (computed once per gradient).
    ``heads_inner`` (4-d ``(B, H, L, D)`` inputs): the output is a ``(B, H, L, Dv)`` view of
    ``(B, L, H, Dv)`` memory, so that merging the heads back, ``permute(0, 2, 1, 3)`` and a
    reshape to ``(B, L, H * Dv)``, copies nothing."""
    s = xp.matmul(a, xp.swapaxes(b, -1, -2))
    s *= scale
    if add is not None:
        s = s + add
    masked = keep is not None or add is not None
    if keep is not None:
        s = xp.where(keep, s, -xp.inf)
    m = s.max(axis=-1, keepdims=True)
    if masked:
        m = xp.where(xp.isfinite(m), m, 0)  # a fully masked row: exp(-inf - 0) = 0
    s -= m
    p = xp.exp(s, out=s)
    z = xp.matmul(p, xp.ones(p.shape[-1], p.dtype))[..., None]  # row sums: BLAS, no reduce
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

    cache: list[Any] = []

    def grads(g: Array, into: Array | None = None) -> tuple[Array, Array, Array]:
        if cache and cache[0] is g:
            return cache[1]  # type: ignore[no-any-return]
        gv = xp.matmul(xp.swapaxes(pd, -1, -2), g, out=None if into is None else into[2])
        gp = xp.matmul(g, xp.swapaxes(c, -1, -2))
        if drop is not None:
            gp *= drop
        # softmax's backward, in place on gp: (gp - rowsum(gp * p)) * p
        gs = gp
        gs -= xp.einsum("...ij,...ij->...i", gp, p)[..., None]
        gs *= p
        gs *= scale
        gq = xp.matmul(gs, b, out=None if into is None else into[0])
        gk = xp.matmul(xp.swapaxes(gs, -1, -2), a, out=None if into is None else into[1])
        cache[:] = [g, (gq, gk, gv)]
        return gq, gk, gv

    return out, grads


def _attend(
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
    out, grads = _softmax_attention(q._data, k._data, v._data, keep, add, drop, scale)
    fns: list[Callable[[Array], Array]] = [
        lambda g: grads(g, None)[0],
        lambda g: grads(g, None)[1],
        lambda g: grads(g, None)[2],
    ]
    return result(out, (q, k, v), fns)


def _attend_packed(
    qkv: AnyTensor, keep: Array | None, add: Array | None, drop: Array | None, scale: float
) -> AnyTensor:
    """:func:`_attend` of ``qkv[0]``, ``qkv[1]``, ``qkv[2]`` for one ``(3, B, H, L, D)``
    tensor (self-attention): one gradient array, without three slices' scatters. That
    gradient has the memory layout of ``qkv`` (a permuted view of the projection's
    ``(B, L, 3, H, D)``), so the permute's and reshape's backward steps copy nothing; the
    output is laid out for the heads' merge likewise (see :func:`_softmax_attention`)."""
    a = qkv._data
    out, grads = _softmax_attention(
        a[0], a[1], a[2], keep, add, drop, scale, heads_inner=a.ndim == 5
    )

    def grad(g: Array) -> Array:
        packed = xp.empty_like(a)  # a's strides order ("K")
        grads(g, packed)  # the three matmuls write into it
        return packed

    return result(out, (qkv,), (grad,))


def _mask_array(op: str, what: str, mask: object) -> Array:
    a = getattr(mask, "_data", None)
    if a is None:
        raise TypeError(
            f"{op}: {what} must be a dx.Tensor (bool or float), got {type(mask).__name__}"
        )
    if a.dtype != bool_ and a.dtype.kind != "f":
        raise DTypeError(f"{op}: {what} must be a bool or float tensor, got {a.dtype}")
    return a  # type: ignore[no-any-return]


def _dropout_multipliers(shape: tuple[int, ...], p: float, dtype: Any, rng: Any) -> Array:
    from dfdx._creation import _generator

    keep = _generator(rng).random(shape, dtype=dtype) >= p
    return keep * xp.asarray(1 / (1 - p), dtype)  # type: ignore[no-any-return]


def causal_mask(query_len: int, key_len: int | None = None) -> Tensor[Dyn, Dyn, NoneTape]:
    """A bool ``(L, S)`` mask, True above the diagonal (the future): the ``attn_mask`` of a
    causal ``MultiHeadAttention`` (True = masked out, PyTorch's meaning for that module).
    Its negation, ``dx.tensor(~causal_mask(L).numpy())``, is the one for
    :func:`scaled_dot_product_attention` (True = may attend)."""
    s = query_len if key_len is None else key_len
    return Tensor(xp.triu(xp.ones((query_len, s), dtype=bool_), 1))


def scaled_dot_product_attention(
    query: Tensor[*Bs, L, D, T],
    key: Tensor[*Bs, S, D, T],
    value: Tensor[*Bs, S, Dv, T],
    /,
    attn_mask: AnyTensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    rng: Generator | None = None,
) -> Tensor[*Bs, L, Dv, T]:
    """``softmax(query @ key^T * scale) @ value``: query ``(*B, L, D)``, key ``(*B, S, D)``,
    value ``(*B, S, Dv)`` give ``(*B, L, Dv)``; ``scale`` is ``1 / sqrt(D)`` by default.

    PyTorch's ``F.scaled_dot_product_attention``, with its mask meaning: a bool ``attn_mask``
    is True where a query MAY attend (the opposite of ``MultiHeadAttention``'s masks); a
    float one is added to the logits. Both broadcast to ``(*B, L, S)``. ``is_causal`` lets
    query ``i`` attend keys ``j <= i``. ``dropout_p`` drops attention weights (always, as
    PyTorch's function does; pass 0 in eval), drawn from ``rng``. A fully masked row gives
    zeros, not NaN."""
    op = "scaled_dot_product_attention"
    arrays = [getattr(t, "_data", None) for t in (query, key, value)]
    if any(a is None for a in arrays):
        raise TypeError(f"{op}: query, key and value must be tensors")
    a: Array = query._data
    b: Array = key._data
    c: Array = value._data
    check_float(op, a)
    check_same(op, a, b)
    check_same(op, a, c)
    out_shape: shapes.Shape = shapes.sdpa(op, a.shape, b.shape, c.shape)
    logits = tuple(int(n) for n in (*out_shape[:-1], b.shape[-2]))  # all ints at run time
    keep: Array | None = None
    add: Array | None = None
    if attn_mask is not None:
        m = _mask_array(op, "attn_mask", attn_mask)
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
        drop = _dropout_multipliers(logits, float(dropout_p), a.dtype, rng)
    if scale is not None:
        _validate.finite(op, "scale", scale)
    # of D = 0 every logit is 0 whatever the scale
    sc = 1.0 / math.sqrt(a.shape[-1] or 1) if scale is None else float(scale)
    return cast("Tensor[*Bs, L, Dv, T]", _attend(query, key, value, keep, add, drop, sc))


# ---- the module --------------------------------------------------------------------------------


def _xavier_uniform(shape: tuple[int, int], dtype: Any, rng: Generator | None) -> Array:
    """PyTorch's ``xavier_uniform_`` of a ``(fan_out, fan_in)`` matrix."""
    bound = math.sqrt(6.0 / (shape[0] + shape[1]))
    return uniform(shape, bound, dtype, rng)


class MultiHeadAttention(Module, Generic[E, H]):
    """Multi-head attention over batch-first sequences: query ``Tensor[B, L, E]``, key and
    value ``Tensor[B, S, E]`` give ``Tensor[B, L, E]`` (``E`` is ``embed_dim``).

    PyTorch's ``nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first=True)``:
    the same parameters under the same state_dict keys (``in_proj_weight`` ``(3E, E)``,
    ``in_proj_bias`` ``(3E,)``, ``out_proj.weight``, ``out_proj.bias``) and initialisation.
    ``num_heads`` must divide ``embed_dim`` (the plugin checks it where the module is built:
    ``MultiHeadAttention(64, 8)`` is a ``MultiHeadAttention[Literal[64], Literal[8]]``).
    ``dropout`` drops attention weights in training mode. A call returns the output only
    (PyTorch returns ``(output, weights)``).
    """

    in_proj_weight: Tensor[Dyn, E, NoneTape]
    in_proj_bias: Tensor[Dyn, NoneTape] | None
    out_proj: Linear[E, E]

    def __init__(
        self: MultiHeadAttention[Any, Any],
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        for name, n in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError(f"MultiHeadAttention: {name} must be an int, got {n!r}")
        shapes.attention_heads("MultiHeadAttention", embed_dim, num_heads)
        if isinstance(dropout, bool) or not isinstance(dropout, int | float):
            raise TypeError(f"MultiHeadAttention: dropout must be a number, got {dropout!r}")
        shapes.probability("MultiHeadAttention", dropout)
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = float(dropout)
        self.rng = rng
        dt = canonical(dtype)
        self.in_proj_weight = Tensor(_xavier_uniform((3 * embed_dim, embed_dim), dt, rng))
        self.in_proj_bias = Tensor(xp.zeros((3 * embed_dim,), dt)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, rng=rng, dtype=dt)
        if self.out_proj.bias is not None:
            self.out_proj.bias._data[...] = 0

    @property
    def _name(self) -> str:
        return f"MultiHeadAttention[{self.embed_dim}, {self.num_heads}]"

    def __call__(
        self,
        query: Tensor[B, L, E, T],
        key: Tensor[B, S, E, T] | None = None,
        value: Tensor[B, S, E, T] | None = None,
        *,
        key_padding_mask: AnyTensor | None = None,
        attn_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Tensor[B, L, E, T]:
        """Attend from ``query`` ``(B, L, E)`` to ``key``/``value`` ``(B, S, E)`` (both
        default to ``query``: self-attention; ``value`` defaults to ``key``).

        Masks have PyTorch's meaning for this module: a bool mask is True where attention
        is NOT allowed, a float mask is added to the logits. ``attn_mask`` is ``(L, S)`` or
        ``(B * num_heads, L, S)``; ``key_padding_mask`` is ``(B, S)``, True at padding.
        ``is_causal=True`` masks the future (key ``j > i`` for query ``i``), combined with
        ``attn_mask`` if both are given. A query whose every key is masked gets zero
        attention weights (PyTorch: NaN)."""
        k_in: AnyTensor = query if key is None else key
        v_in: AnyTensor = k_in if value is None else value
        q_in: AnyTensor = query
        for t in (q_in, k_in, v_in):
            if getattr(t, "_data", None) is None:
                raise TypeError(f"{self._name}: query, key and value must be tensors")
        qa, ka, va = q_in._data, k_in._data, v_in._data
        shapes.attention_inputs(self._name, self.embed_dim, qa.shape, ka.shape, va.shape)
        nb, nl, ne = qa.shape
        ns = ka.shape[1]
        nh, hd = self.num_heads, self.head_dim
        keep, add = self._masks(qa, nb, nl, ns, key_padding_mask, attn_mask, is_causal)
        drop = None
        if self.training and self.dropout > 0:
            drop = _dropout_multipliers((nb, nh, nl, ns), self.dropout, qa.dtype, self.rng)
        scale = 1.0 / math.sqrt(hd)
        if q_in is k_in and k_in is v_in:
            # self-attention: one projection, split into (3, B, H, L, hd) by one view
            qkv = linear(q_in, self.in_proj_weight, self.in_proj_bias)
            qkv = movement.permute(movement.reshape(qkv, nb, nl, 3, nh, hd), 2, 0, 3, 1, 4)
            o = _attend_packed(qkv, keep, add, drop, scale)
        else:
            q, k, v = self._project(q_in, k_in, v_in)
            q = movement.permute(movement.reshape(q, nb, nl, nh, hd), 0, 2, 1, 3)
            k = movement.permute(movement.reshape(k, nb, ns, nh, hd), 0, 2, 1, 3)
            v = movement.permute(movement.reshape(v, nb, ns, nh, hd), 0, 2, 1, 3)
            o = _attend(q, k, v, keep, add, drop, scale)
        o = movement.reshape(movement.permute(o, 0, 2, 1, 3), nb, nl, ne)
        return cast("Tensor[B, L, E, T]", self.out_proj(o))

    forward = __call__

    def _project(
        self, q_in: AnyTensor, k_in: AnyTensor, v_in: AnyTensor
    ) -> tuple[AnyTensor, AnyTensor, AnyTensor]:
        """The input projections of cross-attention: slices of the packed ``in_proj_weight``
        (traced, so that the slices carry its gradient); one matmul for a shared key/value."""
        e = self.embed_dim
        w: AnyTensor = self.in_proj_weight
        bias: AnyTensor | None = self.in_proj_bias
        if any(t._tape is not None for t in (q_in, k_in, v_in)):
            w = w.trace()
            bias = bias.trace() if bias is not None else None

        def part(x: AnyTensor, lo: int, hi: int) -> AnyTensor:
            out: AnyTensor = linear(x, w[lo:hi], None if bias is None else bias[lo:hi])
            return out

        q = part(q_in, 0, e)
        if k_in is v_in:
            kv = part(k_in, e, 3 * e)
            return q, kv[..., :e], kv[..., e:]
        return q, part(k_in, e, 2 * e), part(v_in, 2 * e, 3 * e)

    def _masks(
        self,
        qa: Array,
        nb: int,
        nl: int,
        ns: int,
        key_padding_mask: object,
        attn_mask: object,
        is_causal: bool,
    ) -> tuple[Array | None, Array | None]:
        """The masks as ``keep`` (bool, True = take part) and ``add`` (float) arrays that
        broadcast to ``(B, num_heads, L, S)``."""
        name = self._name
        masked: Array | None = None
        add: Array | None = None

        def take(m: Array) -> None:
            nonlocal masked, add
            if m.dtype == bool_:
                masked = m if masked is None else masked | m
            else:
                f = m.astype(qa.dtype, copy=False)
                add = f if add is None else add + f

        if attn_mask is not None:
            m = _mask_array(name, "attn_mask", attn_mask)
            if m.shape == (nl, ns):
                take(m)
            elif m.shape == (nb * self.num_heads, nl, ns):
                take(m.reshape(nb, self.num_heads, nl, ns))
            else:
                raise shapes.ShapeError(
                    f"{name}: attn_mask must be Tensor[{nl}, {ns}] or "
                    f"Tensor[{nb * self.num_heads}, {nl}, {ns}] (batch * num_heads, L, S), "
                    f"got {shapes.fmt(m.shape)}"
                )
        if key_padding_mask is not None:
            m = _mask_array(name, "key_padding_mask", key_padding_mask)
            if m.shape != (nb, ns):
                raise shapes.ShapeError(
                    f"{name}: key_padding_mask must be Tensor[{nb}, {ns}] (batch, S), "
                    f"got {shapes.fmt(m.shape)}"
                )
            take(m[:, None, None, :])
        if is_causal:
            take(xp.triu(xp.ones((nl, ns), dtype=bool_), 1))
        keep = None if masked is None else ~masked
        return keep, add

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
