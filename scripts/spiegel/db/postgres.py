"""PostgreSQL store (psycopg 3) for several endpoint instances behind one database.

Same interface and guarantees as the SQLite store. Capacity is serialised per session with a
transaction-scoped advisory lock, so instances on different machines cannot overbook.
Pick a schema with the connection URL, e.g. ``postgresql://host/db?options=-csearch_path%3Dspiegel``.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from spiegel.db.base import (
    CANCELLATION,
    CANCELLED,
    CONFIRMATION,
    CONFIRMED,
    PROMOTION,
    RECEIVED,
    WAIT_SECONDS,
    WAITLIST,
    WAITLIST_MSG,
    CancelResult,
    DuplicateError,
    Receipt,
    StoredRow,
    StoreUnavailable,
    Submission,
    count_cutoff,
    count_query,
    count_signup,
    new_id,
    now,
    use_invitation,
)
from spiegel.db.outbox import Outbox
from spiegel.db.postgres_migrations import PG_MIGRATIONS

POOL_SIZE = 8  # connections per process; waiting for one beats "too many clients"
MIGRATION_LOCK = 7_420_001  # advisory lock id while migrating


class PostgresStore(Outbox):
    kind = "postgresql"
    PH = "%s"
    CLAIM_LOCK = " FOR UPDATE SKIP LOCKED"  # several senders share the work

    @staticmethod
    def _to_db(when: dt.datetime) -> Any:
        return when  # timestamptz

    @staticmethod
    def _from_db(value: Any) -> dt.datetime:
        return value.astimezone(dt.UTC)

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        ms = int(WAIT_SECONDS * 1000)
        options = conninfo_to_dict(url).get("options") or ""
        # every wait is bounded: a held table lock or a stuck query gives a 503 in seconds
        # instead of a request (and a thread) hanging as long as the lock lasts
        self._limits: dict[str, Any] = {
            "connect_timeout": max(2, int(WAIT_SECONDS)),
            "options": f"{options} -c statement_timeout={ms} -c lock_timeout={ms}"
            f" -c idle_in_transaction_session_timeout={ms * 2}".strip(),
        }
        self._local = threading.local()
        self._all: list[Any] = []  # every thread's connection, so close() can close them all
        self._all_lock = threading.Lock()
        # At most ``pool_size`` connections per process. Without this bound every worker thread
        # (40 per uvicorn process) held its own connection, and two instances under a burst of
        # 100 sign-ups ran PostgreSQL out of connections ("too many clients"): the flaky 503.
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)

    def _connect(self) -> psycopg.Connection[Any]:
        delay = 0.05
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                conn = psycopg.connect(self.url, autocommit=True, **self._limits)
            except psycopg.Error as exc:
                # the server is full (other clients): wait a moment instead of failing the sign-up
                if "too many" in str(exc) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                raise StoreUnavailable("cannot connect to PostgreSQL") from exc
            with self._all_lock:
                self._all.append(conn)
            return conn

    @contextmanager
    def _lease(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection for one unit of work."""
        if not self._slots.acquire(timeout=WAIT_SECONDS):
            raise StoreUnavailable(f"no PostgreSQL connection free within {WAIT_SECONDS:g} s")
        conn: psycopg.Connection[Any] | None = None
        try:
            while conn is None:
                try:
                    conn = self._idle.get_nowait()
                except queue.Empty:
                    conn = self._connect()
                    break
                if conn.closed or conn.broken:
                    conn = None
            yield conn
        finally:
            if conn is not None and not conn.closed and not conn.broken:
                self._idle.put(conn)
            self._slots.release()

    def _conn(self) -> psycopg.Connection[Any]:
        """A connection of this thread, for the migrations and commands (not the request path)."""
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = self._connect()
            self._local.conn = conn
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

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._lease() as conn, conn.transaction():
                yield conn
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateError() from exc
        except psycopg.Error as exc:  # read-only, timeouts, disk full, connection lost
            raise StoreUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _lock_session(conn: psycopg.Connection[Any], form_id: str, key: str) -> None:
        """Serialise seat changes of one session across every instance (transaction-scoped)."""
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{form_id}\x1f{key}",)
        )

    def submit(self, sub: Submission) -> Receipt:
        sid = new_id()
        with self._tx() as conn:
            status = RECEIVED  # no seat counted: a form without seats, or a partner
            if sub.capacity_key is not None:
                self._lock_session(conn, sub.form_id, sub.capacity_key)
                if sub.contact_keys:
                    earlier = conn.execute(
                        "SELECT s.id, s.status FROM submissions s JOIN contacts c"
                        " ON c.submission_id = s.id WHERE s.form_id = %s AND s.capacity_key = %s"
                        " AND s.status IN ('confirmed', 'waitlist', 'received')"
                        " AND c.contact_key = ANY(%s)"
                        " ORDER BY s.seq LIMIT 1",
                        (sub.form_id, sub.capacity_key, list(sub.contact_keys)),
                    ).fetchone()
                    if earlier:
                        return Receipt(earlier[0], earlier[1], repeat=True)
            if sub.signup_cap is not None:
                count_signup(conn, sub.signup_cap, "%s")
            if sub.capacity_key is not None and sub.capacity is not None:
                row = conn.execute(
                    "SELECT count(*) FROM submissions WHERE form_id = %s AND capacity_key = %s AND status = %s",
                    (sub.form_id, sub.capacity_key, CONFIRMED),
                ).fetchone()
                status = CONFIRMED if row and row[0] < sub.capacity else WAITLIST
            if sub.invitation and use_invitation(conn, sub.invitation, "%s") != 1:
                raise DuplicateError()  # unknown, foreign, mismatching or used code
            conn.execute(
                "INSERT INTO submissions (id, form_id, created_at, status, capacity_key, unique_key,"
                " payload, may_promote) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    sid,
                    sub.form_id,
                    now(),
                    status,
                    sub.capacity_key,
                    sub.unique_key,
                    Jsonb(sub.payload),
                    sub.may_promote,
                ),
            )
            for k in sub.contact_keys:
                conn.execute(
                    "INSERT INTO contacts (contact_key, submission_id) VALUES (%s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (k, sid),
                )
            if sub.notify:
                kind = WAITLIST_MSG if status == WAITLIST else CONFIRMATION
                self._enqueue(conn, kind, sid, None, "")
        return Receipt(sid, status)

    def submission(self, sid: str) -> StoredRow | None:
        with self._tx() as conn:
            r = conn.execute(
                "SELECT id, form_id, created_at, status, payload, capacity_key FROM submissions"
                " WHERE id = %s",
                (sid,),
            ).fetchone()
        if r is None:
            return None
        return StoredRow(r[0], r[1], r[2].astimezone(dt.UTC), r[3], r[4], r[5])

    def cancel(self, sid: str, capacity: int | None) -> CancelResult | None:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT form_id, capacity_key FROM submissions WHERE id = %s", (sid,)
            ).fetchone()
            if row is None:
                return None
            form_id, key = row
            if key is not None:
                self._lock_session(conn, form_id, key)
            (before,) = conn.execute(
                "SELECT status FROM submissions WHERE id = %s FOR UPDATE", (sid,)
            ).fetchone() or (CANCELLED,)
            if before not in (CONFIRMED, WAITLIST, RECEIVED):
                return CancelResult(CANCELLED)
            conn.execute(
                "UPDATE submissions SET status = %s, cancelled_at = %s WHERE id = %s",
                (CANCELLED, now(), sid),
            )
            self._enqueue(conn, CANCELLATION, sid, None, "")
            promoted: list[str] = []
            if capacity is not None and key is not None:
                counted = conn.execute(
                    "SELECT count(*) FROM submissions WHERE form_id = %s AND capacity_key = %s AND status = %s",
                    (form_id, key, CONFIRMED),
                ).fetchone()
                free = max(capacity - (counted[0] if counted else 0), 0)
                waiting = conn.execute(
                    "SELECT id FROM submissions WHERE form_id = %s AND capacity_key = %s AND status = %s"
                    " AND may_promote ORDER BY seq LIMIT %s",
                    (form_id, key, WAITLIST, free),
                ).fetchall()
                for (wid,) in waiting:
                    conn.execute(
                        "UPDATE submissions SET status = %s WHERE id = %s", (CONFIRMED, wid)
                    )
                    self._enqueue(conn, PROMOTION, wid, None, "")
                    promoted.append(wid)
            return CancelResult(before, tuple(promoted))

    def session_counts(self, form_id: str) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT capacity_key, status, count(*) FROM submissions WHERE form_id = %s"
                " AND capacity_key IS NOT NULL AND status IN ('confirmed', 'waitlist')"
                " GROUP BY capacity_key, status",
                (form_id,),
            ).fetchall()
        for key, status, n in rows:
            out.setdefault(key, [0, 0])[0 if status == CONFIRMED else 1] = n
        return {k: (v[0], v[1]) for k, v in out.items()}

    def rows(self, form_id: str) -> Iterator[StoredRow]:
        conn = self._conn()
        with conn.transaction():
            cur = conn.execute(
                "SELECT id, form_id, created_at, status, payload, capacity_key FROM submissions"
                " WHERE form_id = %s ORDER BY seq, created_at, id",
                (form_id,),
            )
            rows = cur.fetchall()
        for rid, fid, created, status, payload, key in rows:
            yield StoredRow(rid, fid, created.astimezone(dt.UTC), status, payload, key)

    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int:
        sql, args = count_query(form_id, capacity_key, status, "%s")
        with self._tx() as conn:
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
            conn.execute("DELETE FROM signup_counts WHERE day < %s", (count_cutoff(),))
        return out

    def replace_payload(
        self, row_id: str, payload: dict[str, str], capacity_key: str | None
    ) -> None:
        conn = self._conn()
        with conn.transaction():
            conn.execute(
                "UPDATE submissions SET payload = %s, capacity_key = coalesce(%s, capacity_key)"
                " WHERE id = %s",
                (Jsonb(payload), capacity_key, row_id),
            )

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

    def add_invitations(self, evaluation: str, group: str, keys: list[str]) -> None:
        conn = self._conn()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO invitations (code_key, evaluation, respondent_group, created_at)"
                " VALUES (%s, %s, %s, %s)",
                [(k, evaluation, group, now()) for k in keys],
            )

    def invited_counts(self) -> dict[str, dict[str, int]]:
        conn = self._conn()
        with conn.transaction():
            rows = conn.execute(
                "SELECT evaluation, respondent_group, count(*) FROM invitations"
                " GROUP BY evaluation, respondent_group"
            ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for ev, group, n in rows:
            out.setdefault(ev, {})[group] = int(n)
        return out

    def ping(self) -> None:
        """Can the database take a write? A test insert, rolled back: a read-only database
        (replica, ``default_transaction_read_only``, full disk) fails here."""
        try:
            with self._lease() as conn, conn.transaction(force_rollback=True):
                conn.execute(
                    "INSERT INTO audit_log (at, actor, action, form_id, detail)"
                    " VALUES (now(), 'health', 'ping', '', '')"
                )
        except psycopg.Error as exc:
            raise StoreUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


__all__ = ["PostgresStore", "WAITLIST"]
