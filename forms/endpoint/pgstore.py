"""PostgreSQL store (psycopg 3) for several endpoint instances behind one database.

Same interface and guarantees as the SQLite store. Capacity is serialised per session with a
transaction-scoped advisory lock, so instances on different machines cannot overbook.
Pick a schema with the connection URL, e.g. ``postgresql://host/db?options=-csearch_path%3Dspiegel``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from .store import (
    CONFIRMED,
    RECEIVED,
    WAITLIST,
    DuplicateError,
    Receipt,
    StoredRow,
    StoreUnavailable,
    Submission,
    count_query,
    new_id,
    now,
)

PG_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submissions (
        id TEXT PRIMARY KEY,
        form_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist', 'received')),
        capacity_key TEXT,
        unique_key TEXT,
        payload JSONB NOT NULL
    );
    CREATE INDEX submissions_form ON submissions (form_id, created_at);
    CREATE INDEX submissions_capacity ON submissions (form_id, capacity_key, status);
    CREATE UNIQUE INDEX submissions_unique ON submissions (form_id, unique_key)
        WHERE unique_key IS NOT NULL;
    CREATE TABLE audit_log (
        id BIGSERIAL PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        form_id TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
)
MIGRATION_LOCK = 7_420_001  # advisory lock id while migrating


class PostgresStore:
    kind = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._all: list[Any] = []  # every thread's connection, so close() can close them all
        self._all_lock = threading.Lock()

    def _conn(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            try:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as exc:
                raise StoreUnavailable("cannot connect to PostgreSQL") from exc
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def migrate(self) -> int:
        conn = self._conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
            )
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            applied = 0
            for version, sql in enumerate(PG_MIGRATIONS, start=1):
                if version in done:
                    continue
                conn.execute(sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (%s, %s)",
                    (version, now()),
                )
                applied += 1
        return applied

    def submit(self, sub: Submission) -> Receipt:
        sid = new_id()
        try:
            conn = self._conn()
            with conn.transaction():
                status = RECEIVED
                if sub.capacity_key is not None and sub.capacity is not None:
                    conn.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        (f"{sub.form_id}\x1f{sub.capacity_key}",),
                    )
                    row = conn.execute(
                        "SELECT count(*) FROM submissions WHERE form_id = %s AND capacity_key = %s AND status = %s",
                        (sub.form_id, sub.capacity_key, CONFIRMED),
                    ).fetchone()
                    status = CONFIRMED if row and row[0] < sub.capacity else WAITLIST
                conn.execute(
                    "INSERT INTO submissions (id, form_id, created_at, status, capacity_key, unique_key, payload)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        sid,
                        sub.form_id,
                        now(),
                        status,
                        sub.capacity_key,
                        sub.unique_key,
                        Jsonb(sub.payload),
                    ),
                )
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateError() from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable("PostgreSQL is unavailable") from exc
        return Receipt(sid, status)

    def rows(self, form_id: str) -> Iterator[StoredRow]:
        conn = self._conn()
        with conn.transaction():
            cur = conn.execute(
                "SELECT id, form_id, created_at, status, payload FROM submissions WHERE form_id = %s"
                " ORDER BY created_at, id",
                (form_id,),
            )
            rows = cur.fetchall()
        for rid, fid, created, status, payload in rows:
            yield StoredRow(rid, fid, created.astimezone(dt.UTC), status, payload)

    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int:
        sql, args = count_query(form_id, capacity_key, status, "%s")
        conn = self._conn()
        with conn.transaction():
            row = conn.execute(sql.encode(), args).fetchone()
        return int(row[0]) if row else 0

    def purge(self, cutoffs: dict[str, dt.datetime]) -> dict[str, int]:
        conn = self._conn()
        out: dict[str, int] = {}
        with conn.transaction():
            for form_id, cutoff in cutoffs.items():
                cur = conn.execute(
                    "DELETE FROM submissions WHERE form_id = %s AND created_at < %s",
                    (form_id, cutoff),
                )
                out[form_id] = cur.rowcount
        return out

    def audit(self, actor: str, action: str, form_id: str, detail: str) -> None:
        conn = self._conn()
        with conn.transaction():
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, form_id, detail) VALUES (%s, %s, %s, %s, %s)",
                (now(), actor, action, form_id, detail),
            )

    def audit_log(self) -> list[dict[str, Any]]:
        conn = self._conn()
        with conn.transaction():
            rows = conn.execute(
                "SELECT at, actor, action, form_id, detail FROM audit_log ORDER BY id"
            ).fetchall()
        return [
            {
                "at": r[0].astimezone(dt.UTC).isoformat(),
                "actor": r[1],
                "action": r[2],
                "form_id": r[3],
                "detail": r[4],
            }
            for r in rows
        ]

    def ping(self) -> None:
        try:
            conn = self._conn()
            with conn.transaction():
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            raise StoreUnavailable("PostgreSQL is unavailable") from exc

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


__all__ = ["PostgresStore", "WAITLIST"]
