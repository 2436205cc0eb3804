"""Stores: pick one by URL. ``sqlite:///path`` (embedded) or ``postgresql://...`` (several instances)."""

from __future__ import annotations

from pathlib import Path

from spiegel.db.base import Store


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        from spiegel.db.sqlite import SQLiteStore

        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    from spiegel.db.postgres import PostgresStore

    return PostgresStore(url)
