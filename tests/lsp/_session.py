"""A synchronous LSP client for the tests and the benchmark: pygls' ``LanguageClient`` on an
event loop in a background thread, talking to ``python -m dfdx_lsp`` over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

T = TypeVar("T")
TIMEOUT_S = 120.0
"""Generous: a cold start type-checks dfdx itself, slow on a loaded 2-core machine."""


class Session:
    """One server process with ``root`` as its workspace."""

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}
        self.published: dict[str, float] = {}
        self.messages: list[lsp.ShowMessageParams] = []
        self.log: list[str] = []
        self.stderr: list[str] = []
        self._versions: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.client = LanguageClient("dfdx-lsp-tests", "1")
        self._listen()
        self._run(self._start(env))

    # ---- plumbing ---------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = TIMEOUT_S) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _listen(self) -> None:
        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(_: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = params.diagnostics
            self.published[params.uri] = time.perf_counter()

        @self.client.feature(lsp.WINDOW_SHOW_MESSAGE)
        def show(_: LanguageClient, params: lsp.ShowMessageParams) -> None:
            self.messages.append(params)

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def log(_: LanguageClient, params: lsp.LogMessageParams) -> None:
            self.log.append(params.message)

    async def _start(self, env: dict[str, str] | None) -> None:
        await self.client.start_io(
            sys.executable, "-m", "dfdx_lsp", cwd=str(self.root), env={**os.environ, **(env or {})}
        )
        server = self.client._server
        assert server is not None and server.stderr is not None
        stderr = server.stderr

        async def drain() -> None:  # an unread pipe would block the server once full
            while line := await stderr.readline():
                self.stderr.append(line.decode(errors="replace"))

        self._loop.create_task(drain())
        await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(), root_uri=from_fs_path(str(self.root))
            )
        )
        self.client.initialized(lsp.InitializedParams())

    # ---- the editor's side ------------------------------------------------------------------

    def uri(self, path: Path) -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        return uri

    def open(self, path: Path, text: str | None = None) -> str:
        uri = self.uri(path)
        self._versions[uri] = 1
        source = path.read_text() if text is None else text
        item = lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=source)
        self._call(lambda: self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(item)))
        return uri

    def change(self, uri: str, text: str) -> None:
        self._versions[uri] += 1
        doc = lsp.VersionedTextDocumentIdentifier(uri=uri, version=self._versions[uri])
        change = lsp.TextDocumentContentChangeWholeDocument(text=text)
        params = lsp.DidChangeTextDocumentParams(text_document=doc, content_changes=[change])
        self._call(lambda: self.client.text_document_did_change(params))

    def save(self, uri: str) -> None:
        params = lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri))
        self._call(lambda: self.client.text_document_did_save(params))

    def hover(self, uri: str, line: int, character: int) -> lsp.Hover | None:
        params = lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, character))
        return self._run(self.client.text_document_hover_async(params))

    def inlay_hints(self, uri: str, lines: int = 10_000) -> list[lsp.InlayHint]:
        whole = lsp.Range(lsp.Position(0, 0), lsp.Position(lines, 0))
        params = lsp.InlayHintParams(lsp.TextDocumentIdentifier(uri), whole)
        return self._run(self.client.text_document_inlay_hint_async(params)) or []

    def wait_for(
        self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT_S
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                log = "\n".join(self.log[-20:] + self.stderr[-20:])
                raise AssertionError(f"timed out waiting for {what}; server log:\n{log}")
            time.sleep(0.02)

    def wait_diagnostics(
        self, uri: str, condition: Callable[[list[lsp.Diagnostic]], bool], what: str
    ) -> list[lsp.Diagnostic]:
        self.wait_for(lambda: uri in self.diagnostics and condition(self.diagnostics[uri]), what)
        return self.diagnostics[uri]

    def alive(self) -> bool:
        server = self.client._server
        return server is not None and server.returncode is None

    def close(self) -> None:
        async def stop() -> None:
            await asyncio.wait_for(self.client.shutdown_async(None), 30)
            self.client.exit(None)
            await asyncio.wait_for(self.client.stop(), 30)

        try:
            self._run(stop(), timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _call(self, fn: Callable[[], None]) -> None:
        async def call() -> None:
            fn()

        self._run(call())
