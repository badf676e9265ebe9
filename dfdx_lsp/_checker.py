"""mypy, incremental and in-process: the daemon's ``Server`` (fine-grained mode, the engine
behind ``dmypy``) run inside the language server, reading open buffers from an overlay.

Not thread-safe: the language server calls a :class:`Checker` from one worker thread only.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field

from mypy.build import State
from mypy.dmypy_server import Server
from mypy.find_sources import InvalidSourceList, create_source_list
from mypy.nodes import Expression, MypyFile
from mypy.options import Options
from mypy.types import Type

from dfdx_lsp._config import load_options
from dfdx_lsp._overlay import OverlayFileSystemCache


@dataclass
class CheckResult:
    """mypy's messages (one per line, ``path:line:col:end_line:end_col: error: ...``), or why
    there are none (``failure``: mypy could not run, with the reason for the editor's log)."""

    messages: list[str] = field(default_factory=list)
    failure: str | None = None


class Checker:
    """One project's mypy: the user's configuration, the open buffers, the checked trees."""

    def __init__(self) -> None:
        config = load_options()
        self.options: Options = config.options
        self.notes = config.notes
        self.config_problem = config.problem
        self._fscache = OverlayFileSystemCache()
        self._server: Server | None = None
        self._sources: set[str] = set()

    # ---- buffers ----------------------------------------------------------------------------

    def set_buffer(self, path: str, text: str) -> None:
        self._sources.add(os.path.abspath(path))
        self._fscache.set_buffer(path, text)

    def drop_buffer(self, path: str) -> None:
        self._fscache.drop_buffer(path)

    # ---- checking ---------------------------------------------------------------------------

    def check(self) -> CheckResult:
        """Check every file opened so far (and what they import), incrementally."""
        paths = sorted(p for p in self._sources if os.path.exists(p) or self._has_buffer(p))
        if not paths:
            return CheckResult()
        try:
            sources = create_source_list(paths, self.options, self._fscache)
        except InvalidSourceList as e:
            return CheckResult(failure=f"mypy cannot map the open files to modules: {e}")
        try:
            if self._server is None:
                self._server = Server(self.options, status_file=os.devnull)
                self._server.fscache = self._fscache
            result = self._server.check(
                sources, export_types=False, is_tty=False, terminal_width=100
            )
        except BaseException as e:  # mypy's internal errors, SystemExit included
            if isinstance(e, KeyboardInterrupt):
                raise
            # A crash can leave the fine-grained state half-updated: start again next time.
            self._server = None
            return CheckResult(failure="mypy crashed:\n" + "".join(traceback.format_exception(e)))
        out = str(result.get("out", ""))
        err = str(result.get("err", ""))
        if result.get("status") == 2 and self._server.fine_grained_manager is None:
            self._server = None
            return CheckResult(failure=f"mypy could not start: {(out + err).strip()}")
        return CheckResult(messages=[line for line in out.splitlines() if line.strip()])

    def _has_buffer(self, path: str) -> bool:
        return self._fscache.stat_or_none(path) is not None

    # ---- what the last check computed -------------------------------------------------------

    def tree(self, path: str) -> MypyFile | None:
        """The checked syntax tree of ``path``, or None before a successful check."""
        state = self._state(path)
        return state.tree if state is not None else None

    def types(self) -> dict[Expression, Type]:
        """The type of every expression mypy checked (``--export-types``)."""
        if self._server is None or self._server.fine_grained_manager is None:
            return {}
        return self._server.fine_grained_manager.manager.all_types

    def _state(self, path: str) -> State | None:
        if self._server is None or self._server.fine_grained_manager is None:
            return None
        target = os.path.abspath(path)
        for state in self._server.fine_grained_manager.graph.values():
            if state.abspath == target:
                return state
        return None
