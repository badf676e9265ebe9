"""Whether the code being checked is the user's script: ``main()`` or a helper function, not
a method of a class.

There a model is built once and called on data made a few lines before (``model =
Net(3, 10)``, ``images = dx.tensor(rng.standard_normal((4, 3, 32, 32)))``, ``model(images)``):
where the two do not fit, the model's construction is as likely the mistake as the data,
and both lines are shown (inside a module's ``forward``, a layer called on its input is
blamed as the owner's field instead: :func:`._where.at_build`)."""

from __future__ import annotations

from mypy.nodes import TypeInfo
from mypy.plugin import CheckerPluginInterface


def outside_classes(api: CheckerPluginInterface) -> bool:
    """Whether the code being checked is in no class (nor in a method of one)."""
    scope = getattr(api, "scope", None)
    stack = getattr(scope, "stack", None)
    return isinstance(stack, list) and not any(isinstance(e, TypeInfo) for e in stack)


def in_script(api: CheckerPluginInterface) -> bool:
    """Whether the code being checked is a function outside every class (the module
    docstring); at a module's top level, where sizes are literals named in the messages,
    only the line of the call is shown."""
    scope = getattr(api, "scope", None)
    return outside_classes(api) and scope is not None and scope.current_function() is not None
