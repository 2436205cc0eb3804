"""Bytes one page needs: every request Chromium makes for a page, raw and gzip-compressed.

.venv/bin/python benchmarks/page_weight.py
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from _util import ROOT
from axe_compare import serve

from build import ENV, project_copy

sys.path.insert(0, str(ROOT))
from tests.browser import CHROMIUM, FLAGS, MOBILE  # noqa: E402


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project_copy(Path(tmp))
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build"],
            cwd=tmp,
            env=ENV,
            check=True,
            capture_output=True,
        )
        site = Path(tmp) / "build" / "site"
        httpd, base = serve(site)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for url in ("/", "/spiegelbijeenkomst/", "/spiegelbijeenkomst/aanmelden/"):
                page = browser.new_page(viewport=MOBILE)
                paths: list[str] = []
                page.on("request", lambda r, paths=paths: paths.append(urlsplit(r.url).path))
                page.goto(base + url, wait_until="networkidle")
                raw = packed = 0
                for p in paths:
                    f = site / p.lstrip("/")
                    f = f / "index.html" if f.is_dir() else f
                    data = f.read_bytes()
                    raw += len(data)
                    packed += len(gzip.compress(data, 6))
                print(
                    f"  {url:<34} {len(paths):>2} requests {raw / 1024:>7.0f} KiB raw {packed / 1024:>6.0f} KiB gzip"
                )
                page.close()
            browser.close()
        httpd.shutdown()


if __name__ == "__main__":
    main()
