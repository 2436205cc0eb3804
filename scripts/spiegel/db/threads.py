"""Blocking store calls in worker threads, with a bounded wait for a thread.

Sign-ups and health checks get separate thread budgets, so a database that hangs and fills every
sign-up thread cannot also make ``/api/health`` wait: health answers (503) from its own threads.
A request that cannot get a thread within ``WAIT_SECONDS`` gets a 503; nothing has started then,
so "nothing was stored" is true. Once a call runs, the store's own timeouts bound it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from spiegel.db.base import WAIT_SECONDS, StoreUnavailable

T = TypeVar("T")


class Slots:
    def __init__(self, size: int) -> None:
        self.size = size
        self._gate: anyio.CapacityLimiter | None = None
        self._threads: anyio.CapacityLimiter | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._gate is None or self._threads is None:  # made inside the event loop
            self._gate = anyio.CapacityLimiter(self.size)
            self._threads = anyio.CapacityLimiter(self.size)
        acquired = False
        with anyio.move_on_after(WAIT_SECONDS):
            await self._gate.acquire()
            acquired = True
        if not acquired:
            raise StoreUnavailable(f"no free worker thread within {WAIT_SECONDS:g} s")
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self._threads)
        finally:
            self._gate.release()
