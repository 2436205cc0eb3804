"""The built site as ``./scripts/serve`` serves it next to the endpoint (issue 20 #11).

Starlette's ``StaticFiles`` answers a folder without its slash with an absolute redirect built
from the ``Host`` header (``Host: evil.example`` sent people there), and raises on a NUL byte or
a name longer than the file system allows (a 500 with a traceback). In front of it: only GET and
HEAD (405 otherwise), odd paths refused (400/404), and every redirect made relative.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_PATH = 1024  # longer than any page of the site; a longer one is refused before the disk
MAX_SEGMENT = 255  # NAME_MAX on Linux


def _refusal(path: str) -> tuple[int, str] | None:
    if len(path) > MAX_PATH or any(len(s) > MAX_SEGMENT for s in path.split("/")):
        return 404, "Deze pagina bestaat niet."
    if any(ord(c) < 32 or c == "\x7f" or c == "\\" for c in path):
        return 400, "Dit adres klopt niet."
    return None


def static_site(directory: Path) -> ASGIApp:
    files = StaticFiles(directory=directory, html=True, check_dir=False)

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

        try:
            await files(scope, receive, relative)
        except HTTPException as exc:  # outside an app nobody turns these into answers
            status = exc.status_code if exc.status_code in (404, 405) else 404
            await PlainTextResponse("Deze pagina bestaat niet.", status)(scope, receive, send)
        except (ValueError, OSError):  # what the disk cannot name: not a page of ours
            await PlainTextResponse("Deze pagina bestaat niet.", 404)(scope, receive, send)

    return app
