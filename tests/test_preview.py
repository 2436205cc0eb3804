"""The live previews while the content has a mistake (issue 22 #4), over real HTTP.

`mkdocs serve` once held every page request for ever after a failed rebuild (the browser
spun; the message was only in the terminal). Now the page the author has open answers with
the Dutch messages and turns into the fixed page by itself; `./scripts/serve` keeps the last
good page with the same notice on top. Both run as their own processes on a free port in a
copy of the project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from .conftest import TODAY, Project
from .servers import free_port

BROKEN = ("summary:", "sumary:")  # one slip in content/vvg.yaml
SAYS = "content/vvg.yaml:4</strong>: sumary: &#x27;sumary&#x27; is hier onbekend."
PAGE = "/vvg/"
ENGLISH = (
    "Aborted",
    "An error happened",
    "Traceback",
    "appear stuck",
    "is not set",
    "Building documentation",
    "Serving on",
    "Detected file changes",
)


def _env(tmp: Path) -> dict[str, str]:
    return dict(
        os.environ,
        SPIEGEL_TODAY=TODAY,
        NO_MKDOCS_2_WARNING="1",
        SPIEGEL_DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        SPIEGEL_OUTBOX_DIR=str(tmp / "outbox"),
    )


def _until(get: Callable[[], str], wanted: Callable[[str], bool], seconds: float = 60) -> str:
    """Ask until the answer is what we want (each request itself must answer: no hang)."""
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        text = get()
        if wanted(text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s; last answer:\n{text[:2000]}")


@pytest.fixture
def started(
    project: Project, tmp_path: Path
) -> Iterator[Callable[[list[str]], tuple[str, subprocess.Popen[str]]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(cmd: list[str]) -> tuple[str, subprocess.Popen[str]]:
        port = free_port()
        cmd = [a.replace("PORT", str(port)) for a in cmd]
        proc = subprocess.Popen(
            cmd,
            cwd=project.root,
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        _until(lambda: _get(base + PAGE, 10), lambda t: "Verwonder" in t, 120)
        return base, proc

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _get(url: str, timeout: float) -> str:
    try:
        return httpx.get(url, timeout=timeout).text
    except httpx.ConnectError:
        return ""


def _output(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return out


def test_mkdocs_serve_shows_the_error_and_then_the_fixed_page(
    project: Project, started: Callable[[list[str]], tuple[str, subprocess.Popen[str]]]
) -> None:
    base, proc = started([sys.executable, "-m", "mkdocs", "serve", "-a", "127.0.0.1:PORT"])
    project.edit("content/vvg.yaml", *BROKEN)
    _until(lambda: _get(base + PAGE, 30), lambda t: SAYS in t)
    # the failed build is over: the open page answers at once (it hung for ever before)
    page = httpx.get(base + PAGE, timeout=2).text
    assert SAYS in page and "De pagina kan nu niet worden bijgewerkt" in page
    assert "livereload(" in page  # MkDocs' own script reloads it when a build succeeds
    assert '<meta http-equiv="refresh"' in page and 'href="">Laad de pagina opnieuw' in page
    assert "text/css" in httpx.get(base + "/assets/stylesheets/spiegel.css").headers["content-type"]
    project.edit("content/vvg.yaml", *reversed(BROKEN))
    fixed = _until(lambda: _get(base + PAGE, 30), lambda t: "Verwonder" in t and SAYS not in t)
    assert "livereload(" in fixed
    out = _output(proc)
    assert "content/vvg.yaml:4: sumary: 'sumary' is hier onbekend." in out
    assert "spiegel: de fout staat nu ook in de browser." in out
    assert not [w for w in ENGLISH if w in out], out


def test_scripts_serve_marks_stale_pages(
    project: Project, started: Callable[[list[str]], tuple[str, subprocess.Popen[str]]]
) -> None:
    cmd = [sys.executable, "-m", "spiegel.serve", "--port", "PORT"]
    base, proc = started(cmd)  # it builds the site itself at start
    assert "Dit is de vorige versie" not in _get(base + PAGE, 10)
    project.edit("content/vvg.yaml", *BROKEN)
    stale = _until(lambda: _get(base + PAGE, 30), lambda t: SAYS in t)
    assert "Let op: dit is de vorige versie van deze pagina." in stale
    assert "Verwonder" in stale  # the last good page is still there, under the notice
    assert '<meta http-equiv="refresh"' in stale
    again = httpx.get(base + PAGE, timeout=2, headers={"If-None-Match": "*"})
    assert again.status_code == 200 and SAYS in again.text  # never "not modified"
    project.edit("content/vvg.yaml", *reversed(BROKEN))
    _until(lambda: _get(base + PAGE, 30), lambda t: "Verwonder" in t and SAYS not in t)
    out = _output(proc)
    assert "content/vvg.yaml:4: sumary: 'sumary' is hier onbekend." in out
    assert not [w for w in ENGLISH if w in out], out


def test_scripts_serve_refuses_to_start_with_a_broken_file(
    project: Project, tmp_path: Path
) -> None:
    """The endpoint needs its forms: with a mistake at start it says where, in Dutch, and stops
    (no traceback)."""
    project.edit("content/vvg.yaml", *BROKEN)
    proc = subprocess.run(
        [sys.executable, "-m", "spiegel.serve", "--port", str(free_port())],
        cwd=project.root,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "content/vvg.yaml:4: sumary: 'sumary' is hier onbekend." in out
    assert "de server start niet zolang er een fout in content/ of forms/ staat" in out
    assert not [w for w in ENGLISH if w in out], out


@pytest.mark.parametrize(
    ("english", "dutch"),
    [
        ("Building documentation...", "De site wordt gebouwd..."),
        ("[10:01:02] Serving on http://127.0.0.1:8000/", "[10:01:02] Het voorbeeld staat op"),
        ("[10:01:02] Detected file changes", "[10:01:02] Een bestand is gewijzigd"),
        ("Documentation built in 0.52 seconds", "De site is klaar (0.52 s)"),
        ('[10:01:02] "GET /x.png HTTP/1.1" code 404', "[10:01:02] GET /x.png: antwoord 404"),
    ],
)
def test_mkdocs_own_lines_in_dutch(english: str, dutch: str) -> None:
    from spiegel.site.mkdocslog import dutch as translate

    assert (translate(english) or "").startswith(dutch)
