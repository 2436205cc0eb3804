"""Blocking store calls in worker threads, with a bounded wait for a thread.

Sign-ups and health checks get separate thread budgets, so a database that hangs and fills every
sign-up thread cannot also make ``/api/health`` wait: health answers (503) from its own threads.
On SQLite the request path's reads get threads of their own too (``for_reads``): a reader in WAL
mode never waits for the writer, so it does not wait in the writer's queue either.
A call that cannot start within ``WAIT_SECONDS`` gets StoreUnavailable (a 503) and never runs
afterwards, so "nothing was stored" is true. Once a call runs, the store's own timeouts bound it.

Two kinds, one interface (``await x.run(fn, *args)``, ``await x.run_many(many, item)``):

- ``Slots(n)``: up to n threads (PostgreSQL: calls wait on the network, a pool serves several).
- ``Serial()``: one thread, calls in arrival order (SQLite: one writer at a time anyway). The
  sign-ups that queue while it commits are written in one transaction (``SQLStore.submit_many``,
  a savepoint each): one fsync for the group, and every caller is answered after that commit,
  so an acknowledged sign-up is as durable as before. Measured here (benchmarks/endpoint.py,
  50 clients): 32 threads queueing on SQLite's write lock woke a crowd that fought over the GIL
  (0.56x the minimal durable endpoint); one thread, 0.85x; one thread grouping the commits, more
  than the baseline's one commit per request when fsync is slow. The fsync stays off the event
  loop.

Plain threads, a queue and the event loop's own futures (no anyio here): anyio's thread calls
cost more per call, and its asyncio backend (15 ms to import) would be loaded by the first
request of a fresh serverless container. Threads start on demand and end after ``idle`` seconds
without work.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from spiegel.db.base import WAIT_SECONDS, StoreUnavailable

T = TypeVar("T")
A = TypeVar("A")
MAX_GROUP = 64  # sign-ups in one commit at most
READ_THREADS = 4  # SQLite's reads beside the writer (each thread holds a connection while alive)
WAITING, RUNNING, DROPPED = 0, 1, 2
_claims = threading.Lock()  # a job is claimed once: by a thread (runs) or by its waiter (drops)


class _Job(Generic[T]):
    __slots__ = ("args", "fn", "future", "grouped", "loop", "state")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, fn: Callable[..., T], args: Any, grouped: bool
    ) -> None:
        self.loop, self.fn, self.args, self.grouped = loop, fn, args, grouped
        self.future: asyncio.Future[T] = loop.create_future()
        self.state = WAITING

    def claim(self, state: int) -> bool:
        with _claims:
            if self.state != WAITING:
                return False
            self.state = state
            return True

    def drop(self) -> None:
        """On the event loop, after WAIT_SECONDS: a job that has not started never will."""
        if self.claim(DROPPED) and not self.future.done():
            msg = f"no free worker thread within {WAIT_SECONDS:g} s"
            self.future.set_exception(StoreUnavailable(msg))

    def execute(self) -> None:
        """On a worker thread."""
        if not self.claim(RUNNING):
            return
        try:
            self.settle(self.fn(*self.args))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiter, raised there
            self.settle(exc)

    def settle(self, outcome: Any) -> None:
        """Hand the outcome to the waiter, on its loop; an exception is raised there."""
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self.loop.call_soon_threadsafe(self._settle, outcome)

    def _settle(self, outcome: Any) -> None:
        if self.future.done():  # the waiter was cancelled
            return
        if isinstance(outcome, BaseException):
            self.future.set_exception(outcome)
        else:
            self.future.set_result(outcome)


class Slots:
    """Up to ``size`` worker threads sharing one queue of calls."""

    group = False  # Serial: calls of the same ``many`` that wait together run as one

    def __init__(self, size: int, idle: float = 30.0) -> None:
        self.size, self.idle = size, idle
        self._jobs: queue.SimpleQueue[_Job[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards the three counts below
        self._threads = 0
        self._waiting_threads = 0
        self._queued = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        result: T = await self._wait(fn, args, grouped=False)
        return result

    async def run_many(self, many: Callable[[list[A]], list[Any]], item: A) -> Any:
        """``many`` called with this item (and, in ``Serial``, with those of the calls of
        ``many`` waiting behind it: one transaction, one commit for them all); the result in
        this item's place, raised when it is an exception. An exception of ``many`` itself (the
        database failed) is raised for every item."""
        if not self.group:
            (result,) = await self.run(many, [item])
        else:
            result = await self._wait(many, (item,), grouped=True)
        if isinstance(result, BaseException):
            raise result
        return result

    @property
    def threads(self) -> int:
        return self._threads

    async def _wait(self, fn: Callable[..., Any], args: Any, grouped: bool) -> Any:
        loop = asyncio.get_running_loop()
        job = _Job(loop, fn, args, grouped)
        with self._lock:
            self._jobs.put(job)
            self._queued += 1
            if self._queued > self._waiting_threads and self._threads < self.size:
                self._threads += 1
                threading.Thread(target=self._work, name="spiegel-store", daemon=True).start()
        timer = loop.call_later(WAIT_SECONDS, job.drop)
        try:
            return await job.future
        except asyncio.CancelledError:
            job.claim(DROPPED)  # not started yet: it never will
            raise
        finally:
            timer.cancel()

    def _take(self) -> _Job[Any] | None:
        """The next job, or None when there was none for ``idle`` seconds (the thread ends)."""
        with self._lock:
            self._waiting_threads += 1
        while True:
            try:
                job = self._jobs.get(timeout=self.idle)
            except queue.Empty:
                with self._lock:  # _wait() puts and counts under this lock: nothing missed
                    if self._jobs.empty():
                        self._waiting_threads -= 1
                        self._threads -= 1
                        return None
                continue
            with self._lock:
                self._waiting_threads -= 1
                self._queued -= 1
            return job

    def _work(self) -> None:
        held: _Job[Any] | None = None  # taken from the queue, but not of the group before it
        while True:
            job, held = held, None
            if job is None:
                job = self._take()
                if job is None:
                    return
            if not job.grouped:
                job.execute()
                continue
            group = [job]
            while len(group) < MAX_GROUP:
                try:
                    other = self._jobs.get_nowait()
                except queue.Empty:
                    break
                with self._lock:
                    self._queued -= 1
                if not (other.grouped and other.fn == job.fn):
                    held = other  # runs next, in its turn
                    break
                group.append(other)
            _run_group([j for j in group if j.claim(RUNNING)])


class Serial(Slots):
    """One worker thread; the sign-ups that wait while it commits are committed together."""

    group = True

    def __init__(self, idle: float = 30.0) -> None:
        super().__init__(1, idle)


def _run_group(group: list[_Job[Any]]) -> None:
    if not group:
        return
    try:
        results = group[0].fn([j.args[0] for j in group])
    except BaseException as exc:  # noqa: BLE001 - every waiter gets it
        for j in group:
            j.settle(exc)
        return
    for j, result in zip(group, results, strict=True):
        j.settle(result)


def for_store(store: Any, size: int) -> Slots:
    """One thread for a store with one writer (SQLite), up to ``size`` for the others."""
    return Serial() if getattr(store, "kind", "") == "sqlite" else Slots(size)


def for_reads(store: Any, writes: Slots, size: int = READ_THREADS) -> Slots:
    """The threads for the request path's reads (counts, a sign-up by its id). SQLite: up to
    ``size`` of their own: a reader in WAL mode never waits for the writer, so it should not
    wait in the writer's queue either (behind every fsync, for up to WAIT_SECONDS in a burst,
    then a 503). PostgreSQL: ``writes`` itself, as before (its pool bounds the connections,
    reads and writes alike)."""
    return Slots(size) if getattr(store, "kind", "") == "sqlite" else writes
