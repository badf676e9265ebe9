"""An argument rebound PyTorch-style (torchvision's ``x = self.conv1(x)``) in a ``forward``
generic in its tape. Clean under mypy's recommended set-up with the plugin
(tests/test_name_reuse.py runs it): mypy checks this body once per tape and, without the
plugin, forgets there that ``x`` is an argument it may rebind. Not in plugin_pass/: pyright
holds an argument to its annotation (it keeps the annotation's type where the new value's type
has an unknown size, and reports ``reportAssignmentType`` where it is known), so code for both
checkers binds a new name (``h = self.conv1(x)``, docs/plugin.md)."""

from typing import Literal as L
from typing import TypeVar, assert_type

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor

N = TypeVar("N", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Stem(dx.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = dx.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = dx.nn.BatchNorm2d(8)
        self.fc = dx.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: Tensor[N, L[3], L[16], L[16], T]) -> Tensor[N, L[10], T]:
        x = self.conv1(x)
        x = self.bn1(x).relu()
        assert_type(x, Tensor[N, L[8], L[8], L[8], T])
        x = dx.max_pool2d(x, 2)
        x = x.flatten(1)
        assert_type(x, Tensor[N, L[128], T])
        if x.shape[0] > 1:
            x = x * 2.0
        return self.fc(x)


def scale(x: Tensor[N, L[4], T], times: int) -> Tensor[N, L[4], T]:
    """A plain function: mypy itself lets its arguments take new types."""
    for _ in range(times):
        x = x * 2.0
    return x


out = Stem()(dx.randn(2, 3, 16, 16).trace())
assert_type(out, Tensor[L[2], L[10], OwnedTape])
assert out.shape == (2, 10)
assert scale(dx.ones(3, 4), 2).shape == (3, 4)
