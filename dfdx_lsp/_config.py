"""The user's mypy configuration, read the way ``mypy`` reads it, plus what the server needs."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from mypy.main import process_options
from mypy.options import Options

PLUGIN = "dfdx_mypy_plugin"


@dataclass
class LoadedConfig:
    options: Options
    notes: list[str] = field(default_factory=list)
    """What the editor's log should say about the configuration (file used, problems)."""
    problem: str | None = None
    """What mypy said was wrong with the configuration, for a message to the user."""


def load_options() -> LoadedConfig:
    """mypy's options from the configuration mypy itself would find in the current directory
    (``mypy.ini``, ``.mypy.ini``, ``pyproject.toml``, ``setup.cfg``, then the user's), with
    ``dfdx_mypy_plugin`` added when it is missing and the output settings the server parses.

    A configuration mypy rejects outright leaves mypy's defaults (and a note saying why)."""
    notes: list[str] = []
    problem: str | None = None
    out, err = io.StringIO(), io.StringIO()
    try:
        _, options = process_options(
            [], stdout=out, stderr=err, require_targets=False, server_options=True
        )
    except SystemExit:
        problem = f"mypy rejected the configuration, using mypy's defaults: {_text(out, err)}"
        notes.append(problem)
        options = Options()
    else:
        if _text(out, err):
            problem = f"mypy on the configuration: {_text(out, err)}"
            notes.append(problem)
    if options.config_file:
        notes.append(f"mypy configuration: {options.config_file}")
    else:
        notes.append("no mypy configuration found: mypy's defaults")
        # mypy loads plugins only "from the configuration file": name one that is not there.
        options.config_file = os.path.join(os.getcwd(), "(no mypy configuration)")
    if PLUGIN not in options.plugins:
        options.plugins = [*options.plugins, PLUGIN]
        notes.append(f"{PLUGIN} added to the configuration's plugins")
    _server_settings(options, notes)
    return LoadedConfig(options, notes, problem)


def _text(out: io.StringIO, err: io.StringIO) -> str:
    return (out.getvalue() + err.getvalue()).strip()


def _server_settings(options: Options, notes: list[str]) -> None:
    """What the daemon requires and what the diagnostics parser reads."""
    if options.follow_imports not in ("skip", "error", "normal"):
        notes.append(
            f"follow_imports = {options.follow_imports} is checked as 'normal' (mypy's daemon "
            "supports no other at the top level); only open files get diagnostics"
        )
        options.follow_imports = "normal"
    options.incremental = True
    # mypy 2's native parser reads files from disk itself, past the buffers' overlay.
    if hasattr(options, "native_parser"):
        options.native_parser = False
    options.local_partial_types = True
    options.export_types = True
    options.show_column_numbers = True
    options.show_error_end = True
    options.show_absolute_path = True
    options.hide_error_codes = False
    options.show_error_context = False
    options.show_error_code_links = False
    options.pretty = False
    options.color_output = False
    options.error_summary = False
    options.junit_xml = None
    options.report_dirs = {}
