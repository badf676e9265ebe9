"""The plugin's error codes: ``# type: ignore[dfdx-shape]`` silences every shape rule."""

from __future__ import annotations

from mypy.errorcodes import ErrorCode

DFDX_SHAPE = ErrorCode("dfdx-shape", "Tensor shapes that do not fit the op", "dfdx")
DFDX_TAPE = ErrorCode("dfdx-tape", "Gradient tape misuse (e.g. backward() untraced)", "dfdx")
