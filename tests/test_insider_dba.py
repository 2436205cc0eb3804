"""Issue 19, the hidden check, as the database administrator: with the key and every copy of
the database files (the SQLite file and its WAL, PostgreSQL's table files), after delivery and
after a batch, try to link an address to a code, a code to an answer, or an answer to a time
finer than the day. Each attack ran against the real commands, endpoint and SMTP relay.

- The ballot box's sealed answers carried the second they arrived: a Fernet token holds its
  creation time in clear (no key needed). Now they are sealed at midnight of their day.
- A reader holding the SQLite database while a batch moved (a long request, a backup tool) kept
  the WAL from being emptied, silently: the answers' own commits, which also mark their codes
  used, stayed in the files. Now the wipe is owed and done at the next chance, and said.
- Without a relay every invitation stayed in ``SPIEGEL_OUTBOX_DIR`` as a ``.eml`` file with its
  address and code, for good. Now an invitation is never written to a file.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
from spiegel.cli import main
from spiegel.clock import ZONE
from spiegel.db import open_store
from spiegel.db.base import FAILED
from spiegel.mailsettings import MailSettings
from spiegel.outbox.worker import make_sender
from spiegel.security.cipher import SEALED_PREFIX
from spiegel.security.invites import normalise
from spiegel.signups import ballots, invitations
from starlette.testclient import TestClient

from .answers import issue
from .smtp import Relay
from .test_endpoint import app_for, services_for
from .test_invitations import CODE, KEY, env, invite, raw_files, relay, run, text_of

__all__ = ["env", "relay"]  # fixtures used here
EV = "cardiologie-2026"
ANSWERS = {f"s{i:02d}": "4" for i in range(1, 13)}
TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}")


def fernet_time(token: str | bytes) -> int:
    """The creation time every Fernet token carries in clear (bytes 1-8), no key needed."""
    raw = token.encode() if isinstance(token, str) else token
    data = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    return int(struct.unpack(">Q", data[1:9])[0])


def midnight(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(0), ZONE).timestamp())


def decrypt_all(raw: bytes) -> list[tuple[int, str]]:
    """What the administrator reads with the key: every token anywhere in the files, opened."""
    from cryptography.fernet import Fernet, InvalidToken

    fernet, out = Fernet(KEY.encode()), []
    for m in TOKEN.finditer(raw):
        try:
            out.append((fernet_time(m.group(0)), fernet.decrypt(m.group(0)).decode().strip()))
        except (InvalidToken, ValueError, struct.error):
            continue
    return out


def pg_files(url: str) -> bytes:
    """Every table, index and TOAST file of the test's schema, after a checkpoint."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        paths = [
            r[0]
            for r in conn.execute(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                " AND c.relkind IN ('r', 'i', 't') AND pg_relation_filepath(c.oid) IS NOT NULL"
            ).fetchall()
        ]
    if not os.access(data_dir, os.R_OK):
        pytest.skip("the PostgreSQL data directory is not readable here")
    out = b""
    for p in paths:
        full = Path(data_dir) / p
        for part in [full, *sorted(full.parent.glob(full.name + ".*"))]:
            if part.is_file():
                out += part.read_bytes()
    return out


def every_copy(url: str) -> bytes:
    return raw_files(url) if url.startswith("sqlite") else pg_files(url)


def give_answers(url: str, codes: list[str], group: str = "managers") -> None:
    app = app_for(url, encryption_key=KEY)  # the repository's content: the evaluation is open
    with TestClient(app) as c:
        for code in codes:
            body = {"evaluatie": EV, "respondentgroep": group, "code": code, **ANSWERS}
            assert c.post("/api/forms/groepsevaluatie", json=body).status_code == 201
    app.state.store.close()


# ------------------------------------------------------------------ time of an answer


def test_dba_ballot_box_shows_no_arrival_time_not_even_in_the_token(env: str) -> None:
    """Before: each waiting answer's token said the second it came in, readable without the key
    (and a proxy log with that second names the sender). Now: midnight of its day, as `day`."""
    give_answers(env, issue(EV, "managers", 3))
    store = open_store(env)
    with store.dialect.read() as conn:  # type: ignore[attr-defined]
        found = conn.execute("SELECT day, payload FROM ballot_box").fetchall()
    store.close()
    assert len(found) == 3
    for day, payload in found:
        token = json.loads(payload)["_sealed"] if isinstance(payload, str) else payload["_sealed"]
        token = token.removeprefix(SEALED_PREFIX)
        assert fernet_time(token) == midnight(dt.date.fromisoformat(str(day)))


# ------------------------------------------------------------------ the whole run, every copy


def test_dba_with_the_key_reads_no_code_and_no_time_in_any_copy(
    env: str, relay: Relay, tmp_path: Path
) -> None:
    """Invite by e-mail (one refused), deliver, answer with the delivered codes and slips, let a
    batch move; then open every token in every database file with the key. What it may hold:
    the sealed addresses kept for the reminder and the refused invitation (the README says so),
    and the answers, all sealed in the batch's transaction. No delivered code, no token of an
    answer older than its batch."""
    people = ["anna@example.nl", "bob@example.nl", "onbekend@example.nl", "onbekend2@example.nl"]
    assert invite(tmp_path, people)[0] == 0
    assert run("outbox", "send")[0] == 0
    relay.wait_for(2)
    from spiegel.services import Services

    services = Services.from_env()  # one refused invitation goes to a corrected address
    failed = invitations.undelivered(services.store, services.cipher, EV, "managers")
    mid = next(u.id for u in failed if u.address == "onbekend@example.nl")
    fix = invitations.resend(
        services.store, services.keys, services.cipher, EV, "managers", mid, "carla@example.nl"
    )
    assert fix is None
    services.store.close()
    assert run("outbox", "send")[0] == 0
    mails = relay.wait_for(3)
    delivered = [CODE.findall(text_of(m))[0] for m in mails]
    slips = issue(EV, "managers", ballots.BALLOT_BATCH - len(delivered))
    give_answers(env, delivered + slips)
    before = int(dt.datetime.now(dt.UTC).timestamp())
    assert run("ballots")[1].startswith(f"spiegel ballots: {ballots.BALLOT_BATCH} antwoord(en)")
    opened = decrypt_all(every_copy(env))
    answers = [(t, text) for t, text in opened if '"s01"' in text]
    others = [json.loads(text) for _, text in opened if '"s01"' not in text]
    assert len(answers) == ballots.BALLOT_BATCH  # each once: no copy of the ballot box left
    assert all(t >= before for t, _ in answers)
    for code in delivered:
        for form in (code, normalise(code) or ""):
            assert not [o for o in others if form in json.dumps(o)], code
    assert {o["aan"] for o in others if set(o) == {"aan"}} == {
        *(p for p in people if p != "onbekend@example.nl"),
        "carla@example.nl",
    }  # kept for the reminder (README: until it is queued); carla replaced the refused one
    refused = [o for o in others if "code" in o]
    assert [o["aan"] for o in refused] == ["onbekend2@example.nl"]  # README: after a refusal


# ------------------------------------------------------------------ a reader holds the WAL


def test_dba_a_reader_holding_the_database_during_a_batch_leaves_no_link_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite waits 5 s for readers to let go before it empties the WAL; a reader that holds on
    longer (a backup tool, a slow export) made the checkpoint give up without a word, and the
    answers' own commits (the ballot row and its used code, one transaction) stayed in the
    files. Now the wipe is owed: it is said, and done at the next move (serve's housekeeping,
    `spiegel ballots`)."""
    from spiegel.db.dialects import sqlite as sqlite_dialect

    monkeypatch.setattr(sqlite_dialect, "WAIT_SECONDS", 0.2)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", url)
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", KEY)
    held = open_store(url)  # the serve process: open all along, so the WAL is not closed away
    give_answers(url, issue(EV, "managers", 3))
    with held.dialect.read() as conn:  # type: ignore[attr-defined]
        waiting = [
            held.dialect.read_json(r[0])["_sealed"]  # type: ignore[attr-defined]
            for r in conn.execute("SELECT payload FROM ballot_box").fetchall()
        ]
    path = tmp_path / "db.sqlite3"
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM submissions").fetchone()  # a snapshot, held
    from spiegel.services import Services

    cipher = Services.from_env().cipher
    assert ballots.move(held, cipher, open_now=()) == 3
    assert "WAL" in caplog.text  # said, not silent
    reader.execute("COMMIT")
    reader.close()
    assert ballots.move(held, cipher) == 0  # nothing to move; the owed wipe is done
    raw = raw_files(url)
    assert not [t for t in waiting if t.encode() in raw]
    held.close()


# ------------------------------------------------------------------ .eml without a relay


def test_dba_no_relay_writes_no_invitation_to_a_file(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without SPIEGEL_SMTP_URL each message became ``<id>.eml`` in SPIEGEL_OUTBOX_DIR, kept for
    good: every invitation with its address and code in one folder, the code list again. Now an
    invitation waits as "niet bezorgd" (sealed, resendable once a relay is set) and no file is
    written; other messages still become files."""
    folder = tmp_path / "outbox"
    mail = MailSettings(
        outbox_dir=folder, mail_from="Spiegel <s@zorggroep.example>", public_url="https://s.example"
    )
    services = services_for(database_url, mail=mail, encryption_key=KEY)
    t, _ = invitations.target(
        __import__("yaml").safe_load(Path("content/groepsevaluatie.yaml").read_text()),
        EV,
        "managers",
        dt.date(2030, 12, 31),
        dt.date.today(),
    )
    assert t is not None
    people = ["anna@example.nl", "bob@example.nl"]
    assert invitations.invite(services.store, services.keys, services.cipher, t, people) == []
    sender = make_sender(services)
    sender.run_once()
    files = list(folder.glob("*.eml")) if folder.exists() else []
    assert files == []
    status = invitations.overview(services.store)[EV]["managers"]
    assert (status.delivered, status.failed) == (0, 2)
    waiting = invitations.undelivered(services.store, services.cipher, EV, "managers")
    assert sorted(u.address for u in waiting) == people
    assert all("SPIEGEL_SMTP_URL" in u.reason for u in waiting)
    assert all(CODE.search(repr(u)) is None for u in waiting)
    with services.store.dialect.read() as conn:  # type: ignore[attr-defined]
        kinds = {r[0] for r in conn.execute("SELECT status FROM outbox").fetchall()}
    assert kinds == {FAILED}
    services.store.close()


def test_dba_a_copy_of_the_outbox_folder_holds_no_code(
    env: str, relay: Relay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a relay nothing of an invitation is written outside the database."""
    assert invite(tmp_path, ["anna@example.nl"])[0] == 0
    assert run("outbox", "send")[0] == 0
    [mail] = relay.wait_for(1)
    code = CODE.findall(text_of(mail))[0]
    outbox = Path(os.environ["SPIEGEL_OUTBOX_DIR"])
    assert not outbox.exists() or not [p for p in outbox.rglob("*") if code in p.read_text()]
    buf = io.StringIO()
    assert main(["outbox", "--personal"], buf) == 0 and code not in buf.getvalue()


# ------------------------------------------------------------------ padding inside the database


def test_dba_rows_copied_into_the_database_show_in_no_preview_or_debrief(
    env: str, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack 6 from the inside, for the back office: the administrator copies one manager's
    answer (and comment) four times, so the group reaches k. `spiegel results` refused that; the
    preview and the debrief showed the padded group to the coordinator (the mean and the
    comment of one person). Now both compare n with the codes used, as publishing does."""
    from spiegel.content.model import load_content
    from spiegel.services import Services
    from spiegel.signups import debrief, publication

    give_answers(env, issue(EV, "eigen-groep", 6), group="eigen-groep")
    give_answers(env, issue(EV, "managers", 1))
    services = Services.from_env()
    store, cipher = services.store, services.cipher
    store.move_ballots(1, ballots.reseal_with(cipher))
    d: Any = store.dialect  # type: ignore[attr-defined]
    with d.transaction() as conn:
        found = conn.execute("SELECT form_id, created_at, status, payload FROM submissions")
        form_id, created, status, body = next(
            (r[0], r[1], r[2], d.read_json(r[3]))
            for r in found.fetchall()
            if cipher is not None
            and cipher.open(d.read_json(r[3]))["respondentgroep"] == "managers"
        )
        for i in range(4):  # the one manager's answer, four times more
            conn.execute(
                "INSERT INTO submissions (id, form_id, created_at, status, payload, seq)"  # noqa: S608
                f" VALUES ({d.mark}, {d.mark}, {d.mark}, {d.mark}, {d.mark}, {d.mark})",
                (f"copy-{i}", form_id, created, status, d.json(body), 1000 + i),
            )
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # cardiologie
    content = load_content(project.content)
    result, problems = publication.preview(store, cipher, content, EV, dt.date.today())
    assert result is None
    assert any(
        "groep managers heeft 5 antwoorden maar er zijn 1 codes gebruikt" in p for p in problems
    )
    shown, _ = debrief.groups(store, cipher, content.groepsevaluatie, EV)
    assert [g.id for g in shown] == ["eigen-groep"]
    store.close()
