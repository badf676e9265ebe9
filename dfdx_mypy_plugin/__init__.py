"""mypy plugin for dfdx: tensor shapes and tapes checked at type time.

Enable it with ``plugins = ["dfdx_mypy_plugin"]`` under ``[tool.mypy]``.

This package also holds :mod:`dfdx_mypy_plugin.shapes`, the pure shape rules that the
runtime and the plugin share. mypy is imported only inside :func:`plugin`, so the runtime can
import the shape rules without paying for mypy (and without needing it installed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy.plugin import Plugin

__version__ = "0.1.0"


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: return the plugin class."""
    from dfdx_mypy_plugin._plugin import DfdxPlugin

    return DfdxPlugin
