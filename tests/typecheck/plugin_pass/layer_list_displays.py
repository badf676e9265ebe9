"""Layers of one class built with different sizes, written as a list display: a local list of
heads applied in a loop, convolutions collected and then wrapped in a ``ModuleList``, a loop
over a display. With the plugin each layer's sizes are in its type (``Linear[L[8], L[2]]``,
``Linear[L[8], L[3]]``), which mypy would join to ``object`` (``"object" not callable``);
the items take their common form, ``Linear[L[8], Any]``, as a ``ModuleList``'s do, so the
sizes they share (the input features) are still checked."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Linear, Module, ModuleList

B = TypeVar("B", bound=int)
D = TypeVar("D", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class MultiTask(Module, Generic[D]):
    """One linear head per task, each with its own number of classes."""

    def __init__(self, dim: D) -> None:
        super().__init__()
        heads = [Linear(dim, 2), Linear(dim, 3), Linear(dim, 5)]
        self.heads = ModuleList(heads)

    def forward(self, x: Tensor[B, D, T]) -> list[Tensor[B, Any, T]]:
        return [head(x) for head in self.heads]


def stem_widths() -> list[int]:
    convs = [Conv2d(3, 8, 3, padding=1), Conv2d(8, 16, 3, padding=1)]
    return [conv.weight.shape[0] for conv in convs]


def main() -> None:
    model = MultiTask(8)
    outs = model(dx.randn(4, 8).trace())
    assert [o.shape for o in outs] == [(4, 2), (4, 3), (4, 5)]
    (outs[0].sum() + outs[1].sum() + outs[2].sum()).backward()

    heads = [Linear(8, 2), Linear(8, 3)]
    assert_type(heads, list[Linear[L[8], Any]])
    x = dx.randn(4, 8)
    for head in heads:
        y = head(x)
        assert_type(y, Tensor[L[4], Any, NoneTape])
    assert stem_widths() == [8, 16]
    for layer in [Linear(8, 4), Linear(8, 6)]:
        assert layer(x).shape[1] in (4, 6)


main()
