"""Endpoint throughput and latency at 50 concurrent clients on loopback, SQLite and PostgreSQL,
against two baselines measured in the same run: a bare Starlette app answering the same request
(no validation, no storage), and a minimal durable endpoint (benchmarks/durable_app.py: the body
parsed, one SQLite INSERT with ``synchronous=FULL`` committed before the 201).

    .venv/bin/python benchmarks/endpoint.py [--requests 2000] [--clients 50] [--rounds 5]
                                            [--no-postgres]

Every server runs at once (one uvicorn process each, idle while another is measured); the load
comes from one asyncio client process (httpx2), so the figures include the client's cost. The
subjects take turns, round by round (A B C D, then D C B A, ...), so a neighbour's load on the
shared machine falls on all of them alike; each ratio is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx2 as httpx
from _util import ROOT, free_port, median, pct, row

# A request form without seats (VVG has dates with seats since issue 22: one person, one seat)
BODY = {
    "rol": "client",
    "naam": "Bench Mark",
    "locatie": "De Klinkenberg",
    "beschikbaar": "dinsdag",
    "telefoon": "071-1234567",
}
PG = os.environ.get("SPIEGEL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Subject:
    name: str
    app: str
    env: dict[str, str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # the server's CPU seconds per request


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere). Unlike the
    throughput, this hardly depends on what else the machine is doing."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()  # noqa: SIM115
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(s: Subject) -> None:
    s.port = free_port()
    cmd = [
        *(sys.executable, "-m", "uvicorn", s.app, "--host", "127.0.0.1", "--port", str(s.port)),
        *("--log-level", "error", "--no-access-log"),
    ]
    s.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **s.env}, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{s.port}/api/health", timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    s.proc.kill()
    raise RuntimeError(f"{s.app} did not start")


@contextmanager
def running(subjects: list[Subject]) -> Iterator[None]:
    try:
        for s in subjects:
            start(s)
        yield
    finally:
        for s in subjects:
            if s.proc is not None:
                s.proc.terminate()
                s.proc.wait()


async def load(url: str, total: int, clients: int, limit_s: float) -> tuple[float, list[float]]:
    """``total`` POSTs from ``clients`` concurrent workers; (requests per second, latencies).
    Every answer must be a 201: a benchmark of refused requests measures nothing."""
    latencies: list[float] = []
    failures: list[int] = []
    deadline = time.monotonic() + limit_s

    async def worker(client: httpx.AsyncClient, counter: Iterator[int]) -> None:
        for _ in counter:
            if time.monotonic() > deadline:
                return
            t = time.perf_counter()
            r = await client.post(url, json=BODY)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 201:
                failures.append(r.status_code)

    async with httpx.AsyncClient(
        limits=httpx.Limits(max_connections=clients), timeout=30
    ) as client:
        warm = iter(range(2 * clients))  # open the connections first
        await asyncio.gather(*(worker(client, warm) for _ in range(clients)))
        latencies.clear()
        counter = iter(range(total))
        start = time.perf_counter()
        await asyncio.gather(*(worker(client, counter) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{url}: {len(failures)} answers were not 201: {sorted(set(failures))}")
    return len(latencies) / elapsed, latencies


def measure_rounds(subjects: list[Subject], args: argparse.Namespace) -> list[dict[str, float]]:
    """Each round measures every subject once; the order reverses every other round."""
    rounds = []
    for r in range(args.rounds):
        order = subjects if r % 2 == 0 else subjects[::-1]
        this: dict[str, float] = {}
        for s in order:
            url = f"http://127.0.0.1:{s.port}/api/forms/gluren-bij-de-buren"
            assert s.proc is not None
            before = cpu_seconds(s.proc.pid)
            rps, lat = asyncio.run(load(url, args.requests, args.clients, 120))
            s.cpu.append((cpu_seconds(s.proc.pid) - before) / (args.requests + 2 * args.clients))
            s.rates.append(rps)
            s.latencies += lat
            this[s.name] = rps
        rounds.append(this)
    return rounds


def ratio(rounds: list[dict[str, float]], a: str, b: str) -> str:
    per_round = sorted(r[a] / r[b] for r in rounds)
    spread = f"(rounds {per_round[0]:.2f}-{per_round[-1]:.2f})" if len(per_round) > 1 else ""
    return f"{median(per_round):.2f}x {spread}"


@contextmanager
def pg_schema() -> Iterator[str | None]:
    """A schema of its own on the shared server (dropped afterwards); None when unreachable."""
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(PG, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # noqa: BLE001
        print(f"  PostgreSQL skipped: {exc}")
        yield None
        return
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=2000, help="per subject and round")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = p.parse_args()
    common = {
        "SPIEGEL_RATE_LIMIT": "0",
        "SPIEGEL_SIGNUPS_PER_DAY": "0",  # one client sends every request
        "SPIEGEL_MIN_FILL_SECONDS": "0",
        "PYTHONPATH": str(ROOT / "benchmarks"),
    }
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory() as tmp, pg_schema() as pg_url:
        subjects = [
            Subject("bare Starlette (baseline)", "bare_app:app", common),
            Subject(
                "minimal durable endpoint (baseline)",
                "durable_app:app",
                {**common, "DURABLE_DB": f"{tmp}/d.sqlite3"},
            ),
            Subject(
                "Spiegel, SQLite, no key",
                "spiegel.web.asgi:app",
                {**common, "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/b.sqlite3"},
            ),
            Subject(
                "Spiegel, SQLite, encryption key",
                "spiegel.web.asgi:app",
                {
                    **common,
                    "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/k.sqlite3",
                    "SPIEGEL_ENCRYPTION_KEY": key,
                },
            ),
        ]
        if pg_url and not args.no_postgres:
            subjects.append(
                Subject(
                    "Spiegel, PostgreSQL, no key",
                    "spiegel.web.asgi:app",
                    {**common, "SPIEGEL_DATABASE_URL": pg_url},
                )
            )
        print(
            f"endpoint: {args.requests} valid submissions per subject and round, {args.rounds}"
            f" rounds (interleaved), {args.clients} concurrent clients, loopback,"
            f" {os.cpu_count()} cores"
        )
        with running(subjects):
            rounds = measure_rounds(subjects, args)
    for s in subjects:
        row(f"{s.name}: submissions/s", f"{median(s.rates):,.0f}", "(median of rounds)")
        lat = s.latencies
        row(
            f"{s.name}: p50 / p99 latency",
            f"{median(lat) * 1000:.1f} / {pct(lat, 99) * 1000:.1f} ms",
        )
        row(f"{s.name}: server CPU per request", f"{median(s.cpu) * 1e6:,.0f} us")
    bare, durable = subjects[0].name, subjects[1].name
    row("durable baseline / bare", ratio(rounds, durable, bare))
    row("SQLite, no key / durable baseline", ratio(rounds, subjects[2].name, durable))
    row("SQLite, key / durable baseline", ratio(rounds, subjects[3].name, durable))
    if len(subjects) > 4:
        row("PostgreSQL / durable SQLite baseline", ratio(rounds, subjects[4].name, durable))


if __name__ == "__main__":
    main()
