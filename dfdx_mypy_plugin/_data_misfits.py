"""A user's model called by the script on data it is not built for.

``model = MLP()`` then ``model(x)`` with ``x = dx.tensor(rng.standard_normal((64, 13)))``
where the model's first layer takes 12 features: the per-instance evaluation
(:mod:`._instances`) runs the model's ``forward`` on the data's shape and meets the misfit
inside it. Where that is this instance's doing, its own report names the instance and the
construction argument at fault; where the data is at fault (``forward`` runs on the shapes
its signature declares, and fails only on the data's), that report is left out, as the
check of ``forward``'s body has nothing to say. This module reports it where the script
calls the model and where the data at fault was made: an argument is at fault where the
evaluation goes through with that argument replaced by the shape its parameter declares
(with this instance's sizes), where the failure does not depend on the values the instance
is built with (it fails with those not known too: sizes written in the class's
``__init__``). Only calls in the script (outside a module's methods) are
looked at: inside a ``forward``, a block's input is the owner's business and is reported
by the per-instance evaluation of the owner.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import CallExpr, Context, Expression
from mypy.plugin import CheckerPluginInterface
from mypy.types import CallableType, Instance

from dfdx_mypy_plugin._data_shapes import kept_tensor
from dfdx_mypy_plugin._evaluated_tensors import EvaluatedTensor
from dfdx_mypy_plugin._script import outside_classes
from dfdx_mypy_plugin._types import Unknown, read_tensor
from dfdx_mypy_plugin._where import at_argument
from dfdx_mypy_plugin.codes import DFDX_SHAPE


def report_data_misfit(
    api: CheckerPluginInterface,
    module: Instance,
    call: Context,
    built: CallExpr,
    arguments: dict[str, object],
    inputs: dict[str, object],
    failed: object,
) -> None:
    """Report ``failed`` (the instance's ``forward`` failing on ``inputs``) at ``call`` and
    where each argument at fault was assigned, where the script called the model on data it
    is not built for (the module docstring)."""
    from dfdx_mypy_plugin import _instances as ev  # (it calls this module)

    if not (isinstance(api, TypeChecker) and isinstance(call, CallExpr)):
        return
    if not isinstance(failed, ev._Failed) or not outside_classes(api):
        return
    forward = ev._forward(module.type)
    signature = forward.type if forward is not None else None
    if forward is None or not isinstance(signature, CallableType):
        return
    params = ev._params(forward)
    if len(signature.arg_types) != len(params) + 1:
        return
    unknown = dict.fromkeys(arguments, ev._UNKNOWN_ARG)
    if not isinstance(
        ev._outcome(api, module.type, built, unknown, inputs, follow=False), ev._Failed
    ):
        return  # it fails only with this instance's values: its own report (_instances) tells
    own = ev._own_sizes(module)
    at_fault: list[Expression] = []
    for i, (param, actuals) in enumerate(zip(params, ev._formals(call, params), strict=True)):
        if not isinstance(inputs.get(param.name), EvaluatedTensor) or len(actuals) != 1:
            continue
        try:
            declared = tuple(
                ev._as_given(d, own) for d in read_tensor(signature.arg_types[i + 1]).shape
            )
        except Unknown:
            continue
        given = {**inputs, param.name: EvaluatedTensor(declared)}
        if isinstance(ev._outcome(api, module.type, built, arguments, given), ev._Failed):
            continue  # it fails on the declared shape too: not this argument's doing
        at_fault.append(call.args[actuals[0]])
    if not at_fault:
        return
    message = f"{failed.error} (in {failed.instance})"
    reported = {call.line, failed.where.line}
    api.fail(message, call, code=DFDX_SHAPE)
    if failed.blame is not None and failed.module is not None and ev._same_file(api, failed.module):
        at, layer = failed.blame  # the layer that does not take the data: as likely built wrong
        if at.line > 0 and at.line not in reported:
            reported.add(at.line)
            how = "called at" if failed.called else "its output reaches"
            api.fail(
                f"{layer} is built here; {how} line {call.line}: {message}", at, code=DFDX_SHAPE
            )
    for argument in at_fault:
        for text, place in at_argument(api, call, kept_tensor(argument), message):
            if place.line not in reported:
                reported.add(place.line)
                api.fail(text, place, code=DFDX_SHAPE)
