"""Issue 20 #1, #5, #8: nobody can learn from our answers whether a known person signed up; a
stranger cannot be mailed again and again; one person is one person however the address is
written; a name never carries a web address into our mail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from spiegel.db.base import CONFIRMED, PENDING, REPEAT, WAITLIST
from spiegel.forms.patterns import EMAIL, email_re, normalise_email
from spiegel.mailsettings import MailSettings
from starlette.testclient import TestClient

from .test_endpoint import app_for, person
from .test_forms import VALID

FORM = "/api/forms/spiegelbijeenkomst"
VICTIM = {**VALID["spiegelbijeenkomst"], "naam": "Slachtoffer", "email": "victim@example.org"}


@pytest.fixture
def make(database_url: str) -> Iterator[Callable[..., TestClient]]:
    made: list[TestClient] = []

    def client(**kw: Any) -> TestClient:
        made.append(TestClient(app_for(database_url, **kw)))
        return made[-1]

    yield client
    for c in made:
        c.app.state.store.close()  # type: ignore[attr-defined]


def mail(per_day: int) -> MailSettings:
    return MailSettings(signups_per_day=per_day, public_url="https://spiegel.example")


def repeats(client: Any) -> list[str]:
    store = client.app.state.store
    return [r.submission_id for r in store.outbox((PENDING,)) if r.kind == REPEAT]


def test_a_repeat_looks_like_a_new_sign_up(make: Any) -> None:
    c = make(min_fill_seconds=0, mail=mail(0))
    store = c.app.state.store
    first = c.post(FORM, json=VICTIM).json()
    assert first["status"] == CONFIRMED
    # the attacker knows the victim's address and tries it, written differently
    probe = c.post(FORM, json={**VICTIM, "naam": "Iemand", "email": "Victim+x@Example.org"})
    assert probe.status_code == 201
    answer = probe.json()
    assert answer["id"] != first["id"]  # a fresh id that names nothing
    assert set(answer) == set(first) and answer["status"] == CONFIRMED  # what a new one gets
    assert store.submission(answer["id"]) is None  # nothing was stored under it
    assert store.count("spiegelbijeenkomst") == 1
    assert repeats(c) == [first["id"]]  # the person is told, by e-mail to their own address
    c.post(FORM, json=VICTIM)
    assert repeats(c) == [first["id"]]  # at most once a day per sign-up


def test_a_repeat_on_a_full_session_answers_waitlist_like_anyone(make: Any) -> None:
    c = make(min_fill_seconds=0, mail=mail(0))
    assert c.post(FORM, json=VICTIM).json()["status"] == CONFIRMED
    for i in range(6):
        assert c.post(FORM, json=person(i)).json()["status"] == CONFIRMED
    new = c.post(FORM, json=person(50)).json()
    again = c.post(FORM, json=VICTIM).json()  # the victim has a seat; the session is full
    assert new["status"] == again["status"] == WAITLIST


def test_a_waiting_person_who_signs_up_again_takes_a_free_place(make: Any) -> None:
    """Issue 21: the answer to a repeat is a new sign-up's; with a place free that is "U heeft
    een plek", which must then be true: the waiting sign-up moves up (a PROMOTION message, no
    REPEAT), once; nobody is added, and the answer still names nothing."""
    from spiegel.db.base import PROMOTION

    c = make(min_fill_seconds=0, mail=mail(0))
    store = c.app.state.store
    seats = [c.post(FORM, json=person(i)).json()["id"] for i in range(7)]  # full
    waiting = c.post(FORM, json=VICTIM).json()  # did not tick "doorschuiven"
    assert waiting["status"] == WAITLIST
    result = store.cancel(seats[0], 7)  # a place is free; nobody agreed to move up
    assert result.promoted == ()
    again = c.post(FORM, json={**VICTIM, "naam": "Iemand"}).json()
    assert again["status"] == CONFIRMED and again["id"] != waiting["id"]
    assert store.submission(again["id"]) is None
    assert store.submission(waiting["id"]).status == CONFIRMED
    assert store.count("spiegelbijeenkomst") == 8
    kinds = [(r.kind, r.submission_id) for r in store.outbox((PENDING,))]
    assert (PROMOTION, waiting["id"]) in kinds and (REPEAT, waiting["id"]) not in kinds
    # the session is full again: a further repeat changes nothing and answers as anyone's
    assert c.post(FORM, json=VICTIM).json()["status"] == WAITLIST
    assert store.submission(waiting["id"]).status == CONFIRMED


def test_the_daily_cap_counts_repeats_before_any_lookup(make: Any) -> None:
    """Once: ten throw-away sign-ups, then every probe was free (201 for the victim's session,
    429 for the others). Now the eleventh request is refused whatever it is."""
    c = make(min_fill_seconds=0, mail=mail(10))
    assert c.post(FORM, json=VICTIM).status_code == 201
    for i in range(9):
        assert c.post(FORM, json=person(i)).status_code == 201
    probe = c.post(FORM, json={**VICTIM, "naam": "Iemand"})
    other = c.post(FORM, json=person(99))
    assert probe.status_code == other.status_code == 429


@pytest.mark.parametrize(
    "address",
    ["VICTIM@example.org", "victim+spiegel@example.org", " victim@EXAMPLE.ORG"],
)
def test_one_person_one_seat_however_the_address_is_written(make: Any, address: str) -> None:
    c = make(min_fill_seconds=0, mail=mail(0))
    c.post(FORM, json=VICTIM)
    c.post(FORM, json={**VICTIM, "email": address})
    assert c.app.state.store.count("spiegelbijeenkomst") == 1


def test_one_address_is_mailed_at_most_three_times_a_day(make: Any) -> None:
    """Anyone could make us mail any address once per session, and again with every spelling:
    now three sign-ups a day that mail one address, from any client, repeats included."""
    c = make(min_fill_seconds=0, mail=mail(0))
    sessions = ["2027-01-cardiologie", "2027-02-oncologie"]
    for s in sessions:
        assert c.post(FORM, json={**VICTIM, "sessie": s}).status_code == 201
    assert c.post(FORM, json={**VICTIM, "email": "Victim+3@example.org"}).status_code == 201
    fourth = c.post(FORM, json={**VICTIM, "sessie": sessions[1], "email": "victim+4@example.org"})
    assert fourth.status_code == 429
    assert c.post(FORM, json=person(1)).status_code == 201  # others are not affected


@pytest.mark.parametrize(
    ("address", "same_as"),
    [
        ("Anna@Example.NL", "anna@example.nl"),
        ("anna+spiegel@example.nl", "anna@example.nl"),
        ("a.n.n.a@gmail.com", "anna@gmail.com"),
        ("Anna.de.Vries+x@googlemail.com", "annadevries@gmail.com"),
        ("a.n.n.a@example.nl", "a.n.n.a@example.nl"),  # other providers: dots count
    ],
)
def test_normalise_email(address: str, same_as: str) -> None:
    assert normalise_email(address) == same_as


@given(st.from_regex(EMAIL, fullmatch=True))
def test_every_accepted_address_round_trips_as_one_plain_address(address: str) -> None:
    from email.headerregistry import Address

    from spiegel.outbox.sender import one_address

    assert email_re().fullmatch(address)
    assert Address(addr_spec=address).addr_spec == address
    assert one_address(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?q?a=0D=0Ab?=@x.nl",
        "=?utf-8?q?a=2C_b=40y.nl?=@x.nl",
        "a..b@x.nl",
        ".a@x.nl",
        "a@x.nl, b@y.nl",
        "Anna <a@x.nl>",
    ],
)
def test_encoded_words_lists_and_names_are_refused_at_the_door(make: Any, address: str) -> None:
    c = make(min_fill_seconds=0, mail=mail(0))
    r = c.post(FORM, json={**VICTIM, "email": address})
    assert r.status_code == 422 and "email" in r.json()["errors"]


@pytest.mark.parametrize(
    "name",
    [
        "bevestig uw plek via https://zorggroep.example.evil.test/x",
        "zie www.evil.test",
        "ftp://x",
        "WWW.EVIL.TEST",
    ],
)
def test_a_name_with_a_web_address_is_refused(make: Any, name: str) -> None:
    c = make(min_fill_seconds=0, mail=mail(0))
    r = c.post(FORM, json={**VICTIM, "naam": name})
    assert r.status_code == 422
    assert "internetadres" in " ".join(r.json()["errors"]["naam"])


def test_the_person_hears_of_the_repeat_and_nobody_else(make: Any, tmp_path: Any) -> None:
    import email
    import email.policy

    from spiegel.outbox.worker import make_sender

    outbox = tmp_path / "outbox"
    c = make(
        min_fill_seconds=0,
        mail=MailSettings(signups_per_day=0, public_url="https://s.example", outbox_dir=outbox),
    )
    c.post(FORM, json=VICTIM)
    c.post(FORM, json={**VICTIM, "naam": "Iemand Anders", "email": "victim+probe@example.org"})
    sender = make_sender(c.app.state.services)
    sender.run_once()
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in outbox.glob("*.eml")
    ]
    assert sorted(str(m["Subject"]) for m in mails) == [
        "Bevestiging: u heeft een plek",
        "U was al aangemeld",
    ]
    assert {str(m["To"]) for m in mails} == {"victim@example.org"}  # never the probe's spelling
    repeat = next(m for m in mails if str(m["Subject"]).startswith("U was al"))
    text = repeat.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Beste Slachtoffer" in text and "Iemand Anders" not in text
    assert "https://s.example/api/afmelden/" in text
