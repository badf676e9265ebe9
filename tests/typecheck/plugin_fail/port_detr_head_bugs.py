"""Three shape bugs injected into the detr_head port (plugin_pass/port_detr_head.py), written
without looking at the plugin: a row embedding of the full width, the column embedding sliced by
the height, the feature map flattened without its permute; each after a `# bug:` comment, each
raising dx.ShapeError at run time."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import (
    BatchNorm2d,
    Conv2d,
    Embedding,
    Linear,
    Module,
    ReLU,
    Sequential,
    TransformerDecoder,
    TransformerDecoderLayer,
)

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
C = TypeVar("C", bound=int)  # backbone channels
D = TypeVar("D", bound=int)  # hidden_dim
NH = TypeVar("NH", bound=int)  # heads
Q = TypeVar("Q", bound=int)  # object queries
K = TypeVar("K", bound=int)  # classes
I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
IH = TypeVar("IH", bound=int)
IW = TypeVar("IW", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class Backbone(Module, Generic[C]):
    def __init__(self, num_channels: C) -> None:
        super().__init__()
        self.body = Sequential(
            Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
            BatchNorm2d(8),
            ReLU(),
            Conv2d(8, num_channels, 3, stride=2, padding=1, bias=False),
            BatchNorm2d(num_channels),
            ReLU(),
        )

    def forward(self, x: Tensor[B, L[3], IH, IW, T]) -> Tensor[B, C, int, int, T]:
        return self.body(x)


class MLP(Module, Generic[I, D, O]):
    """Very simple multi-layer perceptron (also called FFN), three layers as DETR's box head."""

    def __init__(self, input_dim: I, hidden_dim: D, output_dim: O) -> None:
        super().__init__()
        self.layer1 = Linear(input_dim, hidden_dim)
        self.layer2 = Linear(hidden_dim, hidden_dim)
        self.layer3 = Linear(hidden_dim, output_dim)

    def forward(self, x: Tensor[B, S, I, T]) -> Tensor[B, S, O, T]:
        x1 = self.layer1(x).relu()
        x2 = self.layer2(x1).relu()
        return self.layer3(x2)


class DETRHead(Module, Generic[C, D, NH, Q, K]):
    def __init__(
        self, backbone_channels: C, hidden_dim: D, nheads: NH, num_queries: Q, num_classes: K,
        num_decoder_layers: int,
    ) -> None:  # fmt: skip
        super().__init__()
        self.backbone = Backbone(backbone_channels)
        self.input_proj = Conv2d(backbone_channels, hidden_dim, 1)
        self.query_embed = Embedding(num_queries, hidden_dim)
        # bug: the row embedding of the full width (the column one is half)
        self.row_embed = dx.rand(50, hidden_dim)  # E: mypy[dfdx-shape "self.row_embed is created"
        #     " here; it reaches line 109: broadcast_to: cannot broadcast Tensor[(IH+3)//4, 1, D] "
        #     "to Tensor[(IH+3)//4, (IW+3)//4, D//2] (axis -1: D != D//2)"]
        self.col_embed = dx.rand(50, hidden_dim // 2)
        layer = TransformerDecoderLayer(
            hidden_dim, nheads, dim_feedforward=2 * hidden_dim, dropout=0.0
        )
        self.decoder = TransformerDecoder(layer, num_decoder_layers)
        self.class_embed = Linear(hidden_dim, num_classes + 1)
        self.bbox_embed = MLP(hidden_dim, hidden_dim, 4)

    def forward(
        self, images: Tensor[B, L[3], IH, IW, T]
    ) -> tuple[Tensor[B, Q, int, T], Tensor[B, Q, L[4], T]]:
        x = self.backbone(images)
        h = self.input_proj(x)
        b, d, hh, ww = h.shape

        # positional encodings: a column and a row embedding of half the width each
        pos = dx.cat(
            [
                # bug: the column embedding sliced by the height
                self.col_embed[:hh].unsqueeze(0).broadcast_to(hh, ww, d // 2),  # E: mypy[
                #     dfdx-shape "broadcast_to: cannot broadcast Tensor[1, (IH+3)//4, D//2] to "
                #     "Tensor[(IH+3)//4, (IW+3)//4, D//2] (axis -2: (IH+3)//4 != (IW+3)//4)"]
                self.row_embed[:hh].unsqueeze(1).broadcast_to(hh, ww, d // 2),  # E: mypy[
                #     dfdx-shape "broadcast_to: cannot broadcast Tensor[(IH+3)//4, 1, D] to "
                #     "Tensor[(IH+3)//4, (IW+3)//4, D//2] (axis -1: D != D//2)"]
            ],
            axis=-1,
        ).flatten(0, 1).unsqueeze(0)  # fmt: skip

        # bug: the flattened feature map not permuted to (B, H*W, D)
        src = h.flatten(2)  # (B, H*W, D)
        memory = src + pos
        queries = self.query_embed.weight.unsqueeze(0) + dx.zeros(b, 1, d)
        hs = self.decoder(queries, memory)
        # false error: pyright (reportReturnType: the box MLP on the decoder's Any output gives
        # Tensor[Any, Any, int, Any])
        return self.class_embed(hs), self.bbox_embed(hs).sigmoid()  # pyright: ignore


model: DETRHead[L[12], L[16], L[4], L[5], L[3]] = DETRHead(12, 16, 4, 5, 3, num_decoder_layers=2)
images = dx.randn(2, 3, 32, 48)
pred_logits, pred_boxes = model(images.trace())
targets = dx.tensor(rng.integers(0, 4, size=(2, 5)))
loss_ce = dx.losses.cross_entropy(pred_logits.reshape(-1, 4), targets.reshape(-1))
loss_box = (pred_boxes - dx.rand(2, 5, 4)).abs().mean()
grads = (loss_ce + loss_box).backward()
assert pred_logits.shape == (2, 5, 4) and pred_boxes.shape == (2, 5, 4)
assert grads[model.row_embed].shape == (50, 8)
