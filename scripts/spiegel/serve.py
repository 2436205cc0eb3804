"""Local serving: the built site and the endpoint on one origin, rebuilding when content changes.

``python -m spiegel.serve`` (what ./scripts/serve runs). It builds the site at start and again
after every content edit (`mkdocs build`). The build fails closed: a broken edit prints its
errors, the last good site stays up, and every page shows those errors on top until the file is
fixed (``web/static.py``). For live reload while writing, staff can also run `mkdocs serve`
(forms then post to this server).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from spiegel.config import Config, ConfigError
from spiegel.content import notice
from spiegel.content.issues import ContentError
from spiegel.content.notice import messages_from_log
from spiegel.services import Services
from spiegel.web import logs
from spiegel.web.app import create_app
from spiegel.web.static import BuildState, static_site

log = logging.getLogger("spiegel.serve")
WATCHED = ("content", "forms", "mkdocs.yml", "overrides")


def snapshot(root: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in WATCHED:
        p = root / name
        paths = [p] if p.is_file() else (q for q in p.rglob("*") if q.is_file())
        for q in paths:
            try:
                out[str(q)] = q.stat().st_mtime_ns
            except FileNotFoundError:
                continue
    return out


def rebuild(root: Path, state: BuildState | None = None) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        if state is not None:
            state.failure = messages_from_log(proc.stderr)
        print(proc.stderr[-4000:], file=sys.stderr)
        print(
            "spiegel: de site kon niet worden gebouwd (zie hierboven); de vorige versie blijft"
            " online, met de fout bovenaan elke pagina. Verbeter de fout en sla het bestand"
            " opnieuw op.",
            file=sys.stderr,
        )
        return False
    if state is not None:
        state.failure = None
    print("spiegel: site opnieuw gebouwd", file=sys.stderr)
    return True


def watch(
    root: Path, state: BuildState, endpoint: Endpoint | None = None, interval: float = 0.5
) -> None:
    last = snapshot(root)
    while True:
        time.sleep(interval)
        now = snapshot(root)
        if now != last:
            last = now
            rebuild(root, state)
            if endpoint is not None and endpoint.app is None and endpoint.start():
                print("spiegel: de fout is verbeterd; de formulieren werken nu", file=sys.stderr)


class Endpoint:
    """The endpoint of ``./scripts/serve``, started once the forms load. Started with a mistake
    in content/ or forms/, the server runs all the same: the pages show the mistake, and every
    request to the endpoint gets a Dutch 503 that says why (``_not_ready``), until a saved file
    lets the forms load (``watch`` asks again after every change)."""

    def __init__(self, config: Config, sender: bool = True) -> None:
        self.config, self.sender = config, sender
        self.app: ASGIApp | None = None
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def start(self, services: Services | None = None) -> bool:
        with self._lock:
            if self.app is not None:
                return True
            try:
                services = services or Services.build(self.config)
            except ContentError as exc:
                self.problems = [str(i) for i in exc.issues]
                return False
            wake = None
            if self.sender:
                from spiegel.outbox.worker import start_in_process

                wake, _ = start_in_process(services)
            self.app = create_app(services, wake)
            return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif scope["type"] == "http":
            await self._not_ready(scope, receive, send)

    async def _not_ready(self, scope: Scope, receive: Receive, send: Send) -> None:
        """503 in Dutch: a page for a person, ``{"error": ...}`` for a JSON client. The body
        is read first (bounded), so the client sees the answer, not a reset."""
        seen, more = 0, True
        while more and seen <= self.config.max_body:
            message = await receive()
            seen += len(message.get("body", b""))
            more = message.get("more_body", False) and message["type"] == "http.request"
        headers = dict(scope.get("headers", []))
        wants_json = b"json" in headers.get(b"accept", b"") + headers.get(b"content-type", b"")
        reply: Response
        if wants_json:
            reply = JSONResponse({"error": NOT_READY}, 503)
        else:
            reply = HTMLResponse(notice.forms_page(self.problems), 503)
        reply.headers["retry-after"] = "10"
        reply.headers["cache-control"] = "no-store"
        await reply(scope, receive, send)


NOT_READY = (
    "De formulieren werken nu niet: er staat een fout in content/ of forms/. Verbeter die en"
    " sla het bestand op; daarna werken ze vanzelf weer."
)


def create_local_app(
    services: Services | Endpoint,
    site_dir: Path,
    sender: bool = True,
    state: BuildState | None = None,
) -> ASGIApp:
    """/api/* goes to the endpoint, everything else to the static site (same origin).

    With ``sender``, the outbox sender runs in this process: woken by each sign-up, it writes
    .eml files under .spiegel/outbox/ (no relay) or sends through SPIEGEL_SMTP_URL; and so does
    the housekeeping: the retention purge (at start-up, then daily), reminders and the digest.
    The same ``services`` (one store, one registry, one cipher) serve both.
    """
    if isinstance(services, Endpoint):
        api: ASGIApp = services
    else:
        endpoint = Endpoint(services.config, sender)
        endpoint.start(services)
        api = endpoint
    site = static_site(site_dir, state)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "lifespan" or path.startswith(("/api/", "/beheer/")) or path == "/api":
            await api(scope, receive, send)
        else:
            await site(scope, receive, send)

    return app


def main() -> None:
    p = argparse.ArgumentParser(prog="spiegel-serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--site", default="build/site")
    p.add_argument("--no-watch", action="store_true")
    args = p.parse_args()
    root = Path.cwd()
    state = BuildState()
    if not args.no_watch:
        rebuild(root, state)  # a mistake shows on every page until it is fixed
    try:
        # links in e-mails point at this server unless SPIEGEL_PUBLIC_URL/SITE_URL say otherwise
        config = Config.from_env().with_public_url(f"http://{args.host}:{args.port}")
    except ConfigError as exc:
        sys.exit(str(exc))
    endpoint = Endpoint(config)
    if not endpoint.start():  # the forms cannot load: the server starts all the same
        print(
            "\n".join(["spiegel: er staat een fout in content/ of forms/:", *endpoint.problems])
            + "\nspiegel: de site toont de fout bovenaan elke pagina; de formulieren werken zodra"
            " u de fout verbetert en het bestand opslaat.",
            file=sys.stderr,
        )
    settings, mail = config, config.mail
    if not args.no_watch:
        threading.Thread(target=watch, args=(root, state, endpoint), daemon=True).start()
    app = create_local_app(endpoint, root / args.site, state=state)
    print(
        f"spiegel: site en formulieren op http://{args.host}:{args.port}/"
        f" (database {settings.database_url})"
    )
    relay = "via de SMTP-server" if mail.smtp_url else f"als .eml-bestanden in {mail.outbox_dir}/"
    print(f"spiegel: e-mails gaan {relay}")
    print("spiegel: gegevens na de bewaartermijn worden nu en daarna elke dag verwijderd")
    logs.install(config.log_clients)
    # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from 127.0.0.1 as the
    # client and bypass the rate limit; SPIEGEL_TRUST_PROXY alone decides (issue 20 #4)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
