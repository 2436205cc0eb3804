"""The endpoint over HTTP (Starlette TestClient), against both stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from spiegel.config import ConfigError, MailSettings, Settings
from spiegel.db import open_store
from spiegel.db.base import Store
from spiegel.services import Services
from spiegel.web.app import create_app
from starlette.applications import Starlette
from starlette.testclient import TestClient

from .conftest import ROOT
from .test_forms import VALID

SIGNUP = VALID["spiegelbijeenkomst"]


def person(i: int, **kw: str) -> dict[str, str]:
    """A sign-up by someone else (one person gets one seat per session)."""
    return {**SIGNUP, "naam": f"Persoon {i}", "email": f"persoon{i}@example.nl", **kw}


def settings_for(database_url: str, **kw: Any) -> Settings:
    base = Settings(
        database_url=database_url,
        content_dir=ROOT / "content",
        forms_dir=ROOT / "forms",
        rate_limit=0,
    )
    return base._replace(**kw)


def services_for(
    database_url: str,
    store: Store | None = None,
    mail: MailSettings | None = None,
    migrate: bool = True,
    **kw: Any,
) -> Services:
    """What an entry point builds, from ``settings_for``'s configuration (``mail`` replaces
    its mail group; ``store``: one already open)."""
    config = settings_for(database_url, **kw)
    return Services.build(config._replace(mail=mail) if mail else config, store, migrate)


def app_for(database_url: str, **kw: Any) -> Starlette:
    return create_app(services_for(database_url, **kw))


@pytest.fixture
def make_client(database_url: str) -> Iterator[Any]:
    made: list[TestClient] = []

    def make(**kw: Any) -> TestClient:
        app = app_for(database_url, **kw)
        client = TestClient(app, base_url="http://testserver")
        made.append(client)
        return client

    yield make
    for c in made:
        c.app.state.store.close()  # type: ignore[attr-defined]


@pytest.fixture
def client(make_client: Any) -> TestClient:
    return make_client()


def stored(client: TestClient, form_id: str) -> list[dict[str, str]]:
    return [r.payload for r in client.app.state.store.rows(form_id)]  # type: ignore[attr-defined]


def test_html_post_redirects_to_thank_you_page(client: TestClient) -> None:
    r = client.post("/api/forms/spiegelbijeenkomst", data=SIGNUP, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/spiegelbijeenkomst/aanmelden/bedankt/"
    assert stored(client, "spiegelbijeenkomst")[0]["naam"] == "Anna de Vries"


def test_json_post_gets_201_with_id_and_status(client: TestClient) -> None:
    r = client.post("/api/forms/spiegelbijeenkomst", json={**SIGNUP, "akkoord_gegevens": True})
    assert r.status_code == 201
    body = r.json()
    assert len(body["id"]) == 32 and body["status"] == "confirmed"
    r = client.post("/api/forms/vvg", json=VALID["vvg"])  # VVG dates have seats too (issue 22)
    assert r.status_code == 201 and r.json()["status"] == "confirmed"


@pytest.mark.parametrize("rol", ["partner", "mantelzorger"])
def test_partners_and_carers_come_in_addition_to_the_patients(client: TestClient, rol: str) -> None:
    """The leaflet: about 5 to 7 (ex-)patients; partners and carers are welcome in addition."""
    for i in range(7):
        assert client.post("/api/forms/spiegelbijeenkomst", json=person(i)).json()["status"] == (
            "confirmed"
        )
    r = client.post("/api/forms/spiegelbijeenkomst", json=person(100, rol=rol))
    assert r.status_code == 201 and r.json()["status"] != "waitlist"  # no seat needed
    assert client.post("/api/forms/spiegelbijeenkomst", json=person(8)).json()["status"] == (
        "waitlist"
    )
    # the partner still belongs to the session: a message, a cancel link, no seat in the counts
    store = client.app.state.store  # type: ignore[attr-defined]
    row = store.submission(r.json()["id"])
    # a keyed hash also without an encryption key (the database's own secret), never the id
    assert row.capacity_key == client.app.state.services.keys.seat(  # type: ignore[attr-defined]
        "spiegelbijeenkomst", SIGNUP["sessie"]
    )
    assert row.capacity_key != SIGNUP["sessie"]
    assert [o.kind for o in store.outbox(("pending",)) if o.submission_id == row.id] == [
        "confirmation"
    ]
    live = {s["id"]: s for s in client.get("/api/sessions").json()["sessions"]}
    assert live[SIGNUP["sessie"]]["available"] == 0 and live[SIGNUP["sessie"]]["waitlist"] == 1
    assert store.cancel(row.id, 7).before == "received"  # cancelling works, frees no seat


def test_eighth_signup_is_waitlisted(client: TestClient) -> None:
    statuses = [
        client.post("/api/forms/spiegelbijeenkomst", json=person(i)).json()["status"]
        for i in range(8)
    ]
    assert statuses == ["confirmed"] * 7 + ["waitlist"]
    r = client.post("/api/forms/spiegelbijeenkomst", data=person(8), follow_redirects=False)
    assert r.headers["location"] == "/spiegelbijeenkomst/aanmelden/wachtlijst/"
    other = client.post(
        "/api/forms/spiegelbijeenkomst",
        json={**SIGNUP, "sessie": "2027-03-kinderafdeling", "rol": "ouder"},
    )
    assert other.json()["status"] == "confirmed"


def test_invalid_json_lists_every_error_in_dutch(client: TestClient) -> None:
    r = client.post(
        "/api/forms/spiegelbijeenkomst", json={"naam": "", "email": "x", "onbekend": "y"}
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors["email"] == ["Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl."]
    assert errors["onbekend"] == ["Dit veld kennen we niet."]
    assert {"sessie", "naam", "rol", "akkoord_vertrouwelijk", "akkoord_gegevens"} <= set(errors)
    assert stored(client, "spiegelbijeenkomst") == []


def test_invalid_html_post_gets_accessible_error_page(client: TestClient) -> None:
    r = client.post(
        "/api/forms/spiegelbijeenkomst",
        data={**SIGNUP, "naam": "<script>alert(1)</script>", "email": "x"},
    )
    assert r.status_code == 422
    html = r.text
    assert '<html lang="nl">' in html
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert 'role="alert"' in html and "autofocus" in html and 'href="#f-email"' in html
    assert 'aria-describedby="f-email-hint f-email-error"' in html
    assert 'href="/spiegelbijeenkomst/aanmelden/"' in html  # back to the form page
    assert "http" not in html.split("<body>")[1].replace('href="/', "")  # no other host


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"content-type": "text/plain"}, b"naam=x", 415),
        ({"content-type": "multipart/form-data; boundary=x"}, b"--x--", 415),
        ({"content-type": "application/json"}, b"[1, 2]", 422),
        ({"content-type": "application/json"}, b"{not json", 422),
        ({"content-type": "application/x-www-form-urlencoded"}, b"naam=%ff%fe", 422),
        ({"content-type": "application/json"}, b"x" * (70 * 1024), 413),
        ({"content-type": "application/x-www-form-urlencoded"}, b"a=" + b"x" * (1024 * 1024), 413),
    ],
    ids=["text", "multipart", "json-list", "json-broken", "bad-utf8", "json-too-big", "1MB"],
)
def test_bad_requests(
    client: TestClient, headers: dict[str, str], body: bytes, status: int
) -> None:
    r = client.post("/api/forms/vvg", content=body, headers=headers)
    assert r.status_code == status
    assert stored(client, "vvg") == []


def test_unknown_form_is_404(client: TestClient) -> None:
    assert client.post("/api/forms/bestaat-niet", json={}).status_code == 404
    assert client.post("/api/forms/../../etc", json={}).status_code == 404


def test_honeypot_gets_normal_success_and_is_not_stored(client: TestClient) -> None:
    r = client.post(
        "/api/forms/vvg", data={**VALID["vvg"], "website": "http://spam"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/vvg/aanmelden/bedankt/"
    r = client.post("/api/forms/vvg", json={**VALID["vvg"], "website": "x"})
    assert r.status_code == 201
    assert stored(client, "vvg") == []


@pytest.mark.parametrize(
    ("elapsed", "status", "kept"),
    # a time that is no number is no page's: refused as the OpenAPI document says (issue 20)
    [("400", 303, False), ("abc", 422, False), ("9000", 303, True), ("", 303, True)],
)
def test_minimum_fill_time(client: TestClient, elapsed: str, status: int, kept: bool) -> None:
    r = client.post(
        "/api/forms/vvg", data={**VALID["vvg"], "_elapsed": elapsed}, follow_redirects=False
    )
    assert r.status_code == status
    assert len(stored(client, "vvg")) == (1 if kept else 0)


def test_rate_limit(make_client: Any) -> None:
    c = make_client(rate_limit=3)
    codes = [c.post("/api/forms/vvg", json=VALID["vvg"]).status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    r = c.post("/api/forms/vvg", json=VALID["vvg"])
    assert r.headers["retry-after"] == "60"


def test_cors_only_for_configured_origins(make_client: Any) -> None:
    c = make_client(allowed_origins=("https://spiegel.example.nl",))
    pre = {
        "origin": "https://spiegel.example.nl",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    ok = c.options("/api/forms/vvg", headers=pre)
    assert ok.headers.get("access-control-allow-origin") == "https://spiegel.example.nl"
    bad = c.options("/api/forms/vvg", headers={**pre, "origin": "https://evil.example"})
    assert "access-control-allow-origin" not in bad.headers
    r = c.post("/api/forms/vvg", json=VALID["vvg"], headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post(
        "/api/forms/vvg", json=VALID["vvg"], headers={"origin": "https://spiegel.example.nl"}
    )
    assert r.status_code == 201


def test_sql_fragments_are_just_text(client: TestClient) -> None:
    evil = "Robert'); DROP TABLE submissions;--"
    r = client.post("/api/forms/vvg", json={**VALID["vvg"], "naam": evil})
    assert r.status_code == 201
    assert stored(client, "vvg")[0]["naam"] == evil


def test_questionnaire_needs_an_issued_code(client: TestClient) -> None:
    answers = {f"s{i:02d}": "4" for i in range(1, 13)}
    body = {"evaluatie": "longziekten-2026", "respondentgroep": "medewerkers", **answers}
    assert client.post("/api/forms/groepsevaluatie", json=body).json()["errors"] == {
        "code": ["Vul de code uit uw uitnodiging in."]
    }
    # a self-chosen code is no longer accepted (tests/test_invites.py covers issued codes)
    r = client.post("/api/forms/groepsevaluatie", json={**body, "code": "ABCD-1234"})
    assert r.status_code == 422 and stored(client, "groepsevaluatie") == []


def test_every_value_encrypted_at_rest(make_client: Any) -> None:
    """Issue 11 #9: with a key, no submitted value and no session id is readable in the store."""
    from cryptography.fernet import Fernet

    c = make_client(encryption_key=Fernet.generate_key().decode())
    statuses = [
        c.post(
            "/api/forms/spiegelbijeenkomst",
            json=person(i, naam=f"Anna de Vries {i}", toegankelijkheid="rolstoelplek graag"),
        ).json()["status"]
        for i in range(8)
    ]
    assert statuses == ["confirmed"] * 7 + ["waitlist"]  # seats are still counted
    # and the live availability finds them under the keyed hash (issue 10 on top of issue 11)
    live = {s["id"]: s for s in c.get("/api/sessions").json()["sessions"]}
    assert live[SIGNUP["sessie"]]["available"] == 0 and live[SIGNUP["sessie"]]["waitlist"] == 1
    row = stored(c, "spiegelbijeenkomst")[0]
    assert list(row) == ["_sealed"] and row["_sealed"].startswith("enc:v2:")  # one token
    dump = json.dumps(stored(c, "spiegelbijeenkomst"))
    for clear in ("Anna", "patient", "rolstoelplek", SIGNUP["sessie"], "example.nl", "naam"):
        assert clear not in dump
    store = c.app.state.store  # type: ignore[attr-defined]
    assert store.count("spiegelbijeenkomst", SIGNUP["sessie"]) == 0  # not keyed on the session id
    cipher = c.app.state.cipher  # type: ignore[attr-defined]
    assert cipher.open(stored(c, "spiegelbijeenkomst")[0])["naam"] == "Anna de Vries 0"


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    ids = {f["id"] for f in client.get("/api/forms").json()["forms"]}
    assert {p for p in doc["paths"] if p.startswith("/api/forms/")} == {
        f"/api/forms/{i}" for i in ids
    }
    assert "spiegelbijeenkomst" in doc["components"]["schemas"]


def test_security_headers(client: TestClient) -> None:
    r = client.post("/api/forms/vvg", json={})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_form_contents_are_never_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    client.post("/api/forms/vvg", json={**VALID["vvg"], "naam": "Geheime Naam"})
    client.post("/api/forms/vvg", json={**VALID["vvg"], "naam": "Geheime Naam", "email": "fout"})
    assert "Geheime" not in caplog.text


def test_migrations_are_idempotent(database_url: str) -> None:
    from spiegel.db.postgres_migrations import PG_MIGRATIONS
    from spiegel.db.sqlite_migrations import SQLITE_MIGRATIONS

    count = len(SQLITE_MIGRATIONS)
    assert count == len(PG_MIGRATIONS) >= 11  # the dialects stay in step
    store = open_store(database_url)
    first = store.migrate()
    assert first == count and store.migrate() == 0
    store.close()


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SPIEGEL_RATE_LIMIT": "veel"}, "SPIEGEL_RATE_LIMIT: expected a whole number, got 'veel'"),
        ({"SPIEGEL_DATABASE_URL": "mysql://x"}, "SPIEGEL_DATABASE_URL: expected sqlite:///"),
        ({"SPIEGEL_DATABASE_URL": "sqlite:///build/site/db.sqlite3"}, "may not live under build/"),
        (
            {"SPIEGEL_ENV": "production"},
            "SPIEGEL_ENCRYPTION_KEY: required when SPIEGEL_ENV=production",
        ),
        ({"SPIEGEL_ENCRYPTION_KEY": "kort"}, "SPIEGEL_ENCRYPTION_KEY: expected a Fernet key"),
        ({"SPIEGEL_ALLOWED_ORIGINS": "http://evil.example"}, "expected https:// origins"),
        ({"SPIEGEL_ENV": "production"}, "SPIEGEL_SITE_URL: required when SPIEGEL_ENV=production"),
        ({"SPIEGEL_TRUST_PROXY": "veel"}, "SPIEGEL_TRUST_PROXY: expected a whole number"),
    ],
)
def test_config_errors_are_clear(env: dict[str, str], problem: str) -> None:
    base = {"SPIEGEL_CONTENT_DIR": str(ROOT / "content"), "SPIEGEL_FORMS_DIR": str(ROOT / "forms")}
    with pytest.raises(ConfigError) as exc:
        Settings.from_env(base | env)
    assert problem in str(exc.value)


def test_sessions_endpoint_counts_only_and_is_cacheable(client: TestClient) -> None:
    for i in range(8):
        client.post("/api/forms/spiegelbijeenkomst", json=person(i))
    r = client.get("/api/sessions")
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=60"
    by_id = {s["id"]: s for s in r.json()["sessions"]}
    assert by_id["2027-01-cardiologie"] == {
        "id": "2027-01-cardiologie",
        "form": "spiegelbijeenkomst",
        "date": "2027-01-14",
        "capacity": 7,
        "available": 0,
        "waitlist": 1,
        "full": True,
        "cancelled": False,
    }
    assert by_id["2027-03-kinderafdeling"]["available"] == 6
    assert "2026-10-orthopedie" not in by_id  # past sessions leave the list (issue 21)
    assert "@" not in r.text and "Persoon" not in r.text


def test_cap_of_signups_per_client_per_day(database_url: str) -> None:
    app = app_for(database_url, mail=MailSettings(signups_per_day=3))
    with TestClient(app) as c:
        codes = [
            c.post("/api/forms/spiegelbijeenkomst", json=person(i)).status_code for i in range(4)
        ]
        assert codes == [201, 201, 201, 429]
        r = c.post("/api/forms/spiegelbijeenkomst", data=person(9), follow_redirects=False)
        assert r.status_code == 429 and "morgen" in r.text
        assert c.post("/api/forms/vvg", json=VALID["vvg"]).status_code == 201  # its own count
    app.state.store.close()


def test_cancel_link_get_changes_nothing_and_bad_tokens_find_nothing(client: TestClient) -> None:
    from spiegel.signups.prepare import cancel_token

    sid = client.post("/api/forms/spiegelbijeenkomst", json=SIGNUP).json()["id"]
    token = cancel_token(client.app.state.link_key(), sid)  # type: ignore[attr-defined]
    for _ in range(3):
        page = client.get(f"/api/afmelden/{token}")
        assert page.status_code == 200 and "Wilt u zich afmelden?" in page.text
    store = client.app.state.store  # type: ignore[attr-defined]
    assert store.submission(sid).status == "confirmed"
    for bad in (
        sid,
        f"{sid}.",
        f"{sid}.{'A' * 24}",
        "x" * 500,
        f"{'0' * 32}.{token.split('.')[1]}",
        "0.\x80",  # non-ASCII: once a 500 (compare_digest refuses such text), found by the fuzzer
        f"{sid}.{token.split('.')[1][:-1]}é",
    ):
        assert client.get(f"/api/afmelden/{bad}").status_code == 404
        assert client.post(f"/api/afmelden/{bad}").status_code == 404
    assert client.post(f"/api/afmelden/{token}").status_code == 200
    assert store.submission(sid).status == "cancelled"
    assert store.count("spiegelbijeenkomst", "2027-01-cardiologie", "confirmed") == 0


def test_reads_answer_while_the_writer_is_busy(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/api/sessions`` and the cancel page read on SQLite's one writer thread: behind every
    commit's fsync, and in a burst past the bounded wait (a 503), though a reader in WAL mode
    never needs the writer. With a write held open on the writer thread, both answer at once."""
    import asyncio
    import threading
    import time

    from spiegel.db import threads as db_threads
    from spiegel.signups.prepare import cancel_token

    monkeypatch.setattr(db_threads, "WAIT_SECONDS", 1.0)
    state = client.app.state  # type: ignore[attr-defined]
    sid = client.post("/api/forms/spiegelbijeenkomst", json=SIGNUP).json()["id"]
    token = cancel_token(state.link_key(), sid)
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with state.store.dialect.transaction():  # the write lock (SQLite), on the writer thread
            started.set()
            release.wait(10)

    holder = threading.Thread(target=lambda: asyncio.run(state.write_slots.run(hold)))
    holder.start()
    try:
        assert started.wait(5)
        before = time.monotonic()
        live = client.get("/api/sessions")
        page = client.get(f"/api/afmelden/{token}")
        took = time.monotonic() - before
    finally:
        release.set()
        holder.join(10)
    assert live.status_code == 200 and live.json()["sessions"]
    assert page.status_code == 200 and "Wilt u zich afmelden?" in page.text
    assert took < 0.9  # not the bounded wait for the writer's thread
