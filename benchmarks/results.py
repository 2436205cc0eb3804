"""`spiegel results` on generated responses (10k and 1M) against frictionless' own validate() of the
same file with the same Table Schema, measured in the same run. Time and peak memory (max RSS) of
each, in separate processes.

    .venv/bin/python benchmarks/results.py [--sizes 10000 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import ROOT, row


def header() -> list[str]:
    """The export columns of the groepsevaluatie form, from its definition (the raw-file contract)."""
    from spiegel.content.model import load_parts
    from spiegel.forms.definitions import load_forms, table_schema

    parts = load_parts(ROOT / "content", ("sessions", "groepsevaluatie"))
    return [
        c["name"]
        for c in table_schema(load_forms(ROOT / "forms", parts)["groepsevaluatie"])["fields"]
    ]


GROUPS = ["eigen-groep", "collega-specialisten", "medewerkers", "managers", "verwijzers"]
FRICTIONLESS = """
import sys
from pathlib import Path
from frictionless import Resource, Schema, system
sys.path.insert(0, {root!r})
from spiegel.content.model import load_content
from spiegel.results.package import raw_schema
content = load_content(Path({root!r}) / "content")
header = open({path!r}).readline().strip().split(",")
schema, _ = raw_schema(header, content)
with system.use_context(trusted=True):
    report = Resource({path!r}, schema=Schema.from_descriptor(schema)).validate(limit_errors=100)
print(report.valid, report.stats.get("rows"))
"""


def generate(path: Path, n: int) -> None:
    rnd = random.Random(n)
    answers = ["", "1", "2", "3", "4", "4", "5"]
    columns = header()
    statements = [c for c in columns if re.fullmatch(r"s\d+", c)]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for i in range(n):
            w.writerow(
                [
                    f"{i:032x}",
                    "2026-11-01T10:00:00+00:00",
                    "received",
                    rnd.choice(["cardiologie-2026", "longziekten-2026"]),
                    rnd.choice(GROUPS),
                    *(rnd.choice(answers) for _ in statements),
                    "tekst" if i % 7 == 0 else "",
                    "",
                    "",
                ]
            )


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    out = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024, out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = p.parse_args()
    env = {**os.environ}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            raw = Path(tmp) / f"raw-{n}.csv"
            generate(raw, n)
            ours = measure(
                [
                    sys.executable,
                    "-m",
                    "spiegel.cli",
                    "results",
                    str(raw),
                    "--out",
                    f"{tmp}/out-{n}",
                ],
                env,
            )
            theirs = measure(
                [sys.executable, "-c", FRICTIONLESS.format(root=str(ROOT), path=str(raw))], env
            )
            print(f"results, {n:,} responses ({raw.stat().st_size / 1e6:.0f} MB CSV)")
            row(
                "frictionless validate() alone (baseline)", f"{theirs[0]:.2f} s, {theirs[1]:.0f} MB"
            )
            row(
                "spiegel results: validate + aggregate + write",
                f"{ours[0]:.2f} s, {ours[1]:.0f} MB",
                f"{ours[0] / theirs[0]:.2f}x baseline time",
            )


if __name__ == "__main__":
    main()
