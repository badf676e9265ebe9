"""A layer built for the other size where no ``==`` holds the two equal is still a layer of
another size than its field's: the identity branch's norm built from ``out_channels``
outside the branch that compares the widths."""

# rules: nn

from typing import Generic, TypeVar

from dfdx.nn import BatchNorm2d, Module

CI = TypeVar("CI", bound=int)
CO = TypeVar("CO", bound=int)


class RepBlock(Module, Generic[CI, CO]):
    def __init__(self, in_channels: CI, out_channels: CO, stride: int = 1) -> None:
        super().__init__()
        self.identity: BatchNorm2d[CI] | None = None
        if stride == 1:
            self.identity = BatchNorm2d(out_channels)  # E: mypy[assignment]
