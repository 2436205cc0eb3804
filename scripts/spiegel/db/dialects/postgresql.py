"""The PostgreSQL dialect (psycopg 3): several endpoint instances behind one database.

Connections come from ``psycopg_pool.ConnectionPool`` (the psycopg maintainers' pool), at most
``POOL_SIZE`` per process; every call waits at most ``WAIT_SECONDS`` for one, then 503. Seat
changes of one session are serialised with a transaction-scoped advisory lock on the session, so
instances on different machines cannot overbook. Pick a schema with the connection URL, e.g.
``postgresql://host/db?options=-csearch_path%3Dspiegel``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from spiegel.db.base import WAIT_SECONDS, DuplicateError, StoreUnavailable, now
from spiegel.db.postgres_migrations import PG_MIGRATIONS

# Connections per process. Without a bound every worker thread (32 per process) held its own
# connection, and two instances under a burst of 100 sign-ups ran PostgreSQL out of
# connections ("too many clients"): the flaky 503.
POOL_SIZE = 8
MIGRATION_LOCK = 7_420_001  # advisory lock id while migrating
# what a purge deletes from: the sign-ups, their contact keys (cascade), their messages, counts
PURGED_TABLES = (
    "submissions",
    "contacts",
    "outbox",
    "signup_counts",
    "ballot_box",
    "invitation_addresses",
    "debrief_texts",
)
log = logging.getLogger("spiegel.db")


class PostgreSQL:
    kind = "postgresql"
    mark = "%s"
    claim_lock = " FOR UPDATE SKIP LOCKED"  # several senders share the work
    row_lock = " FOR UPDATE"
    next_seq = "DEFAULT"  # a BIGSERIAL
    wipe_owed = False  # a VACUUM FULL that could not run (after_purge)

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        ms = int(WAIT_SECONDS * 1000)
        options = conninfo_to_dict(url).get("options") or ""
        # every wait is bounded: a held table lock or a stuck query gives a 503 in seconds
        # instead of a request (and a thread) hanging as long as the lock lasts
        limits = {
            "autocommit": True,  # transaction() opens each transaction itself
            "connect_timeout": max(2, int(WAIT_SECONDS)),
            "options": f"{options} -c statement_timeout={ms} -c lock_timeout={ms}"
            f" -c idle_in_transaction_session_timeout={ms * 2}".strip(),
        }
        # min_size=0: no connection until the first call, none kept after ten idle minutes
        self.pool = ConnectionPool(
            url, kwargs=limits, min_size=0, max_size=pool_size, open=True, name="spiegel"
        )

    @staticmethod
    def time(when: dt.datetime) -> Any:
        return when  # timestamptz

    @staticmethod
    def read_time(value: Any) -> dt.datetime:
        return value.astimezone(dt.UTC)

    @staticmethod
    def json(payload: dict[str, str]) -> Any:
        return Jsonb(payload)

    @staticmethod
    def read_json(value: Any) -> dict[str, str]:
        return dict(value)  # jsonb arrives parsed

    @contextmanager
    def transaction(self, probe: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A connection from the pool (waiting at most WAIT_SECONDS) in one transaction."""
        try:
            with (
                self.pool.connection(timeout=WAIT_SECONDS) as conn,
                conn.transaction(force_rollback=probe),
            ):
                yield conn
        except PoolTimeout as exc:
            failed = self.pool.get_stats().get("connections_errors", 0)
            why = (
                f" ({failed} connection attempts failed, see the psycopg.pool log)"
                if failed
                else ""
            )
            raise StoreUnavailable(
                f"no PostgreSQL connection free within {WAIT_SECONDS:g} s{why}"
            ) from exc
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateError() from exc
        except psycopg.Error as exc:  # read-only, timeouts, disk full, connection lost
            raise StoreUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc

    @contextmanager
    def savepoint(self, conn: psycopg.Connection[Any]) -> Iterator[None]:
        """A part of ``transaction()``'s block that an error undoes alone (a SAVEPOINT). When
        psycopg cannot roll back to it (the connection is lost), it logs that and raises the
        block's error: the transaction is not ``in_transaction`` any more."""
        try:
            with conn.transaction():
                yield
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateError() from exc
        except psycopg.Error as exc:  # as transaction() does
            raise StoreUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def in_transaction(conn: psycopg.Connection[Any]) -> bool:
        # INERROR: a statement failed and no rollback to a savepoint undid it; UNKNOWN: lost
        return conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS

    read = transaction  # a read is a transaction too: one snapshot, a pooled connection

    def lock_session(self, conn: Any, form_id: str, key: str) -> None:
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{form_id}\x1f{key}",)
        )

    def applied(self) -> set[int]:
        """The migrations applied, found with one read and no lock (none: a new database)."""
        try:
            with self.read() as conn:
                return {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        except StoreUnavailable as exc:
            if isinstance(exc.__cause__, psycopg.errors.UndefinedTable):
                return set()
            raise

    def migrate(self) -> int:
        if self.applied().issuperset(range(1, len(PG_MIGRATIONS) + 1)):
            return 0  # current: no lock, no DDL (a cold start only reads)
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
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

    def check_health(self) -> None:
        """Nothing beyond the test write: a read-only or full database refuses it."""

    def after_purge(self, deleted: int, tables: tuple[str, ...] | None = None) -> None:
        """Rewrite the tables a purge touched (issue 20 #10). A deleted row stays in the table
        file as a dead tuple, and plain VACUUM (autovacuum too) only marks its space free: the
        bytes stay until overwritten (measured here). ``VACUUM FULL`` writes the live rows into a
        new file. It locks the table briefly (small tables: milliseconds); when a sign-up holds
        the lock longer than ``lock_timeout`` it gives way and the next purge tries again.
        ``tables``: only these changed (a delivery: the outbox), unless a wipe is owed."""
        if not deleted and not self.wipe_owed:
            return
        names = PURGED_TABLES if self.wipe_owed or tables is None else tables
        try:
            with self.pool.connection(timeout=WAIT_SECONDS) as conn:
                conn.autocommit = True  # VACUUM cannot run inside a transaction
                conn.execute("SET statement_timeout = '120s'")
                conn.execute(f"VACUUM (FULL) {', '.join(names)}")
            self.wipe_owed = False
        except (PoolTimeout, psycopg.Error) as exc:
            self.wipe_owed = True  # the next purge, batch or delivery tries again
            log.warning("VACUUM FULL after a wipe did not run (tried again next time): %s", exc)

    def close(self) -> None:
        self.pool.close()
