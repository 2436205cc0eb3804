"""The built site as ``./scripts/serve`` serves it next to the endpoint (issue 20 #11).

Starlette's ``StaticFiles`` answers a folder without its slash with an absolute redirect built
from the ``Host`` header (``Host: evil.example`` sent people there), and raises on a NUL byte or
a name longer than the file system allows (a 500 with a traceback). In front of it: only GET and
HEAD (405 otherwise), odd paths refused (400/404), and every redirect made relative.

While the last build failed (``BuildState.failure``), every page is the last good one with a
Dutch notice on top: the mistakes (file, line, what to do), and a refresh that shows the fixed
page once the file is saved (issue 22 #4); with no good site yet, the notice alone.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spiegel.content import notice

MAX_PATH = 1024  # longer than any page of the site; a longer one is refused before the disk
MAX_SEGMENT = 255  # NAME_MAX on Linux


def _refusal(path: str) -> tuple[int, str] | None:
    if len(path) > MAX_PATH or any(len(s) > MAX_SEGMENT for s in path.split("/")):
        return 404, "Deze pagina bestaat niet."
    if any(ord(c) < 32 or c == "\x7f" or c == "\\" for c in path):
        return 400, "Dit adres klopt niet."
    return None


@dataclass
class BuildState:
    """What the serve process knows of its last build: the Dutch messages when it failed."""

    failure: list[str] | None = None


def _is_page(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return path.endswith("/") or last.endswith(".html") or not posixpath.splitext(last)[1]


def static_site(directory: Path, state: BuildState | None = None) -> ASGIApp:
    files = StaticFiles(directory=directory, html=True, check_dir=False)
    state = state or BuildState()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope.get("method") not in ("GET", "HEAD"):
            reply = PlainTextResponse(
                "Hier kunt u alleen pagina's opvragen.", 405, headers={"Allow": "GET, HEAD"}
            )
            await reply(scope, receive, send)
            return
        refused = _refusal(scope.get("path", ""))
        if refused:
            await PlainTextResponse(refused[1], refused[0])(scope, receive, send)
            return

        async def relative(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"location" and b"://" in value:
                        # keep the path and query of the redirect, never a host
                        rest = value.split(b"://", 1)[1]
                        value = b"/" + rest.split(b"/", 1)[1] if b"/" in rest else b"/"
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        failure = state.failure
        stale = failure is not None and scope["method"] == "GET" and _is_page(scope["path"])
        target = _with_notice(relative, failure) if failure is not None and stale else relative
        if stale:  # a browser's cached copy has no notice: never answer "not modified"
            conditional = (b"if-none-match", b"if-modified-since")
            scope = {**scope, "headers": [h for h in scope["headers"] if h[0] not in conditional]}
        if not directory.is_dir():  # no good build yet (a fresh clone with a mistake in it)
            if stale and failure is not None:
                page = notice.error_page(failure)
                await HTMLResponse(page, headers={"Cache-Control": "no-store"})(
                    scope, receive, send
                )
                return
            await PlainTextResponse("Deze pagina bestaat niet.", 404)(scope, receive, send)
            return
        try:
            await files(scope, receive, target)
        except HTTPException as exc:  # outside an app nobody turns these into answers
            if stale and failure is not None and exc.status_code == 404:
                page = notice.error_page(failure)
                await HTMLResponse(page, headers={"Cache-Control": "no-store"})(
                    scope, receive, send
                )
                return
            status = exc.status_code if exc.status_code in (404, 405) else 404
            await PlainTextResponse("Deze pagina bestaat niet.", status)(scope, receive, send)
        except (ValueError, OSError):  # what the disk cannot name: not a page of ours
            await PlainTextResponse("Deze pagina bestaat niet.", 404)(scope, receive, send)

    return app


def _with_notice(send: Send, failure: list[str]) -> Send:
    """``send`` for one stale page: an HTML answer is held, gets the notice, and goes out with
    its new length (and without caching); anything else passes as it is."""
    held: dict[str, Message] = {}
    body: list[bytes] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            kind = dict(message.get("headers", [])).get(b"content-type", b"")
            if not kind.startswith(b"text/html"):
                held["pass"] = message
                await send(message)
                return
            held["start"] = message
            return
        if "pass" in held or "start" not in held:
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        html = notice.inject(b"".join(body), failure)
        start = held["start"]
        headers = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in (b"content-length", b"etag", b"last-modified", b"cache-control")
        ]
        headers += [(b"content-length", str(len(html)).encode()), (b"cache-control", b"no-store")]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": html, "more_body": False})

    return wrapped
