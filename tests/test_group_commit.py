"""Sign-ups committed together: ``SQLStore.submit_many`` (one transaction, a savepoint each) and
the SQLite writer thread that groups the sign-ups waiting while it commits (``db/threads.py``).

What must hold: a refused or failed sign-up (cap, duplicate, any error of its own) changes nothing
of the others in its group, and only its own caller hears of it; an error that ends the
transaction stores none of them and every waiter hears of it; a call that cannot start within
the bounded wait gets StoreUnavailable and never runs; nobody is answered before the commit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from typing import Any

import pytest
from spiegel.db import open_store
from spiegel.db import threads as db_threads
from spiegel.db.base import CapReached, DuplicateError, Receipt, StoreUnavailable, Submission
from spiegel.db.sql import SQLStore
from spiegel.db.threads import Serial, Slots, for_reads, for_store


def _sub(n: str, **kw: Any) -> Submission:
    return Submission("vvg", {"naam": n}, **kw)


def _names(store: Any) -> set[str]:
    return {r.payload["naam"] for r in store.rows("vvg")}


def test_a_refusal_in_a_group_changes_nothing_of_the_others(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    cap = ("client-day-key", "2026-11-22", 1)
    subs = [
        _sub("een"),
        _sub("twee", signup_cap=cap),
        _sub("drie", signup_cap=cap),  # the second from this client today: over the cap
        _sub("vier", unique_key="code-1"),
        _sub("vijf", unique_key="code-1"),  # the same one-time code again
        _sub("zes"),
    ]
    try:
        results = store.submit_many(subs)
        kinds = [type(r) for r in results]
        assert kinds == [Receipt, Receipt, CapReached, Receipt, DuplicateError, Receipt]
        assert _names(store) == {"een", "twee", "vier", "zes"}
        stored_ids = {r.id for r in store.rows("vvg")}
        assert {r.id for r in results if isinstance(r, Receipt)} == stored_ids
        with store.dialect.read() as conn:  # the refused one's count was undone with it
            assert conn.execute("SELECT n FROM signup_counts").fetchall() == [(1,)]
    finally:
        store.close()


def test_one_sign_up_alone_is_refused_the_same_way(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    try:
        assert isinstance(store.submit_many([_sub("een", unique_key="k")])[0], Receipt)
        assert isinstance(store.submit_many([_sub("twee", unique_key="k")])[0], DuplicateError)
        assert _names(store) == {"een"}
    finally:
        store.close()


def _failing_for(monkeypatch: pytest.MonkeyPatch, name: str, fail: Any) -> None:
    """``SQLStore._submit`` as it is, but for the sign-up named ``name``: after its own writes,
    ``fail(conn)`` (raises)."""
    real = SQLStore._submit

    def _submit(self: SQLStore, conn: Any, sub: Submission) -> Receipt:
        receipt = real(self, conn, sub)
        if sub.payload["naam"] == name:
            fail(conn)
        return receipt

    monkeypatch.setattr(SQLStore, "_submit", _submit)


def test_an_unexpected_error_in_a_group_fails_that_sign_up_alone(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in one sign-up (or an error of its own that is no refusal) failed the whole group:
    up to 63 valid sign-ups got a 500 that alone would have been stored."""

    def bug(conn: Any) -> None:
        raise KeyError("stuk")

    _failing_for(monkeypatch, "kapot", bug)
    store = open_store(database_url)
    store.migrate()
    try:
        results = store.submit_many([_sub("een"), _sub("kapot", notify=True), _sub("drie")])
        assert isinstance(results[1], KeyError)
        assert isinstance(results[0], Receipt) and isinstance(results[2], Receipt)
        assert _names(store) == {"een", "drie"}  # its own row was undone with its savepoint
        assert {r.id for r in store.rows("vvg")} == {results[0].id, results[2].id}
        with store.dialect.read() as conn:  # and its message
            assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    finally:
        store.close()


def test_a_statement_error_in_a_group_fails_that_sign_up_alone(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    broken = Submission(None, {"naam": "kapot"})  # type: ignore[arg-type]  # NOT NULL
    try:
        results = store.submit_many([_sub("een"), _sub("twee"), broken, _sub("vier")])
        assert isinstance(results[2], Exception) and not isinstance(results[2], Receipt)
        assert [isinstance(r, Receipt) for r in results] == [True, True, False, True]
        assert _names(store) == {"een", "twee", "vier"}
    finally:
        store.close()


def test_a_group_whose_transaction_is_gone_stores_none_of_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the transaction itself ends (SQLite rolls back on a full disk or an I/O error; the
    PostgreSQL connection is lost), the sign-ups before the failed one went with it: every
    caller gets the error, none is acknowledged."""

    def lost(conn: Any) -> None:
        if database_url.startswith("sqlite"):
            conn.execute("ROLLBACK")  # what SQLite does itself on SQLITE_IOERR
            raise sqlite3.OperationalError("disk I/O error")
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    _failing_for(monkeypatch, "kapot", lost)
    store = open_store(database_url)
    store.migrate()
    try:
        with pytest.raises(StoreUnavailable):
            store.submit_many([_sub("een"), _sub("twee"), _sub("kapot"), _sub("vier")])
        assert _names(store) == set()
        assert isinstance(store.submit_many([_sub("daarna"), _sub("ook")])[0], Receipt)  # back
        assert _names(store) == {"daarna", "ook"}
    finally:
        store.close()


def test_the_writer_thread_answers_each_caller_of_a_group_with_its_own_outcome(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the SQLite writer thread: the sign-ups waiting together are committed together,
    the one that failed raises for its own caller only, every other caller gets its receipt."""

    def bug(conn: Any) -> None:
        raise RuntimeError("stuk")

    _failing_for(monkeypatch, "kapot", bug)
    store = open_store(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    store.migrate()
    release = threading.Event()
    groups: list[int] = []

    def submit_many(subs: list[Submission]) -> list[Any]:
        groups.append(len(subs))
        return store.submit_many(subs)

    async def main() -> list[Any]:
        serial = Serial()
        hold = asyncio.ensure_future(serial.run(release.wait, 5))  # the thread is busy
        await asyncio.sleep(0.05)
        names = ["een", "twee", "kapot", "vier", "vijf"]
        calls = [asyncio.ensure_future(serial.run_many(submit_many, _sub(n))) for n in names]
        await asyncio.sleep(0.05)
        release.set()
        await hold
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        results = asyncio.run(main())
        assert groups == [5]  # one transaction for all five
        assert isinstance(results[2], RuntimeError)
        receipts = [r for i, r in enumerate(results) if i != 2]
        assert all(isinstance(r, Receipt) for r in receipts)
        assert {r.id for r in store.rows("vvg")} == {r.id for r in receipts}
        assert _names(store) == {"een", "twee", "vier", "vijf"}
    finally:
        store.close()


def test_the_next_seq_is_read_from_an_index_not_a_scan(tmp_path: Any) -> None:
    """max(seq) + 1 in every sign-up's transaction: a scan made each sign-up slower with every
    row stored (0.09 ms at 1,000 rows, 1.8 ms at 50,000)."""
    store = open_store(f"sqlite:///{tmp_path / 'seq.sqlite3'}")
    store.migrate()
    try:
        with store.dialect.read() as conn:
            plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT {store.dialect.next_seq}").fetchall()
        details = " ".join(str(r[-1]) for r in plan)
        assert (
            "USING COVERING INDEX submissions_seq" in details and "SCAN submissions" not in details
        )
    finally:
        store.close()


def test_sqlite_gets_one_thread_postgresql_several(database_url: str) -> None:
    store = open_store(database_url)
    try:
        runner = for_store(store, 32)
        assert isinstance(runner, Serial if database_url.startswith("sqlite") else Slots)
        # reads: SQLite's beside the writer (WAL), PostgreSQL's the same threads (one budget)
        reads = for_reads(store, runner)
        assert (reads is runner) == (not database_url.startswith("sqlite"))
        assert not isinstance(reads, Serial)
    finally:
        store.close()


# ---------------------------------------------------------------- the writer thread itself


def test_calls_waiting_while_the_thread_works_are_grouped_in_order() -> None:
    release = threading.Event()
    calls: list[list[int]] = []

    def many(items: list[int]) -> list[Any]:
        calls.append(list(items))
        if items == [0]:
            release.wait(5)  # the first group holds the thread while the others queue
        return [ValueError(i) if i == 3 else i * 10 for i in items]

    async def main() -> list[Any]:
        serial = Serial()
        first = asyncio.ensure_future(serial.run_many(many, 0))
        while not calls:  # the thread took the first call
            await asyncio.sleep(0.01)
        rest = [asyncio.ensure_future(serial.run_many(many, i)) for i in range(1, 6)]
        await asyncio.sleep(0.05)
        assert all(not f.done() for f in [first, *rest])  # nobody answered before the "commit"
        release.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    results = asyncio.run(main())
    assert calls == [[0], [1, 2, 3, 4, 5]]
    assert results[:3] == [0, 10, 20] and results[4:] == [40, 50]
    assert isinstance(results[3], ValueError)  # the refusal goes to its own caller only


def test_an_error_of_the_whole_group_reaches_every_caller() -> None:
    def many(items: list[int]) -> list[Any]:
        raise StoreUnavailable("disk full")

    async def main() -> list[Any]:
        serial = Serial()
        futures = [serial.run_many(many, i) for i in range(4)]
        return await asyncio.gather(*futures, return_exceptions=True)

    assert all(isinstance(r, StoreUnavailable) for r in asyncio.run(main()))


def test_a_call_that_cannot_start_in_time_is_refused_and_never_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db_threads, "WAIT_SECONDS", 0.2)
    ran: list[str] = []

    def slow() -> str:
        time.sleep(0.6)  # a store call bounded by its own timeouts, but longer than the wait
        ran.append("slow")
        return "slow"

    def late() -> str:
        ran.append("late")
        return "late"

    async def main() -> tuple[Any, Any]:
        serial = Serial()
        first = asyncio.ensure_future(serial.run(slow))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await serial.run(late)
        assert time.monotonic() - started < 0.5  # the bounded wait, not the slow call
        result = await first  # the call that had started runs to its end
        await asyncio.sleep(0.1)
        return result, await serial.run(lambda: "after")

    assert asyncio.run(main()) == ("slow", "after")
    assert ran == ["slow"]  # "nothing was stored" is true for the refused call


def test_the_thread_ends_when_idle_and_comes_back_for_the_next_call() -> None:
    async def main() -> list[str]:
        serial = Serial(idle=0.05)
        out = [await serial.run(lambda: "een")]
        for _ in range(100):
            if not serial.threads:
                break
            await asyncio.sleep(0.02)
        assert serial.threads == 0  # no thread left behind per app (the tests make hundreds)
        out.append(await serial.run(lambda: "twee"))
        return out

    assert asyncio.run(main()) == ["een", "twee"]


def test_slots_run_calls_side_by_side_and_refuse_beyond_their_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL's budget: n calls at once (each waits on the network), the next one waits
    the bounded time for a thread, then StoreUnavailable, and never runs."""
    monkeypatch.setattr(db_threads, "WAIT_SECONDS", 0.3)
    both_running = threading.Barrier(2, timeout=5)
    ran: list[str] = []

    def held(name: str) -> str:
        both_running.wait()  # only returns when the other call runs at the same time
        time.sleep(0.5)
        ran.append(name)
        return name

    async def main() -> list[Any]:
        slots = Slots(2)
        calls = [asyncio.ensure_future(slots.run(held, n)) for n in ("a", "b")]
        await asyncio.sleep(0.05)
        late = asyncio.ensure_future(slots.run(ran.append, "late"))
        return await asyncio.gather(*calls, late, return_exceptions=True)

    a, b, late = asyncio.run(main())
    assert (a, b) == ("a", "b") and isinstance(late, StoreUnavailable)
    time.sleep(0.1)
    assert sorted(ran) == ["a", "b"]


def test_threads_that_end_when_idle_leave_no_open_sqlite_connection(tmp_path: Any) -> None:
    """Each worker thread has its own SQLite connection; a thread that ended (idle) kept it open
    for good, two file descriptors each, until the process ran out of them."""
    import gc
    import os

    store = open_store(f"sqlite:///{tmp_path / 'fds.sqlite3'}")
    store.migrate()

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    async def main() -> None:
        serial = Serial(idle=0.01)
        for _ in range(25):
            assert isinstance(await serial.run_many(store.submit_many, _sub("een")), Receipt)
            while serial.threads:
                await asyncio.sleep(0.005)

    try:
        before = open_files()
        asyncio.run(main())
        gc.collect()
        assert open_files() <= before + 2  # at most one connection beside the first
        assert len(store.dialect._all) <= 2
        assert len(_names(store)) == 1 and len(list(store.rows("vvg"))) == 25
    finally:
        store.close()
