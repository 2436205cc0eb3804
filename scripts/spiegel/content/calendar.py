"""Dates in Dutch (Babel), and iCalendar (RFC 5545) files for sessions (the ``icalendar`` library).

Used by the site (agenda) and by the e-mails of the endpoint (the attachment).

The VTIMEZONE is the compact rule-based form for Europe/Amsterdam (last Sunday of March /
October), which every calendar program reads, instead of a list of every transition since 1970.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import icalendar

LONG = "EEEE d MMMM y"  # CLDR pattern: "zondag 22 november 2026"


def datum(day: dt.date, pattern: str = LONG) -> str:
    """A date in Dutch words (Babel, CLDR ``nl``), as the leaflet, the e-mails and letters say it.

    Babel is imported here, not at the top: the endpoint imports this module at start-up and
    writes a date only on the cancel page (one import on the first one, then cached).
    """
    from babel.dates import format_date

    return str(format_date(day, pattern, locale="nl"))


TZID = "Europe/Amsterdam"


def _amsterdam() -> icalendar.Timezone:
    import icalendar

    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    for kind, start, offsets, name, month in (
        (icalendar.TimezoneDaylight, dt.datetime(1970, 3, 29, 2), (1, 2), "CEST", 3),
        (icalendar.TimezoneStandard, dt.datetime(1970, 10, 25, 3), (2, 1), "CET", 10),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("tzoffsetfrom", dt.timedelta(hours=offsets[0]))
        part.add("tzoffsetto", dt.timedelta(hours=offsets[1]))
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
        tz.add_component(part)
    return tz


# The title a calendar shows, also on a lock screen, in a shared calendar and in a reminder: like
# an e-mail's subject, it names no department (the department of a mirror meeting says where
# someone was a patient); the description and the location say the rest.
SUMMARY = {"spiegelbijeenkomst": "Spiegelbijeenkomst", "vvg": "Verwonder- en verbetergesprek"}


_UID, _STAMP = "UID:spiegel-uid\r\n", "DTSTAMP:19700101T000000Z\r\n"


def _fold(line: str) -> str:
    """An ASCII content line folded at 75 octets (RFC 5545 3.1)."""
    parts = [line[:75]] + [" " + line[i : i + 74] for i in range(75, len(line), 74)]
    return "\r\n".join(parts) + "\r\n"


def session_ics(
    session: dict[str, Any],
    organisation: dict[str, Any],
    page_url: str,
    *,
    uid: str,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    method: str = "PUBLISH",
) -> str:
    """One session as an iCalendar file (``_session_ics``); the file without its UID and
    DTSTAMP is built once per version of the session, each message adds its own two lines."""
    key = json.dumps(
        [session, organisation, page_url, sequence, method], sort_keys=True, default=str
    )
    text = _cached(key)
    when = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    if not uid.isascii() or any(c in uid for c in "\r\n"):
        raise ValueError("a calendar UID is one line of ASCII")
    return text.replace(_UID, _fold("UID:" + uid), 1).replace(
        _STAMP, f"DTSTAMP:{when:%Y%m%dT%H%M%SZ}\r\n", 1
    )


@functools.lru_cache(maxsize=128)
def _cached(key: str) -> str:
    session, organisation, page_url, sequence, method = json.loads(key)
    text = _session_ics(
        session,
        organisation,
        page_url,
        uid=_UID[4:-2],
        sequence=sequence,
        stamp=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        method=method,
    )
    assert _UID in text and _STAMP in text
    return text


def _session_ics(
    session: dict[str, Any],
    organisation: dict[str, Any],
    page_url: str,
    *,
    uid: str,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    method: str = "PUBLISH",
) -> str:
    """One session as an iCalendar file; ``organisation`` is content.site["organisation"].

    DTSTART is the arrival time (``welkom_vanaf``): the time to be there, which is what a
    calendar's alarm should count from; the DESCRIPTION says when the talk itself begins.
    ``uid`` names the appointment: the same one in every message about it, with a higher
    ``sequence`` for each change, so a calendar replaces the old entry; ``method`` CANCEL (with
    STATUS:CANCELLED) takes it out. DTSTAMP is when this object was made (``stamp``, UTC)."""
    import icalendar  # here, not at the top: the endpoint formats dates without it

    zone = ZoneInfo(TZID)
    day = session["date"]
    if not isinstance(day, dt.date):
        day = dt.date.fromisoformat(str(day))

    def at(hhmm: str) -> dt.datetime:
        hour, minute = (int(x) for x in hhmm.split(":"))
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)

    cancelled = method == "CANCEL" or session.get("status") == "geannuleerd"
    arrival = session.get("welkom_vanaf") or session["start"]
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{organisation['name']}//Spiegel//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(_amsterdam())
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add(
        "dtstamp", (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    )
    event.add("dtstart", at(arrival))
    event.add("dtend", at(session["end"]))
    event.add("summary", SUMMARY.get(session.get("programme") or "", "Spiegelbijeenkomst"))
    event.add("location", session["location"])
    event.add("url", page_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    when = (
        f"Welkom vanaf {arrival} uur. Het gesprek begint om {session['start']} uur en duurt tot"
        f" {session['end']} uur."
        if arrival != session["start"]
        else f"Van {session['start']} tot {session['end']} uur."
    )
    if session.get("status") == "geannuleerd":
        reason = session.get("reden") or ""
        when = "Gaat niet door." + (f" {reason}" if reason else "")
    elif cancelled:  # the person's own cancellation: the session itself goes on
        when = "U heeft zich afgemeld."
    event.add(
        "description",
        f"{when}\nMeer informatie: {page_url}\n"
        f"Vragen of afmelden? Bel {organisation['phone']} ({organisation['phone_hours']}) "
        f"of mail naar {organisation['email']}.",
    )
    event.add(
        "organizer", f"mailto:{organisation['email']}", parameters={"cn": organisation["name"]}
    )
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")
