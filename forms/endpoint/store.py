"""The storage interface, and the embedded SQLite store.

A submission is acknowledged only after its transaction has committed. Capacity (seats per
session) is checked and the row inserted in one write transaction, so concurrent sign-ups can
never overbook. Schema changes are numbered migrations, applied at start-up or by `spiegel migrate`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

CONFIRMED, WAITLIST, RECEIVED = "confirmed", "waitlist", "received"


class DuplicateError(Exception):
    """The unique key (e.g. an invitation code) was used before."""


class StoreUnavailable(Exception):
    """The database cannot be reached; nothing was stored."""


@dataclass(frozen=True)
class Submission:
    form_id: str
    payload: dict[str, str]
    capacity_key: str | None = None
    capacity: int | None = None
    unique_key: str | None = None


@dataclass(frozen=True)
class Receipt:
    id: str
    status: str


@dataclass(frozen=True)
class StoredRow:
    id: str
    form_id: str
    created_at: dt.datetime
    status: str
    payload: dict[str, str]


class Store(Protocol):
    kind: str

    def migrate(self) -> int: ...
    def submit(self, sub: Submission) -> Receipt: ...
    def rows(self, form_id: str) -> Iterator[StoredRow]: ...
    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int: ...
    def purge(self, cutoffs: dict[str, dt.datetime]) -> dict[str, int]: ...
    def audit(self, actor: str, action: str, form_id: str, detail: str) -> None: ...
    def audit_log(self) -> list[dict[str, Any]]: ...
    def ping(self) -> None: ...
    def close(self) -> None: ...


def count_query(
    form_id: str, capacity_key: str | None, status: str | None, ph: str
) -> tuple[str, list[str]]:
    """The count of both stores; ``ph`` is the driver's placeholder (``?`` or ``%s``)."""
    # only fixed column names and the placeholder are formatted in; every value is bound
    sql, args = f"SELECT count(*) FROM submissions WHERE form_id = {ph}", [form_id]  # noqa: S608
    for column, value in (("capacity_key", capacity_key), ("status", status)):
        if value is not None:
            sql, args = f"{sql} AND {column} = {ph}", [*args, value]
    return sql, args


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def new_id() -> str:
    return uuid.uuid4().hex


# Each entry is one migration; never edit an applied one, append a new one. The PostgreSQL
# migrations in pgstore.py mirror these on purpose as separate text: an applied migration is frozen
# per dialect, so they are not generated from one template.
SQLITE_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submissions (
        id TEXT PRIMARY KEY,
        form_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist', 'received')),
        capacity_key TEXT,
        unique_key TEXT,
        payload TEXT NOT NULL
    );
    CREATE INDEX submissions_form ON submissions (form_id, created_at);
    CREATE INDEX submissions_capacity ON submissions (form_id, capacity_key, status);
    CREATE UNIQUE INDEX submissions_unique ON submissions (form_id, unique_key)
        WHERE unique_key IS NOT NULL;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        form_id TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
)


class SQLiteStore:
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

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # one connection per thread; check_same_thread=False only so close() may run elsewhere
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # durable on commit, also on power loss
            conn.execute("PRAGMA busy_timeout=30000")
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

    def submit(self, sub: Submission) -> Receipt:
        with self._write:
            return self._submit(sub)

    def _submit(self, sub: Submission) -> Receipt:
        conn = self._conn()
        sid = new_id()
        try:
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock: count + insert are atomic
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        try:
            status = RECEIVED
            if sub.capacity_key is not None and sub.capacity is not None:
                (taken,) = conn.execute(
                    "SELECT count(*) FROM submissions WHERE form_id = ? AND capacity_key = ? AND status = ?",
                    (sub.form_id, sub.capacity_key, CONFIRMED),
                ).fetchone()
                status = CONFIRMED if taken < sub.capacity else WAITLIST
            conn.execute(
                "INSERT INTO submissions (id, form_id, created_at, status, capacity_key, unique_key, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    sub.form_id,
                    now().isoformat(),
                    status,
                    sub.capacity_key,
                    sub.unique_key,
                    json.dumps(sub.payload, ensure_ascii=False),
                ),
            )
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise DuplicateError() from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return Receipt(sid, status)

    def rows(self, form_id: str) -> Iterator[StoredRow]:
        cur = self._conn().execute(
            "SELECT id, form_id, created_at, status, payload FROM submissions WHERE form_id = ?"
            " ORDER BY created_at, id",
            (form_id,),
        )
        for rid, fid, created, status, payload in cur:
            yield StoredRow(
                rid, fid, dt.datetime.fromisoformat(created), status, json.loads(payload)
            )

    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int:
        sql, args = count_query(form_id, capacity_key, status, "?")
        return int(self._conn().execute(sql, args).fetchone()[0])

    def purge(self, cutoffs: dict[str, dt.datetime]) -> dict[str, int]:
        conn = self._conn()
        out: dict[str, int] = {}
        conn.execute("BEGIN IMMEDIATE")
        try:
            for form_id, cutoff in cutoffs.items():
                cur = conn.execute(
                    "DELETE FROM submissions WHERE form_id = ? AND created_at < ?",
                    (form_id, cutoff.isoformat()),
                )
                out[form_id] = cur.rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if sum(out.values()):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # deleted rows leave the WAL file too
        return out

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

    def ping(self) -> None:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    from .pgstore import PostgresStore

    return PostgresStore(url)
