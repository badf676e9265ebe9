"""``DFDX_PLUGIN_DEBUG=1`` in mypy's environment: a bug in a rule crashes mypy (the project's
tests set it); without it, users get mypy's own answer where a rule fails."""

from __future__ import annotations

import os

DEBUG = os.environ.get("DFDX_PLUGIN_DEBUG") == "1"
