"""Arguments the runtime rejects, reported where the call is made with the runtime's message: a
bool where a size or an axis is wanted (Python counts ``True`` as an int, so mypy alone takes
it), a size below 0, written or folded (``N - 5``), a range that cannot be walked. The
runtime raises the same messages (tests/test_errors.py)."""

# rules: creation, reduce, movement

from typing import Final

import dfdx as dx

N: Final = 4

a = dx.zeros(True, 2)  # E: mypy[dfdx-shape "zeros: sizes must be ints, got True"]
b = dx.ones(3, -1)  # E: mypy[dfdx-shape "ones: sizes must be >= 0, got -1 at position 1"]
c = dx.randn(N - 5)  # E: mypy[dfdx-shape "randn: sizes must be >= 0, got -1 at position 0"]
d = dx.full((2, -2), 1.0)  # E: mypy[dfdx-shape "full: sizes must be >= 0, got -2 at position 1"]
e = dx.full((False, 2), 1.0)  # E: mypy[dfdx-shape "full: sizes must be ints, got False"]
f = dx.arange(-3)  # E: mypy[dfdx-shape "arange: end -3 is not reachable from start 0 by step 1"]
g = dx.arange(True)  # E: mypy[dfdx-shape "arange: start, end and step must be numbers, got True"]

x = dx.zeros(2, 3)
h = x.sum(axis=True)  # E: mypy[dfdx-shape "sum: axis must be an int, a tuple of ints or None, "
#                                            "got True"]
i = x.mean(axis=(0, True))  # E: mypy[dfdx-shape "mean: axis must be an int, a tuple of ints or "
#                                                  "None, got (0, True)"]
j = dx.softmax(x, axis=False)  # E: mypy[dfdx-shape "softmax: axis must be an int, got False"]
k = x.log_softmax(axis=True)  # E: mypy[dfdx-shape "log_softmax: axis must be an int, got True"]
m = x.reshape(2, True, 3)  # E: mypy[dfdx-shape "reshape: sizes must be ints, got True"]
n = x.view(True, 6)  # E: mypy[dfdx-shape "reshape: sizes must be ints, got True"]
o = dx.zeros(1, 3).squeeze(axis=(0, True))  # E: mypy[dfdx-shape "squeeze: axes must be ints, "
#                                                                  "got True"]
