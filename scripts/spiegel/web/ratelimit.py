"""Per-client rate limit in memory (per instance): O(1) per request, bounded memory.

GCRA (the "generic cell rate algorithm" of ATM networks, a leaky bucket in one number): each client
keeps one float, the time at which its bucket is empty again. A full bucket holds ``per_minute``
requests; it drains one request per ``60 / per_minute`` seconds. So a client may send
``per_minute`` at once, and then one per interval.

The table holds at most ``max_clients`` entries in least-recently-used order: a new client past
that bound pushes out the one not seen for the longest time (whose bucket has almost always
drained by then). Keys longer than ``MAX_KEY`` are hashed, so no client can make an entry large.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

WINDOW = 60.0
MAX_CLIENTS = 100_000
MAX_KEY = 64


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] | None = None,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock or time.monotonic
        self.max_clients = max_clients
        self._interval = WINDOW / per_minute if per_minute > 0 else 0.0
        self._tolerance = WINDOW - self._interval  # how far ahead the bucket may run
        self._empty_at: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._empty_at)

    def allow(self, client: str) -> bool:
        if self.per_minute <= 0:
            return True
        if len(client) > MAX_KEY:
            client = hashlib.blake2b(client.encode(), digest_size=16).hexdigest()
        now = self.clock()
        with self._lock:
            empty_at = max(self._empty_at.get(client, now), now)
            if empty_at - now > self._tolerance + 1e-9:
                self._empty_at.move_to_end(client)
                return False
            self._empty_at[client] = empty_at + self._interval
            self._empty_at.move_to_end(client)
            if len(self._empty_at) > self.max_clients:
                self._empty_at.popitem(last=False)
            return True
