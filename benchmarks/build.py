"""Site build: the full `mkdocs build` of the real content (validation, generation, audit, atomic
publish) against a plain MkDocs + Material build of the same pages as static Markdown; the time
from a content edit to the new page under `mkdocs serve`; and, under `mkdocs serve` and
`./scripts/serve` (`spiegel.serve`), the time from saving a mistake to the page showing it, and
from saving the fix to the fixed page (issue 22 #4).

    .venv/bin/python benchmarks/build.py [--runs 5] [--serve-rounds 3]

Spiegel is built twice per round: with the ``.cache/`` an earlier build left (a developer's
machine) and with an empty one (a fresh CI runner); the baseline always with an empty one (it has
nothing to cache). The three take turns, round by round; ratios are medians of per-round ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from _util import ROOT, free_port, median, row
from spiegel.content.model import load_content
from spiegel.forms.definitions import load_forms
from spiegel.results.package import load_published
from spiegel.results.pages import result_pages
from spiegel.site.generate import SiteInput, brand_css, generate

# Bytecode is written (and kept) for every build: with PYTHONDONTWRITEBYTECODE set, each run
# compiled every module edited since its last .pyc again, which only Spiegel's own code is.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "NO_MKDOCS_2_WARNING": "1",
    "SPIEGEL_TODAY": "2026-11-22",
}


def timed_build(cwd: Path, cold: bool) -> tuple[float, float]:
    """One ``mkdocs build``: (wall seconds, CPU seconds of the build process). ``cold``: with
    an empty ``.cache/``, as on a fresh CI runner."""
    if cold:
        shutil.rmtree(cwd / ".cache", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode:
        raise SystemExit(f"build failed in {cwd}:\n{r.stderr[-3000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def interleaved(subjects: dict[str, tuple[Path, bool]], runs: int) -> dict[str, list]:
    """Every subject once per round, the order reversed every other round (A B C, C B A, ...),
    so a neighbour's load on the shared machine falls on all of them alike. One unmeasured
    build of each first (bytecode, page cache; the warm subject's cache filled)."""
    names = list(subjects)
    for name in names:
        timed_build(*subjects[name])
    out: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for r in range(runs):
        for name in names if r % 2 == 0 else names[::-1]:
            out[name].append(timed_build(*subjects[name]))
    return out


def project_copy(dest: Path) -> None:
    for name in ("content", "forms", "overrides"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")  # the plugin comes from the package


def plain_copy(dest: Path) -> None:
    """The same pages, already generated, as static Markdown with the same theme and no plugin."""
    import datetime as dt

    content = load_content(ROOT / "content")
    forms = load_forms(
        ROOT / "forms",
        {
            "sessions": content.sessions,
            "vvg": content.vvg,
            "groepsevaluatie": content.groepsevaluatie,
        },
    )
    published = load_published(ROOT / "content" / "results", content, "content/results")
    extra = result_pages(published, content)
    pages = (
        generate(SiteInput(content, forms, dt.date(2026, 11, 22), tuple(published.evaluations())))
        | extra
    )
    docs = dest / "docs"
    for src, text in pages.items():
        (docs / src).parent.mkdir(parents=True, exist_ok=True)
        (docs / src).write_text(text, encoding="utf-8")
    (docs / "assets/stylesheets").mkdir(parents=True, exist_ok=True)
    (docs / "assets/stylesheets/brand.css").write_text(brand_css(content.site["brand_colour"]))
    shutil.copytree(ROOT / "overrides", dest / "overrides")
    config = (ROOT / "mkdocs.yml").read_text()
    config = config.replace("docs_dir: content", "docs_dir: docs").replace("  - spiegel\n", "")
    config = config.replace("strict: true", "strict: false").replace("watch:\n  - forms\n", "")
    (dest / "mkdocs.yml").write_text(config)


def serve_rebuild(dest: Path, rounds: int) -> float:
    port = 8941
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=dest,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/vvg/"
    try:
        for _ in range(300):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        times = []
        vvg = dest / "content" / "vvg.yaml"
        for i in range(rounds):
            marker = f"Meetronde {i} {time.time_ns()}"
            text = vvg.read_text()
            vvg.write_text(
                text.replace("summary: ", f"summary: {marker} ", 1)
                if i == 0
                else text.replace("Meetronde", marker + " x", 1)
            )
            t = time.perf_counter()
            while marker not in httpx.get(url, timeout=5).text:
                if time.perf_counter() - t > 30:
                    raise RuntimeError("no rebuild within 30 s")
                time.sleep(0.02)
            times.append(time.perf_counter() - t)
            time.sleep(1)
        return median(times)
    finally:
        proc.terminate()
        proc.wait()


def preview_rounds(dest: Path, cmd: list[str], rounds: int) -> tuple[float, float]:
    """Medians of (save a mistake -> the open page shows it, save the fix -> the fixed page)."""
    port = free_port()
    proc = subprocess.Popen(
        [a.replace("PORT", str(port)) for a in cmd],
        cwd=dest,
        env={**ENV, "SPIEGEL_DATABASE_URL": f"sqlite:///{dest / 'bench.sqlite3'}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/vvg/"
    vvg = dest / "content" / "vvg.yaml"
    good = vvg.read_text()

    def until(wanted: str, absent: str) -> float:
        t = time.perf_counter()
        while True:
            try:
                text = httpx.get(url, timeout=5).text
            except httpx.HTTPError:
                text = ""
            if wanted in text and absent not in text:
                return time.perf_counter() - t
            if time.perf_counter() - t > 60:
                raise RuntimeError(f"not within 60 s: {wanted}")
            time.sleep(0.02)

    said = "is hier onbekend"
    try:
        until("Verwonder", said)
        broken, fixed = [], []
        for _ in range(rounds):
            time.sleep(1)
            vvg.write_text(good.replace("summary:", "sumary:", 1))
            broken.append(until(said, "\0"))
            time.sleep(1)
            vvg.write_text(good)
            fixed.append(until("Verwonder", said))
        return median(broken), median(fixed)
    finally:
        vvg.write_text(good)
        proc.terminate()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--serve-rounds", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full, cold, plain = Path(tmp) / "full", Path(tmp) / "cold", Path(tmp) / "plain"
        project_copy(full)
        project_copy(cold)
        plain_copy(plain)
        m = interleaved(
            {"plain": (plain, True), "warm": (full, False), "cold": (cold, True)}, args.runs
        )
        pages = len(list((full / "build/site").rglob("index.html")))
        html = full / "build/site/spiegelbijeenkomst/index.html"
        print(
            f"site build, median of {args.runs} interleaved rounds (`mkdocs build`, {pages} pages;"
            " wall time, and the build process's CPU time)"
        )

        def fig(name: str) -> str:
            return f"{median([w for w, _ in m[name]]):.2f} s, CPU {median([c for _, c in m[name]]):.2f} s"

        def ratio(name: str) -> str:
            wall = median([a[0] / b[0] for a, b in zip(m[name], m["plain"], strict=True)])
            cpu = median([a[1] / b[1] for a, b in zip(m[name], m["plain"], strict=True)])
            return f"{wall:.2f}x baseline (CPU {cpu:.2f}x)"

        row("plain MkDocs + Material, same pages (baseline)", fig("plain"))
        row("Spiegel, warm .cache/: validate+generate+build+audit", fig("warm"), ratio("warm"))
        row("Spiegel, empty .cache/ (a fresh CI runner)", fig("cold"), ratio("cold"))
        row("one page's HTML (leaflet)", f"{html.stat().st_size / 1024:.0f} KiB")
        if args.serve_rounds:
            t_serve = serve_rebuild(full, args.serve_rounds)
            row(
                "content edit -> new page under mkdocs serve",
                f"{t_serve:.2f} s",
                f"(median of {args.serve_rounds}, polling)",
            )
            t_plain = median([w for w, _ in m["plain"]])
            for label, cmd in (
                ("mkdocs serve", [sys.executable, "-m", "mkdocs", "serve", "-a", "127.0.0.1:PORT"]),
                ("./scripts/serve", [sys.executable, "-m", "spiegel.serve", "--port", "PORT"]),
            ):
                to_error, to_fixed = preview_rounds(full, cmd, args.serve_rounds)
                row(
                    f"{label}: mistake saved -> page shows it",
                    f"{to_error:.2f} s",
                    f"{to_error / t_plain:.2f}x baseline",
                )
                row(
                    f"{label}: fix saved -> fixed page",
                    f"{to_fixed:.2f} s",
                    f"{to_fixed / t_plain:.2f}x baseline",
                )


if __name__ == "__main__":
    main()
