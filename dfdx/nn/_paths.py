"""Run-time errors that name the layer they came from: a ``ShapeError`` or ``DTypeError``
raised while a module runs gets the path of the innermost module (``blocks.1.attn.c_proj``,
the ``state_dict`` prefix) and its type (and in a Sequential its 1-based layer number, as the
static message counts) put in front of its message, once, by the outermost
module call it passes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dfdx._dtypes import DTypeError
from dfdx_mypy_plugin.shapes import ShapeError, fmt

if TYPE_CHECKING:
    from dfdx.nn._module import Module

LOCATED = (ShapeError, DTypeError)


def _module_chain(e: BaseException, module_type: type) -> list[Any]:
    """The modules whose methods are on ``e``'s traceback, outermost first."""
    chain: list[Any] = []
    tb = e.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, module_type) and (not chain or chain[-1] is not owner):
            chain.append(owner)
        tb = tb.tb_next
    return chain


def _path(chain: list[Module]) -> tuple[str, str] | None:
    """The dotted child names from the first module of ``chain`` to the deepest one reachable
    through children, and that module described: its type, and for a layer of a Sequential its
    1-based index as the static message counts (None when the error is in the first one)."""
    from dfdx.nn._containers import Sequential

    names: list[str] = []
    where = chain[0]
    what = ""
    for child in chain[1:]:
        name = next((n for n, m in where.named_children() if m is child), None)
        if name is None:  # a module called without being a child (an argument): stop here
            break
        names.append(name)
        layer = f"layer {int(name) + 1}, " if isinstance(where, Sequential) else ""
        what = f"{layer}{type(child).__name__}"
        where = child
    return (".".join(names), what) if names else None


def locate(root: Module, e: BaseException) -> None:
    """Put the path of the module that raised ``e`` (below ``root``) in front of its message."""
    from dfdx.nn._module import Module

    chain = _module_chain(e, Module)
    if not chain or chain[0] is not root:
        return
    found = _path(chain)
    if found is None:
        return
    path, what = found
    original = getattr(e, "_dfdx_message", None)
    if original is None:
        original = str(e)
        e._dfdx_message = original  # type: ignore[attr-defined]
    e.args = (f"in {path} ({what}): {original}",)


def locating(call: Callable[..., Any]) -> Callable[..., Any]:
    """``call`` (a module's ``__call__``) with :func:`locate` applied to its errors."""

    @functools.wraps(call)
    def wrapper(self: Module, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(self, *args, **kwargs)
        except LOCATED as e:
            locate(self, e)
            raise

    wrapper._dfdx_locating = True  # type: ignore[attr-defined]
    return wrapper


def check_replacement(owner: Module, name: str, old: Any, new: Any) -> None:
    """A parameter field given a tensor of another shape (a tied weight whose layer has its
    sizes swapped): reported here, where it is assigned, naming both shapes."""
    old_shape, new_shape = old.shape, getattr(new, "shape", None)
    if new_shape is not None and tuple(new_shape) != tuple(old_shape):
        raise ShapeError(
            f"{type(owner).__name__}.{name}: assigned a {fmt(tuple(new_shape))} in place of its "
            f"{fmt(tuple(old_shape))}; the layer's sizes give the shape of its parameters"
        )
