"""Stores: pick one by URL. ``sqlite:///path`` (embedded) or ``postgresql://...`` (several instances).

One store (sql.py) over a dialect (dialects/): the SQL is written once, the databases differ in
parameter marks, types, locks and connections."""

from __future__ import annotations

from pathlib import Path

from spiegel.db.base import Store
from spiegel.db.sql import SQLStore


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    return PostgresStore(url)


# The two names below were the classes of the two stores before issue 17; they stay as factories.
def SQLiteStore(path: Path) -> SQLStore:
    from spiegel.db.dialects.sqlite import SQLite

    return SQLStore(SQLite(path))


def PostgresStore(url: str, pool_size: int | None = None) -> SQLStore:
    from spiegel.db.dialects.postgresql import POOL_SIZE, PostgreSQL

    return SQLStore(PostgreSQL(url, pool_size or POOL_SIZE))
