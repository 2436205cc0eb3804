"""The e-mails of the sign-up loop, in Dutch (B1): plain text plus simple HTML, no images, no
tracking, the .ics attached where there is an appointment. Subjects say nothing about health or a
department: a subject line is seen by others (shared inboxes, lock screens).

The wording is in ``outbox/templates/`` (Jinja2: one ``.txt.j2`` per kind, ``message.html.j2`` for
the HTML part). Used by the sender only (never on the request path): ``email``, ``icalendar``
and Jinja2 load here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from spiegel.content.calendar import session_ics
from spiegel.content.texts import render_html, render_text
from spiegel.db.base import (
    CANCELLATION,
    CONFIRMATION,
    INVITATION,
    INVITATION_REMINDER,
    PROMOTION,
    REMINDER,
    REPEAT,
    WAITLIST_MSG,
)


@dataclass(frozen=True)
class Letter:
    """What a message says; ``paragraphs`` are plain text, links are written out in full."""

    subject: str
    paragraphs: tuple[str, ...]
    ics: str | None = None


def _ics(session: dict[str, str], org: dict[str, Any], agenda_url: str) -> str:
    """The same session gives the same .ics (deterministic): built once per session."""
    return _cached_ics(json.dumps([session, org, agenda_url], sort_keys=True, default=str))


@functools.lru_cache(maxsize=64)
def _cached_ics(key: str) -> str:
    session, org, agenda_url = json.loads(key)
    return session_ics({**session, "date": dt.date.fromisoformat(session["date"])}, org, agenda_url)


# The template of each kind (outbox/templates/<name>.txt.j2): the wording lives there.
TEMPLATES = {
    CONFIRMATION: "confirmation",
    PROMOTION: "promotion",
    REMINDER: "reminder",
    WAITLIST_MSG: "waitlist",
    CANCELLATION: "cancellation",
    REPEAT: "repeat",
}
WITH_ICS = (CONFIRMATION, PROMOTION, REMINDER)  # the kinds about an appointment one keeps


def session_letter(
    kind: str,
    *,
    name: str,
    session: dict[str, str],
    org: dict[str, Any],
    cancel_link: str,
    agenda_url: str,
) -> Letter:
    """The message of ``kind`` for one sign-up (wording: ``outbox/templates/<kind>.txt.j2``)."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown message kind {kind!r}")
    who = org.get("name") or org.get("site_name") or "Spiegel"
    text = render_text(
        "spiegel.outbox",
        f"{TEMPLATES[kind]}.txt.j2",
        name=name,
        session=session,
        org=org,
        cancel_link=cancel_link,
        who=who,
    )
    ics = _ics(session, org, agenda_url) if kind in WITH_ICS else None
    return Letter(text.subject, text.paragraphs, ics)


def invitation_letter(
    kind: str, values: dict[str, str], org: dict[str, Any], link: str, results: str
) -> Letter:
    """A groepsevaluatie invitation (with its code) or the group's reminder (without one);
    wording: ``outbox/templates/invitation.txt.j2`` and ``invitation_reminder.txt.j2``."""
    name = {INVITATION: "invitation", INVITATION_REMINDER: "invitation_reminder"}[kind]
    who = org.get("name") or org.get("site_name") or "Spiegel"
    text = render_text(
        "spiegel.outbox", f"{name}.txt.j2", v=values, org=org, who=who, link=link, results=results
    )
    return Letter(text.subject, text.paragraphs)


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
        msg.add_attachment(
            letter.ics,
            subtype="calendar",
            filename="afspraak.ics",
            params={"method": "PUBLISH"},
            cte="quoted-printable",
        )
    return msg
