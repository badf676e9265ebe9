"""Loops over lists of layers whose sizes differ (NeRF's MLP: the input concatenated again
after one layer, so the next one takes ``W + IC`` features): ``self.layers[i](h)`` calls a
``Linear[IC, W] | Linear[W, W] | Linear[W+IC, W]`` on ``h``, which holds one of the values
the loop makes. Each layer takes one of them; after the loop ``h`` is one of several
values and a head takes the one the list's order leaves; a list of one layer never meets its
own result. The inputs split into symbolic sections keep their sizes."""

# rules: nn, movement

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import Dyn, NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ModuleList

R = TypeVar("R", bound=int)
W = TypeVar("W", bound=int)
IC = TypeVar("IC", bound=int)
ICV = TypeVar("ICV", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class SkipMLP(Module, Generic[W, IC, ICV]):
    def __init__(self, depth: int, width: W, input_ch: IC, input_ch_views: ICV) -> None:
        super().__init__()
        self.input_ch = input_ch
        self.input_ch_views = input_ch_views
        self.skips = (2,)
        self.pts_linears = ModuleList(
            [Linear(input_ch, width)]
            + [
                Linear(width, width) if i not in self.skips else Linear(width + input_ch, width)
                for i in range(depth - 1)
            ]
        )
        self.views_linears = ModuleList([Linear(input_ch_views + width, width // 2)])
        self.alpha_linear = Linear(width, 1)
        self.feature_linear = Linear(width, width)
        self.rgb_linear = Linear(width // 2, 3)

    def forward(self, x: Tensor[R, Dyn, T]) -> Tensor[R, L[4], T]:
        input_pts, input_views = x.split([self.input_ch, self.input_ch_views], axis=-1)
        assert_type(input_pts, Tensor[R, IC, T])
        h = input_pts
        for i, _layer in enumerate(self.pts_linears):
            h = self.pts_linears[i](h)
            h = h.relu()
            if i in self.skips:
                h = dx.cat([input_pts, h], axis=-1)
        alpha = self.alpha_linear(h)
        feature = self.feature_linear(h)
        h = dx.cat([feature, input_views], axis=-1)
        for layer in self.views_linears:
            h = layer(h).relu()
        rgb = self.rgb_linear(h)
        assert_type(rgb, Tensor[R, L[3], T])
        outputs = dx.cat([rgb, alpha], axis=-1)
        return outputs


model: SkipMLP[L[16], L[9], L[6]] = SkipMLP(5, 16, 9, 6)
rays: Tensor[L[7], Dyn, NoneTape] = dx.randn(7, 15)
assert_type(model(rays), Tensor[L[7], L[4], NoneTape])
assert model(rays).shape == (7, 4)
assert_type(model(rays.trace()), Tensor[L[7], L[4], OwnedTape])
