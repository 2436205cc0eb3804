"""What differs between the databases under the one SQL store (``db/sql.py``).

A dialect supplies the parameter mark, how a time and a JSON payload are written and read back,
the locks (SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock; PostgreSQL: a lock per
session, ``FOR UPDATE``, ``SKIP LOCKED``), its connections and its own frozen migrations. Every
write goes through ``transaction()``; a database error leaves it as ``StoreUnavailable`` (503),
a broken unique key as ``DuplicateError``.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Dialect(Protocol):
    kind: str  # "sqlite" or "postgresql" (Store.kind)
    mark: str  # the parameter mark: "?" (sqlite3) or "%s" (psycopg)
    claim_lock: str  # appended to the outbox claim: "" or " FOR UPDATE SKIP LOCKED"
    row_lock: str  # appended to a select of the row to change: "" or " FOR UPDATE"
    next_seq: str  # the value of submissions.seq in an INSERT (sign-up order)
    wipe_owed: bool  # after_purge could not overwrite what was freed; the next call tries

    def time(self, when: dt.datetime) -> Any:
        """A time as this database stores it."""

    def read_time(self, value: Any) -> dt.datetime: ...
    def json(self, payload: dict[str, str]) -> Any: ...
    def read_json(self, value: Any) -> dict[str, str]: ...

    def transaction(self, probe: bool = False) -> AbstractContextManager[Any]:
        """One write transaction, committed at the end of the block; ``probe``: rolled back."""

    def savepoint(self, conn: Any) -> AbstractContextManager[None]:
        """A part of a transaction that an error undoes alone (a broken unique key:
        ``DuplicateError``; another database error: ``StoreUnavailable``). When the part cannot
        be undone alone, the whole transaction is gone: ``in_transaction`` tells which."""

    def in_transaction(self, conn: Any) -> bool:
        """``conn``'s transaction still goes on (after a failed savepoint: only its part was
        undone, and the rest may still be committed)."""

    def read(self) -> AbstractContextManager[Any]:
        """A connection for reads on the request path."""

    def lock_session(self, conn: Any, form_id: str, key: str) -> None:
        """Serialise the seat changes of one session, inside ``conn``'s transaction."""

    def migrate(self) -> int: ...
    def check_health(self) -> None:
        """Raise StoreUnavailable for what a test write cannot see (a full disk, a failed write)."""

    def after_purge(self, deleted: int, tables: tuple[str, ...] | None = None) -> None:
        """Overwrite what ``deleted`` rows freed; ``tables``: only these changed (None: all
        that a purge touches)."""

    def close(self) -> None: ...
