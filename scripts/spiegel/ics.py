"""iCalendar (RFC 5545) files for sessions, deterministic so builds are reproducible."""

from __future__ import annotations

from typing import Any

VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Amsterdam",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = b""
    for ch in line:
        enc = ch.encode()
        limit = 75 if not out else 74
        if len(current) + len(enc) > limit:
            out.append(current.decode())
            current = b""
        current += enc
    out.append(current.decode())
    return "\r\n ".join(out)


def session_ics(session: dict[str, Any], organisation: str, page_url: str) -> str:
    day = session["date"].strftime("%Y%m%d")
    start, end = (session[k].replace(":", "") + "00" for k in ("start", "end"))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_escape(organisation)}//Spiegel//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:{session['id']}@spiegel",
        f"DTSTAMP:{day}T000000Z",
        f"DTSTART;TZID=Europe/Amsterdam:{day}T{start}",
        f"DTEND;TZID=Europe/Amsterdam:{day}T{end}",
        f"SUMMARY:{_escape('Spiegelbijeenkomst ' + session['department'])}",
        f"LOCATION:{_escape(session['location'])}",
        f"DESCRIPTION:{_escape(session['audience'] + '. Aanmelden: ' + page_url)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
