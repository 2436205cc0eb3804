"""A poisoned row never holds the outbox (issue 20 #2, #3, #7): an address that cannot become one
plain recipient fails that message alone, with a reason free of personal data, and every other
message still arrives at a real SMTP relay (aiosmtpd)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiosmtpd.smtp
import pytest
from spiegel.db.base import FAILED, SENT, Submission
from spiegel.mailsettings import MailSettings
from spiegel.outbox.sender import Permanent, one_address, transport_error
from spiegel.outbox.worker import make_sender

from .smtp import Recorder, Relay
from .test_endpoint import services_for

if TYPE_CHECKING:
    from spiegel.services import Services


def mail_for(relay: Relay) -> MailSettings:
    return MailSettings(
        smtp_url=relay.url,
        mail_from="Spiegel <spiegel@zorggroep.example>",
        public_url="https://spiegel.example",
    )


SESSION = "2027-01-cardiologie"
POISON = [
    "=?utf-8?q?a=0D=0Ab?=@x.nl",  # CR/LF inside an encoded word: To: raises ValueError
    "=?utf-8?q?a=2C_b=40y.nl=2C_c=40z.nl?=@x.nl",  # a list in an encoded word: many recipients
    "Victim <victim@example.org>",
    "a@x.nl, b@y.nl",
    "a@x.nl\r\nBcc: b@y.nl",
    '"a@x.nl"@y.nl',
]


def signup(services: Services, i: int, email: str) -> str:
    sub = Submission(
        "spiegelbijeenkomst",
        {"naam": f"Persoon {i}", "email": email},
        services.keys.seat("spiegelbijeenkomst", SESSION),
        1000,
        notify=True,
    )
    return str(services.store.submit(sub).id)


@pytest.mark.parametrize("address", POISON)
def test_one_address_refuses_what_is_not_one_plain_address(address: str) -> None:
    with pytest.raises(Permanent) as err:
        one_address(address)
    assert "@" not in str(err.value)  # the reason names no address


@pytest.mark.parametrize("address", ["anna@example.nl", "a.b+c@sub.example.org"])
def test_one_address_keeps_a_plain_address(address: str) -> None:
    assert one_address(address) == address


def test_poisoned_rows_fail_alone_and_every_other_message_arrives(database_url: str) -> None:
    relay = Relay().start()
    services = services_for(database_url, mail=mail_for(relay))
    store = services.store
    # the poisoned rows are the OLDEST: every run claims them first
    bad = [signup(services, i, a) for i, a in enumerate(POISON)]
    good = [signup(services, 100 + i, f"persoon{i}@example.nl") for i in range(5)]
    try:
        sender = make_sender(services)
        sender.run_once()
        sender.transport.close()
        received = relay.wait_for(len(good))
    finally:
        relay.stop()
    assert sorted(str(m["To"]) for m in received) == sorted(
        f"persoon{i}@example.nl" for i in range(5)
    )
    rows = {r.submission_id: r for r in store.outbox((SENT, FAILED))}
    assert all(rows[g].status == SENT for g in good)
    for b in bad:
        assert rows[b].status == FAILED
        assert "@" not in (rows[b].last_error or "") and "=?" not in (rows[b].last_error or "")
    store.close()


class Refusing(Recorder):
    """A relay that refuses every recipient and echoes the address, as real relays do."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        return f"550 <{address}>: User unknown"


def test_a_refused_address_is_kept_as_a_code_only(database_url: str) -> None:
    relay = Relay()
    relay.recorder = Refusing()
    relay.start()
    services = services_for(database_url, mail=mail_for(relay))
    store = services.store
    sid = signup(services, 1, "geheim.adres@example.nl")
    try:
        sender = make_sender(services)
        sender.run_once()
        sender.transport.close()
    finally:
        relay.stop()
    [row] = [r for r in store.outbox((FAILED,)) if r.submission_id == sid]
    assert row.last_error == (
        "de mailserver weigert dit adres (SMTP 550): controleer het adres of bel de persoon"
    )
    store.close()


def test_transport_errors_keep_class_and_code_only() -> None:
    import smtplib

    exc = smtplib.SMTPDataError(451, b"4.3.0 <geheim@example.nl> temporarily rejected")
    later = "; wij proberen het later opnieuw"
    assert transport_error(exc) == (
        "de mailserver nam het bericht niet aan (SMTPDataError, SMTP 451)" + later
    )
    assert transport_error(ConnectionRefusedError(111, "Connection refused")) == (
        "de mailserver nam het bericht niet aan (ConnectionRefusedError)" + later
    )
    assert aiosmtpd.smtp  # the relay is real


def test_every_part_is_seven_bit_clean() -> None:
    """A confirmation with an 8-bit .ics part was sent without BODY=8BITMIME (issue 20): now
    every part is quoted-printable and the whole message is ASCII, through any relay."""
    import email
    import email.policy

    from icalendar import Calendar
    from spiegel.outbox.messages import Letter, build_message

    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//\r\nX-NAAM:Café één\r\nEND:VCALENDAR\r\n"
    msg = build_message(
        Letter("Uw aanmelding", ("Beste Anna,", "Tot ziens in zaal één."), ics),
        to="anna@example.nl",
        sender="Spiegel <s@zorggroep.example>",
        message_id="x1",
    )
    raw = msg.as_bytes()
    assert raw.isascii()
    back = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in back.walk() if not p.is_multipart()]
    assert {p["Content-Transfer-Encoding"] for p in parts} == {"quoted-printable"}
    [cal] = [p for p in parts if p.get_content_type() == "text/calendar"]
    assert Calendar.from_ical(cal.get_content())["X-NAAM"] == "Café één"
