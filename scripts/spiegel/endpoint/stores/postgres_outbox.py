"""The outbox half of the PostgreSQL store: queue, lease, mark and list messages, and the
secret behind the links in them.

A mixin of PostgresStore: it uses the store's ``_tx()`` (one write transaction).
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import psycopg

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
        r[7].astimezone(dt.UTC),
        r[8].astimezone(dt.UTC),
        r[9],
    )


class PostgresOutbox:
    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[psycopg.Connection[Any]]: ...

    @staticmethod
    def _enqueue(
        conn: psycopg.Connection[Any],
        kind: str,
        sid: str | None,
        recipient: str | None,
        data: str,
        once: str | None = None,
    ) -> bool:
        stamp = now()
        cur = conn.execute(
            "INSERT INTO outbox (id, created_at, kind, submission_id, recipient, data,"
            " next_attempt_at, once_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
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
        """Due messages, leased to this sender; SKIP LOCKED lets several senders share the work."""
        stamp = now()
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = %s AND next_attempt_at <= %s"  # noqa: S608
                " AND (claimed_until IS NULL OR claimed_until <= %s) ORDER BY next_attempt_at, id"
                " LIMIT %s FOR UPDATE SKIP LOCKED",
                (PENDING, stamp, stamp, limit),
            ).fetchall()
            for r in rows:
                conn.execute(
                    "UPDATE outbox SET claimed_until = %s WHERE id = %s", (stamp + lease, r[0])
                )
        return [_outbox_row(r) for r in rows]

    def mark_sent(self, mid: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE outbox SET status = %s, sent_at = %s, attempts = attempts + 1,"
                " claimed_until = NULL, last_error = NULL WHERE id = %s",
                (SENT, now(), mid),
            )

    def mark_failed(self, mid: str, error: str, retry_at: dt.datetime | None, status: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE outbox SET status = %s, attempts = attempts + 1, last_error = %s,"
                " next_attempt_at = coalesce(%s, next_attempt_at), claimed_until = NULL"
                " WHERE id = %s",
                (status, error[:500], retry_at, mid),
            )

    def outbox(self, statuses: tuple[str, ...]) -> list[OutboxRow]:
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = ANY(%s)"  # noqa: S608
                " ORDER BY created_at, id",
                (list(statuses),),
            ).fetchall()
        return [_outbox_row(r) for r in rows]

    def secret(self, name: str) -> str:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO secrets (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (name, secrets.token_urlsafe(32)),
            )
            row = conn.execute("SELECT value FROM secrets WHERE name = %s", (name,)).fetchone()
        return str(row[0]) if row else ""
