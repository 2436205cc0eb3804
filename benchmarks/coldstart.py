"""Cold start of the Lambda handler (import + first request) against a bare Starlette + Mangum app.

    .venv/bin/python benchmarks/coldstart.py [--runs 15]

Each run is a fresh Python process, as a new Lambda container would be; the variants take turns
(interleaved). Three figures each: the wall time of import + first request inside the process
(the target's measure), the CPU time of the same (hardly affected by other jobs on the machine),
and the time from the process's start to its answer (the interpreter's own start included, as a
Lambda container's would be).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import ROOT, median, row

EVENT = ROOT / "tests" / "fixtures" / "apigw-v2-json.json"
SPIEGEL = """
import json, time
t, c = time.perf_counter(), time.process_time()
from spiegel.web.lambda_handler import handler
t_import = time.perf_counter() - t
class C:
    def get_remaining_time_in_millis(self): return 30000
r = handler(json.load(open({event!r})), C())
assert r["statusCode"] == 201, r
print(t_import, time.perf_counter() - t, time.process_time() - c, time.time())
"""
BARE = """
import json, time
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
r = handler(json.load(open({event!r})), C())
assert r["statusCode"] == 201, r
print(t_import, time.perf_counter() - t, time.process_time() - c, time.time())
"""


def once(code: str, env: dict[str, str]) -> tuple[float, ...]:
    """(import, import + first request, its CPU time, from the process's start to its answer)
    in seconds. The process's exit is not counted: a Lambda container lives on after its first
    answer (and SQLite checkpoints its WAL when the last connection closes)."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code],
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


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
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
            "SPIEGEL_SIGNUPS_PER_DAY": "0",  # every run posts from the same client
            # the recorded event posts from its own API Gateway page: allow that origin, as a
            # deployment allows its site's (without it the origin check refuses the request)
            "SPIEGEL_ALLOWED_ORIGINS": json.loads(EVENT.read_text())["headers"]["origin"],
        }
        snap_env = {**env, "SPIEGEL_SNAPSHOT": str(snap)}
        spiegel = SPIEGEL.format(event=str(EVENT))
        results = interleaved(
            {
                "bare": (BARE.format(event=str(EVENT)), env),
                "definitions from YAML": (spiegel, env),
                "SPIEGEL_SNAPSHOT (serverless)": (spiegel, snap_env),
            },
            args.runs,
        )
    bare = results.pop("bare")
    print(f"cold start, median of {args.runs} fresh processes each, interleaved")

    def ms(m: list[tuple[float, ...]], i: int) -> str:
        return f"{median([x[i] for x in m]) * 1000:.0f} ms"

    row("bare Starlette + Mangum (baseline): import + request", ms(bare, 1))
    row("  its CPU time; from the process's start", f"{ms(bare, 2)}; {ms(bare, 3)}")
    for label, m in results.items():
        row(f"Spiegel, {label}: import", ms(m, 0))
        row("  + first request", ms(m, 1), f"{per_round(m, bare, 1)} baseline")
        row("  its CPU time", ms(m, 2), f"{per_round(m, bare, 2)} baseline")
        row("  from the process's start", ms(m, 3), f"{per_round(m, bare, 3)} baseline")


if __name__ == "__main__":
    main()
