"""The coordinator's daily digest: counts per coming session and the outbox, no personal data,
once a day however many processes (serve, cron) try; delivered over real SMTP."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from spiegel.cli import main
from spiegel.db.base import DIGEST, now
from spiegel.mailsettings import MailSettings
from spiegel.outbox.worker import make_sender
from spiegel.signups.digest import queue_digest
from spiegel.signups.prepare import enrich

from . import servers
from .conftest import ROOT
from .smtp import Relay
from .test_endpoint import services_for
from .test_forms import VALID

COORDINATOR = "coordinator@zorggroep.example"
SESSION = "2027-01-cardiologie"
TODAY = dt.date(2026, 11, 23)


def _people(i: int, **kw: str) -> dict[str, str]:
    return {
        **VALID["spiegelbijeenkomst"],
        "sessie": SESSION,
        "naam": f"Deelnemer{i} Geheim",
        "email": f"geheim{i}@example.nl",
        "telefoon": f"061234{i:04d}",
        **kw,
    }


@pytest.fixture
def filled(database_url: str) -> Any:
    """Eight patients (seven seats: one waits), a partner, one of the seven cancelled."""
    secret = Fernet.generate_key().decode()
    services = services_for(database_url, encryption_key=secret)
    store, registry, cipher = services.store, services.registry, services.cipher
    form = registry.forms()["spiegelbijeenkomst"]
    key = services.keys.link()
    ids = []
    for i, body in enumerate([*(_people(i) for i in range(8)), _people(9, rol="partner")]):
        sub, errors = registry.prepare(form, body, cipher)
        assert sub is not None and not errors, (i, errors)
        ids.append(store.submit(enrich(sub, form, body, key)).id)
    store.cancel(ids[0], 7)  # the waiter did not ask to move up: a seat is free
    yield store, registry, cipher, services
    store.close()


def test_digest_counts_without_personal_data_once_a_day(filled: Any) -> None:
    store, registry, cipher, _ = filled
    assert queue_digest(store, registry, cipher, COORDINATOR, TODAY, now())
    assert not queue_digest(store, registry, cipher, COORDINATOR, TODAY, now())  # once a day
    [row] = [r for r in store.outbox(("pending",)) if r.kind == DIGEST]
    assert row.recipient == COORDINATOR and row.submission_id is None
    data = json.loads(row.data)
    body = "\n".join(data["paragraphs"])
    assert "14 jan 2027, 14:00-15:30 uur, Cardiologie: 6 van de 7 plaatsen bezet, 1 vrij" in body
    assert "1 partner of mantelzorger extra; wachtlijst: 1; afgemeld: 1" in body
    assert "nieuw sinds gisteren: 9" in body
    assert "Orthopedie" not in body  # a session in the past
    assert "Kinderafdeling: 0 van de 6 plaatsen bezet, 6 vrij" in body
    assert "Geheim" not in row.data and "@example.nl" not in row.data and "0612" not in row.data
    assert "Geheim" not in data["subject"]
    # the next day there is a new one
    assert queue_digest(store, registry, cipher, COORDINATOR, TODAY + dt.timedelta(days=1), now())


def test_digest_links_to_the_back_office_instead_of_commands(filled: Any) -> None:
    from spiegel.outbox.worker import beheer_url

    store, registry, cipher, _ = filled
    url = beheer_url("https://spiegel.zorggroep.example/")
    assert queue_digest(store, registry, cipher, COORDINATOR, TODAY, now(), url)
    [row] = [r for r in store.outbox(("pending",)) if r.kind == DIGEST]
    body = "\n".join(json.loads(row.data)["paragraphs"])
    assert "https://spiegel.zorggroep.example/beheer/" in body
    assert "spiegel export" not in body and "spiegel outbox" not in body


def test_spiegel_digest_for_cron_and_delivery(
    filled: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    store, _, _, services = filled
    settings = services.config
    for name, value in {
        "SPIEGEL_DATABASE_URL": database_url,
        "SPIEGEL_CONTENT_DIR": str(ROOT / "content"),
        "SPIEGEL_FORMS_DIR": str(ROOT / "forms"),
        "SPIEGEL_ENCRYPTION_KEY": settings.encryption_key,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["digest"], io.StringIO()) == 2
    assert "SPIEGEL_COORDINATOR_EMAIL" in capsys.readouterr().err
    monkeypatch.setenv("SPIEGEL_COORDINATOR_EMAIL", COORDINATOR)
    out = io.StringIO()
    assert main(["digest"], out) == 0 and "klaargezet" in out.getvalue()
    out = io.StringIO()
    assert main(["digest"], out) == 0 and "stond al klaar" in out.getvalue()
    relay = Relay().start()
    mail = MailSettings(
        smtp_url=relay.url,
        mail_from="Spiegel <spiegel@zorggroep.example>",
        public_url="https://spiegel.example",
    )
    sender = make_sender(services._replace(config=settings._replace(mail=mail)))
    try:
        sender.run_once()
        [digest] = [m for m in relay.wait_for(1) if m["To"] == COORDINATOR]
        text = digest.get_body(("plain",)).get_content()
        assert "plaatsen bezet" in text and "Geheim" not in text and "example.nl" not in text
        assert "Dagoverzicht" in digest["Subject"]
    finally:
        sender.transport.close()
        relay.stop()


@pytest.mark.slow
def test_serve_sends_the_digest_once_with_two_instances(database_url: str, tmp_path: Path) -> None:
    relay = Relay().start()
    extra = {
        "SPIEGEL_SMTP_URL": relay.url,
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
        "SPIEGEL_COORDINATOR_EMAIL": COORDINATOR,
        "SPIEGEL_DIGEST_HOUR": "0",
    }
    procs = []
    try:
        for _ in range(2):
            procs.append(servers.start(database_url, site=tmp_path, extra=extra)[0])
        deadline = time.monotonic() + 20
        while not relay.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # room for a second copy, if there were one
        assert [m["To"] for m in relay.messages] == [COORDINATOR]
    finally:
        for proc in procs:
            servers.stop(proc)
        relay.stop()


@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        (dt.date(2026, 10, 8), False),  # the day itself: not yet
        (dt.date(2026, 10, 9), True),  # from the day after
        (dt.date(2026, 11, 19), True),  # the promised date (6 weeks, letter_weeks)
        (dt.date(2026, 12, 3), True),  # two weeks late: still asked, "te laat"
        (dt.date(2026, 12, 4), False),  # then the digest stops asking
    ],
)
def test_digest_reminds_of_a_promised_letter_until_it_is_sent(
    database_url: str, today: dt.date, reminded: bool
) -> None:
    """The leaflet promises the letter within letter_weeks: the digest names a past session
    whose letter nobody sent, with counts and the date only, until it is queued (issue 21)."""
    from spiegel.db.base import LETTER
    from spiegel.signups.digest import digest_text

    services = services_for(database_url)
    store, registry, cipher = services.store, services.registry, services.cipher
    form = registry.forms()["spiegelbijeenkomst"]
    ids = []
    for i in range(2):
        body = {**_people(i), "sessie": "2026-10-orthopedie"}
        sub, errors = registry.prepare(form, body, cipher)
        assert sub is not None and not errors
        ids.append(store.submit(enrich(sub, form, body, services.keys.link())).id)

    def digest(day: dt.date) -> str:
        return "\n".join(digest_text(store, registry, cipher, day, now()).paragraphs)

    try:
        text = digest(today)
        said = "Orthopedie: de brief aan 2 deelnemers is nog niet verstuurd; beloofd uiterlijk"
        assert (said in text) == reminded, text
        assert ("(te laat)" in text) == (reminded and today > dt.date(2026, 11, 19))
        assert "Geheim" not in text and "@example.nl" not in text
        assert store.enqueue(LETTER, ids[0], None, "{}")  # the letter goes out by e-mail
        assert "nog niet verstuurd" not in digest(today)
    finally:
        store.close()
