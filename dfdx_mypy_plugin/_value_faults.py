"""Whether a value that does not fit where it is used was made wrong on the line that made it.

``x = self.embedding(tokens)`` (``Tensor[B, S, E]``), then ``x = self.encoder(x)`` whose
``forward`` takes ``Tensor[B, E, S]``: the encoder is built right, the line that made ``x``
forgot its ``.transpose(1, 2)``. So too ``frames = mels.transpose(0, 1)`` (the wrong axes),
then ``dx.cat([frames, prev], axis=1)``; ``pooled = x.mean(axis=1)`` (no ``keepdims``), then a
layer that wants the axis; ``last = x[:, :, -1]`` (the wrong axis dropped). Where the value has
the sizes wanted in another order, or one axis fewer, or was made by an op that moves, drops
or reduces axes, the line that assigned it is reported too.
"""

from __future__ import annotations

from mypy.nodes import CallExpr, Expression, IndexExpr, MemberExpr, NameExpr

from dfdx_mypy_plugin.shapes import Shape

_SHAPE_MAKERS = frozenset(
    {"transpose", "permute", "swapaxes", "movedim", "reshape", "view", "flatten", "squeeze"}
    | {"unsqueeze", "mean", "sum", "max", "min", "amax", "amin", "argmax", "argmin", "prod"}
    | {"std", "var", "logsumexp", "chunk", "split", "unflatten"}
)
"""Ops (methods of a tensor, or ``dx.`` functions) that move, drop or reduce axes: a value
they make has the shape their arguments say, which is where such a mistake is written."""


def moves_axes(value: Expression | None) -> bool:
    """Whether ``value`` (an assignment's value) moves, drops or reduces axes: a method of
    :data:`_SHAPE_MAKERS` last in its chain, ``dx.<op>(x, ...)``, ``.mT``/``.T``, or an
    indexing (``x[:, :, -1]``)."""
    if isinstance(value, IndexExpr):
        return True
    if isinstance(value, MemberExpr):
        return value.name in ("mT", "T")
    if isinstance(value, CallExpr) and isinstance(value.callee, MemberExpr):
        receiver = value.callee.expr
        if isinstance(receiver, NameExpr) and receiver.name == "self":
            return False  # a field's call (``self.mean(x)``), not a tensor's method
        return value.callee.name in _SHAPE_MAKERS
    return False


_REORDERS = frozenset({"transpose", "permute", "swapaxes", "movedim", "mT", "T"})


def reshapes_axes(value: Expression | None) -> bool:
    """Whether ``value`` is made by an op of :func:`moves_axes` that does not only put the
    axes in another order (``flatten``, ``view``, an indexing, a reduction): a value that
    then has the size wanted on another axis lacks the transpose it needed. A transpose
    written there is taken as meant (Mixer's ``y.transpose(1, 2)`` before a token MLP built
    with the wrong width: the MLP is the mistake)."""
    if not moves_axes(value):
        return False
    if isinstance(value, MemberExpr):
        return value.name not in _REORDERS
    if isinstance(value, CallExpr) and isinstance(value.callee, MemberExpr):
        return value.callee.name not in _REORDERS
    return True


def misarranged(wanted: Shape, given: Shape) -> bool:
    """Whether ``given`` has the sizes of ``wanted`` in another order (a missing or wrong
    transpose), or those of ``wanted`` less one axis (a reduction without ``keepdims``, an
    indexing that dropped an axis): the value is made wrong, not the place that takes it."""
    if given == wanted:
        return False
    if len(given) == len(wanted):
        return sorted(map(str, given)) == sorted(map(str, wanted))
    if len(given) == len(wanted) - 1:
        return any(wanted[:i] + wanted[i + 1 :] == given for i in range(len(wanted)))
    return False
