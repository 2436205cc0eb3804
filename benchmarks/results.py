"""`spiegel results` on generated responses (10k and 50k: two evaluations of five groups with up to 5,000 codes each) against frictionless' own validate() of the
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
import shutil
import sqlite3
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


EVALUATIONS = ["cardiologie-2026", "longziekten-2026"]
GROUPS = ["eigen-groep", "collega-specialisten", "medewerkers", "managers", "verwijzers"]
FRICTIONLESS = """
import sys
from pathlib import Path
from frictionless import Resource, Schema, system
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
                    EVALUATIONS[i % 2],
                    GROUPS[(i // 2) % len(GROUPS)],
                    *(rnd.choice(answers) for _ in statements),
                    "tekst" if i % 7 == 0 else "",
                    "",
                    "",
                ]
            )


def closed_copy(dest: Path) -> Path:
    """content/ and forms/ with every evaluation closed: results are published only for those."""
    for part in ("content", "forms"):
        shutil.copytree(ROOT / part, dest / part)
    ge = dest / "content" / "groepsevaluatie.yaml"
    ge.write_text(ge.read_text(encoding="utf-8").replace("open: true", "open: false"), "utf-8")
    return dest


def invite(n: int, env: dict[str, str], cwd: Path) -> None:
    """Issue as many codes per evaluation and group as the generated file has answers: results
    are published only for answers given with codes (at most 5,000 per group and call)."""
    per_pair = -(-n // (len(EVALUATIONS) * len(GROUPS)))
    for ev in EVALUATIONS:
        for group in GROUPS:
            left = per_pair
            while left > 0:
                count = min(left, 5000)
                subprocess.run(
                    [sys.executable, "-m", "spiegel.cli", "invite", ev, "--group", group]
                    + ["--count", str(count), "--out", str(cwd / f"codes-{ev}-{group}-{left}.csv")],
                    cwd=cwd,
                    env=env,
                    check=True,
                    capture_output=True,
                )
                left -= count
    # every code answered (n is compared with the codes used): as if each invitee took part
    db = env["SPIEGEL_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE invitations SET used = 1")


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    out = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024, out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = closed_copy(Path(tmp) / "project")
        for n in args.sizes:
            env = {**os.environ, "SPIEGEL_DATABASE_URL": f"sqlite:///{tmp}/results-{n}.sqlite3"}
            invite(n, env, project)
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
                project,
            )
            theirs = measure(
                [sys.executable, "-c", FRICTIONLESS.format(root=str(project), path=str(raw))],
                env,
                project,
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
