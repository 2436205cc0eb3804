"""Start the real endpoint (uvicorn, as ./scripts/serve does) in a subprocess on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    database_url: str,
    port: int | None = None,
    *,
    site: Path | None = None,
    extra: dict[str, str] | None = None,
    documented: bool = False,
) -> tuple[subprocess.Popen[bytes], str]:
    """``documented``: the exact uvicorn command of the README (its default logging included)."""
    port = port or free_port()
    env = dict(
        os.environ,
        SPIEGEL_DATABASE_URL=database_url,
        SPIEGEL_CONTENT_DIR=str(ROOT / "content"),
        SPIEGEL_FORMS_DIR=str(ROOT / "forms"),
        SPIEGEL_RATE_LIMIT="0",
        SPIEGEL_MIN_FILL_SECONDS="0",
        SPIEGEL_SIGNUPS_PER_DAY="0",
    )
    # .eml files (no relay) go to a temporary folder, never into the repository
    env["SPIEGEL_OUTBOX_DIR"] = tempfile.mkdtemp(prefix="spiegel-outbox-")
    env.update(extra or {})
    if site is not None:
        cmd = [
            sys.executable,
            "-m",
            "spiegel.serve",
            "--port",
            str(port),
            "--site",
            str(site),
            "--no-watch",
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "spiegel.web.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-proxy-headers",
        ]
        if not documented:
            cmd += ["--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if documented else subprocess.DEVNULL,  # uvicorn's access log
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                "server exited: " + (proc.stderr.read().decode() if proc.stderr else "")
            )
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start in 20 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()
