# pyright: reportOverlappingOverload=false
"""Matrix products: ``matmul``, ``linear`` (a layer's ``x @ weight.T + bias``) and the
transformer's fused feed-forward, ``relu_feed_forward``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, overload

from dfdx import _fused, _inference
from dfdx._autodiff import GradFn, unbroadcast
from dfdx._backend import Array, xp
from dfdx._dtypes import check_float, check_same
from dfdx._typing import AnyTensor, Bs, Dyn, H, I, K, N, O, S, T
from dfdx.ops._op import array_of, result, result_shared
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from dfdx._tensor import NoneTape, OwnedTape, Tensor

# Without the plugin: exact types for anything (a vector, a matrix, a batch of matrices) times a
# matrix: ``Tensor[*Bs, K] @ Tensor[K, N] -> Tensor[*Bs, N]`` holds for every rank of the left
# operand, and lets a rank-polymorphic body (``x: Tensor[*S, I, T]`` times ``Tensor[I, O, ...]``)
# check in both checkers. A right operand that is not 2-d (a vector, a batch) falls back to an
# unknown shape. Any left operand times a matrix with a different inner size matches no
# overload, so both checkers report it even without the plugin. One overload per tape pair (no
# union in a parameter: mypy would infer ``N`` as Never through it).


@overload
def matmul(x: Tensor[*Bs, K, T], y: Tensor[K, N, T], /) -> Tensor[*Bs, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, K, T], y: Tensor[K, N, NoneTape], /) -> Tensor[*Bs, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, K, NoneTape], y: Tensor[K, N, T], /) -> Tensor[*Bs, N, T]: ...
@overload
def matmul(x: Tensor[*Bs, K, Any], y: Tensor[K, N, Any], /) -> Tensor[*Bs, N, OwnedTape]: ...
@overload  # of a rank the others cover, for an ``x`` typed Any (see nn.Linear.__call__)
def matmul(x: Tensor[K, T], y: Tensor[K, N, T], /) -> Tensor[N, T]: ...  # pyright: ignore[reportOverlappingOverload]
@overload
def matmul(
    x: AnyTensor, y: Tensor[Any, Any] | Tensor[Any, Any, Any, *tuple[Any, ...], Any], /
) -> AnyTensor: ...
def matmul(x: Any, y: Any, /) -> Any:
    """``x @ y`` with NumPy's rules: a 1-d operand is a vector, and the axes before the last
    two are batch axes that broadcast."""
    a = array_of("matmul", x, "tensors")
    b = array_of("matmul", y, "tensors")
    check_float("matmul", a)
    check_same("matmul", a, b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        shapes.matmul(a.shape, b.shape)
    if a.ndim == 2 and b.ndim == 2:
        # dot, not matmul: NumPy's matmul misses BLAS for some 2-d shapes, such as the outer
        # product (784, 1) @ (1, 256) of a batch-1 weight gradient (~6x slower than dot).
        out = xp.dot(a, b)
        return result(out, (x, y), (lambda g: xp.dot(g, b.T), lambda g: xp.dot(a.T, g)))
    if b.ndim == 2 and a.ndim > 2 and x._tape is None and x._origin is None and y._tape is None:
        # a plain batch times a matrix: one BLAS product over every row of the batch (NumPy's
        # matmul makes one per batch entry), and nothing to record
        rows = a.reshape(math.prod(a.shape[:-1]), a.shape[-1])  # not -1: size 0 is allowed
        return x._new(xp.dot(rows, b).reshape(*a.shape[:-1], b.shape[1]), None)
    out = xp.matmul(a, b)
    return result(out, (x, y), (lambda g: _grad_left(g, a, b), lambda g: _grad_right(g, a, b)))


def _as_matrices(a: Array, b: Array, g: Array) -> tuple[Array, Array, Array]:
    """Vectors promoted to matrices as NumPy's matmul does, and ``g`` to match. The right
    operand goes first: for vector @ vector, ``g`` is 0-d and needs its column axis before
    its row axis can be inserted."""
    if b.ndim == 1:
        b = b[:, None]
        g = g[..., None]
    if a.ndim == 1:
        a = a[None, :]
        g = g[..., None, :]
    return a, b, g


def _grad_left(g: Array, a: Array, b: Array) -> Array:
    _a2, b2, g2 = _as_matrices(a, b, g)
    ga = xp.matmul(g2, xp.swapaxes(b2, -1, -2))
    if a.ndim == 1:
        ga = ga[..., 0, :]
    return unbroadcast(ga, a.shape)


def _grad_right(g: Array, a: Array, b: Array) -> Array:
    a2, _b2, g2 = _as_matrices(a, b, g)
    gb = xp.matmul(xp.swapaxes(a2, -1, -2), g2)
    if b.ndim == 1:
        gb = gb[..., 0]
    return unbroadcast(gb, b.shape)


SMALL_PRODUCT = 4096
"""Up to this many elements in the result, :func:`product` calls ``dot`` (see there)."""


def product(a: Array, b: Array, out: Array | None = None) -> Array:
    """``a @ b`` of two matrices with one BLAS call: ``matmul``, which writes its result
    once, where both operands are C- or F-contiguous and the inner size is above 1; else
    ``dot``, which zero-fills its result before the product (~3% of a transformer step)
    but copies strided operands for BLAS and takes an outer product to BLAS, which
    ``matmul`` misses (~6x slower for (784, 1) @ (1, 256)). A single row goes to ``dot``
    too: its vector-matrix call costs ~0.4 us less than matmul's (MLP inference at batch 1),
    and so does a result of at most :data:`SMALL_PRODUCT` elements, where the fill costs
    nothing (an MLP's last layers: (10, 32) by (32, 32), ~0.8 against ~1.2 us).
    Written into ``out`` if given (C-contiguous, of the result's shape and dtype)."""
    if (
        a.shape[0] > 1
        and a.shape[1] > 1
        and a.shape[0] * b.shape[1] > SMALL_PRODUCT
        and (a.flags.c_contiguous or a.flags.f_contiguous)
        and (b.flags.c_contiguous or b.flags.f_contiguous)
    ):
        # no out= keyword unless given: parsing it costs every call (the forward's too)
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    return xp.dot(a, b) if out is None else xp.dot(a, b, out=out)


SMALL_BATCH = 64
"""Up to this many rows (and more than one), :func:`times_transposed` computes
``(w @ x.T).T``: OpenBLAS's ``x @ w.T`` packs its operands slowly for thin ``x``."""


def times_transposed(x: Array, w: Array, bias: Array | None) -> Array:
    """``x @ w.T + bias`` for a matrix ``x`` ``(n, in)`` and ``w`` ``(out, in)``, C-ordered.

    For 2 to :data:`SMALL_BATCH` rows the product is computed as ``w @ x.T``, whose
    transpose is copied out with the bias added in the same pass: with OpenBLAS's
    SkylakeX kernels, a (32, 784) by (784, 512) product takes ~315 us this way against
    ~450 us as ``x @ w.T`` (the same sums; both are one GEMM call)."""
    n = x.shape[0]
    if 1 < n <= SMALL_BATCH:
        t = product(w, x.T).T
        out = xp.empty(t.shape, t.dtype)
        if bias is None:
            xp.copyto(out, t)
        else:
            xp.add(t, bias, out=out)
        return out
    out = product(x, w.T)
    if bias is not None:
        out += bias
    return out


# ``linear``: the weight in PyTorch's ``(out, in)`` layout; one overload per tape pair of ``x``
# and ``weight`` as matmul's (the bias takes either tape kind, or the result's). No fallback
# overload: ``x`` of any rank (unknown included) matches ``Tensor[*S, I, ...]``, so a weight
# whose input size differs from ``x``'s last size matches none, and both checkers report it.


@overload
def linear(
    x: Tensor[*S, I, T], weight: Tensor[O, I, NoneTape], /, bias: Tensor[O, NoneTape] | None = None
) -> Tensor[*S, O, T]: ...
@overload
def linear(
    x: Tensor[*S, I, T], weight: Tensor[O, I, T], /, bias: Tensor[O, T] | None = None
) -> Tensor[*S, O, T]: ...
@overload
def linear(
    x: Tensor[*S, I, NoneTape],
    weight: Tensor[O, I, T],
    /,
    bias: Tensor[O, T] | Tensor[O, NoneTape] | None = None,
) -> Tensor[*S, O, T]: ...
@overload
def linear(
    x: Tensor[*S, I, Any], weight: Tensor[O, I, Any], /, bias: Tensor[O, Any] | None = None
) -> Tensor[*S, O, OwnedTape]: ...
@overload  # of a rank the others cover, for an ``x`` typed Any (see nn.Linear.__call__)
def linear(  # pyright: ignore[reportOverlappingOverload]
    x: Tensor[I, T], weight: Tensor[O, I, T], /, bias: Tensor[O, T] | None = None
) -> Tensor[O, T]: ...
def linear(x: Any, weight: Any, /, bias: Any = None) -> Any:
    """``x @ weight.T + bias``: ``x`` ``(*B, in)``, ``weight`` ``(out, in)``, ``bias``
    ``(out,)`` or None; the result is ``(*B, out)``. PyTorch's ``F.linear``.

    One op with its own backward rather than ``transpose``, ``matmul`` and ``add``: the weight
    keeps PyTorch's ``(out, in)`` layout, and an untraced parameter receives its gradient only
    where it meets the traced input itself (a transposed copy would take the gradient instead).
    Its speed is that of the composed ops (two or three BLAS calls either way)."""
    a, w, b = _linear_operands("linear", x, weight, bias)
    return linear_checked(x, weight, bias, a, w, b)


def linear_checked(
    x: AnyTensor, weight: AnyTensor, bias: AnyTensor | None, a: Array, w: Array, b: Array | None
) -> AnyTensor:
    """:func:`linear` on operands already checked (their arrays ``a``, ``w``, ``b``), as
    ``Sequential`` runs its ``Linear`` layers."""
    a2 = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    out = times_transposed(a2, w, b)
    n_out = w.shape[0]
    if a.ndim != 2:
        out = out.reshape(*a.shape[:-1], n_out)
    if x._tape is None and x._origin is None and weight._tape is None:
        if bias is None or bias._tape is None:  # a plain input: nothing to record
            return x._new(out, None)

    def grad_x(g: Array) -> Array:
        g2 = g.reshape(-1, n_out) if g.ndim != 2 else g
        return product(g2, w).reshape(a.shape)

    # the parameters' gradients can be written into a given array (dx.distributed's shared
    # memory): a keyword-only ``out`` (GradFn in dfdx/_autodiff.py)
    def grad_w(g: Array, *, out: Array | None = None) -> Array:
        g2 = g.reshape(-1, n_out) if g.ndim != 2 else g
        return product(g2.T, a2, out)

    if bias is None:
        return result(out, (x, weight), (grad_x, grad_w))

    def grad_b(g: Array, *, out: Array | None = None) -> Array:
        if out is None:
            return g.reshape(-1, n_out).sum(axis=0)  # type: ignore[no-any-return]
        return g.reshape(-1, n_out).sum(axis=0, out=out)

    return result(out, (x, weight, bias), (grad_x, grad_w, grad_b))


def _linear_operands(op: str, x: Any, weight: Any, bias: Any) -> tuple[Array, Array, Array | None]:
    """The checked arrays of ``linear``'s operands (``op`` names the op in errors)."""
    a = array_of(op, x)
    w, b = _layer_arrays(op, a, a.shape, weight, bias)
    return a, w, b


def _layer_arrays(
    op: str, a: Array, shape: tuple[int, ...], weight: Any, bias: Any
) -> tuple[Array, Array | None]:
    """The checked arrays of a weight and bias applied to an input of ``shape`` and of
    ``a``'s dtype."""
    w = array_of(op, weight, "a tensor", "weight")
    b = None if bias is None else array_of(op, bias, "a tensor or None", "bias")
    check_float(op, a)
    check_same(op, a, w)
    if b is not None:
        check_same(op, a, b)
    if not shape or w.ndim != 2 or shape[-1] != w.shape[1]:
        shapes.linear_operands(op, shape, w.shape, None if b is None else b.shape)
    if b is not None and b.shape != w.shape[:1]:
        shapes.linear_operands(op, shape, w.shape, b.shape)
    return w, b


@overload
def linear_relu(
    x: Tensor[*S, I, T], weight: Tensor[O, I, NoneTape], /, bias: Tensor[O, NoneTape] | None = None
) -> Tensor[*S, O, T]: ...
@overload
def linear_relu(
    x: Tensor[*S, I, Any], weight: Tensor[O, I, Any], /, bias: Tensor[O, Any] | None = None
) -> Tensor[*S, O, OwnedTape]: ...
def linear_relu(x: Any, weight: Any, /, bias: Any = None) -> Any:
    """``relu(linear(x, weight, bias))`` as one op: what ``Sequential`` runs for a
    ``Linear`` followed by a ``ReLU``. The bias and the ReLU are one compiled pass after the
    product, and in backward the ReLU's mask and the bias's gradient are one pass before
    the two products (one recorded step, no ReLU closure or temporaries of its own).

    For 2 to :data:`SMALL_BATCH` rows of a 2-d ``x``, with Numba, a C-ordered ``x`` (and
    weight) takes one compiled call for the product, the bias and the ReLU, and another
    for the weight's gradient (no packing of the weight, no zero fill of its gradient: see
    ``_fused.linear_relu``); the result is C-ordered, so a following ``linear_relu`` takes
    the same path. Any other thin ``x`` takes BLAS's ``weight @ x.T`` and the result is
    the transpose of that C-ordered ``(out, n)`` array (the fast layout for thin ``x``, see
    :func:`times_transposed`) instead of a transposed copy, and its input's gradient
    likewise: a following ``Linear`` or ``linear_relu`` reads it without a copy."""
    a, w, b = _linear_operands("linear_relu", x, weight, bias)
    return linear_relu_checked(x, weight, bias, a, w, b)


def _relu_layer(
    kernels: Any, h: Array, w: Array, b: Array | None, thin: bool
) -> tuple[Array, bool]:
    """One ``Linear`` + ``ReLU`` on the matrix ``h``: ``(y2, transposed)``, ``y2`` the result,
    or its transpose where ``transposed`` (a C-ordered ``(out, n)``: ``weight @ h.T``, the fast
    BLAS layout for ``thin`` inputs, taken with the compiled ``kernels`` only); bias and ReLU
    in one compiled pass where ``kernels`` are given. A thin C-ordered ``h`` (a first
    layer's batch, or a previous thin layer's result) takes the compiled product instead,
    whose result is ``(n, out)``, C-ordered."""
    bias_or_zero = xp.zeros(w.shape[0], h.dtype) if b is None else b
    if kernels is not None and thin:
        if h.flags.c_contiguous and w.flags.c_contiguous and _fused.one_blas_thread():
            # both operands read along their rows, with no packing (OpenBLAS's w @ h.T
            # repacks the whole weight each call): (32, 784) by (784, 512) ~255 us against
            # ~300 after an optimizer step; bias and ReLU in the same call
            y2 = xp.empty((h.shape[0], w.shape[0]), h.dtype)
            kernels[4](w, h, bias_or_zero, y2)
            return y2, False
        y2 = product(w, h.T)  # (out, n): the result's transpose
        kernels[1](y2, bias_or_zero)
        return y2, True
    if kernels is not None:
        y2 = product(h, w.T)
        kernels[0](y2, bias_or_zero)
        return y2, False
    y2 = times_transposed(h, w, b)
    xp.maximum(y2, 0, out=y2)
    return y2, False


def _relu_mask(kernels: Any, g2: Array, y2: Array, transposed: bool) -> tuple[Array, Array | None]:
    """The gradient before the ReLU of :func:`_relu_layer`'s ``y2``, from ``g2``, the
    gradient of its result as ``(n, out)``: as ``(n, out)`` (a transposed view where
    ``transposed``), and the bias's gradient where a compiled pass gives it."""
    if transposed:
        gt = g2.T
        if kernels is not None and gt.dtype == y2.dtype:
            gp = xp.empty(y2.shape, y2.dtype)
            db = xp.empty(y2.shape[0], y2.dtype)
            kernels[3](gt, y2, gp, db)
            return gp.T, db
        return g2 * (y2.T > 0), None
    if kernels is not None and g2.dtype == y2.dtype:
        gp = xp.empty(y2.shape, y2.dtype)
        db = xp.empty(y2.shape[1], y2.dtype)
        kernels[2](g2, y2, gp, db)
        return gp, db
    return g2 * (y2 > 0), None


def _weight_grad(kernels: Any, gp: Array, h: Array, out: Array | None) -> Array:
    """``gp.T @ h``, a ``Linear`` + ``ReLU`` layer's weight gradient from ``gp``, its
    output's gradient before the ReLU as ``(n, out)``, and ``h``, its input; into ``out``
    where given. For a C-ordered ``h`` of 2 to :data:`SMALL_BATCH` rows (the compiled thin
    product's input), one compiled call that writes each element once: (512, 32) by (32,
    784) ~250 us against ~285 for OpenBLAS, whose beta = 0 fills the 1.6 MB result with
    zeros first."""
    if (
        kernels is not None
        and h.flags.c_contiguous
        and gp.dtype == h.dtype
        and 1 < h.shape[0] <= SMALL_BATCH
        and _fused.one_blas_thread()
    ):
        if out is None:
            out = xp.empty((gp.shape[1], h.shape[1]), h.dtype)
        kernels[5](gp.T, h, out)
        return out
    return product(gp.T, h, out)


def linear_relu_checked(
    x: AnyTensor, weight: AnyTensor, bias: AnyTensor | None, a: Array, w: Array, b: Array | None
) -> AnyTensor:
    """:func:`linear_relu` on operands already checked (their arrays ``a``, ``w``, ``b``)."""
    kernels = _fused.linear_relu() if a.dtype == w.dtype else None
    n_out = w.shape[0]
    a2 = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    thin = a.ndim == 2 and 1 < a2.shape[0] <= SMALL_BATCH
    y2, transposed = _relu_layer(kernels, a2, w, b, thin)
    if transposed:
        out = y2.T
    else:
        out = y2.reshape(*a.shape[:-1], n_out) if a.ndim != 2 else y2
    if x._tape is None and x._origin is None and weight._tape is None:
        if bias is None or bias._tape is None:  # a plain input: nothing to record
            return x._new(out, None)

    def masked(g: Array) -> tuple[Array, Array | None]:
        return _relu_mask(kernels, g if transposed else g.reshape(-1, n_out), y2, transposed)

    def grad_x(s: tuple[Array, Array | None]) -> Array:
        if transposed:
            return product(w.T, s[0].T).T  # (in, n) C-ordered, transposed: as the output
        return product(s[0], w).reshape(a.shape)

    # the parameters' gradients can be written into a given array, as linear's (GradFn)
    def grad_w(s: tuple[Array, Array | None], *, out: Array | None = None) -> Array:
        return _weight_grad(kernels, s[0], a2, out)

    def grad_b(s: tuple[Array, Array | None], *, out: Array | None = None) -> Array:
        if s[1] is None:
            return s[0].sum(axis=0, out=out)
        if out is None:
            return s[1]
        xp.copyto(out, s[1])
        return out

    inputs: list[AnyTensor] = [x, weight]
    parts: list[Callable[[tuple[Array, Array | None]], Array]] = [grad_x, grad_w]
    if bias is not None:
        inputs.append(bias)
        parts.append(grad_b)
    return result_shared(out, inputs, masked, parts)


def linear_chain(x: Any, layers: Sequence[tuple[Any, Any, bool]], /) -> Any:
    """Layers applied in order as one op: each ``(weight, bias, relu)`` is
    ``linear(., weight, bias)``, followed by ``relu`` where ``relu`` is true; what
    ``Sequential`` runs for consecutive ``Linear`` layers (each followed by a ``ReLU`` or
    not). The same kernels and layouts as :func:`linear` and :func:`linear_relu` layer by
    layer, with the same values, and one recorded step: no tensor, closures or tape entry
    per layer, and one backward function that walks the layers in reverse (the first
    layer's input gradient computed only when read, as with separate ops)."""
    op = "linear_chain"
    a = array_of(op, x)
    if not layers:
        raise ValueError(f"{op}: needs at least one layer")
    shape = a.shape
    checked: list[Layer] = []
    for weight, bias, relu in layers:
        w, b = _layer_arrays(op, a, shape, weight, bias)
        checked.append((w, weight, b, bias, bool(relu)))
        shape = (*shape[:-1], w.shape[0])
    return linear_chain_checked(x, checked)


Layer = tuple[Array, "AnyTensor", "Array | None", "AnyTensor | None", bool]
"""One layer of :func:`linear_chain_checked`: the weight's array and tensor, the bias's
array and tensor (or None), and whether a ReLU follows."""


def linear_chain_checked(x: AnyTensor, layers: Sequence[Layer]) -> AnyTensor:
    """:func:`linear_chain` on layers already checked (each weight's input size is the
    size before it, every array of the input's float dtype)."""
    a = x._data
    lead = a.shape[:-1]
    a2 = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    n = a2.shape[0]
    # the thin-batch layout of linear_relu where a Linear+ReLU layer by layer would take it
    thin = a.ndim == 2 and 1 < n <= SMALL_BATCH
    kernels = _fused.linear_relu()
    inputs_2d: list[Array] = []  # each layer's input, as a matrix
    outs: list[Array] = []  # each layer's result in its own layout (y2)
    kinds: list[int] = []  # 0: linear, 1: relu on (n, out), 2: relu on the transpose
    h = a2
    for w, _, b, _, relu in layers:
        inputs_2d.append(h)
        if not relu:
            h = times_transposed(h, w, b)
            outs.append(h)
            kinds.append(0)
            continue
        y2, transposed = _relu_layer(kernels, h, w, b, thin)
        outs.append(y2)
        kinds.append(2 if transposed else 1)
        h = y2.T if transposed else y2
    out = h.reshape(*lead, h.shape[1]) if a.ndim != 2 else h
    if x._tape is None and x._origin is None:
        for _, weight, _, bias, _ in layers:
            if weight._tape is not None or (bias is not None and bias._tape is not None):
                break
        else:  # a plain input: nothing to record
            return x._new(out, None)

    def input_grad(i: int, gp: Array) -> Array:
        """The gradient of layer ``i``'s input, as a matrix, from ``gp``, its gradient
        before the ReLU (in the layout linear and linear_relu give it)."""
        w = layers[i][0]
        if kinds[i] == 2:
            return product(w.T, gp.T).T  # (in, n) C-ordered, transposed
        return product(gp, w)

    def shared(g: Array) -> tuple[list[Array], list[Array | None]]:
        """Every layer's gradient before its ReLU and its bias's gradient where known, from
        the last layer back (the first layer's input gradient is not computed here)."""
        last = len(layers) - 1
        gps: list[Array] = [g] * len(layers)
        dbs: list[Array | None] = [None] * len(layers)
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        for i in range(last, -1, -1):
            if kinds[i]:
                g2, dbs[i] = _relu_mask(kernels, g2, outs[i], kinds[i] == 2)
            gps[i] = g2
            if i:
                g2 = input_grad(i, g2)
        return gps, dbs

    # The gradient functions share ``shared(g)``, computed at the first one called with ``g``
    # (as result_shared does, without its wrapper's extra call per gradient read).
    memo: list[Any] = [None, None]  # [g, shared(g)]

    def common(g: Array) -> tuple[list[Array], list[Array | None]]:
        if memo[0] is not g:
            memo[1] = shared(g)
            memo[0] = g
        return memo[1]  # type: ignore[no-any-return]

    def x_grad(g: Array) -> Array:
        return input_grad(0, common(g)[0][0]).reshape(a.shape)

    # the parameters' gradients can be written into a given array, as linear's (GradFn)
    def weight_grad(i: int) -> GradFn:
        a_in = inputs_2d[i]
        relu = kinds[i] != 0

        def grad(g: Array, *, out: Array | None = None) -> Array:
            if relu:
                return _weight_grad(kernels, common(g)[0][i], a_in, out)
            return product(common(g)[0][i].T, a_in, out)  # as linear's

        return grad

    def bias_grad(i: int) -> GradFn:
        def grad(g: Array, *, out: Array | None = None) -> Array:
            gps, dbs = common(g)
            db = dbs[i]
            if db is None:
                return gps[i].sum(axis=0, out=out)
            if out is None:
                return db
            xp.copyto(out, db)
            return out

        return grad

    inputs: list[AnyTensor] = [x]
    grad_fns: list[GradFn] = [x_grad]
    for i, (_, weight, _, bias, _) in enumerate(layers):
        inputs.append(weight)
        grad_fns.append(weight_grad(i))
        if bias is not None:
            inputs.append(bias)
            grad_fns.append(bias_grad(i))
    return result(out, inputs, grad_fns)


@overload
def relu_feed_forward(
    x: Tensor[*S, I, T],
    weight1: Tensor[H, I, NoneTape],
    bias1: Tensor[H, NoneTape] | None,
    weight2: Tensor[O, H, NoneTape],
    bias2: Tensor[O, NoneTape] | None,
    /,
) -> Tensor[*S, O, T]: ...
@overload
def relu_feed_forward(
    x: Tensor[*S, I, Any],
    weight1: Tensor[H, I, Any],
    bias1: Tensor[H, Any] | None,
    weight2: Tensor[O, H, Any],
    bias2: Tensor[O, Any] | None,
    /,
) -> Tensor[*S, O, OwnedTape]: ...
@overload
def relu_feed_forward(
    x: AnyTensor,
    weight1: AnyTensor,
    bias1: AnyTensor | None,
    weight2: AnyTensor,
    bias2: AnyTensor | None,
    /,
) -> Any: ...
def relu_feed_forward(x: Any, weight1: Any, bias1: Any, weight2: Any, bias2: Any, /) -> Any:
    """``linear(relu(linear(x, weight1, bias1)), weight2, bias2)`` as one recorded step: a
    transformer layer's feed-forward where its dropout does nothing. ``weight1`` is
    ``(hidden, in)``, ``weight2`` ``(out, hidden)``; the result is ``(*B, out)``.

    The ReLU's mask is applied to the hidden gradient in place, with no step, closure or
    temporary of its own (an encoder layer's forward and backward at
    bench/bench_transformer.py's sizes: ~5% faster than three steps)."""
    op = "relu_feed_forward"
    a = array_of(op, x)
    w1 = array_of(op, weight1, "a tensor", "weight1")
    w2 = array_of(op, weight2, "a tensor", "weight2")
    b1 = None if bias1 is None else array_of(op, bias1, "a tensor or None", "bias1")
    b2 = None if bias2 is None else array_of(op, bias2, "a tensor or None", "bias2")
    check_float(op, a)
    for p in (w1, w2, b1, b2):
        if p is not None:
            check_same(op, a, p)
    if (
        a.ndim == 0
        or w1.ndim != 2
        or w2.ndim != 2
        or a.shape[-1] != w1.shape[1]
        or w2.shape[1] != w1.shape[0]
        or (b1 is not None and b1.shape != w1.shape[:1])
        or (b2 is not None and b2.shape != w2.shape[:1])
    ):
        shapes.feed_forward(
            op,
            a.shape,
            w1.shape,
            None if b1 is None else b1.shape,
            w2.shape,
            None if b2 is None else b2.shape,
        )
    a2 = a.reshape(-1, a.shape[-1])
    fused = _fused.relu_feed_forward() if b1 is not None and a.dtype == w1.dtype else None
    if fused is not None and b1 is not None:
        h = times_transposed(a2, w1, None)
        fused[0](h, b1)  # the bias and the ReLU in one pass
    else:
        h = times_transposed(a2, w1, b1)
        xp.maximum(h, 0, out=h)
    y = times_transposed(h, w2, b2)
    out = y.reshape(*a.shape[:-1], w2.shape[0])

    def hidden(g: Array) -> tuple[Array, Array, Array | None]:
        """The output's gradient as a matrix, the hidden (pre-ReLU) gradient, and the first
        bias's gradient where the compiled pass gives it with the mask."""
        g2 = g.reshape(-1, w2.shape[0])
        gh = product(g2, w2)
        if fused is not None and gh.flags.c_contiguous and gh.dtype == h.dtype:
            db = xp.empty(gh.shape[1], gh.dtype)
            fused[1](gh, h, db)
            return g2, gh, db
        gh *= h > 0
        return g2, gh, None

    inputs: list[AnyTensor] = [x, weight1]
    parts: list[Callable[[tuple[Array, Array, Array | None]], Array]] = [
        lambda s: product(s[1], w1).reshape(a.shape),
        lambda s: product(s[1].T, a2),
    ]
    if bias1 is not None:
        inputs.append(bias1)
        parts.append(lambda s: s[1].sum(axis=0) if s[2] is None else s[2])
    inputs.append(weight2)
    parts.append(lambda s: product(s[0].T, h))
    if bias2 is not None:
        inputs.append(bias2)
        parts.append(lambda s: s[0].sum(axis=0))
    return result_shared(out, inputs, hidden, parts)


def plain_gelu_feed_forward(
    x: AnyTensor,
    weight1: AnyTensor,
    bias1: AnyTensor | None,
    weight2: AnyTensor,
    bias2: AnyTensor | None,
) -> AnyTensor | None:
    """``linear(gelu(linear(x, weight1, bias1)), weight2, bias2)`` for a plain float32 input
    (untraced, no origin) and untraced weights, where no gradient can be asked for: the first
    bias is added in the first of GELU's compiled passes, and GELU writes over the product
    (no bias pass, no CDF, no second hidden array). None where that does not apply (Numba
    absent, another dtype, traced operands, sizes that do not chain): then the caller
    composes the ops."""
    ops = (weight1, bias1, weight2, bias2)
    if x._tape is not None or x._origin is not None or not _fused.enabled():
        return None
    if any(t is not None and (t._tape is not None or t._data.dtype != xp.float32) for t in ops):
        return None
    a, w1, w2 = x._data, weight1._data, weight2._data
    if (
        a.dtype != xp.float32
        or a.ndim < 1
        or w1.ndim != 2
        or w2.ndim != 2
        or a.shape[-1] != w1.shape[1]
        or w2.shape[1] != w1.shape[0]
        or (bias1 is not None and bias1._data.shape != w1.shape[:1])
        or (bias2 is not None and bias2._data.shape != w2.shape[:1])
    ):
        return None
    h = times_transposed(a.reshape(-1, a.shape[-1]), w1, None)
    if _inference.gelu_float32(h, None if bias1 is None else bias1._data, out=h) is None:
        return None
    y = times_transposed(h, w2, None if bias2 is None else bias2._data)
    return x._new(y.reshape(*a.shape[:-1], w2.shape[0]), None)


# ``einsum``: without the plugin its result is a tensor of unknown rank on the operands' tape
# (one overload per tape pair, as matmul's); the plugin computes its sizes from the subscripts.


@overload
def einsum(subscripts: str, a: Tensor[*S, T], /) -> Tensor[*tuple[Dyn, ...], T]: ...
@overload
def einsum(
    subscripts: str, a: Tensor[*S, T], b: Tensor[*tuple[Any, ...], T], /
) -> Tensor[*tuple[Dyn, ...], T]: ...
@overload
def einsum(
    subscripts: str, a: Tensor[*S, T], b: Tensor[*tuple[Any, ...], NoneTape], /
) -> Tensor[*tuple[Dyn, ...], T]: ...
@overload
def einsum(
    subscripts: str, a: Tensor[*S, NoneTape], b: Tensor[*tuple[Any, ...], T], /
) -> Tensor[*tuple[Dyn, ...], T]: ...
@overload
def einsum(
    subscripts: str, a: Tensor[*S, Any], b: Tensor[*tuple[Any, ...], Any], /
) -> Tensor[*tuple[Dyn, ...], OwnedTape]: ...
@overload
def einsum(subscripts: str, /, *operands: AnyTensor) -> AnyTensor: ...
def einsum(subscripts: Any, /, *operands: Any) -> Any:
    """Einstein summation, PyTorch's ``torch.einsum``: ``einsum("bhid,bhjd->bhij", q, k)``.
    Each operand's axes are named by the letters of its term; a letter has one size in every
    operand (or 1, which broadcasts) and the letters missing from the output are summed.
    ``...`` stands for the axes a term does not name (they broadcast); without ``->`` the
    output is the ``...`` axes then the letters written once, in alphabetical order. Operands
    of one float dtype. The backward step is one einsum per operand."""
    if not isinstance(subscripts, str):
        raise TypeError(
            f"einsum: subscripts must be a str such as 'ij,jk->ik', got {type(subscripts).__name__}"
        )
    if not operands:
        raise TypeError("einsum: expected at least one tensor after the subscripts")
    arrays = [array_of("einsum", t, "tensors") for t in operands]
    for a in arrays:
        check_float("einsum", a)
        check_same("einsum", arrays[0], a)
    shapes.einsum(subscripts, [a.shape for a in arrays])
    terms, out = shapes.einsum_terms(subscripts, [a.ndim for a in arrays])
    many = len(arrays) > 1  # a contraction: let NumPy reach BLAS
    y = xp.einsum(",".join(terms) + "->" + out, *arrays, optimize=many)

    def grad_of(k: int) -> GradFn:
        return lambda g: _einsum_grad(g, out, terms, arrays, k)

    return result(y, operands, [grad_of(k) for k in range(len(arrays))])


def _einsum_grad(g: Array, out: str, terms: list[str], arrays: list[Array], k: int) -> Array:
    """The gradient of operand ``k`` of ``einsum(",".join(terms) + "->" + out, *arrays)``
    given the output's ``g``: the einsum of ``g`` and the other operands onto ``k``'s letters,
    summed over its axes of size 1 that broadcast, spread over its letters that no other term
    has at their size (summed in the forward), and written on its diagonal where it repeats a
    letter."""
    term, a = terms[k], arrays[k]
    others = [(t, b) for j, (t, b) in enumerate(zip(terms, arrays, strict=True)) if j != k]
    others.append((out, g))
    present = set("".join(t for t, _ in others))
    size = {c: a.shape[term.index(c)] for c in term}
    unique = "".join(dict.fromkeys(term))
    kept = "".join(c for c in unique if c in present)
    spec = ",".join(t for t, _ in others) + "->" + kept
    gk: Array = xp.einsum(spec, *(b for _, b in others), optimize=len(others) > 1)
    broadcast = tuple(i for i, c in enumerate(kept) if size[c] == 1 and gk.shape[i] != 1)
    if broadcast:
        gk = gk.sum(axis=broadcast, keepdims=True)
    if kept != unique:
        gk = gk.reshape([size[c] if c in kept else 1 for c in unique])
    target = tuple(size[c] for c in unique)
    if gk.shape != target:  # letters only this operand has at more than size 1
        gk = xp.array(xp.broadcast_to(gk, target))
    if unique == term:
        return gk
    full = xp.zeros(a.shape, a.dtype)
    xp.einsum(term + "->" + unique, full)[...] = gk  # a writable view of the diagonal
    return full
