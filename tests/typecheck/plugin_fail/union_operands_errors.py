"""A call on a name that holds one of several tensor types must fit every member (mypy's rule
for a union argument): the member that does not fit is reported with a ``dfdx-*`` error, in
the message it would get alone."""

# rules: linalg, nn

import dfdx as dx

head = dx.nn.Linear(8, 3)
w = dx.zeros(8, 4)


def run(flag: bool) -> None:
    x = dx.zeros(2, 8)
    if flag:
        x = dx.zeros(2, 6)  # the wrong width, in one branch
    y = x @ w  # E: mypy[dfdx-shape "matmul: inner sizes differ: Tensor[2, 6] @ Tensor[8, 4] "
    #                                 "(6 != 8)"]
    z = head(x)  # E: mypy[dfdx-shape "Linear[8, 3]: takes 8 features, got Tensor[2, 6] (6 != 8)"]
