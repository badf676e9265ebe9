"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's arguments, parameter names
(``weight_ih_l0``, ``bias_hh_l1_reverse``, ...), layouts (the gates stacked in PyTorch's order:
input, forget, cell, output for an LSTM; reset, update, new for a GRU) and initialisation
(uniform on ``±1/sqrt(hidden_size)``).

Each step is composed from the ops of :mod:`dfdx.ops` (``linear``, ``chunk``, ``sigmoid``,
``tanh``, products and sums), so the gradients are those ops' own; the input's projection is
one ``linear`` over the whole sequence per layer and direction. ``LSTMCell`` and ``GRUCell``
are one step of the same (``_lstm_step``, ``_gru_step``), with PyTorch's parameter names
(``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Generic, Literal

from typing_extensions import TypeVar

from dfdx import _validate
from dfdx._dtypes import canonical, float32
from dfdx._tensor import NoneTape, Tensor
from dfdx._typing import AnyTensor, Bs, Dyn, T
from dfdx._typing import H as _Hidden
from dfdx.nn._init import uniform
from dfdx.nn._layers import Hyper
from dfdx.nn._module import Module
from dfdx.ops import indexing, linalg, movement, unary
from dfdx_mypy_plugin import shapes

if TYPE_CHECKING:
    from numpy.random import Generator

I = TypeVar("I", bound=int, default=Any)
"""``input_size``: a bare ``LSTM`` annotation is ``LSTM[Any, Any, Any]``."""
H = TypeVar("H", bound=int, default=Any)
"""``hidden_size``."""

Seq = Tensor[Dyn, Dyn, Dyn, T]
"""A sequence ``(L, N, directions * H)`` (``(N, L, ...)`` with ``batch_first``), or a state
``(layers * directions, N, H)``, as the plain signatures type them: the plugin computes every
size from the layer's type."""
State = Tensor[Dyn, Dyn, _Hidden, T]
"""A final state ``(layers * directions, N, H)``: its last axis is the layer's ``H``."""


class _Recurrent(Module):
    """What LSTM and GRU share: the arguments, the parameters and the loop over layers and
    directions; ``_cell`` is one step of one layer in one direction."""

    _gates: int  # gate blocks stacked in each weight: 4 for an LSTM, 3 for a GRU

    # the first layer's parameters, declared for the type checkers; every layer's and
    # direction's are set by name in __init__ (weight_ih_l1, bias_hh_l0_reverse, ...)
    weight_ih_l0: Tensor[Dyn, Dyn, NoneTape]
    weight_hh_l0: Tensor[Dyn, Dyn, NoneTape]
    bias_ih_l0: Tensor[Dyn, NoneTape]  # absent with bias=False, as in PyTorch
    bias_hh_l0: Tensor[Dyn, NoneTape]

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("num_layers", num_layers),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {arg} must be an int > 0, got {value!r}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.dropout = _validate.fraction(name, "dropout", dropout)
        dt = canonical(dtype)
        bound = 1 / math.sqrt(hidden_size)
        rows = self._gates * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * self._directions
            for suffix in self._suffixes:
                shapes = {
                    "weight_ih": (rows, width),
                    "weight_hh": (rows, hidden_size),
                    **({"bias_ih": (rows,), "bias_hh": (rows,)} if bias else {}),
                }
                for field, shape in shapes.items():
                    # PyTorch's names: a field per layer and direction
                    tensor: AnyTensor = Tensor(uniform(shape, bound, dt, rng))
                    setattr(self, f"{field}_l{layer}{suffix}", tensor)

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _params(self, layer: int, suffix: str) -> tuple[Any, Any, Any, Any]:
        def get(field: str) -> Any:
            return getattr(self, f"{field}_l{layer}{suffix}", None)

        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _check(self, x: Any, states: tuple[Any, ...]) -> tuple[int, int]:
        """``x``'s batch size and length, its shape and the states' checked (the plugin's
        rule, :func:`shapes.recurrent`)."""
        shape = x.shape
        shapes.recurrent(
            type(self).__name__,
            shape,
            self.input_size,
            self.hidden_size,
            self.num_layers,
            self.bidirectional,
            self.batch_first,
            [None if s is None else s.shape for s in states],
        )
        return (shape[0], shape[1]) if self.batch_first else (shape[1], shape[0])

    def _cell(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def _run(self, x: Any, states: tuple[Any, ...]) -> tuple[Any, list[tuple[Any, ...]]]:
        """The last layer's output ``(N, L, directions * H)`` and each layer and direction's
        last state, from the initial ``states`` (each ``(layers * directions, N, H)`` or
        None for zeros)."""
        n, length = self._check(x, states)
        seq = x if self.batch_first else x.transpose(0, 1)  # (N, L, I)
        finals: list[tuple[Any, ...]] = []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._suffixes):
                w_ih, w_hh, b_ih, b_hh = self._params(layer, suffix)
                index = layer * self._directions + d
                state = tuple(
                    _zeros(n, self.hidden_size, x) if s is None else s[index] for s in states
                )
                xw = linalg.linear(seq, w_ih, b_ih)  # (N, L, gates * H): every step at once
                steps = range(length - 1, -1, -1) if d else range(length)
                hs: list[Any] = [None] * length
                for t in steps:
                    state = self._cell(xw[:, t], state, *_meeting(state[0], xw, w_hh, b_hh))
                    hs[t] = state[0]
                outputs.append(movement.stack(hs, axis=1))
                finals.append(state)
            seq = outputs[0] if len(outputs) == 1 else movement.concat(outputs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                seq = indexing.dropout(seq, self.dropout, training=True)
        return seq if self.batch_first else seq.transpose(0, 1), finals

    def extra_repr(self) -> str:
        extras = [f"num_layers={self.num_layers}"] if self.num_layers != 1 else []
        extras += ["bias=False"] if not self.bias else []
        extras += ["batch_first=True"] if self.batch_first else []
        extras += [f"dropout={self.dropout}"] if self.dropout else []
        extras += ["bidirectional=True"] if self.bidirectional else []
        return ", ".join([str(self.input_size), str(self.hidden_size), *extras])


def _zeros(n: int, hidden: int, like: Any) -> Any:
    """An untraced zero state ``(N, H)`` in ``like``'s dtype."""
    from dfdx._creation import zeros

    return zeros(n, hidden, dtype=like.dtype)


def _meeting(h: Any, xw: Any, w_hh: Any, b_hh: Any) -> tuple[Any, Any]:
    """``w_hh`` and ``b_hh`` as they must meet the state ``h``: traced where ``h`` is plain (a
    zero or given initial state) and the step is recorded, since an op that reads a plain
    tensor keeps the gradient at its result (docs/nn.md); as they are otherwise."""
    if xw._tape is None or h._tape is not None or h._origin is not None:
        return w_hh, b_hh
    return w_hh.trace(), None if b_hh is None else b_hh.trace()


def _gate_sum(xw: Any, h: Any, w_hh: Any, b_hh: Any) -> Any:
    return xw + linalg.linear(h, w_hh, b_hh)


def _lstm_step(xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, Any]:
    """One LSTM step from the input's projection ``xw`` ``(N, 4H)`` and the state ``(h,
    c)``: the gates in PyTorch's order (input, forget, cell, output)."""
    h, c = state
    i, f, g, o = movement.chunk(_gate_sum(xw, h, w_hh, b_hh), 4, axis=-1)
    c = unary.sigmoid(f) * c + unary.sigmoid(i) * unary.tanh(g)
    return unary.sigmoid(o) * unary.tanh(c), c


def _gru_step(xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any]:
    """One GRU step from the input's projection ``xw`` ``(N, 3H)`` and the state ``(h,)``:
    the gates in PyTorch's order (reset, update, new), ``n = tanh(W_in x + b_in + r * (W_hn h
    + b_hn))``."""
    (h,) = state
    r_x, z_x, n_x = movement.chunk(xw, 3, axis=-1)
    r_h, z_h, n_h = movement.chunk(linalg.linear(h, w_hh, b_hh), 3, axis=-1)
    r = unary.sigmoid(r_x + r_h)
    z = unary.sigmoid(z_x + z_h)
    n = unary.tanh(n_x + r * n_h)
    return ((1 - z) * n + z * h,)


class RNN(_Recurrent, Generic[I, H, Hyper]):
    """Elman recurrent layer, ``h = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``relu`` with
    ``nonlinearity="relu"``), over ``(L, N, input_size)`` (``(N, L, input_size)`` with
    ``batch_first=True``): returns ``(output, h_n)``, shaped as :class:`LSTM`'s, as
    PyTorch's ``nn.RNN``. ``hx`` is ``h_0`` ``(num_layers * directions, N, hidden_size)``,
    zeros when None."""

    _gates = 1

    def __init__(
        self: RNN[Any, Any, Any],
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: Literal["tanh", "relu"] = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            rng=rng,
            dtype=dtype,
        )
        self.nonlinearity: Literal["tanh", "relu"] = nonlinearity

    def _cell(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        (h,) = state
        pre = _gate_sum(xw, h, w_hh, b_hh)
        return (unary.tanh(pre) if self.nonlinearity == "tanh" else unary.relu(pre),)

    def __call__(
        self, x: Tensor[Dyn, Dyn, I, T], hx: Seq[T] | Seq[NoneTape] | None = None
    ) -> tuple[Seq[T], State[H, T]]:
        out, finals = self._run(x, (hx,))
        return out, movement.stack([s[0] for s in finals], axis=0)

    forward = __call__

    def extra_repr(self) -> str:
        shown = super().extra_repr()
        return shown if self.nonlinearity == "tanh" else f"{shown}, nonlinearity='relu'"


class LSTM(_Recurrent, Generic[I, H, Hyper]):
    """Long short-term memory over ``(L, N, input_size)`` (``(N, L, input_size)`` with
    ``batch_first=True``): returns ``(output, (h_n, c_n))`` with ``output`` ``(L, N,
    directions * hidden_size)`` (batch first likewise) and ``h_n``, ``c_n`` ``(num_layers *
    directions, N, hidden_size)``, as PyTorch's ``nn.LSTM`` (no ``proj_size``). ``hx`` is
    ``(h_0, c_0)`` of that shape, zeros when None.

    The plugin types ``LSTM(32, 64, num_layers=2, bidirectional=True)`` as ``LSTM[Literal[32],
    Literal[64], tuple[Literal[2], Literal[True], Literal[False]]]`` (``input_size``,
    ``hidden_size``, then ``num_layers``, ``bidirectional`` and ``batch_first``) and computes
    the output's and the states' sizes from it; ``RNN`` and ``GRU`` likewise. Without it,
    annotate the field (``lstm: LSTM[L[32], L[64]]``) to check the input's features and type
    the states' last axis."""

    _gates = 4

    def _cell(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        return _lstm_step(xw, state, w_hh, b_hh)

    def __call__(
        self,
        x: Tensor[Dyn, Dyn, I, T],
        hx: tuple[Seq[T] | Seq[NoneTape], Seq[T] | Seq[NoneTape]] | None = None,
    ) -> tuple[Seq[T], tuple[State[H, T], State[H, T]]]:
        h0, c0 = (None, None) if hx is None else hx
        out, finals = self._run(x, (h0, c0))
        h_n = movement.stack([s[0] for s in finals], axis=0)
        c_n = movement.stack([s[1] for s in finals], axis=0)
        return out, (h_n, c_n)

    forward = __call__


class GRU(_Recurrent, Generic[I, H, Hyper]):
    """Gated recurrent unit over ``(L, N, input_size)`` (``(N, L, input_size)`` with
    ``batch_first=True``): returns ``(output, h_n)``, shaped as :class:`LSTM`'s, as PyTorch's
    ``nn.GRU`` (``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``). ``hx`` is ``h_0``
    ``(num_layers * directions, N, hidden_size)``, zeros when None."""

    _gates = 3

    def _cell(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        return _gru_step(xw, state, w_hh, b_hh)

    def __call__(
        self, x: Tensor[Dyn, Dyn, I, T], hx: Seq[T] | Seq[NoneTape] | None = None
    ) -> tuple[Seq[T], State[H, T]]:
        out, finals = self._run(x, (hx,))
        return out, movement.stack([s[0] for s in finals], axis=0)

    forward = __call__


# ---- cells: one step -----------------------------------------------------------------------


class _Cell(Module):
    """What LSTMCell and GRUCell share: PyTorch's arguments, parameters (``weight_ih`` ``(gates
    * H, input_size)``, ``weight_hh`` ``(gates * H, H)``, ``bias_ih``, ``bias_hh`` ``(gates *
    H,)``, None with ``bias=False``), initialisation (uniform on ``±1/sqrt(hidden_size)``) and
    checks; ``_step`` is one step (shared with :class:`LSTM`, :class:`GRU`)."""

    _gates: int

    weight_ih: Tensor[Dyn, Dyn, NoneTape]
    weight_hh: Tensor[Dyn, Dyn, NoneTape]
    bias_ih: Tensor[Dyn, NoneTape] | None
    bias_hh: Tensor[Dyn, NoneTape] | None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {arg} must be an int > 0, got {value!r}")
        if not isinstance(bias, bool):
            raise TypeError(f"{name}: bias must be a bool, got {bias!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dt = canonical(dtype)
        bound = 1 / math.sqrt(hidden_size)
        rows = self._gates * hidden_size
        self.weight_ih = Tensor(uniform((rows, input_size), bound, dt, rng))
        self.weight_hh = Tensor(uniform((rows, hidden_size), bound, dt, rng))
        self.bias_ih = Tensor(uniform((rows,), bound, dt, rng)) if bias else None
        self.bias_hh = Tensor(uniform((rows,), bound, dt, rng)) if bias else None

    def _run(self, x: Any, states: tuple[Any, ...]) -> tuple[Any, ...]:
        """One step from ``states`` (each ``(N, H)``, ``(H,)`` unbatched, or None for zeros),
        the input and the states checked first (:func:`shapes.recurrent_cell`)."""
        name = type(self).__name__
        for value in (x, *states):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{name}: expected tensors, got {type(value).__name__}")
        shape = shapes.recurrent_cell(
            name,
            x.shape,
            self.input_size,
            self.hidden_size,
            [None if s is None else s.shape for s in states],
        )
        from dfdx._creation import zeros

        state = tuple(zeros(*shape, dtype=x.dtype) if s is None else s for s in states)
        xw = linalg.linear(x, self.weight_ih, self.bias_ih)
        return self._step(xw, state, *_meeting(state[0], xw, self.weight_hh, self.bias_hh))

    def _step(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        shown = f"{self.input_size}, {self.hidden_size}"
        return shown if self.bias else f"{shown}, bias=False"


class LSTMCell(_Cell, Generic[I, H]):
    """One LSTM step, PyTorch's ``nn.LSTMCell``: ``h, c = cell(x, (h, c))`` with ``x`` ``(N,
    input_size)`` and the states ``(N, hidden_size)`` (unbatched: ``(input_size,)`` and
    ``(hidden_size,)``); ``hx`` None starts from zeros. The gates are stacked in PyTorch's
    order (input, forget, cell, output) in ``weight_ih`` ``(4 * hidden_size, input_size)``,
    ``weight_hh``, ``bias_ih``, ``bias_hh``, so that a PyTorch state dict loads as it is.

    The plugin types ``LSTMCell(32, 64)`` as ``LSTMCell[Literal[32], Literal[64]]`` and
    checks the input's features and the states' shapes where it is called."""

    _gates = 4

    def __init__(
        self: LSTMCell[Any, Any],
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, rng=rng, dtype=dtype)

    def _step(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        return _lstm_step(xw, state, w_hh, b_hh)

    def __call__(
        self,
        x: Tensor[*Bs, I, T],
        hx: tuple[
            Tensor[*Bs, H, T] | Tensor[*Bs, H, NoneTape],
            Tensor[*Bs, H, T] | Tensor[*Bs, H, NoneTape],
        ]
        | None = None,
    ) -> tuple[Tensor[*Bs, H, T], Tensor[*Bs, H, T]]:
        if hx is not None and (not isinstance(hx, tuple) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c) or None, got {type(hx).__name__}")
        h, c = self._run(x, (None, None) if hx is None else hx)
        return h, c

    forward = __call__


class GRUCell(_Cell, Generic[I, H]):
    """One GRU step, PyTorch's ``nn.GRUCell``: ``h = cell(x, h)`` with ``x`` ``(N,
    input_size)`` and ``h`` ``(N, hidden_size)`` (unbatched: ``(input_size,)`` and
    ``(hidden_size,)``); ``hx`` None starts from zeros. The gates are stacked in PyTorch's
    order (reset, update, new) in ``weight_ih`` ``(3 * hidden_size, input_size)``,
    ``weight_hh``, ``bias_ih``, ``bias_hh``; typed by the plugin as :class:`LSTMCell`."""

    _gates = 3

    def __init__(
        self: GRUCell[Any, Any],
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        rng: Generator | None = None,
        dtype: Any = float32,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, rng=rng, dtype=dtype)

    def _step(self, xw: Any, state: tuple[Any, ...], w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
        return _gru_step(xw, state, w_hh, b_hh)

    def __call__(
        self,
        x: Tensor[*Bs, I, T],
        hx: Tensor[*Bs, H, T] | Tensor[*Bs, H, NoneTape] | None = None,
    ) -> Tensor[*Bs, H, T]:
        (h,) = self._run(x, (hx,))
        out: Tensor[*Bs, H, T] = h
        return out

    forward = __call__
