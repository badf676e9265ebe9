"""Special functions NumPy lacks."""

from __future__ import annotations

import math

from dfdx._backend import Array, xp

_erf_elementwise = xp.frompyfunc(math.erf, 1, 1)


def erf(x: Array) -> Array:
    """The error function, elementwise, in ``x``'s dtype."""
    out: Array = xp.asarray(_erf_elementwise(x), dtype=x.dtype)
    return out
