"""The outbox half of both stores: queue, lease, mark and list messages, and the secret behind
the links in them.

A mixin of SQLiteStore and PostgresStore. It uses the store's ``_tx()`` (one write transaction)
and three facts about its dialect: the parameter mark, how a time is written to the database and
how it is read back, and whether a claim can skip rows another sender has locked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from spiegel.db.base import PENDING, SENT, OutboxRow, new_id, now

OUTBOX_COLUMNS = (
    "id, kind, submission_id, recipient, data, status, attempts, created_at, next_attempt_at,"
    " last_error"
)


class Outbox:
    PH = "?"  # the parameter mark: "?" (sqlite3) or "%s" (psycopg)
    CLAIM_LOCK = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED", so several senders share the work

    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[Any]: ...

    @staticmethod
    def _to_db(when: dt.datetime) -> Any:
        """A time as the database stores it (SQLite: ISO text, which sorts as time does)."""
        return when.isoformat()

    @staticmethod
    def _from_db(value: Any) -> dt.datetime:
        return dt.datetime.fromisoformat(value)

    def _row(self, r: tuple[Any, ...]) -> OutboxRow:
        created, due = self._from_db(r[7]), self._from_db(r[8])
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
        stamp = self._to_db(now())
        marks = ", ".join([self.PH] * 8)
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
        with self._tx() as conn:
            return self._enqueue(conn, kind, submission_id, recipient, data, once)

    def claim_outbox(self, limit: int, lease: dt.timedelta) -> list[OutboxRow]:
        """Due messages, leased to this sender so another sender does not take them meanwhile."""
        p, stamp = self.PH, now()
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = {p}"  # noqa: S608
                f" AND next_attempt_at <= {p} AND (claimed_until IS NULL OR claimed_until <= {p})"
                f" ORDER BY next_attempt_at, id LIMIT {p}{self.CLAIM_LOCK}",
                (PENDING, self._to_db(stamp), self._to_db(stamp), limit),
            ).fetchall()
            conn.cursor().executemany(
                f"UPDATE outbox SET claimed_until = {p} WHERE id = {p}",  # noqa: S608
                [(self._to_db(stamp + lease), r[0]) for r in rows],
            )
        return [self._row(r) for r in rows]

    def mark_sent(self, mid: str) -> None:
        p = self.PH
        with self._tx() as conn:
            conn.execute(
                f"UPDATE outbox SET status = {p}, sent_at = {p}, attempts = attempts + 1,"  # noqa: S608
                f" claimed_until = NULL, last_error = NULL WHERE id = {p}",
                (SENT, self._to_db(now()), mid),
            )

    def mark_failed(self, mid: str, error: str, retry_at: dt.datetime | None, status: str) -> None:
        p = self.PH
        retry = self._to_db(retry_at) if retry_at else None
        with self._tx() as conn:
            conn.execute(
                f"UPDATE outbox SET status = {p}, attempts = attempts + 1, last_error = {p},"  # noqa: S608
                f" next_attempt_at = coalesce({p}, next_attempt_at), claimed_until = NULL"
                f" WHERE id = {p}",
                (status, error[:500], retry, mid),
            )

    def outbox(self, statuses: tuple[str, ...]) -> list[OutboxRow]:
        marks = ", ".join([self.PH] * len(statuses))
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status IN ({marks})"  # noqa: S608
                " ORDER BY created_at, id",
                statuses,
            ).fetchall()
        return [self._row(r) for r in rows]

    def secret(self, name: str) -> str:
        p = self.PH
        with self._tx() as conn:
            conn.execute(
                f"INSERT INTO secrets (name, value) VALUES ({p}, {p}) ON CONFLICT DO NOTHING",  # noqa: S608
                (name, secrets.token_urlsafe(32)),
            )
            row = conn.execute(f"SELECT value FROM secrets WHERE name = {p}", (name,)).fetchone()  # noqa: S608
        return str(row[0]) if row else ""
