"""The language server: pygls over stdio, mypy on one worker thread.

Every call into the :class:`~dfdx_lsp._checker.Checker` goes through one single-thread
executor, in the order the editor's messages arrive, so mypy never sees a half-applied edit.
An edit marks the buffers dirty and (re)starts a debounce timer; the check runs when the
timer fires, on save, or first thing in a hover or inlay-hint request that finds the buffers
dirty, so a hover always answers for the text the user sees.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from dfdx_lsp import _diagnostics
from dfdx_lsp._checker import Checker
from dfdx_lsp._hover import hover_at
from dfdx_lsp._inlay import inlay_hints

DEBOUNCE_S = 0.25
"""The pause in typing after which the open files are checked."""

CONFIG_FILES = frozenset({"mypy.ini", ".mypy.ini", "setup.cfg", "pyproject.toml"})
R = TypeVar("R")
log = logging.getLogger("dfdx_lsp")


class DfdxServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "dfdx-lsp", "0.1.0", text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental
        )
        self._mypy = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mypy")
        self.checker: Checker | None = None
        self._edits = 0
        self._checked_edits = 0
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # the event loop keeps only weak references
        self._last_failure: str | None = None

    # ---- running on the mypy thread ---------------------------------------------------------

    async def on_mypy(self, fn: Callable[[], R]) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._mypy, fn)

    async def start_checker(self) -> None:
        """(Re)load the configuration and start mypy afresh with the open buffers."""
        try:
            checker = await self.on_mypy(Checker)
        except Exception:
            self.checker = None
            self.report_failure(f"mypy could not be set up:\n{traceback.format_exc()}")
            return
        for note in checker.notes:
            self.log(note)
        if checker.config_problem is not None:
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Warning, message=f"dfdx-lsp: {checker.config_problem}"
                )
            )
        self.checker = checker
        self._edits += 1
        for doc in list(self.workspace.text_documents.values()):
            await self.set_buffer(doc.uri, doc.source)

    async def set_buffer(self, uri: str, text: str | None) -> None:
        checker, path = self.checker, to_fs_path(uri)
        if checker is None or path is None or not path.endswith((".py", ".pyi")):
            return
        self._edits += 1  # counted as the change is queued, ahead of any later check
        if text is None:
            await self.on_mypy(lambda: checker.drop_buffer(path))
        else:
            await self.on_mypy(lambda: checker.set_buffer(path, text))

    async def check(self) -> None:
        """Check the open files if they changed since the last check; publish diagnostics."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        checker = self.checker
        if checker is None or self._checked_edits == self._edits:
            return
        self._checked_edits = self._edits
        result = await self.on_mypy(checker.check)
        if result.failure is not None:
            self.report_failure(result.failure)
            return
        self._last_failure = None
        self.publish(result.messages)

    def schedule_check(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(DEBOUNCE_S, self._check_soon)

    def _check_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self.check())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- talking to the editor --------------------------------------------------------------

    def publish(self, messages: list[str]) -> None:
        docs = {
            path: doc
            for doc in self.workspace.text_documents.values()
            if (path := to_fs_path(doc.uri)) is not None
        }
        sources = {os.path.abspath(p): doc.lines for p, doc in docs.items()}
        found: dict[str, list[lsp.Diagnostic]] = {p: [] for p in sources}
        for d in _diagnostics.parse(messages, sources):
            found[d.path].append(_to_lsp(d))
        for path, doc in docs.items():
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(
                    uri=doc.uri, version=doc.version, diagnostics=found[os.path.abspath(path)]
                )
            )

    def report_failure(self, failure: str) -> None:
        self.log(failure, lsp.MessageType.Error)
        if failure != self._last_failure:
            first = failure.strip().splitlines()[0] if failure.strip() else "mypy failed"
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Error, message=f"dfdx-lsp: {first} (details in the log)"
                )
            )
        self._last_failure = failure

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        log.info("%s", message)
        self.window_log_message(lsp.LogMessageParams(type=kind, message=f"dfdx-lsp: {message}"))


_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "note": lsp.DiagnosticSeverity.Information,
}


def _to_lsp(d: _diagnostics.Diagnostic) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(d.line, d.column), lsp.Position(d.end_line, d.end_column)),
        message=d.message,
        severity=_SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Error),
        code=d.code,
        source="mypy",
    )


server = DfdxServer()


@server.feature(lsp.INITIALIZED)
async def initialized(ls: DfdxServer, params: lsp.InitializedParams) -> None:
    root = ls.workspace.root_path
    if root and os.path.isdir(root):
        os.chdir(root)  # mypy finds the configuration, and resolves its paths, from here
    ls.log(f"workspace {os.getcwd()}")
    await ls.start_checker()
    await ls.check()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: DfdxServer, params: lsp.DidOpenTextDocumentParams) -> None:
    await ls.set_buffer(params.text_document.uri, params.text_document.text)
    await ls.check()


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: DfdxServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    await ls.set_buffer(doc.uri, doc.source)
    ls.schedule_check()


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: DfdxServer, params: lsp.DidSaveTextDocumentParams) -> None:
    path = to_fs_path(params.text_document.uri) or ""
    if os.path.basename(path) in CONFIG_FILES:
        ls.log(f"{path} saved: reloading the mypy configuration")
        await ls.start_checker()
    await ls.check()


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: DfdxServer, params: lsp.DidCloseTextDocumentParams) -> None:
    await ls.set_buffer(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def hover(ls: DfdxServer, params: lsp.HoverParams) -> lsp.Hover | None:
    checker, path = await _fresh(ls, params.text_document.uri)
    if checker is None or path is None:
        return None
    line, column = params.position.line + 1, params.position.character

    def find() -> lsp.Hover | None:
        tree = checker.tree(path)
        if tree is None:
            return None
        info = hover_at(tree, checker.types(), checker.options, line, column)
        if info is None:
            return None
        parts = []
        if info.short:
            parts.append("```text\n" + "\n".join(info.short) + "\n```")
        parts.append("```python\n" + "\n".join(info.full) + "\n```")
        s = info.span
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n---\n".join(parts)),
            range=lsp.Range(
                lsp.Position(s.line - 1, s.column), lsp.Position(s.end_line - 1, s.end_column)
            ),
        )

    return await _guarded(ls, "hover", find)


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT)
async def inlay_hint(ls: DfdxServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
    checker, path = await _fresh(ls, params.text_document.uri)
    if checker is None or path is None:
        return None
    first, last = params.range.start.line + 1, params.range.end.line + 1

    def find() -> list[lsp.InlayHint] | None:
        tree = checker.tree(path)
        if tree is None:
            return None
        return [
            lsp.InlayHint(
                position=lsp.Position(h.line - 1, h.column),
                label=h.label,
                kind=lsp.InlayHintKind.Type,
                padding_left=True,
            )
            for h in inlay_hints(tree, checker.types())
            if first <= h.line <= last
        ]

    return await _guarded(ls, "inlay hints", find)


async def _fresh(ls: DfdxServer, uri: str) -> tuple[Checker | None, str | None]:
    """The checker, after checking any edit not checked yet, and the document's path."""
    await ls.check()
    return ls.checker, to_fs_path(uri)


async def _guarded(ls: DfdxServer, what: str, fn: Callable[[], R]) -> R | None:
    try:
        return await ls.on_mypy(fn)
    except Exception:
        ls.log(f"{what} failed:\n{traceback.format_exc()}", lsp.MessageType.Error)
        return None


def main() -> None:
    """``dfdx-lsp``: serve the Language Server Protocol on stdin/stdout."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="dfdx-lsp: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    # The protocol owns the real stdout; anything else printing (mypy, a plugin) goes to
    # stderr, the editor's log, instead of corrupting the stream.
    rpc_in = os.fdopen(os.dup(0), "rb")
    rpc_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    server.start_io(rpc_in, rpc_out)
    # The loop has ended (exit notification or a closed stdin). pygls' stdin reader thread
    # may still block on a read that only the client can end; don't wait for it.
    sys.stderr.flush()
    os._exit(0)
