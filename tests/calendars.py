"""Read every .ics with two independent parsers and require that they agree.

The ``icalendar`` package (Python, the one that writes our files) and ``ical.js`` (Mozilla's,
the parser of Thunderbird, from npm: tests/ical/parse.mjs driven through node). A file only one
of them reads, or that they read differently, is a defect.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Appointment:
    method: str
    uid: str
    sequence: int
    start: dt.datetime  # aware, Europe/Amsterdam
    end: dt.datetime
    stamp: dt.datetime  # UTC
    status: str
    url: str
    description: str
    location: str


def _python(text: str) -> Appointment:
    cal = icalendar.Calendar.from_ical(text)
    [event] = cal.walk("VEVENT")
    stamp = event.decoded("dtstamp")
    assert stamp.tzinfo is not None and stamp.utcoffset() == dt.timedelta(0), "DTSTAMP not UTC"
    return Appointment(
        method=str(cal["method"]),
        uid=str(event["uid"]),
        sequence=int(event.get("sequence", 0)),
        start=event.decoded("dtstart"),
        end=event.decoded("dtend"),
        stamp=stamp,
        status=str(event.get("status", "")),
        url=str(event.get("url", "")),
        description=str(event.get("description", "")),
        location=str(event.get("location", "")),
    )


def _javascript(texts: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", str(HERE / "ical" / "parse.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE,
        timeout=60,
    )
    return list(json.loads(done.stdout))


def read(texts: list[str]) -> list[Appointment]:
    """Each text read by both parsers; they must agree on every property we rely on."""
    mine = [_python(t) for t in texts]
    theirs = _javascript(texts)
    for a, js in zip(mine, theirs, strict=True):
        assert "error" not in js, js
        assert js["method"] == a.method
        [e] = js["events"]
        assert e["uid"] == a.uid
        assert e["sequence"] == a.sequence
        assert e["start_utc"] == int(a.start.timestamp()), (e["start"], a.start)
        assert e["end_utc"] == int(a.end.timestamp())
        assert e["tzid"] == "Europe/Amsterdam"
        assert e["dtstamp_is_utc"] and e["dtstamp_utc"] == int(a.stamp.timestamp())
        assert e["status"] == a.status and e["url"] == a.url
        assert e["description"] == a.description and e["location"] == a.location
    return mine


def attached(msg: EmailMessage) -> list[str]:
    """The .ics attachments of a message (their text); the part's method matches the file's."""
    out = []
    for part in msg.iter_attachments():
        if part.get_content_type() == "text/calendar":
            text = part.get_content()
            method = part.get_param("method")
            assert f"\r\nMETHOD:{method}\r\n" in text.replace("\n", "\r\n").replace("\r\r", "\r")
            out.append(text)
    return out
