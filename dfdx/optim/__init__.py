"""Optimizers: ``opt = Adam(model, lr=1e-3)`` then ``opt.update(model, loss.backward())``.

Each optimizer follows ``torch.optim``'s single-tensor update rules step for step (checked
against PyTorch over 10 steps by tests/test_optim.py), in the parameters' dtype, with in-place
NumPy ops on preallocated buffers. A parameter that received no gradient is left alone, its
state and step count untouched (as in PyTorch).

Also: parameter groups (``param_groups=[...]``, :func:`weight_decay_groups`,
:func:`select_parameters`), learning-rate schedulers (:mod:`dfdx.optim.lr_scheduler`),
gradient clipping (:func:`clip_grad_norm`, :func:`clip_grad_value`), gradient accumulation
(:class:`GradAccumulator`) and ``state_dict``/``load_state_dict`` (saved with the model by
``dx.save_checkpoint``). See docs/optim.md.
"""

from dfdx.optim import lr_scheduler as lr_scheduler
from dfdx.optim._accumulate import GradAccumulator as GradAccumulator
from dfdx.optim._adam import Adam as Adam
from dfdx.optim._adam import AdamW as AdamW
from dfdx.optim._base import HasParameters as HasParameters
from dfdx.optim._base import Optimizer as Optimizer
from dfdx.optim._clip import clip_grad_norm as clip_grad_norm
from dfdx.optim._clip import clip_grad_value as clip_grad_value
from dfdx.optim._rmsprop import RMSprop as RMSprop
from dfdx.optim._select import ParamInfo as ParamInfo
from dfdx.optim._select import parameter_info as parameter_info
from dfdx.optim._select import select_parameters as select_parameters
from dfdx.optim._select import weight_decay_groups as weight_decay_groups
from dfdx.optim._sgd import SGD as SGD
