"""Checkpoints: a model, its optimizer, its scheduler and extra values in ONE file.

The file is a ``.npz`` or ``.safetensors`` archive of plain arrays (no pickles), written
atomically by ``dfdx.nn._io.save_arrays``: the model's arrays under ``model/<state_dict
key>``, the optimizer's and scheduler's arrays under ``optimizer/...`` and ``scheduler/...``,
and everything else (numbers, lists, names) as JSON in the uint8 array ``__checkpoint__``,
where each array appears as ``{"__array__": key}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from dfdx._backend import Array
from dfdx.nn._io import LoadError, load_arrays, save_arrays

if TYPE_CHECKING:
    from dfdx.distributed import ShardedOptimizer
    from dfdx.nn import Module
    from dfdx.optim import Optimizer
    from dfdx.optim.lr_scheduler import LRScheduler


class HasStateDict(Protocol):
    """What :func:`save_checkpoint` saves as the optimizer: anything with ``state_dict()``
    (``dx.distributed.save_checkpoint`` passes a sharded optimizer's gathered state)."""

    def state_dict(self) -> dict[str, Any]: ...


META = "__checkpoint__"
FORMAT = 1


def _encode(value: Any, key: str, arrays: dict[str, Array]) -> Any:
    """``value`` as JSON, its arrays moved to ``arrays`` under keys that start with ``key``."""
    if isinstance(value, np.ndarray):
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"save_checkpoint: {key}: keys must be strings, got {k!r}")
            out[k] = _encode(v, f"{key}/{k}", arrays)
        return out
    if isinstance(value, list | tuple):
        return [_encode(v, f"{key}/{i}", arrays) for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"save_checkpoint: {key} is a {type(value).__name__}; a checkpoint holds arrays, "
        "numbers, strings, lists and dicts"
    )


def _decode(value: Any, arrays: Mapping[str, Array], path: Path) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            key = value["__array__"]
            if key not in arrays:
                raise LoadError(f"{path}: the checkpoint lists the array {key!r} but has none")
            return arrays[key]
        return {k: _decode(v, arrays, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, arrays, path) for v in value]
    return value


def save_checkpoint(
    path: str | PathLike[str],
    *,
    model: Module | None = None,
    optimizer: Optimizer | HasStateDict | None = None,
    scheduler: LRScheduler | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write ``model``'s parameters and buffers, ``optimizer``'s and ``scheduler``'s state
    and ``extra`` (arrays, numbers, strings, lists, dicts: ``{"step": 5}``) to one ``.npz``
    or ``.safetensors`` file, atomically. :func:`load_checkpoint` reads it back."""
    arrays: dict[str, Array] = {}
    meta: dict[str, Any] = {"format": FORMAT}
    if model is not None:
        meta["model"] = sorted(model.state_dict())
        for key, a in model.state_dict().items():
            arrays[f"model/{key}"] = a
    if optimizer is not None:
        meta["optimizer"] = _encode(optimizer.state_dict(), "optimizer", arrays)
    if scheduler is not None:
        meta["scheduler"] = _encode(scheduler.state_dict(), "scheduler", arrays)
    if extra is not None:
        meta["extra"] = _encode(dict(extra), "extra", arrays)
    text = json.dumps(meta)
    arrays[META] = np.frombuffer(text.encode(), np.uint8)
    save_arrays(Path(path), arrays)


def load_checkpoint(
    path: str | PathLike[str],
    *,
    model: Module | None = None,
    optimizer: Optimizer | ShardedOptimizer | None = None,
    scheduler: LRScheduler | None = None,
) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` wrote into ``model``, ``optimizer`` and
    ``scheduler`` (built as for the saved run) and return its ``extra`` (``{}`` if none).
    Everything is checked before anything changes; a part asked for that the file lacks,
    or that does not fit, raises ``dx.nn.LoadError`` (a ValueError) naming it. A
    ``dx.distributed.ShardedOptimizer`` (loading on every rank) keeps its rank's part."""
    p = Path(path)
    arrays = load_arrays(p)
    if META not in arrays:
        raise LoadError(f"{p}: not a dfdx checkpoint (no {META!r} entry; a model file?)")
    try:
        meta = json.loads(arrays[META].tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LoadError(f"{p}: the checkpoint's {META!r} entry is damaged ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise LoadError(f"{p}: unknown checkpoint format {meta.get('format')!r}")
    for name, wanted in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if wanted is not None and name not in meta:
            raise LoadError(f"{p}: the checkpoint has no {name} state")
    # check the optimizer and the scheduler first; the model checks before it changes
    opt_plan = None
    if optimizer is not None:
        try:
            opt_plan = optimizer._check_state(_decode(meta["optimizer"], arrays, p))
        except ValueError as e:
            raise LoadError(f"{p}: {e}") from None
    sched_state = None
    if scheduler is not None:
        sched_state = _decode(meta["scheduler"], arrays, p)
        try:
            scheduler._check(sched_state)
        except ValueError as e:
            raise LoadError(f"{p}: {e}") from None
    if model is not None:
        state = {k[len("model/") :]: a for k, a in arrays.items() if k.startswith("model/")}
        try:
            model.load_state_dict(state)
        except LoadError as e:
            raise LoadError(f"{p}: {e}") from None
    if optimizer is not None and opt_plan is not None:
        optimizer._apply(opt_plan)
    if scheduler is not None and sched_state is not None:
        scheduler.load_state_dict(sched_state)
    extra = _decode(meta.get("extra", {}), arrays, p)
    assert isinstance(extra, dict)
    return extra
