"""The e-mails of the sign-up loop, in Dutch (B1): plain text plus simple HTML, no images, no
tracking, the .ics attached where there is an appointment. Subjects say nothing about health or a
department: a subject line is seen by others (shared inboxes, lock screens).

The wording is in ``outbox/templates/`` (Jinja2: one ``.txt.j2`` per kind, ``message.html.j2`` for
the HTML part). Used by the sender only (never on the request path): ``email``, ``icalendar``
and Jinja2 load here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from spiegel.content.calendar import session_ics
from spiegel.content.texts import render_html, render_text
from spiegel.outbox.kinds import KINDS


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


# The template of each session kind (outbox/templates/<name>.txt.j2), from the one table of
# kinds; the groepsevaluatie's invitations have their own letter (invitation_letter).
TEMPLATES = {k.name: k.template for k in KINDS.values() if k.template and not k.respondent}
WITH_ICS = tuple(k.name for k in KINDS.values() if k.ics)  # about an appointment one keeps
# Where a person stands for a session, as a message says it: a place that counts for the seats
# ("seat": someone else can get it when they cancel), along without a place ("extra": a partner,
# carer or trainer) or on the waiting list ("waiting").
STANDINGS = ("seat", "extra", "waiting")
NOUNS = {  # how a message names the session, per programme
    "spiegelbijeenkomst": ("de spiegelbijeenkomst", "bijeenkomst"),
    "vvg": ("het verwonder- en verbetergesprek", "gesprek"),
}


# A web or e-mail address, or a word that looks like a domain ("evil.example"): mail programs
# turn these into links, even in plain text.
LINKISH = re.compile(r"://|www\.|@|[a-z0-9-]\.[a-z]{2,}", re.I)


def quotable(text: str) -> str:
    """What a person wrote, if our e-mail may quote it: nothing a mail program would make a
    link under our name (anyone can sign up someone else's address with a text of their own)."""
    text = " ".join(text.split())
    return "" if LINKISH.search(text) else text


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
    signup: dict[str, str] | None = None,
    practical: dict[str, str] | None = None,
    standing: str | None = None,
) -> Letter:
    """The message of ``kind`` for one sign-up (wording: ``outbox/templates/<kind>.txt.j2``).

    ``calendar``: the appointment to attach (None: no .ics); ``previous``: what the person was
    told before (a change message says what changed); ``seat``: they hold a place (not only the
    waiting list). ``signup`` holds what the person filled in (opened at send time): the e-mail
    says what is true for them (whether they asked to move up from the waiting list, the need
    they wrote). ``practical`` is the leaflet's practical information: a mirror meeting's only
    (travel costs, one's own doctor listening: nothing of it is true of a VVG). ``standing``:
    ``STANDINGS``; by default a place when ``seat``, else the waiting list."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown message kind {kind!r}")
    who = org.get("name") or org.get("site_name") or "Spiegel"
    values = signup or {}
    need = values.get("toegankelijkheid", "")
    programme = session.get("programme") or "spiegelbijeenkomst"
    noun, word = NOUNS.get(programme, NOUNS["spiegelbijeenkomst"])
    standing = standing or ("seat" if seat else "waiting")
    if standing not in STANDINGS:
        raise ValueError(f"unknown standing {standing!r}")
    # a text from a YAML block keeps its line breaks; in an e-mail they would cut a sentence
    facts = {k: " ".join(v.split()) for k, v in (practical or {}).items() if v and v.strip()}
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
        may_promote=values.get("doorschuiven") == "ja",
        need=bool(need.strip()),
        need_text=quotable(need),
        practical=facts if programme == "spiegelbijeenkomst" else {},
        standing=standing,
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


def invitation_letter(
    kind: str, values: dict[str, str], org: dict[str, Any], link: str, results: str
) -> Letter:
    """A groepsevaluatie invitation (with its code) or the group's reminder (without one);
    wording: ``outbox/templates/invitation.txt.j2`` and ``invitation_reminder.txt.j2``."""
    name = KINDS[kind].template if kind in KINDS and KINDS[kind].respondent else None
    if name is None:
        raise ValueError(f"not an invitation: {kind!r}")
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
        method = "CANCEL" if "\r\nMETHOD:CANCEL\r\n" in letter.ics else "PUBLISH"
        msg.add_attachment(
            letter.ics,
            subtype="calendar",
            filename="afspraak.ics",
            params={"method": method},
            cte="quoted-printable",
        )
    return msg
