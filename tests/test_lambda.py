"""The Lambda adapter (Mangum) with API Gateway HTTP API v2 and Function URL event payloads."""

from __future__ import annotations

import asyncio
import base64
import importlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mangum import Mangum
from spiegel import snapshot
from spiegel.cli import main as cli
from spiegel.db import open_store

from .conftest import ROOT
from .test_endpoint import app_for

FIXTURES = Path(__file__).parent / "fixtures"
# the pages that post in the recorded events (the site's origin is configured, never guessed)
ORIGINS = (
    "https://abc123.execute-api.eu-west-1.amazonaws.com",
    "https://u7xk2mz4q3bcdefg.lambda-url.eu-west-1.on.aws",
)


class Context:
    function_name = "spiegel-endpoint"
    aws_request_id = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def event(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def event_loop_of_this_test() -> Iterator[None]:
    """Mangum runs requests on the thread's event loop and makes one when there is none; in
    Lambda that loop lives as long as the process, here each test gets one and closes it (an
    unclosed loop is a ResourceWarning later in the run)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def handler(database_url: str) -> Any:
    app = app_for(database_url, min_fill_seconds=0, allowed_origins=ORIGINS)
    yield Mangum(app, lifespan="off")
    app.state.store.close()


@pytest.mark.parametrize("name", ["apigw-v2-form-base64.json", "function-url-form-base64.json"])
def test_base64_form_post_redirects(handler: Any, name: str, database_url: str) -> None:
    response = handler(event(name), Context())
    assert response["statusCode"] == 303
    assert response["headers"]["location"] == "/vvg/aanmelden/bedankt/"
    store = open_store(database_url)
    assert [r.payload["naam"] for r in store.rows("vvg")] == ["Lambda Test"]
    store.close()


def test_json_post_returns_201(handler: Any) -> None:
    response = handler(event("apigw-v2-json.json"), Context())
    assert response["statusCode"] == 201
    assert len(json.loads(response["body"])["id"]) == 32


def test_invalid_base64_form_gets_422(handler: Any) -> None:
    e = event("apigw-v2-form-base64.json")
    e["body"] = base64.b64encode(b"naam=&email=x").decode()
    response = handler(e, Context())
    assert response["statusCode"] == 422
    assert "Controleer uw antwoorden" in response["body"]


def test_health(handler: Any) -> None:
    response = handler(event("apigw-v2-health.json"), Context())
    assert response["statusCode"] == 200 and json.loads(response["body"])["status"] == "ok"


def test_handler_module_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", f"sqlite:///{tmp_path / 'l.sqlite3'}")
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(ROOT / "forms"))
    monkeypatch.setenv("SPIEGEL_MIN_FILL_SECONDS", "0")
    monkeypatch.setenv("SPIEGEL_ALLOWED_ORIGINS", ",".join(ORIGINS))
    module = importlib.import_module("spiegel.web.lambda_handler")
    module = importlib.reload(module)
    response = module.handler(event("apigw-v2-json.json"), Context())
    assert response["statusCode"] == 201
    module.http.app.state.store.close()


def test_a_scheduled_event_sends_and_tells_of_changed_sessions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 21: on Lambda an EventBridge rule (``rate(5 minutes)``) invokes the same handler;
    it does what `spiegel outbox send` does from cron: look for changed sessions, deliver."""
    import shutil

    for name in ("content", "forms"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("results"))
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", f"sqlite:///{tmp_path / 'l.sqlite3'}")
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(tmp_path / "forms"))
    monkeypatch.setenv("SPIEGEL_MIN_FILL_SECONDS", "0")
    monkeypatch.setenv("SPIEGEL_ALLOWED_ORIGINS", ",".join(ORIGINS))
    monkeypatch.setenv("SPIEGEL_PUBLIC_URL", "https://spiegel.example.nl")
    monkeypatch.setenv("SPIEGEL_OUTBOX_DIR", str(tmp_path / "eml"))
    monkeypatch.setenv("SPIEGEL_TODAY", "2026-11-22")
    module = importlib.reload(importlib.import_module("spiegel.web.lambda_handler"))
    try:
        assert module.handler(event("apigw-v2-json.json"), Context())["statusCode"] == 201
        tick = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        assert module.handler(tick, Context()) == {"sessies": 0, "afgehandeld": 1}
        sessions = tmp_path / "content" / "vvg.yaml"
        text = sessions.read_text(encoding="utf-8")
        sessions.write_text(text.replace("date: 2027-02-04", "date: 2027-02-05"), encoding="utf-8")
        later = sessions.stat().st_mtime + 5
        os.utime(sessions, (later, later))
        module.SERVICES.registry._checked = 0.0  # the next look at the files reloads them
        assert module.handler(tick, Context()) == {"sessies": 1, "afgehandeld": 1}
        assert module.handler(tick, Context()) == {"sessies": 0, "afgehandeld": 0}  # once
        # the sign-up left a phone number only: both messages are on the call list
        manual = module.SERVICES.store.outbox(("manual",))
        assert sorted(m.kind for m in manual) == ["confirmation", "session_changed"]
    finally:
        module.http.app.state.store.close()


def modules_loaded_by(entry: str, env: dict[str, str], cwd: Path) -> list[str]:
    """Import ``entry`` in a fresh interpreter; return which heavy libraries came along."""
    heavy = (
        "yaml",
        "frictionless",
        "jinja2",
        "mkdocs",
        "markdown",
        "cryptography",
        "spiegel.content.model",
        "authlib",  # the back office's login: only when someone logs in
        "requests",
        "babel",  # Dutch dates: the cancel page and the sender
        "icalendar",
        "pyphen",
        "spiegel.outbox",  # the sender and its templates: a scheduled event's
        "spiegel.web.routes.cancel",  # the cancel link's pages: on their first use
        "spiegel.web.beheer.home",  # the back office's pages: on their first request
    )
    code = f"import sys, json\nimport {entry}\nprint(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        # PYTHONPATH passes through, so the tree under test is imported, not an installed copy
        env={**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return list(json.loads(out))


def test_snapshot_round_trip_and_serverless_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`spiegel snapshot` -> SPIEGEL_SNAPSHOT: the same forms, and no YAML parsing at start-up."""
    out = io.StringIO()
    monkeypatch.chdir(ROOT)
    assert cli(["snapshot"], out) == 0
    snap = tmp_path / "forms.json"
    snap.write_text(out.getvalue())
    assert snapshot.load(snap) == snapshot.from_sources(ROOT / "content", ROOT / "forms")
    env = {
        "SPIEGEL_SNAPSHOT": str(snap),
        "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
    }
    assert modules_loaded_by("spiegel.web.lambda_handler", env, tmp_path) == []


def test_endpoint_imports_no_heavy_library(tmp_path: Path) -> None:
    env = {
        "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
        "SPIEGEL_CONTENT_DIR": str(ROOT / "content"),
        "SPIEGEL_FORMS_DIR": str(ROOT / "forms"),
    }
    assert modules_loaded_by("spiegel.web.asgi", env, tmp_path) == [
        "yaml",
        "spiegel.content.model",
    ]


def test_a_current_schema_is_checked_with_one_read(database_url: str) -> None:
    """A start on a migrated database takes no write lock and runs no DDL (a serverless cold
    start only reads which migrations are applied)."""
    store = open_store(database_url)
    try:
        store.migrate()
        dialect: Any = store.dialect  # type: ignore[attr-defined]

        def no_write(probe: bool = False) -> Any:
            raise AssertionError("a write transaction on a current schema")

        dialect.transaction = no_write
        assert store.migrate() == 0
    finally:
        store.close()
