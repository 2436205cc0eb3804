"""Every script in benchmarks/ runs in a tiny mode (a handful of requests, one run), so a benchmark
that no longer works fails the suite instead of rotting. No figure is asserted: timings belong in
the benchmarks' own output, as ratios to a baseline measured in the same run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

BENCH = ROOT / "benchmarks"
# script, tiny arguments, extra environment, marks
CASES = [
    ("build.py", ["--runs", "1"], {}, [pytest.mark.slow]),
    ("coldstart.py", ["--runs", "1"], {}, []),
    ("endpoint.py", ["--requests", "30", "--clients", "3"], {}, [pytest.mark.slow]),
    ("outbox.py", ["--messages", "5", "--signups", "3"], {}, [pytest.mark.slow]),
    ("ratelimit.py", ["--keys", "500"], {}, []),
    ("results.py", ["--sizes", "200"], {}, []),
    ("axe_compare.py", [], {}, [pytest.mark.browser]),
    ("page_weight.py", [], {}, [pytest.mark.browser]),
    ("lighthouse.sh", [], {"RUNS": "1", "PAGES": "/"}, [pytest.mark.browser, pytest.mark.slow]),
]


def test_every_benchmark_script_is_in_the_table() -> None:
    scripts = {
        p.name
        for p in BENCH.iterdir()
        if p.suffix in (".py", ".sh")
        and not p.name.startswith("_")
        and not p.name.endswith("_app.py")
    }
    assert scripts == {name for name, *_ in CASES}


@pytest.mark.parametrize(
    ("script", "args", "env"),
    [pytest.param(s, a, e, marks=m, id=s) for s, a, e, m in CASES],
)
def test_benchmark_runs_in_tiny_mode(script: str, args: list[str], env: dict[str, str]) -> None:
    path = BENCH / script
    cmd = ["bash", str(path)] if script.endswith(".sh") else [sys.executable, str(path)]
    if script == "lighthouse.sh":
        env = {**env, "PYTHON": sys.executable}
    run = subprocess.run(
        [*cmd, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts"), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, f"{script} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    assert run.stdout.strip(), f"{script} printed no figures"
    assert "Traceback" not in run.stderr
