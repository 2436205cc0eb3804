"""Site build: the full `mkdocs build` of the real content (validation, generation, audit, atomic
publish) against a plain MkDocs + Material build of the same pages as static Markdown; and the time
from a content edit to the new page under `mkdocs serve`.

    .venv/bin/python benchmarks/build.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from _util import ROOT, median, row
from spiegel.content.model import load_content
from spiegel.forms.definitions import load_forms
from spiegel.results.package import load_published
from spiegel.results.pages import result_pages
from spiegel.site.generate import SiteInput, brand_css, generate

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SPIEGEL_TODAY": "2026-11-22"}


def timed_build(cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build"],
            cwd=cwd,
            env=ENV,
            capture_output=True,
            text=True,
        )
        if r.returncode:
            raise SystemExit(f"build failed in {cwd}:\n{r.stderr[-3000:]}")
        times.append(time.perf_counter() - t)
    return median(times)


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


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full, plain = Path(tmp) / "full", Path(tmp) / "plain"
        project_copy(full)
        plain_copy(plain)
        t_plain = timed_build(plain, args.runs)
        t_full = timed_build(full, args.runs)
        pages = len(list((full / "build/site").rglob("index.html")))
        html = full / "build/site/spiegelbijeenkomst/index.html"
        print(f"site build, median of {args.runs} (`mkdocs build`, {pages} pages)")
        row("plain MkDocs + Material, same pages (baseline)", f"{t_plain:.2f} s")
        row(
            "Spiegel: validate + generate + build + audit",
            f"{t_full:.2f} s",
            f"{t_full / t_plain:.2f}x baseline",
        )
        row("one page's HTML (leaflet)", f"{html.stat().st_size / 1024:.0f} KiB")
        t_serve = serve_rebuild(full, 3)
        row(
            "content edit -> new page under mkdocs serve",
            f"{t_serve:.2f} s",
            "(median of 3, polling)",
        )


if __name__ == "__main__":
    main()
