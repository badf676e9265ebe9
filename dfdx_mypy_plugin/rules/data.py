"""Data loading (``dfdx.utils.data``): the batch size a loader's batches have.

- ``TensorDataset(x, y)``: the tensors must agree on their first axis, the number of samples
  (:func:`shapes.dataset_length`, which the runtime runs too). The sample types come from
  the plain signature.
- ``DataLoader(dataset, n, drop_last=True)`` with a literal ``n`` (or an int-bound TypeVar)
  yields batches whose first axis is ``n``; so does ``batch_size=1`` without ``drop_last``
  (every batch then has one sample). Otherwise the last batch may be smaller, and the plain
  signature's ``Dyn`` stands; so does the type of a ``collate_fn``'s result. A literal
  ``batch_size`` below 1 is an error.
"""

from __future__ import annotations

from mypy.types import (
    Instance,
    LiteralType,
    NoneType,
    TupleType,
    Type,
    TypeVarType,
    get_proper_type,
)

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TENSOR, Unknown, is_int_bound, literal_bool
from dfdx_mypy_plugin.rules import Call, rule

_DATA = "dfdx.utils.data"


@rule("TensorDataset", functions=(f"{_DATA}.TensorDataset",))
def tensor_dataset(call: Call) -> Type:
    if not call.operands:
        raise Unknown  # ``*tensors`` (five or more): the runtime checks them
    fields = [call.tensor(i).shape for i in range(len(call.operands))]
    shapes.dataset_length("TensorDataset", fields)
    return call.default


def _batch_dim(call: Call) -> Type | None:
    """The first axis every batch has, or None where the last batch may be smaller."""
    if not call.has("batch_size"):
        n: int | None = 1
        size: Type | None = None
    else:
        size = get_proper_type(call.arg("batch_size"))
        folded = None if literal_bool(size) is not None else call.named_size("batch_size")
        n = folded if isinstance(folded, int) else None
    if n is not None:
        shapes.batch_size("DataLoader", n)
    drop_last = literal_bool(call.arg("drop_last")) if call.has("drop_last") else False
    if n == 1 or (drop_last and n is not None):
        return LiteralType(n, call.api.named_generic_type("builtins.int", []))
    if drop_last and isinstance(size, TypeVarType) and is_int_bound(size):
        return size
    return None


def _with_batch(t: Type, dim: Type) -> Type:
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname == TENSOR and len(p.args) >= 2:
        return p.copy_modified(args=[dim, *p.args[1:]])
    if isinstance(p, TupleType):
        return p.copy_modified(items=[_with_batch(item, dim) for item in p.items])
    return t


@rule("DataLoader", functions=(f"{_DATA}.DataLoader",))
def data_loader(call: Call) -> Type:
    dim = _batch_dim(call)
    if call.has("collate_fn") and not isinstance(get_proper_type(call.arg("collate_fn")), NoneType):
        raise Unknown  # the batch is what the user's function returns
    loader = get_proper_type(call.default)
    if dim is None or not isinstance(loader, Instance) or len(loader.args) != 1:
        raise Unknown
    return loader.copy_modified(args=[_with_batch(loader.args[0], dim)])
