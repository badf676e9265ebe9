"""Whether the code being checked is the user's script: ``main()``, a helper function or a
module's top level, not a method of a class.

There a model is built once and called on data made a few lines before (``model =
Net(3, 10)``, ``images = dx.tensor(rng.standard_normal((4, 3, 32, 32)))``, ``model(images)``):
where the two do not fit, the model's construction is as likely the mistake as the data,
and both lines are shown (inside a module's ``forward``, a layer called on its input is
blamed as the owner's field instead: :func:`._where.at_build`)."""

from __future__ import annotations

from mypy.plugin import CheckerPluginInterface


def in_script(api: CheckerPluginInterface) -> bool:
    """Whether the code being checked is outside every class (the module docstring)."""
    scope = getattr(api, "scope", None)
    return scope is not None and scope.active_class() is None
