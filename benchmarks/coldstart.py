"""Cold start of the Lambda handler (import + first request) against a bare Starlette + Mangum app.

    .venv/bin/python benchmarks/coldstart.py [--runs 15] [--postgres URL]

Each run is a fresh Python process, as a new Lambda container would be; the variants take turns
(interleaved). Three figures each: the wall time of import + first request inside the process
(the target's measure), the CPU time of the same (hardly affected by other jobs on the machine),
and the time from the process's start to its answer (the interpreter's own start included, as a
Lambda container's would be).

What a Lambda container does at its cold start, and what this measures: the first request is
the recorded API Gateway event (a sign-up on the VVG form, JSON), each run from its own client
address (sign-ups of many people; the same address would hit the daily cap). The variants:

- "production configuration": what a deployment runs (README, Deployment): SPIEGEL_ENV=production
  with an encryption key (the sign-up is sealed), the daily cap per client on (counted in the
  sign-up's transaction), the back office switched off (no OpenID provider configured), mail
  and site addresses set (nothing is sent at start-up). On SQLite: a Lambda uses PostgreSQL, but
  its import (psycopg, about 65 ms of CPU here, as much as the whole baseline) and the network
  round trips to a database server would hide Spiegel's own cost; ``--postgres URL`` adds that
  variant (in a schema of its own, dropped afterwards).
- "development configuration": no key, no cap, the back office's development login (the
  settings of the figure reported before).
- "definitions from YAML": the development configuration without the snapshot.

The baseline reads the body and answers 201; it stores nothing (no database, no key). Both run
with the same interpreter, bytecode and event.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from _util import ROOT, median, row

EVENT = ROOT / "tests" / "fixtures" / "apigw-v2-json.json"
SPIEGEL = """
import json, sys, time
event = json.load(open({event!r}))
event["requestContext"]["http"]["sourceIp"] = sys.argv[1]
t, c = time.perf_counter(), time.process_time()
from spiegel.web.lambda_handler import handler
t_import = time.perf_counter() - t
class C:
    def get_remaining_time_in_millis(self): return 30000
r = handler(event, C())
assert r["statusCode"] == 201, r
print(t_import, time.perf_counter() - t, time.process_time() - c, time.time())
"""
BARE = """
import json, sys, time
event = json.load(open({event!r}))
event["requestContext"]["http"]["sourceIp"] = sys.argv[1]
t, c = time.perf_counter(), time.process_time()
from mangum import Mangum
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def submit(request):
    await request.body()
    return JSONResponse({{"id": "0" * 32}}, 201)
handler = Mangum(Starlette(routes=[Route("/api/forms/{{form_id}}", submit, methods=["POST"])]), lifespan="off")
t_import = time.perf_counter() - t
class C:
    def get_remaining_time_in_millis(self): return 30000
r = handler(event, C())
assert r["statusCode"] == 201, r
print(t_import, time.perf_counter() - t, time.process_time() - c, time.time())
"""
# With --postgres, a second baseline: the minimal durable Lambda on PostgreSQL (the bare app that
# also connects with psycopg at start and inserts the body, autocommit, before its 201).
BARE_PG = """
import json, sys, time
event = json.load(open({event!r}))
event["requestContext"]["http"]["sourceIp"] = sys.argv[1]
t, c = time.perf_counter(), time.process_time()
import psycopg
from mangum import Mangum
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
conn = psycopg.connect({url!r}, autocommit=True)
async def submit(request):
    conn.execute("INSERT INTO bench_rows (body) VALUES (%s)", ((await request.body()).decode(),))
    return JSONResponse({{"id": "0" * 32}}, 201)
handler = Mangum(Starlette(routes=[Route("/api/forms/{{form_id}}", submit, methods=["POST"])]), lifespan="off")
t_import = time.perf_counter() - t
class C:
    def get_remaining_time_in_millis(self): return 30000
r = handler(event, C())
assert r["statusCode"] == 201, r
print(t_import, time.perf_counter() - t, time.process_time() - c, time.time())
"""
RUNS = itertools.count(1)


def once(code: str, env: dict[str, str]) -> tuple[float, ...]:
    """(import, import + first request, its CPU time, from the process's start to its answer)
    in seconds. The process's exit is not counted: a Lambda container lives on after its first
    answer (and SQLite checkpoints its WAL when the last connection closes)."""
    n = next(RUNS)  # its own client address: 10.x.y.z
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    t_import, total, cpu, answered = map(float, out.stdout.split())
    return t_import, total, cpu, answered - started


def interleaved(
    variants: dict[str, tuple[str, dict[str, str]]], runs: int
) -> dict[str, list[tuple[float, ...]]]:
    """Every variant once per round, the order reversed every other round (A B C, C B A, ...),
    so a neighbour's load on the shared machine falls on all of them alike."""
    names = list(variants)
    for name in names:  # unmeasured: bytecode written, files in the page cache
        once(*variants[name])
    out: dict[str, list[tuple[float, ...]]] = {n: [] for n in names}
    for r in range(runs):
        for name in names if r % 2 == 0 else names[::-1]:
            out[name].append(once(*variants[name]))
    return out


def per_round(m: list[tuple[float, ...]], base: list[tuple[float, ...]], i: int) -> str:
    """The median of the per-round ratios of figure ``i``."""
    return f"{median([a[i] / b[i] for a, b in zip(m, base, strict=True)]):.2f}x"


def production(env: dict[str, str], url: str) -> dict[str, str]:
    """What a deployment sets (README, Deployment), with ``url`` for its database."""
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return {
        **{k: v for k, v in env.items() if k != "SPIEGEL_SIGNUPS_PER_DAY"},  # the cap is on
        "SPIEGEL_DATABASE_URL": url,
        "SPIEGEL_ENV": "production",
        "SPIEGEL_ENCRYPTION_KEY": key,
        "SPIEGEL_SITE_URL": "https://spiegel.example.nl",
        "SPIEGEL_SMTP_URL": "smtp://relay.example.nl:587",
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@example.nl>",
        "SPIEGEL_COORDINATOR_EMAIL": "coordinator@example.nl",
    }


@contextlib.contextmanager
def pg_schema(url: str | None) -> Iterator[str | None]:
    """A schema of its own on the PostgreSQL server at ``url``, dropped afterwards."""
    if not url:
        yield None
        return
    import psycopg

    name = f"bench_coldstart_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
        conn.execute(f"CREATE TABLE {name}.bench_rows (id BIGSERIAL PRIMARY KEY, body TEXT)")
    try:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--postgres", metavar="URL", help="also the production variant on PostgreSQL")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp, pg_schema(args.postgres) as pg:
        snap = Path(tmp) / "forms.json"
        made = subprocess.run(
            [sys.executable, "-m", "spiegel.cli", "snapshot"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        snap.write_text(made.stdout)
        # Compiled bytecode for every variant, as a deployment package carries it (a Lambda's
        # code directory is read-only): without it, with PYTHONDONTWRITEBYTECODE set, every
        # module edited since its last .pyc was compiled again in every run.
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/c.sqlite3",
            "SPIEGEL_MIN_FILL_SECONDS": "0",
            "SPIEGEL_SIGNUPS_PER_DAY": "0",  # the development figures as measured before
            # the recorded event posts from its own API Gateway page: allow that origin, as a
            # deployment allows its site's (without it the origin check refuses the request)
            "SPIEGEL_ALLOWED_ORIGINS": json.loads(EVENT.read_text())["headers"]["origin"],
        }
        snap_env = {**env, "SPIEGEL_SNAPSHOT": str(snap)}
        prod_env = production(snap_env, f"sqlite:///{tmp}/p.sqlite3")
        spiegel = SPIEGEL.format(event=str(EVENT))
        variants = {
            "bare": (BARE.format(event=str(EVENT)), env),
            "SPIEGEL_SNAPSHOT, production configuration": (spiegel, prod_env),
            "SPIEGEL_SNAPSHOT, development configuration": (spiegel, snap_env),
            "definitions from YAML, development configuration": (spiegel, env),
        }
        if pg:
            variants["SPIEGEL_SNAPSHOT, production configuration, PostgreSQL"] = (
                spiegel,
                production(snap_env, pg),
            )
            variants["bare + psycopg"] = (BARE_PG.format(event=str(EVENT), url=pg), env)
        results = interleaved(variants, args.runs)
    bare = results.pop("bare")
    bare_pg = results.pop("bare + psycopg", None)
    print(f"cold start, median of {args.runs} fresh processes each, interleaved")

    def ms(m: list[tuple[float, ...]], i: int) -> str:
        return f"{median([x[i] for x in m]) * 1000:.0f} ms"

    row("bare Starlette + Mangum (baseline): import + request", ms(bare, 1))
    row("  its CPU time; from the process's start", f"{ms(bare, 2)}; {ms(bare, 3)}")
    for label, m in results.items():
        print(f"  Spiegel, {label}")
        row("  import", ms(m, 0))
        row("  import + first request", ms(m, 1), f"{per_round(m, bare, 1)} baseline")
        row("  its CPU time", ms(m, 2), f"{per_round(m, bare, 2)} baseline")
        row("  from the process's start", ms(m, 3), f"{per_round(m, bare, 3)} baseline")
    if bare_pg:
        m = results["SPIEGEL_SNAPSHOT, production configuration, PostgreSQL"]
        print("  minimal durable Lambda on PostgreSQL (baseline 2: bare + psycopg, one INSERT)")
        row("  import + first request", ms(bare_pg, 1))
        row("  its CPU time; from the process's start", f"{ms(bare_pg, 2)}; {ms(bare_pg, 3)}")
        print("  Spiegel on PostgreSQL against baseline 2")
        row("  import + first request", "", f"{per_round(m, bare_pg, 1)} baseline 2")
        row("  its CPU time", "", f"{per_round(m, bare_pg, 2)} baseline 2")
        row("  from the process's start", "", f"{per_round(m, bare_pg, 3)} baseline 2")


if __name__ == "__main__":
    main()
