"""Per-call overhead of ``@dx.checked`` (and of jaxtyping + beartype, when installed).

Usage: python bench/bench_checked.py [--rounds 15] [--calls 20000] [--quick]

Each function takes two tensors and returns one, annotated ``Tensor[B, L[16], T]`` and
``Tensor[L[16], L[4], NoneTape]`` (three checks: two arguments and the return value, with a
TypeVar size and a TypeVar tape to bind). ``identity`` does no work, so its time is the
decorator's overhead; ``head`` is a small layer (matmul and tanh at batch 32) to show the
overhead against real work. Cases run in alternating rounds; each keeps its best round.
"""

# One BLAS/OpenMP thread: these must be set before numpy loads.
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any, TypeVar  # noqa: E402
from typing import Literal as L  # noqa: E402

import dfdx as dx  # noqa: E402
from dfdx import NoneTape, OwnedTape, Tensor  # noqa: E402

B = TypeVar("B", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


def identity(x: Tensor[B, L[16], T], w: Tensor[L[16], L[4], NoneTape]) -> Tensor[B, L[16], T]:
    return x


def head(x: Tensor[B, L[16], T], w: Tensor[L[16], L[4], NoneTape]) -> Tensor[B, L[4], T]:
    return (x @ w).tanh()


def jaxtyping_versions() -> dict[str, Callable[..., Any]]:
    try:
        from beartype import beartype
        from jaxtyping import Float, jaxtyped
    except ImportError:
        return {}

    @jaxtyped(typechecker=beartype)
    def jt_identity(
        x: Float[Tensor, "b 16"],  # noqa: F722
        w: Float[Tensor, "16 4"],  # noqa: F722
    ) -> Float[Tensor, "b 16"]:  # noqa: F722
        return x

    @jaxtyped(typechecker=beartype)
    def jt_head(
        x: Float[Tensor, "b 16"],  # noqa: F722
        w: Float[Tensor, "16 4"],  # noqa: F722
    ) -> Float[Tensor, "b 4"]:  # noqa: F722
        return (x @ w).tanh()

    return {"identity jaxtyping": jt_identity, "head jaxtyping": jt_head}


def per_call(fn: Callable[..., Any], args: tuple[Any, ...], calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        fn(*args)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds, 2000 calls")
    opts = parser.parse_args()
    rounds, calls = (3, 2000) if opts.quick else (opts.rounds, opts.calls)

    x = dx.randn(32, 16)
    w = dx.randn(16, 4)
    cases: dict[str, Callable[..., Any]] = {
        "identity plain": identity,
        "identity checked": dx.checked(identity),
        "head plain": head,
        "head checked": dx.checked(head),
        **jaxtyping_versions(),
    }
    for fn in cases.values():  # warm up, and prove every case accepts the inputs
        assert fn(x, w).shape[0] == 32
    gc.freeze()

    names = list(cases)
    best = dict.fromkeys(names, float("inf"))
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            best[name] = min(best[name], per_call(cases[name], (x, w), calls))

    us = {name: t * 1e6 for name, t in best.items()}
    print(f"best of {rounds} alternating rounds, {calls} calls each; x: (32, 16), w: (16, 4)")
    print(f"{'case':<20} {'us/call':>9}")
    for name in names:
        print(f"{name:<20} {us[name]:>9.2f}")
    print()
    for fn in ("identity", "head"):
        plain = us[f"{fn} plain"]
        line = f"{fn}: checked adds {us[f'{fn} checked'] - plain:.2f} us/call"
        line += f" (checked/plain {us[f'{fn} checked'] / plain:.2f})"
        if f"{fn} jaxtyping" in us:
            line += f"; jaxtyping+beartype adds {us[f'{fn} jaxtyping'] - plain:.2f} us/call"
            line += f" (jaxtyping/checked {us[f'{fn} jaxtyping'] / us[f'{fn} checked']:.1f})"
        print(line)


if __name__ == "__main__":
    main()
