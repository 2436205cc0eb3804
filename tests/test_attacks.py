"""Issue 11: the attack run against the endpoint, one regression test per finding.

Findings that touch storage run on both stores (the ``make_client`` fixture is parametrized over
SQLite and PostgreSQL).
"""

# ruff: noqa: F811 (the client fixtures are imported from test_endpoint)
from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest
from spiegel import snapshot
from spiegel.forms.definitions import Form
from spiegel.mailsettings import MailSettings
from spiegel.web.clients import client_address, normalise_origin, origin_allowed
from spiegel.web.ratelimit import MAX_KEY, RateLimiter
from starlette.testclient import TestClient

from .conftest import ROOT
from .test_endpoint import client, make_client, stored  # noqa: F401 (fixtures)
from .test_forms import VALID

FORMS: dict[str, Form] = snapshot.from_sources(ROOT / "content", ROOT / "forms").forms
FREE_TEXT = [
    (fid, f.name)
    for fid, form in FORMS.items()
    for f in form.fields
    if f.type in ("text", "textarea", "email", "phone", "code")
]


def post_json(c: TestClient, form_id: str, raw: str, **headers: str) -> Any:
    return c.post(
        f"/api/forms/{form_id}",
        content=raw.encode(),
        headers={"content-type": "application/json", **headers},
    )


# ---------------------------------------------------------------- 4: 422, never 500


def test_every_free_text_field_is_counted() -> None:
    assert len(FREE_TEXT) >= 20 and {fid for fid, _ in FREE_TEXT} == set(FORMS)


@pytest.mark.parametrize(("form_id", "field"), FREE_TEXT)
def test_lone_surrogate_in_a_value_is_422(client: TestClient, form_id: str, field: str) -> None:
    body = json.dumps({**VALID.get(form_id, {}), field: "PLACEHOLDER"})
    body = body.replace('"PLACEHOLDER"', '"a\\ud800"')
    r = post_json(client, form_id, body)
    assert r.status_code == 422, r.text
    assert r.json() == {"errors": {"_form": ["De gegevens konden niet worden gelezen."]}}
    assert stored(client, form_id) == []


@pytest.mark.parametrize(
    "raw",
    [
        '{"na\\udc00am": "x"}',
        '{"naam": ["\\ud800"]}',
        '{"naam": {"\\udfff": 1}}',
        "[" * 50_000,
        '{"naam": ' + "[" * 30_000 + "]" * 30_000 + "}",
        '{"naam": ' + '{"a":' * 10 + "1" + "}" * 10 + "}",
    ],
    ids=["key", "in-list", "nested-key", "deep-list", "deep-value", "ten-levels"],
)
def test_odd_json_is_422_with_json_and_html(client: TestClient, raw: str) -> None:
    r = post_json(client, "spiegelbijeenkomst", raw)
    assert r.status_code == 422 and "errors" in r.json()
    r = client.post(
        "/api/forms/spiegelbijeenkomst",
        content=raw.encode(),
        headers={"content-type": "application/json", "accept": "text/html"},
    )
    assert r.status_code == 422


def test_text_with_brackets_is_still_text(client: TestClient) -> None:
    body = {**VALID["spiegelbijeenkomst"], "toegankelijkheid": "[[[[[[[[[[ {{{{{{ ]]"}
    assert client.post("/api/forms/spiegelbijeenkomst", json=body).status_code == 201


# ---------------------------------------------------------------- 12: odd Unicode over HTTP


@pytest.mark.parametrize(
    "value", ["Anna\u202eseirV", "Anna\u200b", "\ufeffAnna", "Anna\uffff", "Anna\u2028Vries"]
)
def test_invisible_characters_are_refused_in_dutch(client: TestClient, value: str) -> None:
    r = client.post(
        "/api/forms/spiegelbijeenkomst", json={**VALID["spiegelbijeenkomst"], "naam": value}
    )
    assert r.status_code == 422
    assert "onzichtbare of speciale tekens" in r.json()["errors"]["naam"][0]


@pytest.mark.parametrize("value", [True, 123, ["a"], None, 1.0])
def test_a_name_must_be_text(client: TestClient, value: Any) -> None:
    r = client.post(
        "/api/forms/spiegelbijeenkomst", json={**VALID["spiegelbijeenkomst"], "naam": value}
    )
    assert r.status_code == 422 and "naam" in r.json()["errors"]


def test_names_are_stored_in_nfc(client: TestClient) -> None:
    decomposed = "Zoe\u0308 Mu\u0308ller"  # e + combining diaeresis
    body = {**VALID["spiegelbijeenkomst"], "naam": decomposed}
    assert client.post("/api/forms/spiegelbijeenkomst", json=body).status_code == 201
    assert stored(client, "spiegelbijeenkomst")[0]["naam"] == "Zoë Müller"


# ---------------------------------------------------------------- 8: no redirect from headers


@pytest.mark.parametrize("path", ["/api/forms/gluren-bij-de-buren/", "/api/health/", "/api/forms/"])
def test_no_trailing_slash_redirect(client: TestClient, path: str) -> None:
    r = client.post(
        path,
        json=VALID["gluren-bij-de-buren"],
        headers={"host": "evil.example"},
        follow_redirects=False,
    )
    assert r.status_code in (404, 405) and "location" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "error" in r.json()
    assert stored(client, "gluren-bij-de-buren") == []


# ---------------------------------------------------------------- 7: origin check


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        (None, True),  # not a browser page
        ("https://spiegel.example.nl", True),
        ("https://SPIEGEL.example.nl:443", True),
        ("https://spiegel.example.nl/", True),
        ("null", False),  # sandboxed iframe, data: page
        ("http://spiegel.example.nl", False),  # same host, other scheme
        ("https://spiegel.example.nl:8443", False),
        ("https://evil.example", False),
        ("https://spiegel.example.nl.evil.example", False),
        ("", False),
        ("javascript:alert(1)", False),
    ],
)
def test_origin_against_configured_origins(origin: str | None, ok: bool) -> None:
    allowed = frozenset({normalise_origin("https://spiegel.example.nl")})  # type: ignore[arg-type]
    assert origin_allowed(origin, allowed) is ok  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:5173", True),
        ("http://[::1]:8000", True),
        ("http://evil.example:8000", False),  # DNS rebinding onto a developer's machine
        ("null", False),
    ],
)
def test_without_configuration_only_loopback_pages_may_post(origin: str, ok: bool) -> None:
    assert origin_allowed(origin, frozenset()) is ok


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "null"},
        {"origin": "http://spiegel.example.nl"},
        {"origin": "https://evil.example", "host": "evil.example"},  # spoofed Host
        {"origin": "https://testserver", "host": "testserver"},
    ],
)
def test_origin_bypasses_are_refused(make_client: Any, headers: dict[str, str]) -> None:
    c = make_client(site_url="https://spiegel.example.nl")
    r = c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"], headers=headers)
    assert r.status_code == 403
    assert stored(c, "gluren-bij-de-buren") == []
    ok = c.post(
        "/api/forms/gluren-bij-de-buren",
        json=VALID["gluren-bij-de-buren"],
        headers={"origin": "https://spiegel.example.nl"},
    )
    assert ok.status_code == 201


# ---------------------------------------------------------------- 2: X-Forwarded-For


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "key"),
    [
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9"], 1, "203.0.113.9"),  # nginx appends: rightmost
        ("10.0.0.2", ["1.2.3.4", "203.0.113.9"], 1, "203.0.113.9"),  # two header lines
        ("10.0.0.2", ["evil, 203.0.113.9, 10.0.0.1"], 2, "203.0.113.9"),  # two proxies
        ("10.0.0.2", [], 1, "10.0.0.2"),  # proxy added nothing: the peer
        ("10.0.0.2", ["203.0.113.9"], 2, "10.0.0.2"),  # fewer entries than proxies
        ("10.0.0.2", ["1.2.3.4, not-an-ip"], 1, "10.0.0.2"),
        ("10.0.0.2", ["1.2.3.4"], 0, "10.0.0.2"),  # proxy not trusted
        ("10.0.0.2", ["2001:db8:1:2:3:4:5:6"], 1, "2001:db8:1:2::/64"),
        ("10.0.0.2", ["::ffff:203.0.113.9"], 1, "203.0.113.9"),
        ("2001:db8::1", [], 0, "2001:db8::/64"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], hops: int, key: str) -> None:
    assert client_address(peer, forwarded, hops) == key


def test_spoofed_forwarded_for_does_not_bypass_the_limit(make_client: Any) -> None:
    c = make_client(rate_limit=5, trust_proxy=1)
    codes = [
        c.post(
            "/api/forms/gluren-bij-de-buren",
            json=VALID["gluren-bij-de-buren"],
            headers={"x-forwarded-for": f"198.51.100.{i}, 203.0.113.9"},
        ).status_code
        for i in range(10)
    ]
    assert codes == [201] * 5 + [429] * 5


# ---------------------------------------------------------------- 3: bounded limiter


def test_limiter_memory_is_bounded() -> None:
    limiter = RateLimiter(5, clock=lambda: 100.0, max_clients=1000)
    for i in range(5000):
        assert limiter.allow(f"client-{i}")
    assert len(limiter) == 1000
    # the most recent clients are kept, so a client sending now is still limited
    for _ in range(4):
        assert limiter.allow("client-4999")
    assert not limiter.allow("client-4999")


def test_limiter_keys_are_bounded() -> None:
    limiter = RateLimiter(1, clock=lambda: 0.0)
    huge = "x" * 1_000_000
    assert limiter.allow(huge) and not limiter.allow(huge)
    assert all(len(k) <= MAX_KEY for k in limiter._empty_at)


def test_limiter_refills_one_request_per_interval() -> None:
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    now[0] = 19.9
    assert not limiter.allow("a")
    now[0] = 20.0
    assert limiter.allow("a") and not limiter.allow("a")
    now[0] = 200.0
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


# ---------------------------------------------------------------- 13: logs


def test_documented_uvicorn_command_logs_no_client_address(tmp_path: Any) -> None:
    from . import servers

    proc, base = servers.start(f"sqlite:///{tmp_path / 'db.sqlite3'}", documented=True)
    try:
        with httpx.Client(base_url=base) as h:
            h.post(
                "/api/forms/spiegelbijeenkomst",
                json=VALID["spiegelbijeenkomst"],
                headers={"x-forwarded-for": "198.51.100.77<evil>"},
            )
            h.get("/api/forms%0aFAKE%1b[2J?x=1")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    log = out.decode() + err.decode()
    access = [line for line in log.splitlines() if "HTTP/1.1" in line]
    assert any("POST /api/forms/spiegelbijeenkomst" in line for line in access)  # the log is on
    for line in access:  # ...without the address or what the client put in its headers
        assert "127.0.0.1" not in line and "198.51.100" not in line and "<evil>" not in line
    assert "\x1b" not in log and not any(line.startswith("FAKE") for line in log.splitlines())


def test_log_values_are_escaped() -> None:
    import logging

    from spiegel.web.logs import Sanitise

    record = logging.LogRecord(
        "uvicorn.access",
        20,
        "x",
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9", "GET", "/a\nFAKE LINE\x1b[2J", "1.1", 200),
        None,
    )
    assert Sanitise(drop_client=True).filter(record)
    line = record.getMessage()
    assert "203.0.113.9" not in line and "\n" not in line and "\x1b" not in line
    assert "\\x0aFAKE LINE\\x1b[2J" in line


# ---------------------------------------------------------------- 1, 10: export and keys


def _export(capsys: pytest.CaptureFixture[str], form_id: str) -> tuple[int, str, str]:
    import io

    from spiegel.cli import main

    out = io.StringIO()
    code = main(["export", form_id, "--format", "data"], out)
    return code, out.getvalue(), capsys.readouterr().err


def _post(
    database_url: str, body: dict[str, Any], key: str | None, form_id: str = "gluren-bij-de-buren"
) -> None:

    from .test_endpoint import app_for

    app = app_for(database_url, encryption_key=key)
    with TestClient(app) as c:
        assert c.post(f"/api/forms/{form_id}", json=body).status_code == 201
    app.state.store.close()


def _key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def test_typed_ciphertext_is_just_text(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _key()
    fake = "enc:v1:AAAA"
    _post(cli_env, {**VALID["gluren-bij-de-buren"], "locatie": fake}, key)  # with a key
    _post(
        cli_env, {**VALID["gluren-bij-de-buren"], "naam": fake}, None
    )  # stored before a key was set
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)
    code, csv_text, _ = _export(capsys, "gluren-bij-de-buren")
    assert code == 0 and csv_text.count(fake) == 2


def test_one_bad_row_does_not_stop_the_export(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from spiegel.cli import main

    key, other = _key(), _key()
    _post(cli_env, {**VALID["gluren-bij-de-buren"], "naam": "Eerste Persoon"}, key)
    _post(
        cli_env, {**VALID["gluren-bij-de-buren"], "naam": "Kapotte Rij"}, other
    )  # e.g. a lost key
    _post(cli_env, {**VALID["gluren-bij-de-buren"], "naam": "Derde Persoon"}, key)
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)
    code, csv_text, err = _export(capsys, "gluren-bij-de-buren")
    assert code == 1  # not a silent success
    assert "Eerste Persoon" in csv_text and "Derde Persoon" in csv_text
    assert "Kapotte" not in csv_text and "gAAAA" not in csv_text
    assert "overgeslagen" in err and "Traceback" not in err
    assert "1 rij(en) konden niet worden gelezen" in err
    import io

    log = io.StringIO()
    main(["audit-log"], log)
    assert "export\tgluren-bij-de-buren\t2 rows; 1 unreadable" in log.getvalue()


def test_export_without_key_refuses_encrypted_rows(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _post(cli_env, VALID["gluren-bij-de-buren"], _key())
    code, csv_text, err = _export(capsys, "gluren-bij-de-buren")
    assert code == 1
    assert "enc:v1" not in csv_text and csv_text.count("\n") == 1  # the header only
    assert "SPIEGEL_ENCRYPTION_KEY is niet ingesteld" in err


def test_wrong_key_is_a_clear_message(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _post(cli_env, VALID["gluren-bij-de-buren"], _key())
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", _key())
    code, _, err = _export(capsys, "gluren-bij-de-buren")
    assert code == 1 and "verkeerde of vervallen sleutel" in err and "Traceback" not in err


def test_key_rotation_and_rekey(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from spiegel.cli import main
    from spiegel.db import open_store
    from spiegel.security.cipher import FieldCipher

    old, new = _key(), _key()
    _post(cli_env, {**VALID["gluren-bij-de-buren"], "naam": "Oude Sleutel"}, old)
    _post(
        cli_env, {**VALID["gluren-bij-de-buren"], "naam": "Nieuwe Sleutel"}, f"{new},{old}"
    )  # new encrypts
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", f"{new},{old}")
    code, csv_text, _ = _export(capsys, "gluren-bij-de-buren")
    assert code == 0 and "Oude Sleutel" in csv_text and "Nieuwe Sleutel" in csv_text
    assert main(["rekey"], io.StringIO()) == 0
    store = open_store(cli_env)
    only_new = FieldCipher(new)
    names = [only_new.open(r.payload)["naam"] for r in store.rows("gluren-bij-de-buren")]
    store.close()
    assert sorted(names) == ["Nieuwe Sleutel", "Oude Sleutel"]
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", new)  # the old key retired
    code, csv_text, _ = _export(capsys, "gluren-bij-de-buren")
    assert code == 0 and "Oude Sleutel" in csv_text


# ---------------------------------------------------------------- 5, 6: storage faults, bounded waits


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every database wait bounded at 1 s instead of the default WAIT_SECONDS (5 s)."""
    import spiegel.db.dialects.postgresql as pg
    import spiegel.db.dialects.sqlite as lite
    import spiegel.db.threads as threads

    for module in (pg, lite, threads):
        monkeypatch.setattr(module, "WAIT_SECONDS", 1.0)


def assert_503(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    assert r.headers["x-content-type-options"] == "nosniff"


def test_disk_full_is_503_and_health_says_so(
    make_client: Any, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite: disk full through max_page_count; PostgreSQL: see the read-only test")
    c = make_client(mail=MailSettings(signups_per_day=0))  # no daily cap: fill the disk
    store = c.app.state.store
    assert (
        c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]).status_code
        == 201
    )
    opened = store.dialect.connection

    def full_disk() -> Any:  # every connection, in every worker thread, finds the file full
        conn = opened()
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count={pages}")
        return conn

    store.dialect.connection = full_disk
    big = {**VALID["gluren-bij-de-buren"], "naam": "x" * 100}
    caplog.set_level("ERROR")
    for _ in range(20):  # until the last free page is used
        r = c.post("/api/forms/gluren-bij-de-buren", json=big)
        if r.status_code != 201:
            break
    assert_503(r)
    assert "full" in caplog.text and "cannot rollback" not in caplog.text
    assert_503(
        c.post("/api/forms/gluren-bij-de-buren", data=big)
    )  # the HTML form gets a page, not a 500
    health = c.get("/api/health")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"


def test_read_only_database_is_503_and_health_says_so(
    make_client: Any, database_url: str, tmp_path: Any
) -> None:
    if database_url.startswith("sqlite"):
        c = make_client()
        opened = c.app.state.store.dialect.connection

        def read_only() -> Any:  # as a read-only mount or file would (root ignores chmod)
            conn = opened()
            conn.execute("PRAGMA query_only=ON")
            return conn

        c.app.state.store.dialect.connection = read_only
    else:
        make_client().app.state.store.migrate()
        ro = database_url + "%20-cdefault_transaction_read_only%3Don"
        from spiegel.db import open_store
        from spiegel.services import Services
        from spiegel.web.app import create_app

        from .test_endpoint import settings_for

        store = open_store(ro)
        c = TestClient(create_app(Services.build(settings_for(ro), store, migrate=False)))
    try:
        assert_503(c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]))
        assert c.get("/api/health").status_code == 503
    finally:
        c.app.state.store.close()


class _NoMigrate:
    """A store whose migrations already ran (a read-only database cannot record them)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def migrate(self) -> int:
        return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_held_write_lock_gives_503_not_a_hang(
    make_client: Any, database_url: str, short_waits: None
) -> None:
    """The lock is held for the whole test: only a bounded wait can answer at all."""
    c = make_client()
    assert (
        c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]).status_code
        == 201
    )
    if database_url.startswith("sqlite"):
        import sqlite3

        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        other = psycopg.connect(database_url)  # type: ignore[assignment]
        other.execute("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE")
    try:
        assert_503(c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]))
        assert_503(c.post("/api/forms/spiegelbijeenkomst", json=VALID["spiegelbijeenkomst"]))
        if database_url.startswith("sqlite"):
            assert c.get("/api/health").status_code == 503  # no write possible
    finally:
        other.rollback()
        other.close()
    assert (
        c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]).status_code
        == 201
    )  # and back
    assert len(stored(c, "gluren-bij-de-buren")) == 2


def test_exhausted_connection_pool_gives_503_not_a_hang(
    make_client: Any, database_url: str, short_waits: None
) -> None:
    """Every pooled PostgreSQL connection is taken (by slow callers elsewhere in the process):
    a sign-up waits the bounded time, then 503; with a connection back, 201."""
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only (SQLite: one connection per thread, the held-lock test)")
    import time

    from spiegel.db.dialects.postgresql import POOL_SIZE

    c = make_client()
    assert (
        c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]).status_code
        == 201
    )
    pool = c.app.state.store.dialect.pool
    held = [pool.getconn() for _ in range(POOL_SIZE)]
    try:
        started = time.monotonic()
        assert_503(c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]))
        assert time.monotonic() - started < 4  # short_waits: 1 s for the pool, not a hang
        assert c.get("/api/health").status_code == 503
    finally:
        for conn in held:
            pool.putconn(conn)
    assert (
        c.post("/api/forms/gluren-bij-de-buren", json=VALID["gluren-bij-de-buren"]).status_code
        == 201
    )
    assert len(stored(c, "gluren-bij-de-buren")) == 2


# ---------------------------------------------------------------- 14: transport framing


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from . import servers

    db = tmp_path_factory.mktemp("transport") / "db.sqlite3"
    proc, base = servers.start(f"sqlite:///{db}", extra={"SPIEGEL_BODY_TIMEOUT": "1"})
    yield base
    servers.stop(proc)


def raw(base: str, request: bytes, wait_for_body: bool = False) -> bytes:
    """Send bytes as they are; return what the server answers (it must answer, not hang)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def head(method_line: str, **headers: str) -> bytes:
    lines = [
        method_line,
        "Host: 127.0.0.1",
        *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_content_length_with_transfer_encoding_is_400(real_server: str) -> None:
    req = head(
        "POST /api/forms/vvg HTTP/1.1",
        Content_Type="application/json",
        Content_Length="5",
        Transfer_Encoding="chunked",
    )
    answer = raw(real_server, req + b"0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_short_body_gets_408_not_a_hang(real_server: str) -> None:
    req = head(
        "POST /api/forms/vvg HTTP/1.1", Content_Type="application/json", Content_Length="100"
    )
    answer = raw(real_server, req + b'{"naam":')  # and then nothing, connection kept open
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_expect_continue_with_a_huge_length_is_413_at_once(real_server: str) -> None:
    req = head(
        "POST /api/forms/vvg HTTP/1.1",
        Content_Type="application/json",
        Content_Length=str(10**9),
        Expect="100-continue",
    )
    answer = raw(real_server, req)  # sends no body at all
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"100 Continue" not in answer


# ---------------------------------------------------------------- 11: purge on PostgreSQL


def test_postgres_files_never_hold_a_name_in_clear(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a key (required in production) no submitted value reaches PostgreSQL in clear: not
    the table file, not the WAL, so nothing purged can be read back from them either."""
    if not cli_env.startswith("postgres"):
        pytest.skip("PostgreSQL only (SQLite: secure_delete + WAL checkpoint, test_cli)")
    import datetime as dt
    import io
    import os
    import uuid

    import psycopg
    from spiegel.cli import main

    key = _key()
    marker = "Purgeer" + uuid.uuid4().hex[:10]
    for i in range(5):
        _post(
            cli_env,
            {**VALID["collegiale-ondersteuning"], "naam": f"{marker} {i}"},
            key,
            "collegiale-ondersteuning",
        )
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)
    with psycopg.connect(cli_env, autocommit=True) as conn:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        conn.execute("UPDATE submissions SET created_at = %s", (old,))
        assert main(["purge"], io.StringIO()) == 0
        conn.execute("VACUUM submissions")
        conn.execute("CHECKPOINT")
        path = conn.execute("SELECT pg_relation_filepath('submissions')").fetchone()[0]
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    if not os.access(data_dir, os.R_OK):
        pytest.skip("the PostgreSQL data directory is not readable here")
    files = [os.path.join(data_dir, path)] + [
        os.path.join(data_dir, "pg_wal", n)
        for n in os.listdir(os.path.join(data_dir, "pg_wal"))
        if len(n) == 24
    ]
    needle = marker.encode()
    for name in files:
        with open(name, "rb") as fh:
            assert needle not in fh.read(), name


# ---------------------------------------------------------------- issue 20 #4, #11


def test_documented_uvicorn_command_ignores_forged_forwarded_for(tmp_path: Any) -> None:
    """With the README's command a new X-Forwarded-For per request gains nothing: uvicorn runs
    with proxy headers off and TRUST_PROXY=0 keys the limit on the real peer."""
    from . import servers

    proc, base = servers.start(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        documented=True,
        extra={"SPIEGEL_RATE_LIMIT": "10", "SPIEGEL_TRUST_PROXY": "0"},
    )
    try:
        with httpx.Client(base_url=base) as h:
            codes = [
                h.post(
                    "/api/forms/gluren-bij-de-buren",
                    json=VALID["gluren-bij-de-buren"],
                    headers={"x-forwarded-for": f"x{i}"},
                ).status_code
                for i in range(15)
            ]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert codes.count(429) >= 5, codes


@pytest.mark.parametrize("peer", ["x1", "x2", "", "not an address"])
def test_a_peer_that_is_no_address_shares_one_key(peer: str) -> None:
    assert client_address(peer, [f"evil-{peer}"], 1) == "unknown"
    assert client_address(peer, [], 0) == "unknown"


@pytest.fixture(scope="module")
def local_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from . import servers

    site = tmp_path_factory.mktemp("static-site")
    (site / "index.html").write_text("<p>home</p>")
    (site / "folder").mkdir()
    (site / "folder" / "index.html").write_text("<p>folder</p>")
    db = tmp_path_factory.mktemp("static-db") / "db.sqlite3"
    proc, base = servers.start(f"sqlite:///{db}", site=site)
    yield base
    proc.terminate()
    proc.communicate(timeout=10)


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/", {}, 200),
        ("HEAD", "/", {}, 200),
        ("GET", "/folder", {"host": "evil.example"}, 307),
        ("GET", "/%00", {}, 400),
        ("GET", "/" + "a" * 10_000, {}, 404),
        ("GET", "/" + "a" * 300 + "/b", {}, 404),
        ("OPTIONS", "/", {}, 405),
        ("PUT", "/index.html", {}, 405),
        ("DELETE", "/index.html", {}, 405),
        ("POST", "/folder/", {}, 405),
        ("GET", "/..%2f..%2fetc/passwd", {}, 404),
    ],
)
def test_static_files_never_answer_500_or_redirect_elsewhere(
    local_site: str, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    r = httpx.request(method, local_site + path, headers=headers, follow_redirects=False)
    assert r.status_code == status, (r.status_code, r.text[:200])
    if "location" in r.headers:
        assert r.headers["location"].startswith("/") and "evil" not in r.headers["location"]
    assert "Traceback" not in r.text


def test_postgres_purge_leaves_no_dead_tuple_on_disk(cli_env: str) -> None:
    """Issue 20 #10: a purged row stayed in the table file as a dead tuple; plain VACUUM (and
    autovacuum) only marks its space free. The purge now rewrites the tables it touched."""
    if not cli_env.startswith("postgres"):
        pytest.skip("PostgreSQL only (SQLite: secure_delete + WAL checkpoint, test_cli)")
    import datetime as dt
    import io
    import os
    import uuid

    import psycopg
    from spiegel.cli import main

    marker = "Dood" + uuid.uuid4().hex[:10]
    for i in range(3):
        _post(
            cli_env,
            {**VALID["collegiale-ondersteuning"], "naam": f"{marker} {i}"},
            None,
            "collegiale-ondersteuning",
        )
    with psycopg.connect(cli_env, autocommit=True) as conn:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        conn.execute("UPDATE submissions SET created_at = %s", (old,))
        conn.execute("CHECKPOINT")
        path = conn.execute("SELECT pg_relation_filepath('submissions')").fetchone()[0]
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        if not os.access(data_dir, os.R_OK):
            pytest.skip("the PostgreSQL data directory is not readable here")
        with open(os.path.join(data_dir, path), "rb") as fh:
            assert marker.encode() in fh.read()  # the test sees what it looks for
        assert main(["purge"], io.StringIO()) == 0  # no VACUUM by hand this time
        conn.execute("CHECKPOINT")
        path = conn.execute("SELECT pg_relation_filepath('submissions')").fetchone()[0]
    with open(os.path.join(data_dir, path), "rb") as fh:
        assert marker.encode() not in fh.read()
