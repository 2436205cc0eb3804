"""Cold start of the Lambda handler (import + first request) against a bare Starlette + Mangum app.

    .venv/bin/python benchmarks/coldstart.py [--runs 15]

Each run is a fresh Python process, as a new Lambda container would be.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _util import ROOT, median, row

EVENT = ROOT / "tests" / "fixtures" / "apigw-v2-json.json"
SPIEGEL = """
import json, time
t = time.perf_counter()
from spiegel.web.lambda_handler import handler
t_import = time.perf_counter() - t
class C:
    def get_remaining_time_in_millis(self): return 30000
r = handler(json.load(open({event!r})), C())
assert r["statusCode"] == 201, r
print(t_import, time.perf_counter() - t)
"""
BARE = """
import json, time
t = time.perf_counter()
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
print(t_import, time.perf_counter() - t)
"""


def run(code: str, env: dict[str, str], runs: int) -> tuple[float, float]:
    imports, totals = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        a, b = map(float, out.stdout.split())
        imports.append(a)
        totals.append(b)
    return median(imports), median(totals)


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
        env = {
            **os.environ,
            "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/c.sqlite3",
            "SPIEGEL_MIN_FILL_SECONDS": "0",
            "SPIEGEL_SIGNUPS_PER_DAY": "0",  # every run posts from the same client
            # the recorded event posts from its own API Gateway page: allow that origin, as a
            # deployment allows its site's (without it the origin check refuses the request)
            "SPIEGEL_ALLOWED_ORIGINS": json.loads(EVENT.read_text())["headers"]["origin"],
        }
        bare = run(BARE.format(event=str(EVENT)), env, args.runs)
        from_yaml = run(SPIEGEL.format(event=str(EVENT)), env, args.runs)
        from_snap = run(
            SPIEGEL.format(event=str(EVENT)), {**env, "SPIEGEL_SNAPSHOT": str(snap)}, args.runs
        )
    print(f"cold start, median of {args.runs} fresh processes (import + first request)")
    row("bare Starlette + Mangum (baseline)", f"{bare[1] * 1000:.0f} ms")
    for label, m in (
        ("definitions from YAML", from_yaml),
        ("SPIEGEL_SNAPSHOT (serverless)", from_snap),
    ):
        row(f"Spiegel, {label}: import", f"{m[0] * 1000:.0f} ms")
        row(
            f"Spiegel, {label}: + request",
            f"{m[1] * 1000:.0f} ms",
            f"{m[1] / bare[1]:.2f}x baseline",
        )


if __name__ == "__main__":
    main()
