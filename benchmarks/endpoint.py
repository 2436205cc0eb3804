"""Endpoint throughput and latency at 50 concurrent clients on loopback, SQLite and PostgreSQL,
against two baselines measured in the same run: a bare Starlette app answering the same request
(no validation, no storage), and a minimal durable endpoint (benchmarks/durable_app.py: the body
parsed, one SQLite INSERT with ``synchronous=FULL`` committed before the 201).

    .venv/bin/python benchmarks/endpoint.py [--requests 3000] [--clients 50] [--no-postgres]

Each server is one uvicorn process; the load comes from one asyncio client process (httpx2), so the
figures include the client's cost; the ratio to the baseline measured in the same run is the point.
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

import httpx2 as httpx
from _util import ROOT, free_port, median, pct, row

BODY = {
    "rol": "coassistent",
    "naam": "Bench Mark",
    "afdeling": "Chirurgie",
    "periode": "maart",
    "email": "b@example.nl",
}
PG = os.environ.get("SPIEGEL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def start(app: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


async def load(
    url: str, total: int, clients: int, limit_s: float
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(total))
    deadline = time.monotonic() + limit_s

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for _ in counter:
            if time.monotonic() > deadline:
                return
            t = time.perf_counter()
            r = await client.post(url, json=BODY)
            latencies.append(time.perf_counter() - t)
            failures += r.status_code != 201

    async with httpx.AsyncClient(
        limits=httpx.Limits(max_connections=clients), timeout=30
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(20)))  # warm-up connections
        latencies.clear()
        counter = iter(range(total))
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies, failures


def measure(name: str, app: str, env: dict[str, str], port: int, args: argparse.Namespace) -> float:
    proc = start(app, env, port)
    try:
        rps, lat, failures = asyncio.run(
            load(f"http://127.0.0.1:{port}/api/forms/vvg", args.requests, args.clients, 60)
        )
    finally:
        proc.terminate()
        proc.wait()
    row(f"{name}: submissions/s", f"{rps:,.0f}")
    row(
        f"{name}: p50 / p99 latency",
        f"{median(lat) * 1000:.1f} / {pct(lat, 99) * 1000:.1f} ms",
        f"({len(lat)} requests, {failures} not 201)",
    )
    if failures:  # a benchmark of refused requests measures nothing
        raise SystemExit(f"{name}: {failures} of {len(lat)} requests were not answered 201")
    return rps


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = p.parse_args()
    common = {
        "SPIEGEL_RATE_LIMIT": "0",
        "SPIEGEL_SIGNUPS_PER_DAY": "0",  # one client sends every request
        "SPIEGEL_MIN_FILL_SECONDS": "0",
        "PYTHONPATH": str(ROOT / "benchmarks"),
    }
    print(
        f"endpoint: {args.requests} valid submissions, {args.clients} concurrent clients, loopback, {os.cpu_count()} cores"
    )
    base = measure("bare Starlette (baseline)", "bare_app:app", common, free_port(), args)
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory() as tmp:
        durable = measure(
            "minimal durable endpoint (baseline)",
            "durable_app:app",
            {**common, "DURABLE_DB": f"{tmp}/d.sqlite3"},
            free_port(),
            args,
        )
        sqlite = measure(
            "Spiegel, SQLite, no key",
            "spiegel.web.asgi:app",
            {**common, "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/b.sqlite3"},
            free_port(),
            args,
        )
        keyed = measure(
            "Spiegel, SQLite, encryption key",
            "spiegel.web.asgi:app",
            {
                **common,
                "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/k.sqlite3",
                "SPIEGEL_ENCRYPTION_KEY": key,
            },
            free_port(),
            args,
        )
    row("durable baseline / bare throughput", f"{durable / base:.2f}x")
    row("SQLite, no key / durable baseline", f"{sqlite / durable:.2f}x")
    row("SQLite, key / durable baseline", f"{keyed / durable:.2f}x")
    if args.no_postgres:
        return
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            url = f"{PG}?options=-csearch_path%3D{schema}"
            pg = measure(
                "Spiegel, PostgreSQL",
                "spiegel.web.asgi:app",
                {**common, "SPIEGEL_DATABASE_URL": url},
                free_port(),
                args,
            )
            row("PostgreSQL / durable SQLite baseline", f"{pg / durable:.2f}x")
        finally:
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    except Exception as exc:  # noqa: BLE001
        print(f"  PostgreSQL skipped: {exc}")


if __name__ == "__main__":
    main()
