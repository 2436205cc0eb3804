"""Issue 21: a participant's journey through a session that changes, over real HTTP and SMTP.

Sign up (by e-mail, by phone, on the waiting list), cancel one's own place, then staff move the
session in the content and call it off: the running server (./scripts/serve's process, its sender
and housekeeping) notices, and every message arrives once at a real relay (aiosmtpd), each .ics
read by two independent parsers (tests/calendars.py). Then the cron path (`spiegel outbox send`)
and a second server on the same database find nothing left to say.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from spiegel.db import open_store
from spiegel.db.base import MANUAL, PENDING, SESSION_CANCELLED, SESSION_CHANGED

from . import calendars, servers
from .conftest import ROOT
from .smtp import Relay
from .test_forms import VALID

pytestmark = pytest.mark.slow
AMS = ZoneInfo("Europe/Amsterdam")
SESSION = "2027-01-cardiologie"
FORM = "/api/forms/spiegelbijeenkomst"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/api/afmelden/[A-Za-z0-9._=-]+)")
HEALTH = re.compile(r"cardiologie|patiënt|zorg\b|ziek|spiegelbijeenkomst|afdeling", re.I)


def person(name: str, **kw: str) -> dict[str, str]:
    return {
        **VALID["spiegelbijeenkomst"],
        "naam": name,
        "email": f"{name.lower()}@example.nl",
        **kw,
    }


def text_of(msg: object) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined,no-any-return]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    later = time.time() + 1  # a newer content time than the one the server loaded
    os.utime(path, (later, later))


def wait_for(relay: Relay, count: int, timeout: float = 30) -> list[object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(relay.messages) >= count:
            return list(relay.messages)
        time.sleep(0.1)
    got = [(m["To"], m["Subject"]) for m in relay.messages]
    raise AssertionError(f"expected {count} messages, got {len(got)}: {got}")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("content", "forms"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("results"))
    sessions = tmp_path / "content" / "sessions.yaml"
    edit(
        sessions, "    department: Cardiologie\n", "    department: Cardiologie\n    capacity: 6\n"
    )
    return tmp_path


def test_signup_move_cancel_journey(database_url: str, project: Path, tmp_path: Path) -> None:
    relay = Relay().start()
    env = {
        "SPIEGEL_SMTP_URL": relay.url,
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
        "SPIEGEL_MAIL_RETRY_SECONDS": "0.2",
        "SPIEGEL_CONTENT_DIR": str(project / "content"),
        "SPIEGEL_FORMS_DIR": str(project / "forms"),
        "SPIEGEL_TODAY": "2026-11-22",
    }
    site = tmp_path / "site"
    site.mkdir()
    proc, base = servers.start(database_url, site=site, extra=env)
    store = open_store(database_url)
    sessions = project / "content" / "sessions.yaml"
    try:
        # --- sign up: four with e-mail, one by phone, then one on the waiting list
        ids = {}
        for name in ("Anna", "Bert", "Cor", "Dirk", "Gijs"):
            r = httpx.post(base + FORM, json=person(name))
            assert r.json()["status"] == "confirmed"
            ids[name] = r.json()["id"]
        phone = {**person("Els"), "email": "", "telefoon": "06 12345678"}
        assert httpx.post(base + FORM, json=phone).json()["status"] == "confirmed"
        wait = httpx.post(base + FORM, json=person("Fenna", doorschuiven="ja")).json()
        assert wait["status"] == "waitlist"
        first = wait_for(relay, 6)
        by_to = {m["To"]: m for m in first}
        anna = by_to["anna@example.nl"]
        assert "Welkom vanaf 13:30 uur" in text_of(anna)
        [ics] = calendars.attached(anna)
        [cal] = calendars.read([ics])
        assert (cal.method, cal.sequence, cal.status) == ("PUBLISH", 0, "CONFIRMED")
        assert cal.start == dt.datetime(2027, 1, 14, 13, 30, tzinfo=AMS)  # the arrival
        assert cal.end == dt.datetime(2027, 1, 14, 15, 30, tzinfo=AMS)
        assert "Het gesprek begint om 14:00 uur" in cal.description
        assert abs(cal.stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)  # made now
        assert cal.url.endswith("/spiegelbijeenkomst/agenda/#" + SESSION)
        assert not calendars.attached(by_to["fenna@example.nl"])  # waiting list: no appointment
        uids = {
            m["To"]: calendars.read(calendars.attached(m))[0].uid
            for m in first
            if calendars.attached(m)
        }
        assert len(set(uids.values())) == len(uids) == 5  # one appointment per sign-up
        assert all(uid.startswith(SESSION + "-") for uid in uids.values())

        # --- Dirk cancels himself: his appointment is taken out; Fenna moves up
        link = LINK.search(text_of(by_to["dirk@example.nl"])).group(1)  # type: ignore[union-attr]
        assert httpx.post(link).status_code == 200
        got = wait_for(relay, 8)[6:]
        by_to = {m["To"]: m for m in got}
        [dirk] = calendars.read(calendars.attached(by_to["dirk@example.nl"]))
        assert (dirk.method, dirk.uid, dirk.status) == (
            "CANCEL",
            uids["dirk@example.nl"],
            "CANCELLED",
        )
        assert dirk.sequence >= 1
        [fenna] = calendars.read(calendars.attached(by_to["fenna@example.nl"]))
        assert (fenna.method, fenna.sequence) == ("PUBLISH", 0)

        # --- staff move the session (another day, time and room)
        edit(
            sessions,
            '    date: 2027-01-14\n    start: "14:00"\n    end: "15:30"\n    location: Hoofdgebouw, zaal 2.14 (volg de bordjes "Spiegel")',
            '    date: 2027-01-21\n    start: "15:00"\n    end: "16:30"\n    location: Poliklinisch gebouw, zaal 0.12',
        )
        moved = wait_for(relay, 13)[8:]  # all but Dirk (cancelled) and Els (by phone)
        assert sorted(m["To"] for m in moved) == sorted(
            ["anna@example.nl", "bert@example.nl", "cor@example.nl", "gijs@example.nl"]
            + ["fenna@example.nl"]
        )
        for m in moved:
            assert m["Subject"].startswith("Gewijzigd: uw bijeenkomst") and not HEALTH.search(
                m["Subject"]
            )
            body = text_of(m)
            assert "donderdag 21 januari 2027, van 15:00 tot 16:30 uur" in body
            assert "Welkom vanaf 14:30 uur" in body and "Poliklinisch gebouw, zaal 0.12" in body
            assert "donderdag 14 januari 2027" in body  # what they were told before
            [c] = calendars.read(calendars.attached(m))
            assert (c.method, c.sequence, c.uid) == ("PUBLISH", 1, uids.get(m["To"], c.uid))
            assert c.start == dt.datetime(2027, 1, 21, 14, 30, tzinfo=AMS)
        # Els has no e-mail address: she is on the call list with what to tell her
        manual = [r for r in store.outbox((MANUAL,)) if r.kind == SESSION_CHANGED]
        assert len(manual) == 1

        # --- and then call it off
        edit(
            sessions,
            "    capacity: 6\n",
            "    capacity: 6\n    status: geannuleerd\n    reden: De gespreksleider is ziek.\n",
        )
        off = wait_for(relay, 18)[13:]
        assert sorted(m["To"] for m in off) == sorted(m["To"] for m in moved)
        for m in off:
            assert m["Subject"].startswith("Gaat niet door: uw bijeenkomst")
            assert "gaat niet door. De gespreksleider is ziek." in text_of(m)
            found = calendars.read(calendars.attached(m))
            if m["To"] == "fenna@example.nl" or m["To"] in uids:
                [c] = found
                assert (c.method, c.status, c.sequence) == ("CANCEL", "CANCELLED", 2)
        assert len([r for r in store.outbox((MANUAL,)) if r.kind == SESSION_CANCELLED]) == 1

        # --- nothing more to say, however often and wherever it is asked
        time.sleep(3)
        assert len(relay.messages) == 18
        done = subprocess.run(
            [sys.executable, "-m", "spiegel.cli", "outbox", "send"],
            env={
                **os.environ,
                **env,
                "SPIEGEL_DATABASE_URL": database_url,
                "SPIEGEL_PUBLIC_URL": base,
                "SPIEGEL_OUTBOX_DIR": str(tmp_path / "eml"),
            },
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        assert "klaargezet" not in done.stdout  # no session messages queued again
        second, base2 = servers.start(database_url, site=site, extra=env)
        try:
            time.sleep(4)
        finally:
            servers.stop(second)
        assert len(relay.messages) == 18
        assert not store.outbox((PENDING,))
        # the agenda's availability leaves the session out once it is called off? It is still
        # listed until its date, marked as called off
        avail = httpx.get(base + "/api/sessions").json()["sessions"]
        mine = next(s for s in avail if s["id"] == SESSION)
        assert mine["cancelled"] is True and mine["available"] == 0
    finally:
        servers.stop(proc)
        relay.stop()
        store.close()


VVG_FORM = "/api/forms/vvg"
VVG_DATE = "2027-02-04"


def vvg_person(name: str, **kw: str) -> dict[str, str]:
    return {
        "gesprek": "2027-02-vvg-interne",
        "rol": "coassistent",
        "naam": name,
        "afdeling": "Interne",
        "email": f"{name.lower()}@example.nl",
        **kw,
    }


def test_a_trainer_a_partner_and_a_waiting_intern_hear_what_is_true(
    database_url: str, project: Path, tmp_path: Path
) -> None:
    """The review of issue 21, run by hand, as a test: a VVG date with one place for an intern,
    a trainer who comes along, an intern on the waiting list who did not tick "doorschuiven",
    a partner at a mirror meeting. Each message says what is true for that person; the VVG
    mail holds nothing of the mirror meeting; signing up again takes the place that came free;
    after the call-off the cancel link changes nothing."""
    vvg = project / "content" / "vvg.yaml"
    edit(vvg, "    capacity: 8\n", "    capacity: 1\n")
    relay = Relay().start()
    env = {
        "SPIEGEL_SMTP_URL": relay.url,
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
        "SPIEGEL_MAIL_RETRY_SECONDS": "0.2",
        "SPIEGEL_CONTENT_DIR": str(project / "content"),
        "SPIEGEL_FORMS_DIR": str(project / "forms"),
        "SPIEGEL_TODAY": "2026-11-22",
    }
    site = tmp_path / "site"
    site.mkdir()
    proc, base = servers.start(database_url, site=site, extra=env)
    try:
        lotte = httpx.post(base + VVG_FORM, json=vvg_person("Lotte")).json()
        assert lotte["status"] == "confirmed"
        assert httpx.post(base + VVG_FORM, json=vvg_person("Maarten", rol="opleider")).json()[
            "status"
        ] in ("received", "confirmed")
        assert httpx.post(base + VVG_FORM, json=vvg_person("Zus")).json()["status"] == "waitlist"
        greet = person("Greet", rol="partner")
        assert httpx.post(base + FORM, json=greet).status_code == 201
        by_to = {m["To"]: m for m in wait_for(relay, 4)}
        seat, other = "Dan kan iemand anders uw plek krijgen.", "Wilt u toch een plek?"
        lotte_text = text_of(by_to["lotte@example.nl"])
        assert seat in lotte_text
        for absent in ("Reiskosten", "Wie luistert mee", "De zaal:", "Welkom vanaf"):
            assert absent not in lotte_text, absent  # a VVG is not a mirror meeting
        assert seat not in text_of(by_to["maarten@example.nl"])  # along, without a place
        assert other in text_of(by_to["zus@example.nl"])  # how to get a place after all
        greet_text = text_of(by_to["greet@example.nl"])
        assert "- Reiskosten: " in greet_text and seat not in greet_text
        for m in by_to.values():
            for ics in calendars.attached(m):
                [c] = calendars.read([ics])
                assert c.description and "Interne" not in ics and "Cardiologie" not in ics

        # Lotte cancels: Zus did not tick the box, so the place stays free
        link = LINK.search(lotte_text).group(1)  # type: ignore[union-attr]
        done = httpx.post(link)
        assert "Uw plek is weer vrij." in done.text and "wachtlijst" not in done.text
        # Zus signs up again: the answer says she has a place, and so she has
        again = httpx.post(base + VVG_FORM, json=vvg_person("Zus"))
        assert again.json()["status"] == "confirmed"
        got = {m["To"]: m for m in wait_for(relay, 6)[4:]}
        assert got["zus@example.nl"]["Subject"] == "Er is een plek voor u vrijgekomen"
        [zus_cal] = calendars.read(calendars.attached(got["zus@example.nl"]))
        assert zus_cal.method == "PUBLISH"
        [own] = calendars.read(calendars.attached(got["lotte@example.nl"]))
        assert own.method == "CANCEL" and "U heeft zich afgemeld." in own.description

        # staff move the room: the message names what changed
        edit(vvg, "    location: Hoofdgebouw, vergaderzaal 3.02\n", "    location: Zaal 1.01\n")
        moved = {m["To"]: m for m in wait_for(relay, 8)[6:]}
        assert set(moved) == {"maarten@example.nl", "zus@example.nl"}
        for m in moved.values():
            assert "waarvoor u bent aangemeld: de plaats." in text_of(m)
            [c] = calendars.read(calendars.attached(m))
            assert (c.method, c.sequence, c.location) == ("PUBLISH", 1, "Zaal 1.01")
        assert seat not in text_of(moved["maarten@example.nl"])

        # and call it off: then the cancel link changes nothing
        edit(
            vvg,
            "    capacity: 1\n",
            "    capacity: 1\n    status: geannuleerd\n    reden: De zaal is niet beschikbaar.\n",
        )
        off = wait_for(relay, 10)[8:]
        assert {m["To"] for m in off} == set(moved)
        maarten = LINK.search(text_of(by_to["maarten@example.nl"])).group(1)  # type: ignore[union-attr]
        for r in (httpx.get(maarten), httpx.post(maarten)):
            assert "Dit gesprek gaat niet door" in r.text and "<form" not in r.text
        time.sleep(3)
        assert len(relay.messages) == 10  # no "u bent afgemeld" for a call-off
    finally:
        servers.stop(proc)
        relay.stop()
