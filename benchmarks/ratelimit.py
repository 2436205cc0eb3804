"""The rate limiter under a flood of distinct clients: memory and per-request latency.

    PYTHONPATH=scripts .venv/bin/python benchmarks/ratelimit.py [--keys 100000] [--key-length 45]

Baseline in the same run: the limiter before issue 11 (a deque of timestamps per client and a full
scan of the table once it held 50,000 clients), fed the same keys. Each limiter runs in a fresh
process, so the memory figure (peak RSS growth and tracemalloc) is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _util import ROOT, row

OLD = """
import threading, time
from collections import deque
class RateLimiter:
    def __init__(self, per_minute, clock=None):
        self.per_minute = per_minute; self.clock = clock or time.monotonic
        self._hits = {}; self._lock = threading.Lock()
    def allow(self, client):
        now = self.clock()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= 50_000:
                    for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
                        del self._hits[key]
                hits = self._hits[client] = deque()
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            return True
"""
RUN = """
import json, resource, sys, time, tracemalloc
keys, length, which = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if which == "new":
    from spiegel.web.ratelimit import RateLimiter
else:
    ns = {{}}
    exec({old!r}, ns)
    RateLimiter = ns["RateLimiter"]
names = [f"{{i:0{{length}}d}}"[-length:] if length >= 7 else str(i) for i in range(keys)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
limiter = RateLimiter(30)
lat = []
for name in names:
    t = time.perf_counter()
    limiter.allow(name)
    lat.append(time.perf_counter() - t)
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lat.sort()
# the requests a normal client makes once the table is full
t = time.perf_counter()
for i in range(1000):
    limiter.allow("198.51.100.7")
steady = (time.perf_counter() - t) / 1000
print(json.dumps(dict(total=sum(lat), p50=lat[len(lat) // 2], p99=lat[int(len(lat) * 0.99)],
    max=lat[-1], traced=current, rss=(after - before) * 1024, steady=steady)))
"""


def measure(which: str, keys: int, length: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", RUN.format(old=OLD), str(keys), str(length), which],
        env={"PYTHONPATH": str(ROOT / "scripts")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--keys", type=int, default=100_000)
    p.add_argument("--key-length", type=int, default=45, help="45 = longest IPv6 text form")
    a = p.parse_args()
    print(f"rate limiter, {a.keys:,} distinct clients of {a.key_length} characters (30/min each)")
    for which, label in (
        ("old", "before (deque per client + full scan)"),
        ("new", "now (GCRA, LRU bound)"),
    ):
        m = measure(which, a.keys, a.key_length)
        print(label)
        row("memory held (tracemalloc)", f"{m['traced'] / 1e6:.1f} MB")
        row("peak RSS growth", f"{m['rss'] / 1e6:.1f} MB")
        row("all requests", f"{m['total']:.2f} s")
        row("latency p50 / p99", f"{m['p50'] * 1e6:.1f} / {m['p99'] * 1e6:.1f} us")
        row("latency max", f"{m['max'] * 1e3:.2f} ms")
        row("a known client afterwards", f"{m['steady'] * 1e6:.1f} us")


if __name__ == "__main__":
    main()
