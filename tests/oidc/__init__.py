"""A real OpenID provider (npm oidc-provider) for the back office's tests, and the endpoint
started against it; ``login`` walks the provider's own login form over HTTP."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2 as httpx

from .. import servers
from ..conftest import ROOT

DEBUG = bool(os.environ.get("SPIEGEL_OIDC_DEBUG"))
PROVIDER = Path(__file__).parent / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "spiegel-test", "spiegel-test-secret"
ROLES = "spiegel-coord=spiegelbijeenkomst,vvg,gluren-bij-de-buren;spiegel-peer=collegiale-ondersteuning;spiegel-fg=privacy;spiegel-ge=groepsevaluatie"
KEY = "SnV-1h9LByM0acqd0hjiB7lJvtspDvMu04Kuv-wKM_M="  # a Fernet key for the tests only


@contextmanager
def provider(conform: bool = False) -> Iterator[str]:
    if shutil.which("node") is None or not (ROOT / "tests/node_modules/oidc-provider").is_dir():
        raise RuntimeError("oidc-provider is not installed: run `npm ci` in tests/")
    port = servers.free_port()
    proc = subprocess.Popen(
        ["node", str(PROVIDER), str(port), *(["conform"] if conform else [])],
        stdout=subprocess.PIPE,
        stderr=None if DEBUG else subprocess.DEVNULL,
        cwd=ROOT / "tests",
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        if "ready" not in line:
            raise RuntimeError(f"provider did not start: {line!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def env_for(issuer: str, base: str | None) -> dict[str, str]:
    """``base`` None: no SPIEGEL_BEHEER_URL (development), the request's own address is used."""
    env = {
        "SPIEGEL_OIDC_ISSUER": issuer,
        "SPIEGEL_OIDC_CLIENT_ID": CLIENT_ID,
        "SPIEGEL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SPIEGEL_ROLES": ROLES,
        "SPIEGEL_ENCRYPTION_KEY": KEY,
    }
    if base:
        env["SPIEGEL_BEHEER_URL"] = base
    return env


@contextmanager
def endpoint(
    database_url: str, issuer: str, configured: bool = True, env: dict[str, str] | None = None
) -> Iterator[str]:
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    extra = env_for(issuer, base if configured else None) | (env or {})
    proc, base = servers.start(database_url, port, extra=extra)
    try:
        yield base
    finally:
        servers.stop(proc)


def form_action(html: str) -> str:
    m = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert m, html[:500]
    return unescape(m.group(1))


OPEN: list[httpx.Client] = []  # closed after each test (tests/test_beheer.py)


def client(**kw: object) -> httpx.Client:
    made = httpx.Client(timeout=10, **kw)  # type: ignore[arg-type]
    OPEN.append(made)
    return made


def login(base: str, user: str) -> tuple[httpx.Client, dict[str, list[str]]]:
    """Log in as ``user`` through the provider; returns the client and the authorize query."""
    client = globals()["client"]()
    r = client.get(base + "/beheer/")  # no session: straight to the provider
    assert r.status_code == 303
    authorize = r.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    r = client.get(authorize, follow_redirects=True)
    assert r.status_code == 200, r.text[:300]
    r = client.post(
        urljoin(str(r.url), form_action(r.text)),
        data={"prompt": "login", "login": user, "password": "wat-dan-ook"},
        follow_redirects=False,
    )
    for _ in range(10):  # provider redirects, then our callback
        if r.status_code not in (302, 303):
            break
        location = urljoin(str(r.url), r.headers["location"])
        if location.startswith(base + "/beheer/") and "/inloggen/terug" not in location:
            break
        r = client.get(location, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/beheer/", (
        r.status_code,
        r.text[:400],
    )
    return client, query


def csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m
    return m.group(1)


def wait_until(check: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
