"""Losses (``dfdx.losses``): a prediction and a target in, a 0-d tensor out.

Regression losses and binary cross-entropy need two tensors of one shape; the softmax losses
need targets that fit the logits: class probabilities of the logits' shape, or (for
cross-entropy) labels of the logits' shape without the class axis. The dtype that tells the
two apart is a run-time attribute, so at check time either shape is accepted for
cross-entropy and the runtime checks the rest.
"""

from __future__ import annotations

from mypy.types import Instance, Type, get_proper_type

from dfdx_mypy_plugin import shapes
from dfdx_mypy_plugin._types import TENSOR, Unknown, merge_tapes
from dfdx_mypy_plugin.rules import Call, rule

_SAME_SHAPE = (
    "mse_loss",
    "mae_loss",
    "rmse_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy_with_logits_loss",
    "binary_cross_entropy_loss",
)
_TARGET_KINDS: dict[str, str | None] = {
    "cross_entropy_with_logits_loss": None,
    "kl_div_with_logits_loss": "probs",
    "nll_loss": "labels",
}


def _loss(call: Call) -> Type:
    if len(call.operands) < 2:
        raise Unknown
    pred = call.tensor(0)
    try:
        target = call.tensor(1)
    except Unknown:
        # labels of unknown rank (``dx.tensor(rng.integers(...))``): nothing to check, but
        # the loss is 0-d all the same, on both tapes
        tape = get_proper_type(call.operands[1])
        if not (isinstance(tape, Instance) and tape.type.fullname == TENSOR and tape.args):
            raise
        return call.result((), merge_tapes([pred.tape, get_proper_type(tape.args[-1])]), pred)
    if call.op in _TARGET_KINDS:
        shapes.class_targets(call.op, pred.shape, target.shape, _TARGET_KINDS[call.op])
    else:
        shapes.same_shape(call.op, pred.shape, target.shape)
    return call.result((), merge_tapes([pred.tape, target.tape]), pred, target)


for _op in (*_SAME_SHAPE, *_TARGET_KINDS):
    rule(_op, functions=(f"dfdx.losses.{_op}",))(_loss)


# PyTorch's name of cross_entropy_with_logits_loss (an alias: the same rule)
rule("cross_entropy_with_logits_loss", functions=("dfdx.losses.cross_entropy",))(_loss)
# and of binary_cross_entropy_loss
rule("binary_cross_entropy_loss", functions=("dfdx.losses.binary_cross_entropy",))(_loss)
