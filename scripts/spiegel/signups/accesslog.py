"""The access log of the back office, in the spirit of NEN 7513: every view, export and change of
personal data by staff (who: the provider's subject and name; role; what; action; when).

Append-only: entries are written by the back office (``web/beheer/core.log``) and removed only by
``purge`` after the retention period below.
"""

from __future__ import annotations

import datetime as dt

from spiegel.db.base import Store
from spiegel.db.beheer import Access, BeheerDB

RETENTION = dt.timedelta(days=5 * 366)  # NEN 7513 asks for a period long enough to investigate


def lines(store: Store, limit: int = 100_000) -> list[str]:
    """Oldest first, tab-separated: when, subject, name, role, what, action, detail."""
    entries: list[Access] = BeheerDB(store).access_log(limit)
    return [
        "\t".join((e.at.isoformat(), e.subject, e.name, e.role, e.what, e.action, e.detail))
        for e in reversed(entries)
    ]


def audit_lines(store: Store) -> list[str]:
    """For `spiegel audit-log`: when, who (name and subject), action, role, what (and detail)."""
    out = []
    for e in reversed(BeheerDB(store).access_log(100_000)):
        what = f"{e.what}: {e.detail}" if e.detail else e.what
        out.append("\t".join((e.at.isoformat(), f"{e.name} ({e.subject})", e.action, e.role, what)))
    return out


def purge(store: Store, now: dt.datetime) -> int:
    return BeheerDB(store).purge_access_log(now - RETENTION)
