"""Losses."""

from __future__ import annotations

from dfdx_mypy_plugin.shapes._core import Shape, ShapeError, fmt, same_dim


def class_targets(op: str, logits: Shape, target: Shape, kind: str | None = None) -> None:
    """Targets of a classification loss on ``logits`` (classes on the last axis): class
    probabilities of the logits' shape (``kind="probs"``) or integer labels of the logits'
    shape without the class axis (``kind="labels"``); ``None`` (at check time, where the
    dtype is unknown) accepts either."""
    if not logits:
        raise ShapeError(f"{op}: logits need a class axis (the last), got {fmt(logits)}")
    labels = logits[:-1]

    def fits(want: Shape) -> bool:
        if len(target) != len(want):
            return False
        return all(same_dim(a, b) is not False for a, b in zip(target, want, strict=True))

    if (kind != "labels" and fits(logits)) or (kind != "probs" and fits(labels)):
        return
    wanted = {
        "probs": f"class probabilities {fmt(logits)}",
        "labels": f"integer labels {fmt(labels)}",
    }
    expected = wanted[kind] if kind in wanted else " or ".join(wanted.values())
    raise ShapeError(
        f"{op}: targets {fmt(target)} do not fit logits {fmt(logits)}: expected {expected}"
    )
