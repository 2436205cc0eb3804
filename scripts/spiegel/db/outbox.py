"""The outbox half of both stores: queue, lease, mark and list messages, and the secret behind
the links in them.

A mixin of the SQL store (sql.py). It uses three facts about the store's dialect: the parameter
mark, how a time is written to the database and read back, and whether a claim can skip rows
another sender has locked; every write is one ``dialect.transaction()``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from spiegel.db.base import FORGET_ON_DELIVERY, PENDING, SENT, OutboxRow, new_id, now

if TYPE_CHECKING:
    from spiegel.db.dialects import Dialect

OUTBOX_COLUMNS = (
    "id, kind, submission_id, recipient, data, status, attempts, created_at, next_attempt_at,"
    " last_error"
)


class Outbox:
    dialect: Dialect

    def _row(self, r: tuple[Any, ...]) -> OutboxRow:
        created, due = self.dialect.read_time(r[7]), self.dialect.read_time(r[8])
        return OutboxRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], created, due, r[9])

    def _enqueue(
        self,
        conn: Any,
        kind: str,
        sid: str | None,
        recipient: str | None,
        data: str,
        once: str | None = None,
    ) -> bool:
        """Add a message inside the caller's transaction; False when it was there already."""
        stamp = self.dialect.time(now())
        marks = ", ".join([self.dialect.mark] * 8)
        cur = conn.execute(
            "INSERT INTO outbox (id, created_at, kind, submission_id, recipient, data,"  # noqa: S608
            f" next_attempt_at, once_key) VALUES ({marks}) ON CONFLICT DO NOTHING",
            (new_id(), stamp, kind, sid, recipient, data, stamp, once),
        )
        return bool(cur.rowcount == 1)

    def enqueue(
        self,
        kind: str,
        submission_id: str | None,
        recipient: str | None = None,
        data: str = "",
        once: str | None = None,
    ) -> bool:
        with self.dialect.transaction() as conn:
            return self._enqueue(conn, kind, submission_id, recipient, data, once)

    def claim_outbox(self, limit: int, lease: dt.timedelta) -> list[OutboxRow]:
        """Due messages, leased to this sender so another sender does not take them meanwhile."""
        p, stamp = self.dialect.mark, now()
        with self.dialect.transaction() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = {p}"  # noqa: S608
                f" AND next_attempt_at <= {p} AND (claimed_until IS NULL OR claimed_until <= {p})"
                f" ORDER BY next_attempt_at, id LIMIT {p}{self.dialect.claim_lock}",
                (PENDING, self.dialect.time(stamp), self.dialect.time(stamp), limit),
            ).fetchall()
            conn.cursor().executemany(
                f"UPDATE outbox SET claimed_until = {p} WHERE id = {p}",  # noqa: S608
                [(self.dialect.time(stamp + lease), r[0]) for r in rows],
            )
        return [self._row(r) for r in rows]

    def mark_sent(self, mid: str, told: tuple[str, int] | None = None) -> None:
        """Sent; an invitation's sealed address and code are wiped in the same commit.
        ``told``: (sign-up, version) the message described; kept with the sign-up in the same
        commit too (what the person now knows, db/versions.py)."""
        p = self.dialect.mark
        forget = ", ".join([p] * len(FORGET_ON_DELIVERY))
        with self.dialect.transaction() as conn:
            conn.execute(
                f"UPDATE outbox SET status = {p}, sent_at = {p}, attempts = attempts + 1,"  # noqa: S608
                f" claimed_until = NULL, last_error = NULL, data = CASE WHEN kind IN ({forget})"
                f" THEN '' ELSE data END WHERE id = {p}",
                (SENT, self.dialect.time(now()), *FORGET_ON_DELIVERY, mid),
            )
            self._told(conn, told)

    def _told(self, conn: Any, told: tuple[str, int] | None) -> None:
        if told is not None:
            p = self.dialect.mark
            conn.execute(
                f"UPDATE submissions SET told_seq = {p} WHERE id = {p}"  # noqa: S608
                f" AND (told_seq IS NULL OR told_seq < {p})",
                (told[1], told[0], told[1]),
            )

    def mark_failed(
        self,
        mid: str,
        error: str,
        retry_at: dt.datetime | None,
        status: str,
        told: tuple[str, int] | None = None,
    ) -> None:
        """``told``: as for ``mark_sent``, for a message handed to staff to phone (MANUAL)."""
        p = self.dialect.mark
        retry = self.dialect.time(retry_at) if retry_at else None
        with self.dialect.transaction() as conn:
            conn.execute(
                f"UPDATE outbox SET status = {p}, attempts = attempts + 1, last_error = {p},"  # noqa: S608
                f" next_attempt_at = coalesce({p}, next_attempt_at), claimed_until = NULL"
                f" WHERE id = {p}",
                (status, error[:500], retry, mid),
            )
            self._told(conn, told)

    def outbox(self, statuses: tuple[str, ...]) -> list[OutboxRow]:
        marks = ", ".join([self.dialect.mark] * len(statuses))
        with self.dialect.read() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status IN ({marks})"  # noqa: S608
                " ORDER BY created_at, id",
                statuses,
            ).fetchall()
        return [self._row(r) for r in rows]

    def secret(self, name: str) -> str:
        p = self.dialect.mark
        with self.dialect.transaction() as conn:
            conn.execute(
                f"INSERT INTO secrets (name, value) VALUES ({p}, {p}) ON CONFLICT DO NOTHING",  # noqa: S608
                (name, secrets.token_urlsafe(32)),
            )
            row = conn.execute(f"SELECT value FROM secrets WHERE name = {p}", (name,)).fetchone()  # noqa: S608
        return str(row[0]) if row else ""

    def wipe_freed(self, changed: int, tables: tuple[str, ...] | None = None) -> None:
        self.dialect.after_purge(changed, tables)
