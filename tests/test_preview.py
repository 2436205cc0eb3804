"""The live previews while the content has a mistake (issue 22 #4), over real HTTP.

`mkdocs serve` once held every page request for ever after a failed rebuild (the browser
spun; the message was only in the terminal). Now the page the author has open answers with
the Dutch messages and turns into the fixed page by itself; `./scripts/serve` keeps the last
good page with the same notice on top. Both run as their own processes on a free port in a
copy of the project.
"""

from __future__ import annotations

import html
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


def _start_broken(
    project: Project, tmp_path: Path, cmd: list[str]
) -> tuple[str, subprocess.Popen[str]]:
    """Start a preview while a file is broken; wait until it answers at all."""
    port = free_port()
    proc = subprocess.Popen(
        [a.replace("PORT", str(port)) for a in cmd],
        cwd=project.root,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _get(base + PAGE, 10), lambda t: t != "", 120)
    except AssertionError:
        proc.kill()
        raise AssertionError(proc.communicate(timeout=20)[0]) from None
    return base, proc


MKDOCS_SERVE = [sys.executable, "-m", "mkdocs", "serve", "-a", "127.0.0.1:PORT"]
SCRIPTS_SERVE = [sys.executable, "-m", "spiegel.serve", "--port", "PORT"]


BROKEN_LINK = ("(../verbeteringen/index.md)", "(../verbeteringen.md)")  # found by the build
SAYS_LINK = "content/vvg.yaml:65</strong>: de link ../verbeteringen.md werkt niet"


@pytest.mark.parametrize(
    ("cmd", "broken", "says"),
    [
        pytest.param(MKDOCS_SERVE, BROKEN, SAYS, id="mkdocs-serve"),
        pytest.param(MKDOCS_SERVE, BROKEN_LINK, SAYS_LINK, id="mkdocs-serve-link"),
        pytest.param(SCRIPTS_SERVE, BROKEN, SAYS, id="serve"),
    ],
)
def test_a_preview_started_with_a_broken_file_shows_it_and_then_the_page(
    project: Project, tmp_path: Path, cmd: list[str], broken: tuple[str, str], says: str
) -> None:
    """A staff member who restarts the preview while a file is broken gets the Dutch error page
    (it once exited, leaving no page at all); saving the fix brings the page by itself."""
    project.edit("content/vvg.yaml", *broken)
    base, proc = _start_broken(project, tmp_path, cmd)
    try:
        page = httpx.get(base + PAGE, timeout=2)  # at once, never a hang
        assert page.status_code == 200 and says in page.text
        assert "De pagina kan nu niet worden bijgewerkt" in page.text
        assert '<meta http-equiv="refresh"' in page.text
        project.edit("content/vvg.yaml", *reversed(broken))
        _until(lambda: _get(base + PAGE, 30), lambda t: "Verwonder" in t and says not in t)
    finally:
        out = _output(proc)
    assert html.unescape(says.replace("</strong>", "")) in out
    if "De site is klaar" in out:  # MkDocs' "built" of the empty first build is left out
        assert out.index("De site is klaar") > out.index("Een bestand is gewijzigd"), out
    assert not [w for w in ENGLISH if w in out], out


def test_scripts_serve_started_broken_answers_form_posts_with_a_dutch_503(
    project: Project, tmp_path: Path
) -> None:
    """While the forms cannot be loaded the endpoint says why (503, never a 500), the last good
    site stays with the notice on top, and the forms work once the file is saved."""
    assert project.build().returncode == 0  # a good site from before the mistake
    project.edit("content/vvg.yaml", *BROKEN)
    base, proc = _start_broken(project, tmp_path, SCRIPTS_SERVE)
    try:
        stale = httpx.get(base + PAGE, timeout=2).text
        assert "Let op: dit is de vorige versie van deze pagina." in stale and SAYS in stale
        assert "Verwonder" in stale
        post = httpx.post(base + "/api/forms/vvg", data={"naam": "Test"}, timeout=2)
        assert post.status_code == 503 and post.headers["retry-after"]
        assert "De formulieren werken nu niet" in post.text and SAYS in post.text
        as_json = httpx.post(base + "/api/forms/vvg", json={"naam": "Test"}, timeout=2)
        assert as_json.status_code == 503
        assert "er staat een fout in content/ of forms/" in as_json.json()["error"]
        assert httpx.get(base + "/beheer/", timeout=2).status_code == 503
        project.edit("content/vvg.yaml", *reversed(BROKEN))
        _until(
            lambda: str(httpx.post(base + "/api/forms/vvg", json={}, timeout=10).status_code),
            lambda code: code == "422",
        )
        _until(lambda: _get(base + PAGE, 30), lambda t: "Verwonder" in t and SAYS not in t)
    finally:
        out = _output(proc)
    assert "spiegel: de fout is verbeterd; de formulieren werken nu" in out
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
