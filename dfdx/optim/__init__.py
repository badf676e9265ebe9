"""Optimizers: ``opt = Adam(model, lr=1e-3)`` then ``opt.update(model, loss.backward())``.

Each optimizer follows ``torch.optim``'s single-tensor update rules step for step (checked
against PyTorch over 10 steps by tests/test_optim.py), in the parameters' dtype, with in-place
NumPy ops on preallocated buffers. A parameter that received no gradient is left alone, its
state and step count untouched (as in PyTorch).
"""

from dfdx.optim._adam import Adam as Adam
from dfdx.optim._adam import AdamW as AdamW
from dfdx.optim._base import HasParameters as HasParameters
from dfdx.optim._base import Optimizer as Optimizer
from dfdx.optim._rmsprop import RMSprop as RMSprop
from dfdx.optim._sgd import SGD as SGD
