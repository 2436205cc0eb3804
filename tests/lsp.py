"""A small LSP client for the real YAML language server (npm ``yaml-language-server``, pinned in
``tests/package.json``): the engine behind VS Code's YAML extension, github.dev and GitLab's Web
IDE. It speaks JSON-RPC over stdio; the tests open a file and read the diagnostics it publishes,
the red underlines staff would see.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from .conftest import ROOT

SERVER = ROOT / "tests" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


@dataclass(frozen=True, order=True)
class Diagnostic:
    line: int  # 1-based, as staff count lines
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


def available() -> bool:
    return SERVER.is_file() and shutil.which("node") is not None


class LanguageServer:
    """One server process; ``diagnostics(path, text)`` opens (or changes) a document and returns
    what the server published for exactly that version."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            ["node", str(SERVER), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.inbox: Queue[dict[str, Any]] = Queue()
        self.next_id = 0
        self.versions: dict[str, int] = {}
        threading.Thread(target=self._read, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {"textDocument": {"publishDiagnostics": {}}},
                "workspaceFolders": [{"uri": root.as_uri(), "name": "spiegel"}],
            },
        )
        self.notify("initialized", {})
        # what VS Code's YAML extension sends by default (validation on, schema store off: the
        # modeline at the top of each file points at the project's own schema)
        self.notify(
            "workspace/didChangeConfiguration",
            {"settings": {"yaml": {"validate": True, "schemaStore": {"enable": False}}}},
        )

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stdin = self.proc.stdin
        assert stdin is not None
        stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float = 30) -> Any:
        self.next_id += 1
        ident = self.next_id
        self._send({"id": ident, "method": method, "params": params})
        for message in self._messages(timeout):
            if message.get("id") == ident and "method" not in message:
                return message.get("result")
            self._answer(message)
        raise TimeoutError(method)

    def _messages(self, timeout: float) -> Any:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                yield self.inbox.get(timeout=left)
            except Empty:
                return

    def _answer(self, message: dict[str, Any]) -> None:
        """Requests from the server (configuration, capabilities) get an empty answer."""
        if "id" in message and "method" in message:
            result: Any = None
            if message["method"] == "workspace/configuration":
                items = message["params"]["items"]
                result = [
                    {"validate": True, "schemaStore": {"enable": False}}
                    if i.get("section") == "yaml"
                    else None
                    for i in items
                ]
            self._send({"id": message["id"], "result": result})

    def diagnostics(self, path: Path, text: str, timeout: float = 30) -> list[Diagnostic]:
        uri = path.resolve().as_uri()
        version = self.versions.get(uri, 0) + 1
        self.versions[uri] = version
        if version == 1:
            document = {"uri": uri, "languageId": "yaml", "version": version, "text": text}
            self.notify("textDocument/didOpen", {"textDocument": document})
        else:
            self.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": text}],
                },
            )
        for message in self._messages(timeout):
            if message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                if params["uri"] == uri and params.get("version", version) == version:
                    return sorted(
                        Diagnostic(d["range"]["start"]["line"] + 1, d["message"])
                        for d in params["diagnostics"]
                    )
            else:
                self._answer(message)
        raise TimeoutError(f"no diagnostics for {path.name}")

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=5)
            self.notify("exit", {})
            self.proc.wait(timeout=5)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
