"""Utilities around training: ``dx.utils.data`` loads datasets in batches (PyTorch's names)."""

from dfdx.utils import data as data
