"""The one place the runtime names its array library.

Kernels call ``xp.exp(...)``, never ``np.exp(...)``, so that a CuPy backend (an array module
with NumPy's API on a GPU) can later be chosen here without touching the ops.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as xp
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[Any]

__all__ = ["Array", "xp"]
