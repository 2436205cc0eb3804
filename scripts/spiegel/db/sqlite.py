"""The embedded SQLite store (the default; one endpoint instance)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
from spiegel.db.sqlite_migrations import SQLITE_MIGRATIONS

MIN_FREE_BYTES = 16 * 1024 * 1024  # below this, health says the database cannot take writes


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class SQLiteStore(Outbox):
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[Any] = []  # every thread's connection, so close() can close them all
        self._all_lock = threading.Lock()
        # Writers in this process queue on a Python lock: SQLite's own busy handler sleeps in
        # steps of up to 100 ms, which made the p99 latency ten times worse under load.
        self._write = threading.Lock()
        # the last sign-up's write error: health reports it for a minute, or until a write works
        self._write_failed: tuple[float, str] | None = None

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # one connection per thread; check_same_thread=False only so close() may run elsewhere
            try:
                conn = sqlite3.connect(
                    self.path, timeout=WAIT_SECONDS, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc
            conn.execute("PRAGMA synchronous=FULL")  # durable on commit, also on power loss
            # another process holding the write lock: wait this long, then 503 (never minutes)
            conn.execute(f"PRAGMA busy_timeout={int(WAIT_SECONDS * 1000)}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(
                "PRAGMA secure_delete=ON"
            )  # purged rows are overwritten, not just unlinked
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def migrate(self) -> int:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            applied = 0
            for version, sql in enumerate(SQLITE_MIGRATIONS, start=1):
                if version in done:
                    continue
                for statement in filter(str.strip, sql.split(";")):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, now().isoformat()),
                )
                applied += 1
            conn.execute("COMMIT")
            return applied
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. This process's writers queue on a lock first (see __init__),
        for at most WAIT_SECONDS; another process's lock is waited for by busy_timeout. Any
        database error but a broken constraint is StoreUnavailable (503); health reports it."""
        if not self._write.acquire(timeout=WAIT_SECONDS):
            raise StoreUnavailable(f"SQLite: no write turn within {WAIT_SECONDS:g} s")
        try:
            conn = self._conn()
            try:
                conn.execute("BEGIN IMMEDIATE")  # takes SQLite's write lock
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)  # after a failed COMMIT SQLite may have rolled back already
                raise
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:  # disk full, I/O error, locked, read-only, corrupt
            self._write_failed = (time.monotonic(), str(exc))
            raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc
        finally:
            self._write.release()
        self._write_failed = None

    def submit(self, sub: Submission) -> Receipt:
        sid = new_id()
        try:
            with self._tx() as conn:
                status = RECEIVED  # no seat counted: a form without seats, or a partner
                if sub.capacity_key is not None and sub.contact_keys:
                    marks = ", ".join("?" * len(sub.contact_keys))
                    earlier = conn.execute(
                        "SELECT s.id, s.status FROM submissions s JOIN contacts c"  # noqa: S608
                        " ON c.submission_id = s.id WHERE s.form_id = ? AND s.capacity_key = ?"
                        f" AND s.status IN ('confirmed', 'waitlist', 'received')"
                        f" AND c.contact_key IN ({marks})"
                        " ORDER BY s.seq LIMIT 1",
                        (sub.form_id, sub.capacity_key, *sub.contact_keys),
                    ).fetchone()
                    if earlier:
                        return Receipt(earlier[0], earlier[1], repeat=True)
                if sub.signup_cap is not None:
                    count_signup(conn, sub.signup_cap, "?")
                if sub.capacity_key is not None and sub.capacity is not None:
                    (taken,) = conn.execute(
                        "SELECT count(*) FROM submissions WHERE form_id = ? AND capacity_key = ? AND status = ?",
                        (sub.form_id, sub.capacity_key, CONFIRMED),
                    ).fetchone()
                    status = CONFIRMED if taken < sub.capacity else WAITLIST
                if sub.invitation and use_invitation(conn, sub.invitation, "?") != 1:
                    raise DuplicateError()  # unknown, foreign, mismatching or used code
                conn.execute(
                    "INSERT INTO submissions (id, form_id, created_at, status, capacity_key, unique_key,"
                    " payload, seq, may_promote)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM submissions), ?)",
                    (
                        sid,
                        sub.form_id,
                        now().isoformat(),
                        status,
                        sub.capacity_key,
                        sub.unique_key,
                        json.dumps(sub.payload, ensure_ascii=False),
                        int(sub.may_promote),
                    ),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO contacts (contact_key, submission_id) VALUES (?, ?)",
                    [(k, sid) for k in sub.contact_keys],
                )
                if sub.notify:
                    kind = WAITLIST_MSG if status == WAITLIST else CONFIRMATION
                    self._enqueue(conn, kind, sid, None, "")
        except sqlite3.IntegrityError as exc:
            raise DuplicateError() from exc
        return Receipt(sid, status)

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        """A read on the request path: a database error is StoreUnavailable (503), too."""
        try:
            return self._conn().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc

    def submission(self, sid: str) -> StoredRow | None:
        found = self._read(
            "SELECT id, form_id, created_at, status, payload, capacity_key FROM submissions WHERE id = ?",
            (sid,),
        )
        if not found:
            return None
        r = found[0]
        return StoredRow(r[0], r[1], dt.datetime.fromisoformat(r[2]), r[3], json.loads(r[4]), r[5])

    def cancel(self, sid: str, capacity: int | None) -> CancelResult | None:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT form_id, capacity_key, status FROM submissions WHERE id = ?", (sid,)
            ).fetchone()
            if row is None:
                return None
            form_id, key, before = row
            if before not in (CONFIRMED, WAITLIST, RECEIVED):
                return CancelResult(CANCELLED)
            conn.execute(
                "UPDATE submissions SET status = ?, cancelled_at = ? WHERE id = ?",
                (CANCELLED, now().isoformat(), sid),
            )
            self._enqueue(conn, CANCELLATION, sid, None, "")
            promoted: list[str] = []
            if capacity is not None and key is not None:
                (taken,) = conn.execute(
                    "SELECT count(*) FROM submissions WHERE form_id = ? AND capacity_key = ? AND status = ?",
                    (form_id, key, CONFIRMED),
                ).fetchone()
                waiting = conn.execute(
                    "SELECT id FROM submissions WHERE form_id = ? AND capacity_key = ? AND status = ?"
                    " AND may_promote = 1 ORDER BY seq LIMIT ?",
                    (form_id, key, WAITLIST, max(capacity - taken, 0)),
                ).fetchall()
                for (wid,) in waiting:
                    conn.execute("UPDATE submissions SET status = ? WHERE id = ?", (CONFIRMED, wid))
                    self._enqueue(conn, PROMOTION, wid, None, "")
                    promoted.append(wid)
            return CancelResult(before, tuple(promoted))

    def session_counts(self, form_id: str) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for key, status, n in self._read(
            "SELECT capacity_key, status, count(*) FROM submissions WHERE form_id = ?"
            " AND capacity_key IS NOT NULL AND status IN ('confirmed', 'waitlist')"
            " GROUP BY capacity_key, status",
            (form_id,),
        ):
            out.setdefault(key, [0, 0])[0 if status == CONFIRMED else 1] = n
        return {k: (v[0], v[1]) for k, v in out.items()}

    def rows(self, form_id: str) -> Iterator[StoredRow]:
        cur = self._conn().execute(
            "SELECT id, form_id, created_at, status, payload, capacity_key FROM submissions"
            " WHERE form_id = ? ORDER BY seq, created_at, id",
            (form_id,),
        )
        for rid, fid, created, status, payload, key in cur:
            yield StoredRow(
                rid, fid, dt.datetime.fromisoformat(created), status, json.loads(payload), key
            )

    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int:
        sql, args = count_query(form_id, capacity_key, status, "?")
        return int(self._conn().execute(sql, args).fetchone()[0])

    def purge(self, cutoffs: dict[str, dt.datetime]) -> dict[str, int]:
        out: dict[str, int] = {}
        with self._tx() as conn:  # the serve process purges while it takes sign-ups
            for form_id, cutoff in cutoffs.items():
                cur = conn.execute(
                    "DELETE FROM submissions WHERE form_id = ? AND created_at < ?",
                    (form_id, cutoff.isoformat()),
                )
                out[form_id] = cur.rowcount
            conn.execute("DELETE FROM signup_counts WHERE day < ?", (count_cutoff(),))
        if sum(out.values()):
            # deleted rows leave the WAL file too
            self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return out

    def replace_payload(
        self, row_id: str, payload: dict[str, str], capacity_key: str | None
    ) -> None:
        with self._write:
            self._conn().execute(
                "UPDATE submissions SET payload = ?, capacity_key = coalesce(?, capacity_key)"
                " WHERE id = ?",
                (json.dumps(payload, ensure_ascii=False), capacity_key, row_id),
            )

    def audit(self, actor: str, action: str, form_id: str, detail: str) -> None:
        self._conn().execute(
            "INSERT INTO audit_log (at, actor, action, form_id, detail) VALUES (?, ?, ?, ?, ?)",
            (now().isoformat(), actor, action, form_id, detail),
        )

    def audit_log(self) -> list[dict[str, Any]]:
        cur = self._conn().execute(
            "SELECT at, actor, action, form_id, detail FROM audit_log ORDER BY id"
        )
        return [
            dict(zip(("at", "actor", "action", "form_id", "detail"), r, strict=True)) for r in cur
        ]

    def add_invitations(self, evaluation: str, group: str, keys: list[str]) -> None:
        with self._write:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT INTO invitations (code_key, evaluation, respondent_group, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(k, evaluation, group, now().isoformat()) for k in keys],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def invited_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for ev, group, n in self._conn().execute(
            "SELECT evaluation, respondent_group, count(*) FROM invitations"
            " GROUP BY evaluation, respondent_group"
        ):
            out.setdefault(ev, {})[group] = int(n)
        return out

    def ping(self) -> None:
        """Can the database take a write? The write lock, a test insert (rolled back) and room
        on the disk: a full disk or a read-only file fails here, not only on the next sign-up."""
        free = shutil.disk_usage(self.path.parent).free
        if free < MIN_FREE_BYTES:
            raise StoreUnavailable(f"SQLite {self.path}: only {free} bytes free on the disk")
        failed = self._write_failed
        if failed and time.monotonic() - failed[0] < 60:
            raise StoreUnavailable(f"SQLite {self.path}: last write failed: {failed[1]}")
        if not self._write.acquire(timeout=WAIT_SECONDS):
            raise StoreUnavailable(f"SQLite: no write turn within {WAIT_SECONDS:g} s")
        try:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(  # larger than a page: new pages must be available
                    "INSERT INTO audit_log (at, actor, action, form_id, detail)"
                    " VALUES ('', 'health', 'ping', '', ?)",
                    ("x" * 16384,),
                )
            finally:
                _rollback(conn)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc
        finally:
            self._write.release()

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()
