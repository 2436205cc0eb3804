"""Local serving: the built site and the endpoint on one origin, rebuilding when content changes.

``python -m spiegel.serve`` (what ./scripts/serve runs). A content edit triggers `mkdocs build`;
the build fails closed, so a broken edit prints its errors and the last good site stays up.
For live reload while writing, staff can also run `mkdocs serve` (forms then post to this server).
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
from spiegel_endpoint.app import create_app
from spiegel_endpoint.settings import ConfigError, Settings
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

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


def rebuild(root: Path) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
        print("spiegel: build failed; the previous site is still being served", file=sys.stderr)
        return False
    print("spiegel: site rebuilt", file=sys.stderr)
    return True


def watch(root: Path, interval: float = 1.0) -> None:
    last = snapshot(root)
    while True:
        time.sleep(interval)
        now = snapshot(root)
        if now != last:
            last = now
            rebuild(root)


def create_local_app(settings: Settings, site_dir: Path) -> ASGIApp:
    """/api/* goes to the endpoint, everything else to the static site (same origin)."""
    api = create_app(settings)
    site = StaticFiles(directory=site_dir, html=True, check_dir=False)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "lifespan" or path == "/api" or path.startswith("/api/"):
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
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        sys.exit(str(exc))
    root = Path.cwd()
    if not args.no_watch:
        threading.Thread(target=watch, args=(root,), daemon=True).start()
    app = create_local_app(settings, root / args.site)
    print(
        f"spiegel: site and endpoint on http://{args.host}:{args.port}/ (database {settings.database_url})"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
