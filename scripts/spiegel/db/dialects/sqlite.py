"""The SQLite dialect: the embedded database (the default; one endpoint instance).

One connection per thread, in WAL mode with ``synchronous=FULL`` (durable on commit, also on
power loss). A write takes SQLite's database-wide write lock with ``BEGIN IMMEDIATE``, so the
seat count and the insert of a sign-up can never interleave with another writer's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spiegel.db.base import WAIT_SECONDS, DuplicateError, StoreUnavailable, now
from spiegel.db.sqlite_migrations import SQLITE_MIGRATIONS

MIN_FREE_BYTES = 16 * 1024 * 1024  # below this, health says the database cannot take writes
UNIQUE = ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
log = logging.getLogger("spiegel.db")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:  # after a failed COMMIT SQLite may have rolled back already
        conn.execute("ROLLBACK")


def _owner_only(path: Path) -> None:
    """The database and its -wal/-shm files are the owner's alone, whatever the umask (issue 20
    #12): created 0600 before SQLite opens them (SQLite gives -wal and -shm the database file's
    mode), and narrowed when an older file was wider."""
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name == path or name.exists():
            fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                os.fchmod(fd, 0o600)
            finally:
                os.close(fd)


class _Held:
    """A thread's connection, closed when that thread ends: its thread-local data goes, and
    with it the last reference. Worker threads end when idle and new ones start; each kept its
    connection open for good before (two files each: a process ran out of file descriptors)."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __del__(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


class SQLite:
    kind = "sqlite"
    mark = "?"
    wipe_owed = False  # a wipe whose checkpoint a reader blocked (after_purge)
    claim_lock = ""  # one writer at a time: nothing to skip
    row_lock = ""  # BEGIN IMMEDIATE holds the whole database
    next_seq = "(SELECT coalesce(max(seq), 0) + 1 FROM submissions)"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _owner_only(path)
        self._local = threading.local()
        # every live thread's connection, for close(); an ended thread's is closed with it
        self._all: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._all_lock = threading.Lock()
        # Writers in this process queue on a Python lock: SQLite's own busy handler sleeps in
        # steps of up to 100 ms, which made the p99 latency ten times worse under load.
        self._write = threading.Lock()
        # the last write error: health reports it for a minute, or until a write works
        self._write_failed: tuple[float, str] | None = None

    @staticmethod
    def time(when: dt.datetime) -> Any:
        return when.isoformat()  # ISO text sorts as time does

    @staticmethod
    def read_time(value: Any) -> dt.datetime:
        return dt.datetime.fromisoformat(value)

    @staticmethod
    def json(payload: dict[str, str]) -> Any:
        return json.dumps(payload, ensure_ascii=False)

    @staticmethod
    def read_json(value: Any) -> dict[str, str]:
        return dict(json.loads(value))

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (check_same_thread=False only so close() may run elsewhere)."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
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
            conn.execute("PRAGMA secure_delete=ON")  # purged rows are overwritten, not unlinked
            held = self._local.held = _Held(conn)
            with self._all_lock:
                self._all.add(held)
        return held.conn

    @contextmanager
    def transaction(self, probe: bool = False) -> Iterator[sqlite3.Connection]:
        """This process's writers queue on a lock first (see __init__), for at most
        WAIT_SECONDS; another process's lock is waited for by busy_timeout."""
        if not self._write.acquire(timeout=WAIT_SECONDS):
            raise StoreUnavailable(f"SQLite: no write turn within {WAIT_SECONDS:g} s")
        try:
            conn = self.connection()
            try:
                conn.execute("BEGIN IMMEDIATE")  # takes SQLite's write lock
                yield conn
                conn.execute("ROLLBACK" if probe else "COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        except sqlite3.IntegrityError as exc:
            if exc.sqlite_errorname in UNIQUE:
                raise DuplicateError() from exc
            raise
        except sqlite3.Error as exc:  # disk full, I/O error, locked, read-only, corrupt
            if not probe:
                self._write_failed = (time.monotonic(), str(exc))
            raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc
        finally:
            self._write.release()
        if not probe:
            self._write_failed = None

    @contextmanager
    def savepoint(self, conn: sqlite3.Connection) -> Iterator[None]:
        """A part of ``transaction()``'s block that an error undoes alone; the error is named
        as ``transaction()`` names it (a broken unique key ``DuplicateError``, a failed
        statement ``StoreUnavailable``). An error that ended the whole transaction (SQLite rolls
        back on a full disk or an I/O error) goes on as it was, to ``transaction()``. A part
        that cannot be undone alone takes the whole transaction with it: ``in_transaction`` is
        only true when the part is gone and the rest may still be committed."""
        conn.execute("SAVEPOINT part")
        try:
            yield
        except BaseException as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK TO part")
                    conn.execute("RELEASE part")
                except BaseException:
                    _rollback(conn)
                    raise
            if isinstance(exc, sqlite3.IntegrityError) and exc.sqlite_errorname in UNIQUE:
                raise DuplicateError() from exc
            # named here only while the transaction goes on: once it is gone, transaction()
            # names it (and health reports the failed write)
            failed = isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError)
            if failed and conn.in_transaction:
                raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc
            raise
        conn.execute("RELEASE part")

    @staticmethod
    def in_transaction(conn: sqlite3.Connection) -> bool:
        return conn.in_transaction

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self.connection()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite {self.path}: {exc}") from exc

    def lock_session(self, conn: Any, form_id: str, key: str) -> None:
        """Nothing to add: BEGIN IMMEDIATE holds the database's write lock already."""

    def applied(self) -> set[int]:
        """The migrations applied, found with one read and no lock (none: a new database)."""
        try:
            with self.read() as conn:
                return {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        except StoreUnavailable as exc:
            if "no such table" in str(exc.__cause__):
                return set()
            raise

    def migrate(self) -> int:
        if self.applied().issuperset(range(1, len(SQLITE_MIGRATIONS) + 1)):
            return 0  # current: no write lock taken (a cold start only reads)
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
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
        return applied

    def check_health(self) -> None:
        free = shutil.disk_usage(self.path.parent).free
        if free < MIN_FREE_BYTES:
            raise StoreUnavailable(f"SQLite {self.path}: only {free} bytes free on the disk")
        failed = self._write_failed
        if failed and time.monotonic() - failed[0] < 60:
            raise StoreUnavailable(f"SQLite {self.path}: last write failed: {failed[1]}")

    def after_purge(self, deleted: int, tables: tuple[str, ...] | None = None) -> None:
        """Deleted rows leave the WAL file too: a checkpoint copies their overwritten pages
        into the database and empties the WAL. SQLite waits for readers for the busy timeout;
        one that holds on longer (a backup tool, a slow export) makes it give up, and then the
        old pages stay in the WAL: that is said, and the wipe is owed until a later call (the
        next move of the ballot box, purge or delivery) gets it done. One checkpoint covers
        every table, so ``tables`` does not matter here."""
        if not deleted and not self.wipe_owed:
            return
        with self.read() as conn:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        self.wipe_owed = bool(busy)
        if busy:
            log.warning(
                "SQLite %s: the WAL could not be emptied after a wipe (a reader held the"
                " database); the old pages stay in it until the next try",
                self.path,
            )

    def close(self) -> None:
        with self._all_lock:
            held, self._all = list(self._all), weakref.WeakSet()
        for h in held:
            h.conn.close()
        self._local = threading.local()
