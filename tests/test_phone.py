"""Reading on a phone (issue 21), in real Chromium at 320 and 390 px: no page needs sideways
scrolling, axe finds nothing on the pages issue 21 changed, the organisation's name fits the
header, the three-column tables become lists (and tables again on paper), and an e-mail with
its long personal cancel link fits a 320 px screen."""

from __future__ import annotations

import email.policy as email_policy
import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from spiegel.outbox.messages import build_message, session_letter

from . import servers
from .browser import launched_browser
from .conftest import Project, copy_project
from .test_browser import all_pages, describe, run_axe
from .test_forms import VALID

pytestmark = pytest.mark.browser
WIDTHS = [320, 390]
# the pages issue 21 changed (forms, answers, programme pages, leaflet, agenda, privacy)
CHANGED = [
    "/",
    "/spiegelbijeenkomst/",
    "/spiegelbijeenkomst/agenda/",
    "/spiegelbijeenkomst/aanmelden/",
    "/spiegelbijeenkomst/aanmelden/bedankt/",
    "/spiegelbijeenkomst/aanmelden/wachtlijst/",
    "/vvg/",
    "/vvg/aanmelden/",
    "/vvg/aanmelden/bedankt/",
    "/groepsevaluatie/",
    "/groepsevaluatie/vragenlijst/",
    "/groepsevaluatie/aanvragen/",
    "/groepsevaluatie/aanvragen/bedankt/",
    "/collegiale-ondersteuning/",
    "/collegiale-ondersteuning/contact/",
    "/collegiale-ondersteuning/contact/bedankt/",
    "/gluren-bij-de-buren/aanmelden/",
    "/privacy/",
    "/toegankelijkheid/",
]
LONG_NAME = "Stichting Samenwerkende Ziekenhuizen Zuid-Holland Noord"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def server(
    built_site: Project, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("phone-db") / "spiegel.sqlite3"
    outbox = tmp_path_factory.mktemp("phone-outbox")
    proc, base = servers.start(
        f"sqlite:///{db}", site=built_site.site, extra={"SPIEGEL_OUTBOX_DIR": str(outbox)}
    )
    yield {"base": base, "outbox": outbox}
    servers.stop(proc)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(
    browser: Any, server: dict[str, Any], built_site: Project, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide = []
    for url in all_pages(built_site.site):
        page.goto(server["base"] + url)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            wide.append(url)
    context.close()
    assert not wide, wide


@pytest.mark.parametrize("width", WIDTHS)
def test_changed_pages_axe_clean(browser: Any, server: dict[str, Any], width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    failures = []
    for url in CHANGED:
        page.goto(server["base"] + url, wait_until="networkidle")
        violations = run_axe(page)
        if violations:
            failures.append(describe(url, violations))
    context.close()
    assert not failures, "\n".join(failures)


def _cancel_link(server: dict[str, Any], address: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for eml in server["outbox"].glob("*.eml"):
            msg = message_from_bytes(eml.read_bytes(), policy=email_policy.default)
            if msg["To"] == address:
                text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                found = re.search(r"(http://\S+/api/afmelden/[A-Za-z0-9._=-]+)", text)
                if found:
                    return found.group(1)
        time.sleep(0.1)
    raise AssertionError("no e-mail with a cancel link was written")


@pytest.mark.parametrize("width", WIDTHS)
def test_cancel_pages_fit_and_are_axe_clean(
    browser: Any, server: dict[str, Any], width: int
) -> None:
    """The question and the answer of the cancel link, on a phone."""
    address = f"telefoon{time.monotonic_ns()}@example.nl"
    body = {**VALID["spiegelbijeenkomst"], "sessie": "2027-02-oncologie", "email": address}
    httpx.post(server["base"] + "/api/forms/spiegelbijeenkomst", json=body)
    link = _cancel_link(server, address)
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    failures = []
    page.goto(link)  # the question; looking changes nothing
    for step in ("vraag", "antwoord"):
        if step == "antwoord":
            page.get_by_role("button", name="Ja, meld mij af").click()
            page.wait_for_selector("text=U bent afgemeld")
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
            failures.append(f"{step}: te breed")
        failures += [describe(step, v) for v in [run_axe(page)] if v]
    context.close()
    assert not failures, failures


HEADER = """() => {
  const title = document.querySelector('.md-header__topic .md-ellipsis');
  const org = document.querySelector('.spiegel-org-name');
  const header = document.querySelector('.md-header').getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(org);
  const o = range.getBoundingClientRect();  // the text itself, however it wraps
  // what stands right of the title (the search button, once the theme's script shows it)
  const right = [...document.querySelectorAll('.md-header__inner > .md-header__button')]
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.left >= o.left)
    .reduce((x, r) => Math.min(x, r.left), header.right);
  return {visible: getComputedStyle(org).display !== 'none' && o.width > 0,
          clipped: title.scrollWidth > title.clientWidth + 1 || org.scrollWidth > org.clientWidth + 1,
          inside: o.top >= header.top && o.bottom <= header.bottom && o.right <= right,
          text: org.textContent.trim(), box: [o.left, o.top, o.right, o.bottom, right]};
}"""


def _build_with_name(root: Path, name: str) -> Project:
    p = copy_project(root)
    p.edit("content/site.yaml", "name: Zorggroep Voorbeeld", f"name: {name}")
    result = p.build()
    assert result.returncode == 0, result.stderr
    return p


@pytest.fixture(scope="module")
def long_name_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return _build_with_name(tmp_path_factory.mktemp("long-name") / "project", LONG_NAME)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["example", "long"])
def test_the_organisations_name_fits_the_header(
    browser: Any, server: dict[str, Any], long_name_site: Project, width: int, which: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    if which == "long":
        page.goto(long_name_site.site.joinpath("index.html").as_uri(), wait_until="networkidle")
    else:
        page.goto(server["base"] + "/", wait_until="networkidle")
    before = page.evaluate(HEADER)  # the first paint, before the theme's script
    page.mouse.wheel(0, 1)  # a first interaction loads the full stylesheets and the scripts
    page.wait_for_load_state("networkidle")
    page.mouse.wheel(0, -1)
    page.wait_for_timeout(300)
    after = page.evaluate(HEADER)
    context.close()
    for info in (before, after):
        assert info["visible"] and not info["clipped"] and info["inside"], info["box"]
        assert info["text"].endswith(LONG_NAME if which == "long" else "Zorggroep Voorbeeld")


LISTS = """() => [...document.querySelectorAll('.spiegel-wide, .spiegel-narrow')].map(
  e => [e.className.includes('narrow') ? 'lijst' : 'tabel', getComputedStyle(e).display !== 'none'])"""


@pytest.mark.parametrize(
    ("width", "shown"),
    [(320, "lijst"), (390, "lijst"), (599, "lijst"), (601, "tabel"), (1280, "tabel")],
)
@pytest.mark.parametrize("url", ["/vvg/", "/groepsevaluatie/"])
def test_tables_become_lists_on_a_phone(
    browser: Any, server: dict[str, Any], url: str, width: int, shown: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(server["base"] + url)
    seen = page.evaluate(LISTS)
    page.emulate_media(media="print")
    printed = page.evaluate(LISTS)
    context.close()
    assert seen and all(visible == (kind == shown) for kind, visible in seen), seen
    assert all(visible == (kind == "tabel") for kind, visible in printed), printed  # paper: tables


def test_an_email_fits_a_320_px_screen(browser: Any) -> None:
    session = {
        "id": "x",
        "date": "2027-01-14",
        "start": "14:00",
        "end": "15:30",
        "location": "Hoofdgebouw, zaal 2.14 (volg de bordjes)",
        "department": "Cardiologie",
        "audience": "Patiënten",
        "access": "De zaal is met de lift te bereiken.",
    }
    org = {
        "name": "Zorggroep",
        "phone": "012 345 67 89",
        "phone_hours": "9-17 uur",
        "email": "a@zorggroep.example",
    }
    link = "https://spiegel.zorggroep-voorbeeld.example/api/afmelden/" + "a" * 32 + "." + "B" * 43
    letter = session_letter(
        "confirmation",
        name="Anna",
        session=session,
        org=org,
        cancel_link=link,
        agenda_url="https://x.example/",
    )
    msg = build_message(letter, to="anna@example.nl", sender="s@zorggroep.example", message_id="1")
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.set_content(html)
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 320, width
