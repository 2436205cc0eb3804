"""The e-mails of the sign-up loop, in Dutch (B1): plain text plus simple HTML, no images, no
tracking, the .ics attached where there is an appointment. Subjects say nothing about health or a
department: a subject line is seen by others (shared inboxes, lock screens).

The wording is in ``outbox/templates/`` (Jinja2: one ``.txt.j2`` per kind, ``message.html.j2`` for
the HTML part). Used by the sender only (never on the request path): ``email``, ``icalendar``
and Jinja2 load here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from spiegel.content.calendar import session_ics
from spiegel.content.texts import render_html, render_text
from spiegel.db.base import (
    CANCELLATION,
    CONFIRMATION,
    PROMOTION,
    REMINDER,
    REPEAT,
    SESSION_CANCELLED,
    SESSION_CHANGED,
    WAITLIST_MSG,
)


@dataclass(frozen=True)
class Letter:
    """What a message says; ``paragraphs`` are plain text, links are written out in full."""

    subject: str
    paragraphs: tuple[str, ...]
    ics: str | None = None


@dataclass(frozen=True)
class Calendar:
    """The appointment in a message: its UID (one per sign-up), SEQUENCE (the session's version)
    and METHOD: PUBLISH adds or updates it in the person's calendar, CANCEL takes it out."""

    uid: str
    sequence: int
    method: str = "PUBLISH"


# The template of each kind (outbox/templates/<name>.txt.j2): the wording lives there.
TEMPLATES = {
    CONFIRMATION: "confirmation",
    PROMOTION: "promotion",
    REMINDER: "reminder",
    WAITLIST_MSG: "waitlist",
    CANCELLATION: "cancellation",
    REPEAT: "repeat",
    SESSION_CHANGED: "session_changed",
    SESSION_CANCELLED: "session_cancelled",
}
# the kinds about an appointment one keeps (for whoever holds a place; the waiting list has none)
WITH_ICS = (CONFIRMATION, PROMOTION, REMINDER, SESSION_CHANGED)
# the kinds that take the appointment out of the calendar again
CANCELS_ICS = (CANCELLATION, SESSION_CANCELLED)
NOUNS = {  # how a message names the session, per programme
    "spiegelbijeenkomst": ("de spiegelbijeenkomst", "bijeenkomst"),
    "vvg": ("het verwonder- en verbetergesprek", "gesprek"),
}


def session_letter(
    kind: str,
    *,
    name: str,
    session: dict[str, str],
    org: dict[str, Any],
    cancel_link: str,
    agenda_url: str,
    calendar: Calendar | None = None,
    previous: dict[str, str] | None = None,
    seat: bool = True,
) -> Letter:
    """The message of ``kind`` for one sign-up (wording: ``outbox/templates/<kind>.txt.j2``).
    ``calendar``: the appointment to attach (None: no .ics); ``previous``: what the person was
    told before (a change message says what changed); ``seat``: they hold a place (not only the
    waiting list)."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown message kind {kind!r}")
    who = org.get("name") or org.get("site_name") or "Spiegel"
    noun, word = NOUNS.get(
        session.get("programme") or "spiegelbijeenkomst", NOUNS["spiegelbijeenkomst"]
    )
    details = {
        **session,
        "noun": noun,
        "word": word,
        "welkom_vanaf": session.get("welkom_vanaf") or session["start"],
    }
    text = render_text(
        "spiegel.outbox",
        f"{TEMPLATES[kind]}.txt.j2",
        name=name,
        session=details,
        previous=previous,
        seat=seat,
        org=org,
        cancel_link=cancel_link,
        who=who,
    )
    ics = None
    if calendar is not None:
        ics = session_ics(
            details,
            org,
            agenda_url,
            uid=calendar.uid,
            sequence=calendar.sequence,
            method=calendar.method,
        )
    return Letter(text.subject, text.paragraphs, ics)


def _html(paragraphs: tuple[str, ...]) -> str:
    return render_html("spiegel.outbox", "message.html.j2", paragraphs=paragraphs)


def build_message(
    letter: Letter, *, to: str, sender: str, message_id: str, when: dt.datetime | None = None
) -> EmailMessage:
    """A MIME message; ``message_id`` is the outbox row's id, so a resend has the same Message-ID."""
    msg = EmailMessage()
    msg["Subject"] = letter.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(when or dt.datetime.now(dt.UTC))
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "spiegel.invalid"
    msg["Message-ID"] = f"<{message_id}@{domain}>" if message_id else make_msgid()
    msg["Auto-Submitted"] = "auto-generated"
    # Every part 7-bit clean (quoted-printable), so no relay needs 8BITMIME (RFC 6152) and none
    # mangles an "é" in the calendar file: the message is the same through any relay.
    msg.set_content("\n\n".join(letter.paragraphs) + "\n", cte="quoted-printable")
    msg.add_alternative(_html(letter.paragraphs), subtype="html", cte="quoted-printable")
    if letter.ics:
        method = "CANCEL" if "\r\nMETHOD:CANCEL\r\n" in letter.ics else "PUBLISH"
        msg.add_attachment(
            letter.ics,
            subtype="calendar",
            filename="afspraak.ics",
            params={"method": method},
            cte="quoted-printable",
        )
    return msg
