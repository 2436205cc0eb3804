"""axe-core violations per rule: the same pages built with stock Material (before) and with Spiegel's
overrides (after), at 1280 px and 360 px, in Debian's Chromium.

    .venv/bin/python benchmarks/axe_compare.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _util import ROOT

from build import ENV, plain_copy, project_copy

sys.path.insert(0, str(ROOT))
from tests.browser import AXE, AXE_TAGS, CHROMIUM, DESKTOP, FLAGS, MOBILE  # noqa: E402

STOCK = """site_name: Spiegel
docs_dir: docs
site_dir: site
theme:
  name: material
  language: nl
markdown_extensions: [attr_list, md_in_html, tables, def_list, toc]
plugins: [search]
"""


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            # the browser hangs up on a file it no longer needs (a page left while a stylesheet
            # still loads): normal, and no reason for a traceback on stderr
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)  # type: ignore[arg-type]

    httpd = Server(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def scan(site: Path) -> tuple[Counter[str], int]:
    from playwright.sync_api import sync_playwright

    pages = [
        "/" if p.parent == site else f"/{p.parent.relative_to(site).as_posix()}/"
        for p in sorted(site.rglob("index.html"))
    ]
    httpd, base = serve(site)
    counts: Counter[str] = Counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for viewport in (DESKTOP, MOBILE):
            page = browser.new_page(viewport=viewport)
            for url in pages:
                page.goto(base + url)
                page.add_script_tag(content=AXE.read_text())
                for v in page.evaluate(
                    "async (t) => (await axe.run(document, {runOnly: {type: 'tag', values: t}})).violations",
                    AXE_TAGS,
                ):
                    counts[v["id"]] += len(v["nodes"])
            page.close()
        browser.close()
    httpd.shutdown()
    return counts, len(pages)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stock, ours = Path(tmp) / "stock", Path(tmp) / "ours"
        plain_copy(stock)
        shutil.rmtree(stock / "overrides")
        (stock / "mkdocs.yml").write_text(STOCK)
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build"],
            cwd=stock,
            env=ENV,
            check=True,
            capture_output=True,
        )
        project_copy(ours)
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build"],
            cwd=ours,
            env=ENV,
            check=True,
            capture_output=True,
        )
        before, n = scan(stock / "site")
        after, _ = scan(ours / "build" / "site")
    print(
        f"axe-core 4.14.1, {n} pages x (1280 px + 360 px), tags {' '.join(AXE_TAGS)}: failing elements per rule"
    )
    print(f"  {'rule':<32} {'stock Material':>15} {'Spiegel':>8}")
    for rule in sorted(set(before) | set(after)):
        print(f"  {rule:<32} {before[rule]:>15} {after[rule]:>8}")
    print(f"  {'total':<32} {sum(before.values()):>15} {sum(after.values()):>8}")


if __name__ == "__main__":
    main()
