"""The e-mails of the sign-up loop, in Dutch (B1): plain text plus simple HTML, no images, no
tracking, the .ics attached where there is an appointment. Subjects say nothing about health or a
department: a subject line is seen by others (shared inboxes, lock screens).

Used by the sender only (never on the request path): ``email`` and ``icalendar`` load here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from spiegel.content.calendar import datum, session_ics, ways_sentence
from spiegel.db.base import (
    CANCELLATION,
    CONFIRMATION,
    PROMOTION,
    REMINDER,
    WAITLIST_MSG,
)

URL_RE = re.compile(r"(https?://\S+)")


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


def _when(session: dict[str, str]) -> str:
    day = dt.date.fromisoformat(session["date"])
    return f"{datum(day)}, van {session['start']} tot {session['end']} uur"


def _contact(org: dict[str, Any]) -> str:
    ways = []
    if org.get("phone"):
        hours = f" ({org['phone_hours']})" if org.get("phone_hours") else ""
        ways.append(f"bel {org['phone']}{hours}")
    if org.get("email"):
        ways.append(f"mail naar {org['email']}")
    text = "Heeft u een vraag? " + (ways_sentence(ways) if ways else "Neem contact met ons op.")
    if org.get("address"):
        text += f"\nOns postadres: {org['address']}."
    return text[0].upper() + text[1:]


def session_letter(
    kind: str,
    *,
    name: str,
    session: dict[str, str],
    org: dict[str, Any],
    cancel_link: str,
    agenda_url: str,
) -> Letter:
    """The message of ``kind`` for one sign-up."""
    who = org.get("name") or org.get("site_name") or "Spiegel"
    greeting = f"Beste {name}," if name else "Beste meneer of mevrouw,"
    when = f"Wanneer: {_when(session)}\nWaar: {session['location']}"
    cancel = (
        f"Kunt u niet komen? Meld u dan af met deze link:\n{cancel_link}\n"
        "Dan kan iemand anders uw plek krijgen."
    )
    ics = _ics(session, org, agenda_url)
    end = (_contact(org), f"Met vriendelijke groet,\n{who}")
    if kind == CONFIRMATION:
        return Letter(
            f"Uw aanmelding bij {who}",
            (
                greeting,
                "U bent aangemeld voor de spiegelbijeenkomst. Er is een plek voor u.",
                when,
                "In de bijlage staat de afspraak. Die kunt u in uw agenda zetten.",
                cancel,
                *end,
            ),
            ics,
        )
    if kind == PROMOTION:
        return Letter(
            f"Er is een plek voor u bij {who}",
            (
                greeting,
                "Er is een plek vrijgekomen. U staat niet meer op de wachtlijst: "
                "u bent nu aangemeld voor de spiegelbijeenkomst.",
                when,
                "In de bijlage staat de afspraak. Die kunt u in uw agenda zetten.",
                cancel,
                *end,
            ),
            ics,
        )
    if kind == REMINDER:
        return Letter(
            f"Herinnering: uw afspraak bij {who}",
            (greeting, "Wij zien u graag bij de spiegelbijeenkomst.", when, cancel, *end),
            ics,
        )
    if kind == WAITLIST_MSG:
        return Letter(
            f"Uw aanmelding bij {who}",
            (
                greeting,
                f"De spiegelbijeenkomst van {datum(dt.date.fromisoformat(session['date']))} is vol. "
                "U staat op de wachtlijst.",
                "Heeft u op het formulier aangegeven dat u een plek wilt als er een vrijkomt? "
                "Dan krijgt u die plek vanzelf, en sturen wij u een e-mail.",
                f"Wilt u niet meer op de wachtlijst staan? Gebruik dan deze link:\n{cancel_link}",
                *end,
            ),
        )
    if kind == CANCELLATION:
        return Letter(
            f"Uw afmelding bij {who}",
            (
                greeting,
                f"U bent afgemeld voor de spiegelbijeenkomst van "
                f"{datum(dt.date.fromisoformat(session['date']))}. U hoeft niets meer te doen.",
                "Was dit een vergissing? Meld u dan opnieuw aan op de website, of neem contact met ons op.",
                *end,
            ),
        )
    raise ValueError(f"unknown message kind {kind!r}")


def _html(paragraphs: tuple[str, ...]) -> str:
    def para(text: str) -> str:
        parts = URL_RE.split(text)
        out = "".join(
            f'<a href="{escape(p)}">{escape(p)}</a>' if i % 2 else escape(p)
            for i, p in enumerate(parts)
        )
        return "<p>" + out.replace("\n", "<br>") + "</p>"

    body = "\n".join(para(p) for p in paragraphs)
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"></head>'
        '<body style="font-family:sans-serif;font-size:18px;line-height:1.5;color:#1a1a1a">'
        f"{body}</body></html>"
    )


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
    msg.set_content("\n\n".join(letter.paragraphs) + "\n")
    msg.add_alternative(_html(letter.paragraphs), subtype="html")
    if letter.ics:
        msg.add_attachment(
            letter.ics,
            subtype="calendar",
            filename="afspraak.ics",
            params={"method": "PUBLISH"},
        )
    return msg
