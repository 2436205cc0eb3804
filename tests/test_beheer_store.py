"""The back office's tables on both stores (SQLite and PostgreSQL): sessions, one-time logins,
the append-only access log, attendance, postal addresses until the letter, request states,
lookup hashes, and erasing one submission with everything that hangs on it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from spiegel.cli import main as cli
from spiegel.db import open_store
from spiegel.db.base import PENDING, Submission
from spiegel.db.beheer import Access, BeheerDB, StaffSession
from spiegel.security import sessions

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_sessions_logins_and_the_access_log(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    db = BeheerDB(store)
    staff = StaffSession("h1", "sub-1", "Carla", ("spiegelbijeenkomst",), "tok", T0, T0)
    db.add_session(staff)
    assert db.session("h1") == staff
    later = T0 + dt.timedelta(minutes=20)
    db.touch_session("h1", later)
    found = db.session("h1")
    assert found is not None and found.seen_at == later
    assert sessions.alive(found.created_at, found.seen_at, later + dt.timedelta(minutes=29))
    assert not sessions.alive(found.created_at, found.seen_at, later + dt.timedelta(minutes=31))
    assert not sessions.alive(
        T0, T0 + dt.timedelta(hours=7, minutes=59), T0 + dt.timedelta(hours=8)
    )
    db.end_session("h1")
    assert db.session("h1") is None
    db.add_session(StaffSession("h2", "s", "n", (), "t", T0, T0))
    db.add_session(StaffSession("h3", "s", "n", (), "t", T0, later))
    assert db.end_stale_sessions(T0 - dt.timedelta(hours=1), later - dt.timedelta(minutes=1)) == 1
    assert db.session("h2") is None and db.session("h3") is not None
    db.add_login("state-1", "nonce-1", "verifier-1", T0)
    assert db.take_login("state-1", T0 - dt.timedelta(minutes=10)) == ("nonce-1", "verifier-1")
    assert db.take_login("state-1", T0 - dt.timedelta(minutes=10)) is None  # one time only
    db.add_login("state-2", "n", "v", T0)
    assert db.take_login("state-2", T0 + dt.timedelta(minutes=1)) is None  # too old
    for i in range(3):
        db.log_access(
            Access(T0 + dt.timedelta(days=i), "sub-1", "Carla", "vvg", f"w{i}", "bekeken", "")
        )
    assert [a.what for a in db.access_log()] == ["w2", "w1", "w0"]
    assert db.purge_access_log(T0 + dt.timedelta(days=1)) == 1
    assert [a.what for a in db.access_log()] == ["w2", "w1"]
    store.close()


def test_per_signup_rows_and_erasing(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    db = BeheerDB(store)
    a = store.submit(Submission("spiegelbijeenkomst", {"naam": "A"}, "s1", 5, notify=True)).id
    b = store.submit(Submission("vvg", {"naam": "B"})).id
    db.set_attendance(a, True, "Carla", T0)
    db.set_attendance(a, False, "Carla", T0)
    assert db.attendance([a, b]) == {a: False}
    db.set_address(a, "Straat 1", T0)
    assert db.addresses([a]) == {a: "Straat 1"}
    assert db.letter_sent(a, "s1", "post", "Carla", T0) is True
    assert db.letter_sent(a, "s1", "post", "Carla", T0) is False  # each letter once
    assert db.addresses([a]) == {}
    assert db.letters([a])[a][0] == "post"
    db.set_request_state(b, "in behandeling", "Piet", T0)
    assert db.request_states([b]) == {b: ("in behandeling", "Piet")}
    assert db.unindexed([a, b]) == [a, b]
    db.add_lookups(a, ["k1", "k1", "k2"])
    db.add_lookups(b, [])
    assert db.unindexed([a, b]) == [] and db.find("k1") == [a]
    assert any(o.submission_id == a for o in store.outbox((PENDING,)))
    assert db.erase(a) == 1
    assert store.submission(a) is None and db.find("k1") == [] and db.letters([a]) == {}
    assert not any(o.submission_id == a for o in store.outbox((PENDING,)))
    store.close()


def test_access_log_command(cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(cli_env)
    store.migrate()
    BeheerDB(store).log_access(Access(T0, "sub-9", "Fatima", "privacy", "logboek", "bekeken", ""))
    store.close()
    out = io.StringIO()
    assert cli(["access-log"], out) == 0
    assert "sub-9\tFatima\tprivacy\tlogboek\tbekeken" in out.getvalue()
    out = io.StringIO()
    assert cli(["audit-log"], out) == 0  # the existing command shows it too
    assert "Fatima (sub-9)\tbekeken\tprivacy\tlogboek" in out.getvalue()
