"""Stores: pick one by URL. ``sqlite:///path`` (embedded) or ``postgresql://...`` (several instances)."""

from __future__ import annotations

from pathlib import Path

from spiegel.endpoint.stores.base import Store


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        from spiegel.endpoint.stores.sqlite import SQLiteStore

        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    from spiegel.endpoint.stores.postgres import PostgresStore

    return PostgresStore(url)
