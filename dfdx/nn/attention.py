# pyright: reportOverlappingOverload=false
"""Attention: :class:`MultiHeadAttention` (PyTorch's ``nn.MultiheadAttention``, batch first),
its parameters and masks; the attention itself is the op of :mod:`dfdx.ops.attention`
(:func:`dfdx.scaled_dot_product_attention`, re-exported here as before).

A query whose every key is masked out gets attention weights of zero: its output is the
output projection's bias, and no gradient flows through it (PyTorch gives NaN there).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, Generic, overload

from typing_extensions import TypeVar

from dfdx import _inference
from dfdx._backend import Array, xp
from dfdx._dtypes import bool_, canonical, float32
from dfdx._tensor import NoneTape, OwnedTape, Tensor
from dfdx._typing import AnyTensor, B, Dyn, L, Sk, T
from dfdx.nn._init import xavier_uniform
from dfdx.nn._linear import Linear
from dfdx.nn._module import Module
from dfdx.ops import movement
from dfdx.ops._op import array_of
from dfdx.ops.attention import attend, attend_packed, mask_array
from dfdx.ops.attention import scaled_dot_product_attention as scaled_dot_product_attention
from dfdx.ops.indexing import dropout_multipliers
from dfdx.ops.linalg import linear, times_transposed
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

# A layer's own sizes (its class's type parameters) default to ``Any``, so that an annotation
# without them (``-> Conv2d``, ``self.fc: Linear``) is no ``type-arg`` error under ``--strict``,
# as a bare ``Sequential`` is none. The ops' signatures keep dfdx._typing's, which have no default
# (an unsolved one would be ``Any`` and make overloads ambiguous).
E = TypeVar("E", bound=int, default=Any)
H = TypeVar("H", bound=int, default=Any)


def causal_mask(query_len: int, key_len: int | None = None) -> Tensor[Dyn, Dyn, NoneTape]:
    """A bool ``(L, S)`` mask, True above the diagonal (the future): the ``attn_mask`` of a
    causal ``MultiHeadAttention`` (True = masked out, PyTorch's meaning for that module).
    Its negation, ``dx.tensor(~causal_mask(L).numpy())``, is the one for
    :func:`dfdx.scaled_dot_product_attention` (True = may attend)."""
    s = query_len if key_len is None else key_len
    return Tensor(xp.triu(xp.ones((query_len, s), dtype=bool_), 1))


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
        self.in_proj_weight = Tensor(xavier_uniform((3 * embed_dim, embed_dim), dt, rng))
        self.in_proj_bias = Tensor(xp.zeros((3 * embed_dim,), dt)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, rng=rng, dtype=dt)
        if self.out_proj.bias is not None:
            self.out_proj.bias._data[...] = 0

    @property
    def _name(self) -> str:
        return f"MultiHeadAttention[{self.embed_dim}, {self.num_heads}]"

    # Tapes, as binary ops have them: the result is traced if any input is (a traced query
    # attending a constant memory). The first two overloads keep a generic caller's ``T``.
    @overload
    def __call__(
        self,
        query: Tensor[B, L, E, T],
        key: Tensor[B, Sk, E, T] | Tensor[B, Sk, E, NoneTape] | None = None,
        value: Tensor[B, Sk, E, T] | Tensor[B, Sk, E, NoneTape] | None = None,
        *,
        key_padding_mask: AnyTensor | None = None,
        attn_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Tensor[B, L, E, T]: ...
    @overload
    def __call__(
        self,
        query: Tensor[B, L, E, NoneTape],
        key: Tensor[B, Sk, E, T],
        value: Tensor[B, Sk, E, T] | Tensor[B, Sk, E, NoneTape] | None = None,
        *,
        key_padding_mask: AnyTensor | None = None,
        attn_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Tensor[B, L, E, T]: ...
    @overload
    def __call__(
        self,
        query: Tensor[B, L, E, Any],
        key: Tensor[B, Sk, E, Any] | None = None,
        value: Tensor[B, Sk, E, Any] | None = None,
        *,
        key_padding_mask: AnyTensor | None = None,
        attn_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Tensor[B, L, E, OwnedTape]: ...
    def __call__(
        self,
        query: Any,
        key: Any = None,
        value: Any = None,
        *,
        key_padding_mask: AnyTensor | None = None,
        attn_mask: AnyTensor | None = None,
        is_causal: bool = False,
    ) -> Any:
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
        what = ("tensors", "query, key and value")
        name = self._name
        qa, ka, va = (array_of(name, t, *what) for t in (q_in, k_in, v_in))
        shapes.attention_inputs(name, self.embed_dim, qa.shape, ka.shape, va.shape)
        nb, nl, ne = qa.shape
        ns = ka.shape[1]
        nh, hd = self.num_heads, self.head_dim
        keep, add = self._masks(qa, nb, nl, ns, key_padding_mask, attn_mask, is_causal)
        drop = None
        if self.training and self.dropout > 0:
            drop = dropout_multipliers((nb, nh, nl, ns), self.dropout, qa.dtype, self.rng)
        scale = 1.0 / math.sqrt(hd)
        if q_in is k_in and k_in is v_in:
            # self-attention: one projection, split into (3, B, H, L, hd) by one view
            qkv = linear(q_in, self.in_proj_weight, self.in_proj_bias)
            qkv = movement.permute(movement.reshape(qkv, nb, nl, 3, nh, hd), 2, 0, 3, 1, 4)
            o = attend_packed(qkv, keep, add, drop, scale)
        else:
            q, k, v = self._project(q_in, k_in, v_in)
            q = movement.permute(movement.reshape(q, nb, nl, nh, hd), 0, 2, 1, 3)
            k = movement.permute(movement.reshape(k, nb, ns, nh, hd), 0, 2, 1, 3)
            v = movement.permute(movement.reshape(v, nb, ns, nh, hd), 0, 2, 1, 3)
            o = attend(q, k, v, keep, add, drop, scale)
        o = movement.reshape(movement.permute(o, 0, 2, 1, 3), nb, nl, ne)
        return self.out_proj(o)

    forward = __call__

    def _plain_self_attention(
        self, a: Array, keep: Array | None, add: Array | None
    ) -> Array | None:
        """Self-attention of a ``(B, L, E)`` array as ``__call__`` computes it on a plain
        input in eval mode (the same products and kernels, so the same values), as a
        ``(B * L, E)`` array, before the output projection's bias: the caller adds it with
        the residual in one pass (:func:`dfdx._inference.add_residual`). None where the
        compiled attention does not apply (the caller takes the general path)."""
        nb, nl, ne = a.shape
        nh, hd = self.num_heads, self.head_dim
        bias = None if self.in_proj_bias is None else self.in_proj_bias._data
        qkv = times_transposed(a.reshape(nb * nl, ne), self.in_proj_weight._data, bias)
        q5 = qkv.reshape(nb, nl, 3, nh, hd).transpose(2, 0, 3, 1, 4)
        o = _inference.softmax_attention(q5[0], q5[1], q5[2], keep, add, 1 / math.sqrt(hd), True)
        if o is None:
            return None
        # o is a (B, H, L, hd) view of (B, L, H, hd) memory: merging the heads copies nothing
        merged = o.transpose(0, 2, 1, 3).reshape(nb * nl, ne)
        return times_transposed(merged, self.out_proj.weight._data, None)

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

        am = None if attn_mask is None else mask_array(name, "attn_mask", attn_mask)
        pm = (
            None
            if key_padding_mask is None
            else mask_array(name, "key_padding_mask", key_padding_mask)
        )
        shapes.attention_masks(
            name, nb, self.num_heads, nl, ns,
            None if am is None else am.shape, None if pm is None else pm.shape,
        )  # fmt: skip
        if am is not None:
            take(am if am.ndim == 2 else am.reshape(nb, self.num_heads, nl, ns))
        if pm is not None:
            take(pm[:, None, None, :])
        if is_causal and masked is None:
            return _causal_keep(nl, ns), add  # the only bool mask: one shared array
        if is_causal:
            take(~_causal_keep(nl, ns))
        keep = None if masked is None else ~masked
        return keep, add

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


@functools.lru_cache(maxsize=16)
def _causal_keep(nl: int, ns: int) -> Array:
    """The causal mask as ``keep`` (True where key ``j <= i`` may be attended by query
    ``i``), read-only and shared: built once per size instead of once per call, and the
    same object each time, so that :mod:`dfdx._inference` can reuse its additive form."""
    keep = xp.tril(xp.ones((nl, ns), dtype=bool_))
    keep.flags.writeable = False
    return keep
