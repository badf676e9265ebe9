"""The mypy plugin class. Shape rules are registered per op in later work (issue: the plugin);
for now it only keys mypy's cache to the plugin's sources."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from mypy.plugin import Plugin, ReportConfigContext

from dfdx_mypy_plugin import __version__


def _sources_digest() -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


_DIGEST = _sources_digest()


class DfdxPlugin(Plugin):
    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        """mypy hashes only the entry module; this keys its cache to every plugin source."""
        return _DIGEST
