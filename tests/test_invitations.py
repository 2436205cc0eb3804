"""Issue 19, attack 3: nobody holds the code list. Spiegel sends each invitation itself, through
the outbox and a real SMTP relay (aiosmtpd); once delivered, the address and the code are gone
from the database (tables, the SQLite file and its WAL, PostgreSQL's tables); the reminder goes
to everyone of the group alike, without a code. Both stores, with an encryption key."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spiegel.cli import main
from spiegel.db import open_store
from spiegel.db.base import FAILED, SENT
from spiegel.db.evaluations import EvaluationDB
from spiegel.security.invites import normalise
from spiegel.signups import invitations
from starlette.testclient import TestClient

from .answers import DEADLINE
from .conftest import ROOT, Project
from .smtp import Recorder, Relay
from .test_endpoint import app_for

EV = "cardiologie-2026"
KEY = "SnV-1h9LByM0acqd0hjiB7lJvtspDvMu04Kuv-wKM_M="
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
ANSWERS = {f"s{i:02d}": "3" for i in range(1, 13)}
PEOPLE = ["anna@example.nl", "bob.de.vries@example.nl", "onbekend@example.nl"]


class Refusing(Recorder):
    """A relay that does not know ``onbekend@...`` (550, as a real one answers)."""

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("onbekend"):
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[Relay]:
    r = Relay()
    r.recorder = Refusing()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def env(cli_env: str, relay: Relay, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("SPIEGEL_SMTP_URL", relay.url)
    monkeypatch.setenv("SPIEGEL_MAIL_FROM", "Spiegel <spiegel@zorggroep.example>")
    monkeypatch.setenv("SPIEGEL_PUBLIC_URL", "https://spiegel.zorggroep.example")
    monkeypatch.setenv("SPIEGEL_OUTBOX_DIR", str(tmp_path / "outbox"))
    return cli_env


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


def text_of(msg: Any) -> str:
    return str(msg.get_body(("plain",)).get_content())


def dump(url: str) -> str:
    """Every row of every table, as text (what a database administrator reads)."""
    store = open_store(url)
    d: Any = store.dialect  # type: ignore[attr-defined]
    with d.read() as conn:
        if store.kind == "sqlite":
            text = "\n".join(conn.iterdump())
        else:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                ).fetchall()
            ]
            text = "\n".join(
                json.dumps(conn.execute(f"SELECT * FROM {t}").fetchall(), default=str)  # noqa: S608
                for t in tables
            )
    store.close()
    return text


def raw_files(url: str) -> bytes:
    """The SQLite file and its WAL as bytes (empty for PostgreSQL)."""
    if not url.startswith("sqlite"):
        return b""
    path = Path(url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def waiting_tokens(url: str) -> list[str]:
    """The sealed content (address and code) of the invitations in the outbox."""
    store = open_store(url)
    with store.dialect.read() as conn:  # type: ignore[attr-defined]
        found = conn.execute("SELECT data FROM outbox WHERE data <> ''").fetchall()
    store.close()
    return [json.loads(r[0])["_sealed"] for r in found]


def invite(tmp_path: Path, people: list[str], group: str = "managers") -> tuple[int, str]:
    listing = tmp_path / f"adressen-{group}.txt"
    listing.write_text("# managers cardiologie\n" + "\n".join(people) + "\n", encoding="utf-8")
    return run("invite", EV, "--group", group, "--addresses", str(listing), "--deadline", DEADLINE)


def test_attack_3_nobody_holds_the_code_list(
    env: str,
    relay: Relay,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The colleague who did the mail merge held every code and could pad a small group with
    the unused ones. Now the codes exist only in the recipients' mailboxes: no output, file,
    log or table shows one, and after delivery neither address nor code is in the database."""
    rc, said = invite(tmp_path, PEOPLE)
    assert rc == 0 and "3 uitnodiging(en)" in said
    assert all(p not in dump(env) for p in PEOPLE)  # sealed while they wait
    sealed = waiting_tokens(env)
    assert len(sealed) == 3
    assert run("outbox", "send")[0] == 0
    delivered = relay.wait_for(2)
    assert sorted(m["To"] for m in delivered) == sorted(PEOPLE[:2])
    codes = [CODE.findall(text_of(m)) for m in delivered]
    assert all(len(c) == 1 for c in codes)
    codes_flat = [c[0] for c in codes]
    assert len(set(codes_flat)) == 2 and all(normalise(c) for c in codes_flat)
    body = text_of(delivered[0])
    for promise in ("tot en met", "anoniem", "groepsevaluatie/vragenlijst/", "minstens 5"):
        assert promise in body, promise
    assert "Cardiologie" not in delivered[0]["Subject"]
    # what the operator sees: every output, the status, the logs, every file they could open
    seen = said + run("invite", EV, "--status")[1] + run("outbox", "--personal")[1]
    seen += run("audit-log")[1] + run("access-log")[1]
    captured = capsys.readouterr()
    seen += captured.out + captured.err + caplog.text
    seen += "".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in tmp_path.rglob("*") if p.is_file()
    )
    table = dump(env)
    raw = raw_files(env)
    for code in codes_flat:
        for form in (code, code.replace("-", "")):
            assert form not in seen and form not in table, code
            assert form.encode() not in raw, code
    for address in PEOPLE[:2]:
        assert address not in table and address.encode() not in raw
    # the sealed address and code of each delivered message are gone too (blanked in the
    # commit that marked it sent, the freed pages overwritten); the refused one is kept
    gone = [s for s in sealed if s not in table]
    assert len(gone) == 2 and not [s for s in gone if s.encode() in raw]
    assert "3 codes; per e-mail 3: 2 bezorgd, 0 wachten, 1 niet bezorgd" in seen
    # the codes work: each opens the questionnaire once
    app = app_for(env, encryption_key=KEY)
    with TestClient(app) as c:
        for code in codes_flat:
            answer = {"evaluatie": EV, "respondentgroep": "managers", "code": code, **ANSWERS}
            assert c.post("/api/forms/groepsevaluatie", json=answer).status_code == 201
            assert c.post("/api/forms/groepsevaluatie", json=answer).status_code == 422
    app.state.store.close()


def test_undelivered_is_sent_again_to_a_corrected_address_without_showing_the_code(
    env: str, relay: Relay, tmp_path: Path
) -> None:
    assert invite(tmp_path, PEOPLE)[0] == 0
    assert run("outbox", "send")[0] == 0
    relay.wait_for(2)
    store = open_store(env)
    from spiegel.services import Services

    services = Services.from_env()
    [failed] = invitations.undelivered(store, services.cipher, EV, "managers")
    assert failed.address == "onbekend@example.nl" and "550" in failed.reason
    assert CODE.search(repr(failed)) is None  # the coordinator sees the address, never the code
    problem = invitations.resend(
        store, services.keys, services.cipher, EV, "managers", failed.id, "anna@example.nl"
    )
    assert problem and "al een code gekregen" in problem  # one person, one code
    assert (
        invitations.resend(
            store, services.keys, services.cipher, EV, "managers", failed.id, "carla@example.nl"
        )
        is None
    )
    services.store.close()
    store.close()
    assert run("outbox", "send")[0] == 0
    messages = relay.wait_for(3)
    assert [m["To"] for m in messages][-1] == "carla@example.nl"
    codes = {CODE.findall(text_of(m))[0] for m in messages}
    assert len(codes) == 3  # the same code the refused message held: still three in all
    status = invitations.overview(open_store(env))[EV]["managers"]
    assert (status.codes, status.delivered, status.failed) == (3, 3, 0)
    table = dump(env)
    for address in [*PEOPLE, "carla@example.nl"]:
        assert address not in table
    # the corrected address took the place of the one that bounced: the reminder goes to
    # carla, not to onbekend as well
    with open_store(env).dialect.read() as conn:  # type: ignore[attr-defined]
        assert conn.execute("SELECT count(*) FROM invitation_addresses").fetchone()[0] == 3
    rc, said = run("invite", EV, "--group", "managers", "--remind")
    assert rc == 0 and "3 herinnering(en)" in said, said
    assert run("outbox", "send")[0] == 0
    reminders = relay.wait_for(6)[3:]
    assert sorted(m["To"] for m in reminders) == [
        "anna@example.nl",
        "bob.de.vries@example.nl",
        "carla@example.nl",
    ]


def test_the_same_address_written_otherwise_counts_as_a_correction(
    env: str, relay: Relay, tmp_path: Path
) -> None:
    """Writing the refused address in capitals is the same person: not "al een code"."""
    assert invite(tmp_path, PEOPLE)[0] == 0
    assert run("outbox", "send")[0] == 0
    relay.wait_for(2)
    from spiegel.services import Services

    services = Services.from_env()
    [failed] = invitations.undelivered(services.store, services.cipher, EV, "managers")
    again = "ONBEKEND@example.nl"
    assert (
        invitations.resend(
            services.store, services.keys, services.cipher, EV, "managers", failed.id, again
        )
        is None
    )
    assert len(EvaluationDB(services.store).reminder_addresses(EV, "managers")) == 3
    services.store.close()


def test_the_reminder_waits_for_invitations_still_to_go_and_skips_the_refused(
    env: str, relay: Relay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reminder says "we sent you an invitation with a code": not while invitations still
    wait to be sent, and not to those whose invitation the relay refused (they have no code)."""
    assert invite(tmp_path, PEOPLE)[0] == 0
    capsys.readouterr()
    assert run("invite", EV, "--group", "managers", "--remind")[0] == 1
    assert "3 uitnodiging(en) van deze groep zijn nog niet verstuurd" in capsys.readouterr().err
    assert run("outbox", "send")[0] == 0
    relay.wait_for(2)
    rc, said = run("invite", EV, "--group", "managers", "--remind")
    assert rc == 0 and "2 herinnering(en)" in said, said
    assert run("outbox", "send")[0] == 0
    reminders = relay.wait_for(4)[2:]
    assert sorted(m["To"] for m in reminders) == sorted(PEOPLE[:2])
    assert invitations.overview(open_store(env))[EV]["managers"].reminders == {SENT: 2}


def test_resending_every_undelivered_opens_none_of_them(
    env: str, relay: Relay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``invite --resend`` sends each to the same address: nothing to decrypt (it opened every
    message of the group once per message: quadratic)."""
    people = ["anna@example.nl", "onbekend1@example.nl", "onbekend2@example.nl"]
    assert invite(tmp_path, people)[0] == 0
    assert run("outbox", "send")[0] == 0
    relay.wait_for(1)
    opened: list[str] = []
    real = invitations.unseal
    monkeypatch.setattr(
        invitations, "unseal", lambda c, text: (opened.append(text), real(c, text))[1]
    )
    rc, said = run("invite", EV, "--group", "managers", "--resend")
    assert rc == 0 and "2 niet bezorgde uitnodiging(en) opnieuw klaargezet" in said
    assert opened == []
    status = invitations.overview(open_store(env))[EV]["managers"]
    assert (status.waiting, status.failed) == (2, 0)


def test_reminder_goes_to_everyone_alike_without_a_code(
    env: str, relay: Relay, tmp_path: Path
) -> None:
    """Who already answered must not show: every address of the group gets the same text, and
    no code (nobody keeps the codes to put in it); the addresses are wiped when it is sent."""
    people = ["anna@example.nl", "bob@example.nl", "carla@example.nl"]
    assert invite(tmp_path, people)[0] == 0
    assert run("outbox", "send")[0] == 0
    first = relay.wait_for(3)
    code = CODE.findall(text_of(next(m for m in first if m["To"] == "anna@example.nl")))[0]
    app = app_for(env, encryption_key=KEY)
    with TestClient(app) as c:  # anna answers; bob and carla do not
        answer = {"evaluatie": EV, "respondentgroep": "managers", "code": code, **ANSWERS}
        assert c.post("/api/forms/groepsevaluatie", json=answer).status_code == 201
    app.state.store.close()
    with open_store(env).dialect.read() as conn:  # type: ignore[attr-defined]
        kept = [r[0] for r in conn.execute("SELECT address FROM invitation_addresses").fetchall()]
    assert len(kept) == 3 and all(k and "@" not in k for k in kept)  # sealed until the reminder
    rc, said = run("invite", EV, "--group", "managers", "--remind")
    assert rc == 0 and "3 herinnering(en)" in said
    assert run("outbox", "send")[0] == 0
    reminders = relay.wait_for(6)[3:]
    assert sorted(m["To"] for m in reminders) == people  # anna too
    texts = {text_of(m) for m in reminders}
    assert len(texts) == 1 and CODE.search(texts.pop()) is None  # one text for all, no code
    assert {m["Subject"] for m in reminders} == {"Herinnering: vragenlijst groepsevaluatie"}
    assert run("invite", EV, "--group", "managers", "--remind")[0] == 1  # once per group
    table, raw = dump(env), raw_files(env)
    for token in kept:
        assert token not in table and token.encode() not in raw  # wiped, not only unlinked
    for address in people:
        assert address not in table and address.encode() not in raw


def test_closing_the_evaluation_wipes_what_was_kept(
    env: str, relay: Relay, tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invite(tmp_path, PEOPLE)[0] == 0
    assert run("outbox", "send")[0] == 0
    relay.wait_for(2)
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # cardiologie
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(ROOT / "forms"))
    assert run("purge")[0] == 0
    store = open_store(env)
    with store.dialect.read() as conn:  # type: ignore[attr-defined]
        outbox = conn.execute("SELECT status, data, last_error FROM outbox").fetchall()
        kept = conn.execute("SELECT count(*) FROM invitation_addresses").fetchone()[0]
        closed = conn.execute("SELECT closed_on FROM invitation_groups").fetchall()
    assert {(s, d) for s, d, _ in outbox} == {(SENT, ""), (FAILED, "")}
    assert any("gesloten" in (e or "") for _, _, e in outbox)
    assert kept == 0 and closed == [(dt.date.today().isoformat(),)]
    assert any(e["detail"] == f"{EV}: invitations closed, wiped" for e in store.audit_log())
    store.close()
    assert "onbekend@example.nl" not in dump(env)


def test_a_reopened_evaluation_is_wiped_again_when_it_closes_again(
    env: str, relay: Relay, tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing marks the groups closed; invitations after a reopen must not stay kept for
    good (the promise: never longer than until the questionnaire closes)."""
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(ROOT / "forms"))
    assert invite(tmp_path, ["anna@example.nl"])[0] == 0
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # cardiologie
    assert run("purge")[0] == 0
    project.edit("content/groepsevaluatie.yaml", "open: false", "open: true")  # reopened
    people = ["bob@example.nl", "onbekend@example.nl"]
    assert invite(tmp_path, people)[0] == 0
    assert run("outbox", "send")[0] == 0
    relay.wait_for(1)
    assert invitations.overview(open_store(env))[EV]["managers"].closed_on is None
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # closed again
    assert run("purge")[0] == 0
    store = open_store(env)
    with store.dialect.read() as conn:  # type: ignore[attr-defined]
        left = conn.execute("SELECT count(*) FROM outbox WHERE data <> ''").fetchone()[0]
        kept = conn.execute("SELECT count(*) FROM invitation_addresses").fetchone()[0]
    store.close()
    assert (left, kept) == (0, 0)
    table = dump(env)
    assert all(p not in table for p in people)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("anna@example.nl\n\n# een opmerking\nbob@example.nl\n", []),
        ("anna@example.nl\nAnna@Example.nl\n", ["regel 2: Anna@Example.nl staat er al (regel 1)"]),
        ("anna@gmail.com\na.n.n.a+x@gmail.com\n", ["regel 2: a.n.n.a+x@gmail.com staat er al"]),
        ("anna@\nbob@example\n", ["regel 1: 'anna@' is geen", "regel 2: 'bob@example' is geen"]),
        ("=?utf-8?q?x?=@example.nl\n", ["regel 1: '=?utf-8?q?x?=@example.nl' is geen"]),
        ("Anna <anna@example.nl>\n", ["regel 1: 'Anna <anna@example.nl>' is geen"]),
        ("a@example.nl, b@example.nl\n", ["regel 1: 'a@example.nl, b@example.nl' is geen"]),
        ("\n# alleen uitleg\n", ["er staat geen e-mailadres in"]),
    ],
    ids=[
        "good",
        "twice",
        "gmail-twice",
        "malformed",
        "encoded-word",
        "display-name",
        "list",
        "empty",
    ],
)
def test_address_file_every_problem_at_once(text: str, problems: list[str]) -> None:
    found, errors = invitations.parse_addresses(text)
    assert len(errors) == len(problems)
    for want, got in zip(problems, errors, strict=True):
        assert got.startswith(want), (want, got)
    assert bool(found) == (not problems)


def test_a_bad_address_file_invites_nobody(env: str, tmp_path: Path) -> None:
    listing = tmp_path / "adressen.txt"
    listing.write_text("anna@example.nl\nanna@\nanna@example.nl\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        rc = main(["invite", EV, "--group", "managers", "--addresses", str(listing)], out)
    assert rc == 1
    assert "regel 2: 'anna@' is geen e-mailadres" in err.getvalue()
    assert "regel 3: anna@example.nl staat er al (regel 1)" in err.getvalue()
    assert open_store(env).invited_counts() == {}


def test_a_running_sender_leaves_no_sealed_invitation_in_the_wal(
    env: str, relay: Relay, tmp_path: Path
) -> None:
    """In the serve process the database stays open (closing the last connection would
    checkpoint the WAL by itself): the sender overwrites what a delivered invitation freed."""
    if not env.startswith("sqlite"):
        pytest.skip("SQLite: the WAL; PostgreSQL rewrites the outbox with VACUUM FULL")
    from spiegel.outbox.worker import make_sender
    from spiegel.services import Services

    services = Services.from_env()  # held open for the whole test, as serve holds it
    t, _ = invitations.target(
        __import__("yaml").safe_load((ROOT / "content/groepsevaluatie.yaml").read_text()),
        EV,
        "managers",
        dt.date(2030, 12, 31),
        dt.date.today(),
    )
    assert t is not None
    people = ["anna@example.nl", "bob@example.nl"]
    assert invitations.invite(services.store, services.keys, services.cipher, t, people) == []
    sealed = waiting_tokens(env)
    sender = make_sender(services)
    assert sender.run_once() == 2
    sender.transport.close()
    relay.wait_for(2)
    raw = raw_files(env)
    assert not [s for s in sealed if s.encode() in raw]
    services.store.close()


def test_a_relay_that_is_down_runs_no_wipe(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a delivered invitation is blanked; a retry blanks nothing, so it must not rewrite
    the tables (on PostgreSQL a VACUUM FULL of the sign-ups too, at every retry)."""
    from spiegel.outbox.worker import make_sender
    from spiegel.services import Services

    assert invite(tmp_path, ["anna@example.nl", "bob@example.nl"])[0] == 0
    monkeypatch.setenv("SPIEGEL_SMTP_URL", "smtp://127.0.0.1:9")  # nothing listens: refused
    services = Services.from_env()
    dialect: Any = services.store.dialect  # type: ignore[attr-defined]
    wipes: list[int] = []
    real = dialect.after_purge
    monkeypatch.setattr(dialect, "after_purge", lambda n, *rest: (wipes.append(n), real(n, *rest)))
    sender = make_sender(services)
    assert sender.run_once() == 2
    assert [n for n in wipes if n] == []  # nothing was blanked, nothing rewritten
    assert invitations.overview(services.store)[EV]["managers"].waiting == 2
    services.store.close()


def test_the_message_id_in_the_relay_log_leads_to_no_code(
    env: str, relay: Relay, tmp_path: Path
) -> None:
    """A relay logs each Message-ID (the outbox row's id) with its recipient. The codes of a
    batch are stored in an order shuffled apart from the messages: neither the row order nor
    the transaction pairs a message with the keyed hash of its code."""
    people = [f"persoon{i}@example.nl" for i in range(8)]
    assert invite(tmp_path, people)[0] == 0
    assert run("outbox", "send")[0] == 0
    mails = relay.wait_for(8)
    from spiegel.security.invites import code_key
    from spiegel.services import Services

    services = Services.from_env()
    key_of_message = {
        m["Message-ID"].strip("<>").split("@")[0]: code_key(
            services.keys, normalise(CODE.findall(text_of(m))[0]) or ""
        )
        for m in mails
    }
    services.store.close()
    store = open_store(env)
    order = " ORDER BY rowid" if store.kind == "sqlite" else " ORDER BY ctid"
    with store.dialect.read() as conn:  # type: ignore[attr-defined]
        codes = [r[0] for r in conn.execute("SELECT code_key FROM invitations" + order).fetchall()]
        times = {str(r[0]) for r in conn.execute("SELECT created_at FROM invitations").fetchall()}
        assert len(times) == 1 and ("T00:00:00" in times.pop() or store.kind == "postgresql")
        messages = [
            r[0] for r in conn.execute("SELECT id FROM outbox WHERE kind = 'invitation'" + order)
        ]
        if store.kind == "postgresql":
            shared = conn.execute(
                "SELECT count(DISTINCT i.xmin::text) FROM invitations i"
            ).fetchone()[0]
            assert shared == 1  # one transaction for the whole batch: no pairing by xmin
    store.close()
    assert sorted(codes) == sorted(key_of_message.values())
    assert [key_of_message[m] for m in messages] != codes  # 1 in 8! that a shuffle matches


def test_no_invitation_goes_out_for_an_evaluation_that_closed(
    env: str, relay: Relay, tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invite(tmp_path, ["anna@example.nl"])[0] == 0
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # before sending
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    assert run("outbox", "send")[0] == 0
    assert relay.messages == []
    status = invitations.overview(open_store(env))[EV]["managers"]
    assert (status.delivered, status.failed) == (0, 1)
    # what staff read under "Waarom niet bezorgd": Dutch, and what to do
    [why] = invitations.undelivered(open_store(env), None, EV, "managers")
    assert why.reason.startswith("de evaluatie is gesloten, dus deze uitnodiging gaat niet")
    assert "open: true" in why.reason


def test_without_a_relay_the_reason_says_in_dutch_what_to_do(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No relay: an invitation is never written to a .eml file (the code list again)."""
    assert invite(tmp_path, ["anna@example.nl"])[0] == 0
    monkeypatch.delenv("SPIEGEL_SMTP_URL")
    assert run("outbox", "send")[0] == 0
    assert not list((tmp_path / "outbox").glob("*.eml"))
    [why] = invitations.undelivered(open_store(env), None, EV, "managers")
    assert why.reason.startswith("er is geen mailserver ingesteld (SPIEGEL_SMTP_URL)")
    assert "stuur de uitnodiging dan opnieuw" in why.reason
    rc, said = run("outbox")
    assert rc == 0 and "er is geen mailserver ingesteld" in said, said
