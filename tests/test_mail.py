"""The sign-up loop over real HTTP and real SMTP (aiosmtpd): confirmation with .ics and cancel
link, cancel + promotion, a relay that is down, and a sender killed mid-batch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx2 as httpx
import pytest
import yaml
from spiegel.db import open_store
from spiegel.db.base import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    SENT,
    WAITLIST,
    Submission,
)

from . import servers
from .conftest import ROOT
from .smtp import Relay
from .test_forms import VALID

pytestmark = pytest.mark.slow
SIGNUP = VALID["spiegelbijeenkomst"]
FORM = "/api/forms/spiegelbijeenkomst"
ORG = yaml.safe_load((ROOT / "content" / "site.yaml").read_text(encoding="utf-8"))["organisation"]
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/api/afmelden/[A-Za-z0-9._=-]+)")


def person(i: int, **kw: str) -> dict[str, str]:
    return {**SIGNUP, "naam": f"Persoon {i}", "email": f"persoon{i}@example.nl", **kw}


def mail_env(relay: Relay, **kw: str) -> dict[str, str]:
    return {
        "SPIEGEL_SMTP_URL": relay.url,
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
        "SPIEGEL_MAIL_RETRY_SECONDS": "0.2",
        **kw,
    }


def text_of(msg: object) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_signup_mail_cancel_link_and_promotion(
    database_url: str, tmp_path: Path, encrypted: bool
) -> None:
    """With a key (issue 11) the payload is sealed and the seat key is a keyed hash: the mail,
    the cancel page and the promotion must still find the address and the session."""
    from cryptography.fernet import Fernet
    from spiegel.security.keys import Keys

    key = Fernet.generate_key().decode() if encrypted else ""
    relay = Relay().start()
    extra = mail_env(relay, **({"SPIEGEL_ENCRYPTION_KEY": key} if key else {}))
    proc, base = servers.start(database_url, site=tmp_path, extra=extra)
    store = open_store(database_url)
    seat = Keys.of(key or None, store).seat("spiegelbijeenkomst", SIGNUP["sessie"])
    try:
        r = httpx.post(base + FORM, data=SIGNUP, follow_redirects=False)
        assert r.status_code == 303
        [msg] = relay.wait_for(1)
        assert msg["To"] == "anna@example.nl"
        subject = msg["Subject"]
        assert not re.search(r"cardiologie|patiënt|zorg\b|ziek|spiegelbijeenkomst", subject, re.I)
        text = text_of(msg)
        html = msg.get_body(("html",)).get_content()  # type: ignore[attr-defined]
        assert "Beste Anna de Vries" in text and "donderdag 14 januari 2027" in text
        assert ORG["phone"] in text and ORG["phone_hours"] in text and "<img" not in html
        assert f"Heeft u een vraag? Bel {ORG['phone']}" in text  # a sentence, not "? bel"
        [ics] = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]  # type: ignore[attr-defined]
        assert "DTSTART;TZID=Europe/Amsterdam:20270114T133000" in ics.get_content()  # arrival
        link = LINK.search(text).group(1)  # type: ignore[union-attr]
        assert f'href="{link}"' in html
        sid = link.rsplit("/", 1)[1].split(".")[0]

        # GET (what a mail scanner does) shows the question and changes nothing
        page = httpx.get(link)
        assert page.status_code == 200 and "Wilt u zich afmelden?" in page.text
        assert "donderdag 14 januari 2027" in page.text  # the session, found from the seat key
        assert '<form method="post"' in page.text
        # the organisation's name in the header and its phone as a tel: link (issue 12)
        assert f'<header><a href="/">Spiegel · {ORG["name"]}</a>' in page.text
        assert 'href="tel:+31' in page.text and "ons ook bel" not in page.text
        assert store.submission(sid).status == CONFIRMED  # type: ignore[union-attr]
        # a forged or altered link finds nothing
        assert httpx.get(link[:-3] + "AAA").status_code == 404
        assert httpx.post(link[:-3] + "AAA").status_code == 404

        for i in range(6):
            assert httpx.post(base + FORM, json=person(i)).json()["status"] == CONFIRMED
        no_consent = httpx.post(base + FORM, json=person(10)).json()
        consent = httpx.post(base + FORM, json=person(11, doorschuiven="ja")).json()
        assert no_consent["status"] == consent["status"] == WAITLIST
        assert len(relay.wait_for(9)) == 9
        time.sleep(0.5)
        assert len(relay.messages) == 9  # the GET sent nothing

        done = httpx.post(link)
        assert done.status_code == 200 and "U bent afgemeld" in done.text
        assert store.submission(sid).status == CANCELLED  # type: ignore[union-attr]
        assert store.submission(consent["id"]).status == CONFIRMED  # type: ignore[union-attr]
        assert store.submission(no_consent["id"]).status == WAITLIST  # type: ignore[union-attr]
        assert store.count("spiegelbijeenkomst", seat, CONFIRMED) == 7
        new = relay.wait_for(11)[9:]
        by_to = {m["To"]: m for m in new}
        assert set(by_to) == {"anna@example.nl", "persoon11@example.nl"}
        assert "afgemeld" in text_of(by_to["anna@example.nl"])
        promoted = by_to["persoon11@example.nl"]
        assert "plek vrijgekomen" in text_of(promoted)
        assert any(p.get_content_type() == "text/calendar" for p in promoted.iter_attachments())  # type: ignore[attr-defined]

        again = httpx.post(link)  # twice is harmless
        assert again.status_code == 200 and "al afgemeld" in again.text
        time.sleep(0.5)
        assert len(relay.messages) == 11
        assert not store.outbox((PENDING,))
    finally:
        servers.stop(proc)
        relay.stop()
        store.close()


def test_same_person_twice_gets_a_new_looking_answer_and_a_repeat_mail(
    database_url: str, tmp_path: Path
) -> None:
    """Issue 20 #1: the answer to a repeat looks like a new sign-up's (fresh id, the status a
    new one gets); only the person learns it was a repeat, by e-mail to their own address."""
    relay = Relay().start()
    proc, base = servers.start(database_url, site=tmp_path, extra=mail_env(relay))
    try:
        first = httpx.post(base + FORM, json=SIGNUP).json()
        again = httpx.post(base + FORM, json={**SIGNUP, "email": " ANNA@example.nl"}).json()
        assert again["id"] != first["id"] and again["status"] == first["status"]
        by_phone = {**SIGNUP, "email": "", "telefoon": "06 12345678"}
        one = httpx.post(base + FORM, json=by_phone).json()
        two = httpx.post(base + FORM, json={**by_phone, "telefoon": "+31612345678"}).json()
        assert one["id"] != two["id"] and one["status"] == two["status"]
        received = relay.wait_for(2)
        time.sleep(1)
        assert len(relay.messages) == 2  # the confirmation and the repeat notice; phone: staff
        assert {m["To"] for m in received} == {"anna@example.nl"}
    finally:
        servers.stop(proc)
        relay.stop()
    store = open_store(database_url)
    assert store.count("spiegelbijeenkomst") == 2
    manual = store.outbox(("manual",))
    assert [m.submission_id for m in manual] == [one["id"]]
    store.close()


def test_relay_down_then_back_delivers_each_message_once(database_url: str, tmp_path: Path) -> None:
    relay = Relay()  # not started: the relay is down
    proc, base = servers.start(database_url, site=tmp_path, extra=mail_env(relay))
    store = open_store(database_url)
    try:
        ids = [httpx.post(base + FORM, json=person(i)).json()["id"] for i in range(10)]
        assert len(set(ids)) == 10  # the sign-ups succeed while the relay is down
        time.sleep(1.5)
        waiting = store.outbox((PENDING,))
        assert len(waiting) == 10 and all(w.last_error for w in waiting)
        relay.start()
        msgs = relay.wait_for(10, timeout=30)
        time.sleep(1.5)
        msgs = relay.messages
        counted = Counter(m["Message-ID"] for m in msgs)
        assert len(msgs) == 10 and max(counted.values()) == 1
        assert {m["To"] for m in msgs} == {f"persoon{i}@example.nl" for i in range(10)}
        assert len(store.outbox((SENT,))) == 10
    finally:
        servers.stop(proc)
        relay.stop()
        store.close()


def test_kill_9_of_the_sender_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path
) -> None:
    """Kill the sender mid-batch: every message arrives; at most the one in flight at the kill
    (accepted by the relay, not yet marked) arrives twice, with the same Message-ID."""
    from spiegel.security.keys import Keys

    store = open_store(database_url)
    store.migrate()
    seat = Keys.of(None, store).seat("spiegelbijeenkomst", "2027-01-cardiologie")
    n = 120
    for i in range(n):
        store.submit(
            Submission(
                "spiegelbijeenkomst",
                {"naam": f"P{i}", "email": f"p{i}@example.nl"},
                seat,
                1000,
                notify=True,
            )
        )
    relay = Relay(delay=0.01).start()
    env = {
        **os.environ,
        **mail_env(relay, SPIEGEL_MAIL_LEASE_SECONDS="1"),
        "SPIEGEL_DATABASE_URL": database_url,
        "SPIEGEL_CONTENT_DIR": str(ROOT / "content"),
        "SPIEGEL_FORMS_DIR": str(ROOT / "forms"),
        "SPIEGEL_PUBLIC_URL": "http://127.0.0.1:9",
    }
    cmd = [sys.executable, "-m", "spiegel.cli", "outbox", "send"]
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len(relay.messages) < 40 and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert 40 <= len(relay.messages) < n, "the kill did not land mid-batch"
        time.sleep(1.2)  # the lease of the batch the killed sender held runs out
        subprocess.run(cmd, env=env, cwd=tmp_path, check=True, stdout=subprocess.DEVNULL)
        msgs = relay.messages
    finally:
        relay.stop()
    rows = store.outbox((SENT,))
    store.close()
    counted = Counter(m["Message-ID"] for m in msgs)
    expected = {f"<{r.id}@zorggroep.example>" for r in rows}
    assert len(rows) == n and set(counted) == expected  # nothing lost
    assert sum(counted.values()) - n <= 1  # at most the message in flight at the kill
