"""Three deliberate mistakes, and what mypy (with ``dfdx_mypy_plugin``) says about each.

``mypy --config-file examples/mypy.ini examples/04_shape_errors.py`` reports every mistake
before the code runs; docs/shape-typing.md shows its exact output, and tests/test_examples.py
checks that the output is still exactly that. Running the file (``python
examples/04_shape_errors.py``) makes each mistake happen and prints the error the runtime
raises for it, with the same wording.
"""

from collections.abc import Callable

import numpy as np

import dfdx as dx


def wrong_inner_size() -> None:
    x = dx.randn(32, 784)
    w = dx.randn(748, 10)  # a typo: 748, not 784
    logits = x @ w
    print(logits.shape)


def wrong_layer_chain() -> None:
    model = dx.nn.Sequential(dx.nn.Linear(64, 32), dx.nn.ReLU(), dx.nn.Linear(23, 10))
    print(model(dx.randn(8, 64)).shape)


def backward_without_trace() -> None:
    x = dx.randn(8, 64, rng=np.random.default_rng(0))
    w = dx.randn(64, 10)
    loss = (x @ w).square().mean()  # nothing was traced: there is no tape to run backward
    grads = loss.backward()
    print(grads[w].shape)


MISTAKES: list[Callable[[], None]] = [wrong_inner_size, wrong_layer_chain, backward_without_trace]


def main() -> None:
    for mistake in MISTAKES:
        try:
            mistake()
        except (dx.ShapeError, RuntimeError) as e:
            print(f"{mistake.__name__}: {type(e).__name__}: {e}")
        else:
            raise AssertionError(f"{mistake.__name__} ran without an error")


if __name__ == "__main__":
    main()
