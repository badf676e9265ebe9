"""A recurrent layer annotated with its sizes, without the plugin: its input's features are
checked against ``input_size`` and its states' last axis is ``hidden_size``; the output's
features (``directions * hidden_size``) and the other sizes need the plugin (``Dyn``). An
unannotated layer takes and gives tensors of rank 3 with sizes ``Dyn``."""

from typing import Any, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import GRU, LSTM, RNN

lstm: LSTM[L[8], L[16]] = LSTM(8, 16, batch_first=True)
x: Tensor[L[2], L[5], L[8], NoneTape] = dx.zeros(2, 5, 8)
out, (h, c) = lstm(x.trace())
assert_type(out, Tensor[Any, Any, Any, OwnedTape])
assert_type(h, Tensor[Any, Any, L[16], OwnedTape])
assert_type(c, Tensor[Any, Any, L[16], OwnedTape])
assert out.shape == (2, 5, 16) and h.shape == (1, 2, 16)

gru: GRU[L[8], L[4]] = GRU(8, 4, num_layers=2)
g_out, g_h = gru(x, dx.zeros(2, 5, 4))
assert_type(g_h, Tensor[Any, Any, L[4], NoneTape])
assert g_out.shape == (2, 5, 4)

rnn = RNN(8, 3, bidirectional=True)
assert_type(rnn, RNN[Any, Any, Any])
r_out, r_h = rnn(x)
assert_type(r_out, Tensor[Any, Any, Any, NoneTape])
assert r_out.shape == (2, 5, 6) and r_h.shape == (2, 5, 3)
