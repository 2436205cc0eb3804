"""`spiegel results` on generated answers in the database (10k and 50k: two evaluations of five
groups, every answer with a used code), against a bare baseline in the same run: one SELECT of the
same rows, json.loads and a count per cell (no checks, no disclosure control, no package). Time and
peak memory (max RSS) of each, in separate processes.

    .venv/bin/python benchmarks/results.py [--sizes 10000 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import ROOT, row

EVALUATIONS = ["cardiologie-2026", "longziekten-2026"]
GROUPS = ["eigen-groep", "collega-specialisten", "medewerkers", "managers", "verwijzers"]
STATEMENTS = [f"s{i:02d}" for i in range(1, 13)]
BASELINE = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
cells = {}
for (payload,) in conn.execute("SELECT payload FROM submissions WHERE form_id = 'groepsevaluatie'"):
    a = json.loads(payload)
    for s in [k for k in a if k[:1] == "s" and k[1:].isdigit()]:
        c = cells.setdefault((a["evaluatie"], a["respondentgroep"], s), [0] * 6)
        c[int(a[s]) if a[s] in "12345" else 0] += 1
print(len(cells))
"""


def generate(db: Path, n: int, env: dict[str, str], cwd: Path) -> None:
    """n answers as the ballot box leaves them (day-only time, shuffled seq) and n used codes."""
    subprocess.run(
        [sys.executable, "-m", "spiegel.cli", "migrate"],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
    )
    rnd = random.Random(n)
    values = ["nvt", "1", "2", "3", "4", "4", "5"]
    answers, codes = [], []
    for i in range(n):
        ev, group = EVALUATIONS[i % 2], GROUPS[(i // 2) % len(GROUPS)]
        payload = {"evaluatie": ev, "respondentgroep": group}
        payload |= {s: rnd.choice(values) for s in STATEMENTS}
        payload["toelichting_samenwerking"] = "tekst" if i % 7 == 0 else ""
        answers.append((secrets.token_hex(16), json.dumps(payload), i + 1))
        codes.append((secrets.token_hex(32), ev, group))
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO submissions (id, form_id, created_at, status, payload, seq)"
            " VALUES (?, 'groepsevaluatie', '2026-11-01T00:00:00+00:00', 'received', ?, ?)",
            answers,
        )
        conn.executemany(
            "INSERT INTO invitations (code_key, evaluation, respondent_group, created_at, used)"
            " VALUES (?, ?, ?, '2026-10-01T00:00:00+00:00', 1)",
            codes,
        )


def closed_copy(dest: Path) -> Path:
    """content/ and forms/ with every evaluation closed: results are published only for those."""
    for part in ("content", "forms"):
        shutil.copytree(ROOT / part, dest / part)
    ge = dest / "content" / "groepsevaluatie.yaml"
    ge.write_text(ge.read_text(encoding="utf-8").replace("open: true", "open: false"), "utf-8")
    return dest


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
            db = Path(tmp) / f"results-{n}.sqlite3"
            env = {
                **os.environ,
                "SPIEGEL_DATABASE_URL": f"sqlite:///{db}",
                "SPIEGEL_CONTENT_DIR": str(project / "content"),
                "SPIEGEL_FORMS_DIR": str(project / "forms"),
            }
            generate(db, n, env, project)
            theirs = measure([sys.executable, "-c", BASELINE, str(db)], env, project)
            ours = measure(
                [sys.executable, "-m", "spiegel.cli", "results", *EVALUATIONS]
                + ["--out", f"{tmp}/out-{n}"],
                env,
                project,
            )
            print(f"results, {n:,} answers in the database ({db.stat().st_size / 1e6:.0f} MB)")
            row(
                "SELECT + json.loads + count per cell (baseline)",
                f"{theirs[0]:.2f} s, {theirs[1]:.0f} MB",
            )
            row(
                "spiegel results: read + check + aggregate + stage + check + write",
                f"{ours[0]:.2f} s, {ours[1]:.0f} MB",
                f"{ours[0] / theirs[0]:.2f}x baseline time",
            )


if __name__ == "__main__":
    main()
