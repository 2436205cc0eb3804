"""The PostgreSQL store's connections come from psycopg_pool: never more than the pool's max
(counted by the server, not by the pool), and a call that finds every connection taken past
its wait gets StoreUnavailable (the endpoint's 503), not a hang."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from spiegel.db import PostgresStore
from spiegel.db.base import StoreUnavailable, Submission

from .conftest import PG_URL

SUB = Submission("spiegelbijeenkomst", {"naam": "x"}, "2027-01-cardiologie", 7)


def _backends(app: str, seen: list[int], stop: threading.Event) -> None:
    """How many connections PostgreSQL has open for this store, sampled until ``stop``."""
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)
            ).fetchone()
            seen.append(int(row[0]) if row else 0)
            time.sleep(0.002)


def test_postgres_store_never_holds_more_connections_than_the_pool(pg_url: str) -> None:
    """The flaky `KeyError: 'status'`: every worker thread of two instances opened its own
    connection, PostgreSQL ran out ("too many clients") and some sign-ups got a 503 without a
    status. 60 concurrent sign-ups and counts on a pool of 4: at most 4 on the server."""
    app = f"spiegel-{uuid.uuid4().hex[:10]}"  # this store's connections, among other clients'
    store = PostgresStore(f"{pg_url}&application_name={app}", pool_size=4)
    store.migrate()
    seen: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_backends, args=(app, seen, stop))
    watcher.start()
    try:
        with ThreadPoolExecutor(60) as pool:
            statuses = list(pool.map(lambda _: store.submit(SUB).status, range(60)))
            counts = list(pool.map(lambda _: store.count("spiegelbijeenkomst"), range(60)))
    finally:
        stop.set()
        watcher.join()
        store.close()
    assert statuses.count("confirmed") == 7 and statuses.count("waitlist") == 53  # no overbooking
    assert counts == [60] * 60
    assert 2 <= max(seen) <= 4, seen  # concurrent, and bounded by the pool


def test_exhausted_pool_is_store_unavailable_not_a_hang(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spiegel.db.dialects.postgresql as pg

    monkeypatch.setattr(pg, "WAIT_SECONDS", 1.0)
    store = PostgresStore(pg_url, pool_size=2)
    store.migrate()
    pool = store.dialect.pool  # type: ignore[attr-defined]
    held = [pool.getconn(), pool.getconn()]  # another caller holds every connection
    try:
        for call in (lambda: store.submit(SUB), lambda: store.count("spiegelbijeenkomst")):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="no PostgreSQL connection free"):
                call()
            assert 0.9 <= time.monotonic() - started < 3  # the bounded wait, then the answer
    finally:
        for conn in held:
            pool.putconn(conn)
    assert store.submit(SUB).status == "confirmed"  # and back once a connection is free
    store.close()


def test_unreachable_database_is_store_unavailable_in_the_bounded_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing listens: the pool keeps trying in the background, the caller gets its answer."""
    import spiegel.db.dialects.postgresql as pg

    monkeypatch.setattr(pg, "WAIT_SECONDS", 1.0)
    store = PostgresStore("postgresql://postgres@127.0.0.1:9/test")  # the discard port
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="connection attempts failed"):
            store.ping()
        assert time.monotonic() - started < 3
    finally:
        store.close()
