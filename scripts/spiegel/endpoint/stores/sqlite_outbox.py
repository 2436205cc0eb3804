"""The outbox half of the SQLite store: queue, lease, mark and list messages, and the
secret behind the links in them.

A mixin of SQLiteStore: it uses the store's ``_tx()`` (one write transaction) and ``_conn()``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from spiegel.endpoint.stores.base import PENDING, SENT, OutboxRow, new_id, now

OUTBOX_COLUMNS = (
    "id, kind, submission_id, recipient, data, status, attempts, created_at, next_attempt_at,"
    " last_error"
)


def _outbox_row(r: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        dt.datetime.fromisoformat(r[7]),
        dt.datetime.fromisoformat(r[8]),
        r[9],
    )


class SQLiteOutbox:
    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _conn(self) -> sqlite3.Connection: ...

    @staticmethod
    def _enqueue(
        conn: sqlite3.Connection,
        kind: str,
        sid: str | None,
        recipient: str | None,
        data: str,
        once: str | None = None,
    ) -> bool:
        stamp = now().isoformat()
        cur = conn.execute(
            "INSERT OR IGNORE INTO outbox (id, created_at, kind, submission_id, recipient, data,"
            " next_attempt_at, once_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id(), stamp, kind, sid, recipient, data, stamp, once),
        )
        return cur.rowcount == 1

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
        stamp = now()
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = ? AND next_attempt_at <= ?"  # noqa: S608
                " AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_attempt_at, id LIMIT ?",
                (PENDING, stamp.isoformat(), stamp.isoformat(), limit),
            ).fetchall()
            conn.executemany(
                "UPDATE outbox SET claimed_until = ? WHERE id = ?",
                [((stamp + lease).isoformat(), r[0]) for r in rows],
            )
        return [_outbox_row(r) for r in rows]

    def mark_sent(self, mid: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1,"
                " claimed_until = NULL, last_error = NULL WHERE id = ?",
                (SENT, now().isoformat(), mid),
            )

    def mark_failed(self, mid: str, error: str, retry_at: dt.datetime | None, status: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = coalesce(?, next_attempt_at), claimed_until = NULL WHERE id = ?",
                (status, error[:500], retry_at.isoformat() if retry_at else None, mid),
            )

    def outbox(self, statuses: tuple[str, ...]) -> list[OutboxRow]:
        marks = ", ".join("?" * len(statuses))
        rows = self._conn().execute(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status IN ({marks})"  # noqa: S608
            " ORDER BY created_at, id",
            statuses,
        )
        return [_outbox_row(r) for r in rows]

    def secret(self, name: str) -> str:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)",
                (name, secrets.token_urlsafe(32)),
            )
            return str(
                conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]
            )
