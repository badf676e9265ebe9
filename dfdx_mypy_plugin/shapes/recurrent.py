"""Recurrent layers (``RNN``, ``LSTM``, ``GRU``): the input's and the initial states' shapes
checked, the output's and the final states' computed. The runtime calls :func:`recurrent`
with ints; the plugin with the sizes the layer's type records (``None`` for a layout or a
direction count it does not know)."""

from __future__ import annotations

from collections.abc import Sequence

from dfdx_mypy_plugin.shapes._core import (
    Dim,
    Shape,
    ShapeError,
    agree,
    dim_mul,
    fmt,
    fmt_dim,
    same_layer_size,
)


def recurrent(
    name: str,
    x: Shape,
    input_size: Dim,
    hidden_size: Dim,
    num_layers: Dim,
    bidirectional: bool | None,
    batch_first: bool | None,
    states: Sequence[Shape | None] = (),
) -> tuple[Shape, Shape]:
    """``(output, state)`` shapes of the layer ``name`` on ``x``: ``output`` ``(L, N,
    directions * hidden_size)`` (``(N, L, ...)`` batch first), each final state ``(num_layers
    * directions, N, hidden_size)``. ``x`` must be ``(L, N, input_size)`` (``(N, L,
    input_size)`` batch first), each given initial state of the final states' shape. Where the
    layout is not known (``batch_first`` None), the output still keeps ``x``'s first two axes
    and the states' batch size is not known."""
    first = "(N, L, input_size)" if batch_first else "(L, N, input_size)"
    layout = first if batch_first is not None else "(L, N, input_size) or (N, L, input_size)"
    if len(x) != 3 or same_layer_size(x[2], input_size) is False:
        raise ShapeError(
            f"{name}: expected an input {layout} with input_size {fmt_dim(input_size)}, "
            f"got {fmt(x)}"
        )
    n: Dim = None if batch_first is None else (x[0] if batch_first else x[1])
    length = x[1] if batch_first else x[0]
    if batch_first is not None and isinstance(length, int) and length < 1:
        raise ShapeError(f"{name}: expected a sequence of length >= 1, got {fmt(x)}")
    directions = None if bidirectional is None else (2 if bidirectional else 1)
    want = (dim_mul(num_layers, directions), n, hidden_size)
    for state in states:
        if state is None:
            continue
        if len(state) != 3 or any(
            same_layer_size(a, b) is False for a, b in zip(state, want, strict=True)
        ):
            raise ShapeError(
                f"{name}: expected an initial state {fmt(want)} (num_layers * directions, "
                f"N, hidden_size), got {fmt(state)}"
            )
        want = (agree(want[0], state[0]), agree(want[1], state[1]), agree(want[2], state[2]))
    features = dim_mul(directions, hidden_size)
    if batch_first is None:
        return (x[0], x[1], features), want
    # the batch axis as precise as the input and the states give it
    return ((want[1], x[1], features) if batch_first else (x[0], want[1], features)), want


def recurrent_cell(
    name: str, x: Shape, input_size: Dim, hidden_size: Dim, states: Sequence[Shape | None] = ()
) -> Shape:
    """The state shape of one step of the cell ``name`` (``LSTMCell``, ``GRUCell``) on ``x``:
    ``(N, hidden_size)`` for an input ``(N, input_size)``, ``(hidden_size,)`` for an unbatched
    ``(input_size,)``, as PyTorch's cells; each given state must have that shape."""
    if len(x) not in (1, 2) or same_layer_size(x[-1], input_size) is False:
        raise ShapeError(
            f"{name}: expected an input (N, input_size) or (input_size,) with input_size "
            f"{fmt_dim(input_size)}, got {fmt(x)}"
        )
    want: Shape = (*x[:-1], hidden_size)
    for state in states:
        if state is None:
            continue
        if len(state) != len(want) or any(
            same_layer_size(a, b) is False for a, b in zip(state, want, strict=True)
        ):
            layout = "(N, hidden_size)" if len(want) == 2 else "(hidden_size,)"
            raise ShapeError(
                f"{name}: expected a state {fmt(want)} {layout} for the input {fmt(x)}, "
                f"got {fmt(state)}"
            )
        want = tuple(agree(a, b) for a, b in zip(want, state, strict=True))
    return want
