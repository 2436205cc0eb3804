"""The feedback letter (`spiegel letter SESSION`): one letter per participant from the session's
actions, by e-mail through the outbox (a real SMTP server) or as a file to print; nobody's name
in someone else's letter, however odd the names are."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from spiegel.cli import main
from spiegel.db.base import CONFIRMED, LETTER
from spiegel.mailsettings import MailSettings
from spiegel.outbox.worker import make_sender
from spiegel.signups.prepare import enrich
from spiegel.signups.registry import Registry

from .conftest import ROOT
from .smtp import Relay
from .test_endpoint import services_for
from .test_forms import VALID

SESSION = "2026-10-orthopedie"  # in the past (today is later), with an action in content/
HEARD = "Patiënten wisten na de operatie niet goed wat ze thuis konden verwachten."
ACTIONS = yaml.safe_load((ROOT / "content" / "actions.yaml").read_text(encoding="utf-8"))["actions"]
ACTION = {**next(a for a in ACTIONS if a.get("source") == SESSION), "heard": HEARD}
# (token that must appear only in this person's letter, full name, e-mail or "", role)
PEOPLE = [
    ("Anna", "Anna {naam} {0}", "anna@example.nl", "patient"),
    ("Bert", "<b>Bert</b> & Co </p><p>", "bert@example.nl", "patient"),
    ("Chris", "Chris\nBcc: evil@example.nl", "chris@example.nl", "patient"),
    ("Dora", "Dora %(naam)s ${naam}", "", "patient"),
    ("Eef", "Eef <script>alert(1)</script>", "", "patient"),
    ("Hans", "Hans de Partner", "hans@example.nl", "partner"),
]
CANCELLED = ("Gijs", "Gijs Afgemeld", "gijs@example.nl", "patient")


def _sign_up(
    store: Any, registry: Registry, cipher: Any, key: bytes, person: tuple[str, ...]
) -> str:
    """Stored as the endpoint stores it (the session's sign-up has closed by now)."""
    _, name, email, role = person
    form = registry.forms()["spiegelbijeenkomst"]
    clean = {**VALID["spiegelbijeenkomst"], "sessie": SESSION, "naam": name, "rol": role}
    clean["email"] = email
    if not email:  # one person, one seat: each their own number
        clean["telefoon"] = f"06123456{len(name) % 100:02d}"
    sub, errors = registry.prepare(form, clean, cipher)
    assert sub is not None and not errors
    return str(store.submit(enrich(sub, form, clean, key)).id)


@pytest.fixture
def session(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    secret = Fernet.generate_key().decode()
    content = tmp_path / "content"  # the real content, with what we heard added to the action
    shutil.copytree(ROOT / "content", content)
    actions = content / "actions.yaml"
    actions.write_text(
        actions.read_text(encoding="utf-8").replace(
            f"source: {SESSION}\n", f"source: {SESSION}\n    heard: {HEARD}\n", 1
        ),
        encoding="utf-8",
    )
    for name, value in {
        "SPIEGEL_DATABASE_URL": database_url,
        "SPIEGEL_CONTENT_DIR": str(content),
        "SPIEGEL_FORMS_DIR": str(ROOT / "forms"),
        "SPIEGEL_ENCRYPTION_KEY": secret,
        "SPIEGEL_ACTOR": "test-coordinator",
    }.items():
        monkeypatch.setenv(name, value)
    services = services_for(database_url, encryption_key=secret)
    store, registry, cipher = services.store, services.registry, services.cipher
    key = services.keys.link()
    ids = {p[0]: _sign_up(store, registry, cipher, key, p) for p in PEOPLE}
    gone = _sign_up(store, registry, cipher, key, CANCELLED)
    assert store.cancel(gone, 7) is not None
    yield {"store": store, "services": services, "ids": ids, "out": tmp_path / "brieven"}
    store.close()


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["letter", *args], out)
    return code, out.getvalue()


def _others(token: str) -> list[str]:
    people = [*PEOPLE, CANCELLED]
    return [t for t, *_ in people if t != token] + [e for t, _, e, _ in people if e and t != token]


def test_letters_by_mail_and_print_name_only_their_reader(session: dict[str, Any]) -> None:
    relay = Relay().start()
    store = session["store"]
    mail = MailSettings(
        smtp_url=relay.url,
        mail_from="Spiegel <spiegel@zorggroep.example>",
        public_url="https://spiegel.example",
    )
    sender = make_sender(
        session["services"]._replace(config=session["services"].config._replace(mail=mail))
    )
    try:
        sender.run_once()  # the sign-ups' own messages first (confirmation, cancellation)
        before = len(relay.messages)
        code, said = _run(SESSION, "--out", str(session["out"]))
        assert code == 0, said
        assert said.startswith("4 brief/brieven klaargezet") and "2 deelnemer(s)" in said
        assert sender.run_once() == 4
        messages = relay.wait_for(before + 4)[before:]
        assert len(messages) == 4
        by_to = {m["To"]: m for m in messages}
        assert set(by_to) == {p[2] for p in PEOPLE if p[2]}  # not Gijs, who cancelled
        for token, _name, email, _ in PEOPLE:
            if not email:
                continue
            msg = by_to[email]
            assert msg["Subject"] == "Wat wij doen met uw feedback"
            text = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            assert token in text and ACTION["what"] in text and ACTION["heard"] in text
            assert "Wat wij hoorden" in text and "Hoe ver zijn wij" in text
            for other in _others(token):
                assert other not in text and other not in html, (token, other)
            assert "<script" not in html and "<b>Bert" not in html
        # the letters that cannot be mailed are files to print: own name only, no outside requests
        files = sorted(session["out"].glob(f"{SESSION}/*.html"))
        assert len(files) == 2
        seen = set()
        for path in files:
            page = path.read_text(encoding="utf-8")
            [token] = [t for t, _, e, _ in PEOPLE if not e and t in page]
            seen.add(token)
            assert ACTION["what"] in page and "@page" in page
            assert not re.search(r"(src|href)=", page) and "<script" not in page
            for other in _others(token):
                assert other not in page, (token, other)
            assert path.stat().st_mode & 0o077 == 0  # personal data: owner only
        assert seen == {"Dora", "Eef"}
        # run again: nobody gets a second letter
        code, said = _run(SESSION, "--out", str(session["out"]))
        assert code == 0 and said.startswith("0 brief/brieven") and "4 had(den)" in said
        assert sender.run_once() == 0
        assert len(relay.messages) == before + 4
        letters = [r for r in store.outbox(("sent",)) if r.kind == LETTER]
        assert len(letters) == 4 and all("Anna" not in r.data for r in letters)
        assert "letter" in "".join(e["action"] for e in store.audit_log())
    finally:
        sender.transport.close()
        relay.stop()


def test_letter_refuses_what_it_cannot_keep(
    session: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    out = str(session["out"])
    assert _run("bestaat-niet", "--out", out)[0] == 2
    assert "staat niet in content/sessions.yaml" in capsys.readouterr().err
    assert _run("2027-01-cardiologie", "--out", out)[0] == 2  # still to come
    assert "nog niet geweest" in capsys.readouterr().err
    content = tmp_path / "content-zonder-actie"
    shutil.copytree(ROOT / "content", content)
    actions = content / "actions.yaml"
    actions.write_text(
        actions.read_text(encoding="utf-8").replace(
            f"source: {SESSION}", "source: 2027-01-cardiologie"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(content))
    assert _run(SESSION, "--out", out)[0] == 2
    assert "nog geen actie met 'source: 2026-10-orthopedie'" in capsys.readouterr().err
    store = session["store"]
    assert not [r for r in store.outbox(("pending",)) if r.kind == LETTER]
    assert store.submission(session["ids"]["Anna"]).status == CONFIRMED


def test_without_heard_the_letter_names_the_theme() -> None:
    from spiegel.content.model import load_content
    from spiegel.signups.letters import letter_text, session_actions

    content = load_content(ROOT / "content")
    [session] = [s for s in content.sessions["sessions"] if s["id"] == SESSION]
    actions = session_actions(content.actions["actions"], SESSION)
    text = letter_text(session, actions, content.site["organisation"], "https://x.example/")
    body = "\n".join(text.paragraphs)
    assert f"Wat wij hoorden: U vertelde ons over {actions[0]['theme'].lower()}." in body
    assert "https://x.example/verbeteringen/" in body and "Beste" not in body  # no name yet


def test_no_letter_for_who_did_not_come_or_got_it_from_the_back_office(
    session: dict[str, Any],
) -> None:
    """Attendance marked in the back office decides: "niet gekomen" gets no letter, and a letter
    the back office sent is not sent or printed again by the command."""
    import datetime as dt

    from spiegel.db.beheer import BeheerDB

    store, ids = session["store"], session["ids"]
    db = BeheerDB(store)
    moment = dt.datetime.now(dt.UTC)
    db.set_attendance(ids["Anna"], False, "Carla", moment)
    db.set_attendance(ids["Bert"], True, "Carla", moment)
    db.letter_sent(ids["Dora"], SESSION, "post", "Carla", moment)
    code, _ = _run(SESSION, "--out", str(session["out"]))
    assert code == 0
    mailed = {r.submission_id for r in store.outbox(("pending",)) if r.kind == LETTER}
    assert ids["Anna"] not in mailed and ids["Bert"] in mailed
    printed = "".join(p.read_text() for p in (session["out"] / SESSION).glob("*.html"))
    assert "Dora" not in printed and "Eef" in printed
