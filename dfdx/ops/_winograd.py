"""Winograd's F(2x2, 3x3) for conv2d's 3x3 kernels of stride 1 (dilation 1, one group, any
padding, outputs of at least ``MIN_SIZE`` on each side), with Numba (the ``fast`` extra);
every other convolution, and every convolution without Numba, takes conv.py's im2col path.

Each 2 x 2 block of the output ("tile") is ``A^T [U * V] A`` summed over the input channels,
with ``U = G w G^T`` (the kernel, 4 x 4) and ``V = B^T d B`` (the tile's 4 x 4 window of the
padded input, stride 2): 16 products for the 36 of the direct convolution, 2.25x fewer.
Summed over the channels, the 16 positions of ``U * V`` are 16 matrix products ``(O, C) @ (C,
tiles)``, one batched ``np.matmul`` per block of samples; the transforms are compiled
(``dfdx._fused_conv``). The backward pass is the same computation transposed, exact for it:
the output's gradient through ``A`` (``dM``), then ``dU = dM @ V^T`` (the weight's,
``G^T dU G``) and ``dV = U^T @ dM`` (the input's, through ``B``, added where each window
lies). The three products are then of 16 positions of ``O x C`` per tile, 2.25x fewer
multiplications than im2col's three.

A block of samples (about ``CHUNK_BYTES`` of products: two samples of the benchmark's conv,
measured fastest) is transformed, multiplied and transformed back while it is in cache. The
input itself is kept for the weight's gradient, whose pass transforms each block again (as
fast, measured, as keeping the whole batch's transform, ``(16, C, N, tiles)``, ~4.3x the
input, written and read back through memory; im2col keeps a 9x copy). Each row of tiles has
a spare slot (``tiles = th * (tw + 1)``): the transforms then run over a whole plane's tiles
in vector-long loops (see ``dfdx._fused_conv``); the products compute the spare slots too,
1 / tw more work.
Round-off: the transforms add and subtract up to 9 values, so float32's error is a few
times the direct sum's (measured against PyTorch on the benchmark's conv: 5e-7 of the
largest output and input gradient, 4e-6 of the largest weight gradient).
"""

from __future__ import annotations

from dataclasses import dataclass

from dfdx import _fused, _fused_conv
from dfdx._backend import Array, xp

CHUNK_BYTES = 1 << 20
"""About how many bytes of products a block of samples makes (kept in cache)."""

_G = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))
"""F(2x2, 3x3)'s kernel transform: ``U = G w G^T``, 4 x 4 from 3 x 3."""


MIN_SIZE = 14
"""The smallest output height and width that take this path: on smaller planes a row of
tiles is too short for the transforms' loops (measured, fwd + bwd, batch 32, against im2col:
8x8 2.6x slower, 14x14 even, 16x16 and 28x28 1.4-1.5x faster)."""


def usable(
    a: Array,
    kernel: tuple[int, ...],
    out: tuple[int, ...],
    s: tuple[int, ...],
    d: tuple[int, ...],
    groups: int,
) -> bool:
    """Whether the convolution of ``a`` takes this path: a 3x3 kernel of stride 1, dilation 1,
    one group, an output of at least ``MIN_SIZE`` x ``MIN_SIZE``, a float32/float64 input, and
    the compiled transforms there."""
    return (
        kernel == (3, 3)
        and s == (1, 1)
        and d == (1, 1)
        and groups == 1
        and min(out) >= MIN_SIZE
        and a.dtype in (xp.float32, xp.float64)
        and _fused.enabled()
    )


@dataclass
class Saved:
    """What the backward pass reads: the transformed kernel ``u`` ``(16, O, C)``, the input
    ``a`` ``(N, C, H, W)`` (transformed again, a block at a time, for the weight's gradient),
    the number of tiles and the padding."""

    u: Array
    a: Array
    tiles: int
    pad: tuple[int, ...]


def _tiles(out: tuple[int, ...]) -> tuple[int, int]:
    return (out[0] + 1) // 2, (out[1] + 1) // 2


def _step(n: int, rows: int, tiles: int, itemsize: int) -> int:
    """Samples per block (of ``n``): their 16 products of ``rows`` channels stay within
    ``CHUNK_BYTES``."""
    return max(1, min(n, CHUNK_BYTES // (16 * rows * tiles * itemsize)))


def forward(a: Array, w: Array, bias: Array | None, pad: tuple[int, ...]) -> tuple[Array, Saved]:
    """conv2d of ``a`` ``(N, C, H, W)`` with ``w`` ``(O, C, 3, 3)`` (plus ``bias`` ``(O,)``),
    padding ``pad``: ``(N, O, Ho, Wo)``, and what the backward pass reads."""
    to_v, from_m = _fused_conv.winograd_input(), _fused_conv.winograd_output()
    assert to_v is not None and from_m is not None
    n, c, h, wd = a.shape
    o = w.shape[0]
    out = (h + 2 * pad[0] - 2, wd + 2 * pad[1] - 2)
    th, tw = _tiles(out)
    g = xp.asarray(_G, dtype=a.dtype)
    u = xp.ascontiguousarray((g @ w @ g.T).transpose(2, 3, 0, 1)).reshape(16, o, c)
    b = xp.zeros(o, dtype=a.dtype) if bias is None else bias
    a = xp.ascontiguousarray(a)
    tiles = th * (tw + 1)  # each row of tiles has a spare slot (dfdx._fused_conv)
    y = xp.empty((n, o, *out), dtype=a.dtype)
    step = _step(n, max(o, c), tiles, a.itemsize)
    v = xp.empty((16, c, step, tiles), dtype=a.dtype)  # one block's, reused
    m = xp.empty((16, o, step * tiles), dtype=a.dtype)
    for first in range(0, n, step):
        last = min(n, first + step)
        if last - first < step:
            v = xp.empty((16, c, last - first, tiles), dtype=a.dtype)
            m = xp.empty((16, o, (last - first) * tiles), dtype=a.dtype)
        to_v(a[first:last], pad[0], pad[1], th, tw, v)
        xp.matmul(u, v.reshape(16, c, (last - first) * tiles), out=m)
        from_m(m.reshape(16, o, last - first, tiles), b, th, tw, y[first:last])
    return y, Saved(u, a, tiles, pad)


def backward(
    g: Array, saved: Saved, weight: bool, inputs: bool
) -> tuple[Array | None, Array | None, Array]:
    """The gradients of :func:`forward`'s weight ``(O, C, 3, 3)`` (if ``weight``), input
    ``(N, C, H, W)`` (if ``inputs``) and bias ``(O,)`` from the output's, ``g`` ``(N, O, Ho,
    Wo)`` (the bias's summed in float64 while ``g`` is read for the rest)."""
    to_dm, to_dx = _fused_conv.winograd_grad(), _fused_conv.winograd_input_grad()
    to_v = _fused_conv.winograd_input()
    assert to_dm is not None and to_dx is not None and to_v is not None
    u, a, tiles, pad = saved.u, saved.a, saved.tiles, saved.pad
    n, c = a.shape[:2]
    o = u.shape[1]
    th, tw = _tiles(g.shape[2:])
    g = xp.ascontiguousarray(g, dtype=u.dtype)
    du = xp.zeros((16, o, c), dtype=u.dtype) if weight else None
    dx = xp.empty(a.shape, dtype=u.dtype) if inputs else None
    sums = xp.zeros((o, g.shape[3]), dtype=xp.float64)  # the bias's gradient, by column
    ut = xp.ascontiguousarray(u.transpose(0, 2, 1))
    step = _step(n, max(o, c), tiles, u.itemsize)
    dm = xp.empty((16, o, step, tiles), dtype=u.dtype)  # one block's, reused
    dv = xp.empty((16, c, step, tiles), dtype=u.dtype)  # the input's transform, then dV
    for first in range(0, n, step):
        last = min(n, first + step)
        if last - first < step:
            dm = xp.empty((16, o, last - first, tiles), dtype=u.dtype)
            dv = xp.empty((16, c, last - first, tiles), dtype=u.dtype)
        cols = (last - first) * tiles
        to_dm(g[first:last], th, tw, dm, sums)
        dm_rows = dm.reshape(16, o, cols)
        if du is not None:
            to_v(a[first:last], pad[0], pad[1], th, tw, dv)
            du += xp.matmul(dm_rows, dv.reshape(16, c, cols).transpose(0, 2, 1))
        if dx is not None:
            xp.matmul(ut, dm_rows, out=dv.reshape(16, c, cols))
            to_dx(dv, pad[0], pad[1], th, tw, dx[first:last])
    gw = None
    if du is not None:
        gm = xp.asarray(_G, dtype=u.dtype)
        gw = gm.T @ du.reshape(4, 4, o, c).transpose(2, 3, 0, 1) @ gm
    return gw, dx, sums.sum(axis=1).astype(u.dtype)
