"""The one clock: the organisation's time zone, now, and today (``SPIEGEL_TODAY`` fixes it).

``Clock(config.today)`` is built once per process by ``spiegel.services``; the site build uses
``today(build_settings().today)``. Nothing else asks the system for the date.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Amsterdam")


def now() -> dt.datetime:
    """The moment, in UTC, to the second (what the store records)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def local() -> dt.datetime:
    """The moment on the organisation's clocks (Europe/Amsterdam)."""
    return dt.datetime.now(ZONE)


def today(fixed: dt.date | None = None) -> dt.date:
    """The date in Europe/Amsterdam, or ``fixed`` (SPIEGEL_TODAY) when set."""
    return fixed or local().date()


def start_of(day: dt.date) -> int:
    """Midnight of ``day`` on the organisation's clocks, in seconds since the epoch: the only
    time an anonymous answer may carry (issue 19)."""
    return int(dt.datetime.combine(day, dt.time(0), ZONE).timestamp())


class Clock(NamedTuple):  # not a dataclass: cheaper to define at a serverless cold start
    fixed: dt.date | None = None  # SPIEGEL_TODAY

    def now(self) -> dt.datetime:
        return now()

    def local(self) -> dt.datetime:
        return local()

    def today(self) -> dt.date:
        return today(self.fixed)
