"""An input whose features are not an annotated recurrent layer's ``input_size`` is an error
without the plugin too."""

from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, Tensor
from dfdx.nn import GRU, LSTM

x: Tensor[L[2], L[5], L[8], NoneTape] = dx.zeros(2, 5, 8)
lstm: LSTM[L[6], L[16]] = LSTM(6, 16)
gru: GRU[L[6], L[4]] = GRU(6, 4)
out, state = lstm(x)  # E: mypy[arg-type] pyright[reportArgumentType]
g_out, g_h = gru(x)  # E: mypy[arg-type] pyright[reportArgumentType]
