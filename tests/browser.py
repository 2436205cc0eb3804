"""Launching Debian's Chromium through Playwright, hermetically (see shared field notes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("SPIEGEL_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 360, "height": 740}


def launched_browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, for a module-scoped fixture (Playwright's sync API
    keeps an event loop running in this thread until it stops, which would break asyncio.run()
    in tests of other modules). Under CI a missing browser fails instead of skipping."""
    import pytest

    in_ci = os.environ.get("CI") == "true"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    except Exception as exc:
        pw.stop()
        if in_ci:
            pytest.fail(f"Chromium could not start under CI=true: {exc}")
        pytest.skip(f"Chromium could not start: {exc}")
    yield b
    b.close()
    pw.stop()
