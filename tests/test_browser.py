"""Real Chromium: accessibility (axe-core), privacy, keyboard, forms end to end, print."""

from __future__ import annotations

import csv
import email.policy as email_policy
import io
import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from spiegel.cli import main as spiegel_cli

from . import servers
from .browser import AXE, AXE_TAGS, DESKTOP, MOBILE, launched_browser
from .conftest import ROOT, Project
from .test_forms import VALID

pytestmark = pytest.mark.browser
SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def server(
    built_site: Project, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Site + endpoint the way ./scripts/serve starts them, with a throw-away database."""
    db = tmp_path_factory.mktemp("browser-db") / "spiegel.sqlite3"
    outbox = tmp_path_factory.mktemp("browser-outbox")
    url = f"sqlite:///{db}"
    proc, base = servers.start(url, site=built_site.site, extra={"SPIEGEL_OUTBOX_DIR": str(outbox)})
    yield {"base": base, "db": url, "site": built_site.site, "outbox": outbox}
    servers.stop(proc)


def all_pages(site: Path) -> list[str]:
    urls = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        urls.append("/" if rel == "." else f"/{rel}/")
    return urls


def run_axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        AXE_TAGS,
    )
    return list(result)


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        for node in v["nodes"]:
            lines.append(f"{v['id']} on {url}: {node['target']} ({v['help']})")
    return "\n".join(lines)


class RequestLog:
    def __init__(self, base: str) -> None:
        self.own = urlsplit(base).netloc
        self.foreign: list[str] = []

    def __call__(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.own:
            self.foreign.append(request.url)


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile-360"])
def test_every_page_axe_clean_and_private(
    browser: Any, server: dict[str, Any], viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log = RequestLog(server["base"])
    page.on("request", log)
    failures, foreign = [], []
    urls = [*all_pages(server["site"]), "/404.html"]
    assert len(urls) >= 20
    for url in urls:
        log.foreign.clear()
        page.goto(server["base"] + url, wait_until="networkidle")
        violations = run_axe(page)
        if violations:
            failures.append(describe(url, violations))
        foreign += [f"{url} requested {u}" for u in log.foreign]
    cookies = context.cookies()
    context.close()
    assert not failures, "axe violations:\n" + "\n".join(failures)
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)
    assert cookies == [], f"the site set cookies: {cookies}"


def test_endpoint_error_page_is_axe_clean(browser: Any, server: dict[str, Any]) -> None:
    context = browser.new_context(viewport=MOBILE, bypass_csp=True)  # our CSP blocks injected axe
    page = context.new_page()
    page.goto(server["base"] + "/spiegelbijeenkomst/aanmelden/")
    page.evaluate("document.querySelector('#spiegel-form').noValidate = true")
    page.get_by_role("button", name="Aanmelden").click()
    assert "Controleer uw antwoorden" in page.title()
    violations = run_axe(page)
    context.close()
    assert not violations, describe("error page", violations)


def test_skip_link_and_keyboard_only_signup(browser: Any, server: dict[str, Any]) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(server["base"] + "/vvg/aanmelden/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    values = {
        "naam": "Toets Bord",
        "afdeling": "Chirurgie",
        "email": "toets@example.nl",
    }
    reached: list[str] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = page.evaluate(
            "(() => { const e = document.activeElement; return {tag: e.tagName, type: e.type || '', name: e.name || '', text: e.textContent.trim()}; })()"
        )
        if info["name"]:
            reached.append(info["name"])
        if info["name"] in ("rol", "gesprek") and info["name"] not in reached[:-1]:
            page.keyboard.press("Space")  # the first option: coassistent, the first date
        elif info["name"] in values:
            page.keyboard.type(values[info["name"]])
        if info["tag"] == "BUTTON" and info["text"] == "Aanmelden":
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"never reached the submit button; reached {reached}")
    page.wait_for_url(re.compile(r"/vvg/aanmelden/bedankt/$"))
    assert {"gesprek", "rol", "naam", "afdeling", "email", "telefoon"} <= set(reached)
    assert "website" not in reached  # the honeypot is out of the tab order
    context.close()


def test_cancel_link_from_the_email_with_keyboard_only(
    browser: Any, server: dict[str, Any]
) -> None:
    """Sign up, open the e-mail the serve process wrote (.eml), follow the link, cancel by keyboard."""
    email = f"afmelden{time.monotonic_ns()}@example.nl"
    body = {
        **VALID["spiegelbijeenkomst"],
        "sessie": "2027-03-kinderafdeling",
        "rol": "ouder",  # the children's ward takes parents (and their partners)
        "email": email,
    }
    sid = httpx.post(server["base"] + "/api/forms/spiegelbijeenkomst", json=body).json()["id"]
    link = None
    deadline = time.monotonic() + 15
    while link is None and time.monotonic() < deadline:
        for eml in server["outbox"].glob("*.eml"):
            msg = message_from_bytes(eml.read_bytes(), policy=email_policy.default)
            if msg["To"] == email:
                text = msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
                found = re.search(r"(http://\S+/api/afmelden/" + sid + r"\.[A-Za-z0-9_=-]+)", text)
                link = found.group(1) if found else None
        time.sleep(0.1)
    assert link, "no e-mail with a cancel link was written"
    checking = browser.new_context(viewport=MOBILE, bypass_csp=True)  # our CSP blocks axe
    page = checking.new_page()
    page.goto(link)  # looking changes nothing, so this visit is harmless
    violations = run_axe(page)
    checking.close()
    assert not violations, describe(link, violations)
    context = browser.new_context(viewport=MOBILE)
    page = context.new_page()
    page.goto(link)
    assert page.locator("h1").inner_text() == "Wilt u zich afmelden?"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Ja, meld mij af":
            break
    else:
        pytest.fail("the button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=U bent afgemeld")
    assert page.locator("h1").inner_text() == "U bent afgemeld"
    context.close()


def test_agenda_shows_live_seats_and_preselects_the_session(
    browser: Any, server: dict[str, Any]
) -> None:
    live = httpx.get(server["base"] + "/api/sessions").json()["sessions"]
    kids = next(s for s in live if s["id"] == "2027-03-kinderafdeling")
    context = browser.new_context(viewport=MOBILE)
    page = context.new_page()
    page.goto(server["base"] + "/spiegelbijeenkomst/agenda/")
    cell = page.locator('[data-spiegel-seats="2027-03-kinderafdeling"]')
    expected = "Vol." if kids["full"] else f"Nog {kids['available']} plaats"
    page.wait_for_function(
        "(t) => document.querySelector('[data-spiegel-seats=\"2027-03-kinderafdeling\"]')"
        ".textContent.startsWith(t)",
        arg=expected,
    )
    assert cell.inner_text().startswith(expected)
    # the live count replaces one sentence; who takes a place stays the session's own (issue 21)
    seats = page.locator("dd", has=cell).inner_text()
    assert seats.startswith("6 plaatsen voor wie komt als ouder of verzorger van het kind.")
    assert "patiënten" not in seats
    page.locator('a[href$="#f-sessie-2027-03-kinderafdeling"]').click()
    page.wait_for_url(re.compile(r"/aanmelden/#f-sessie-2027-03-kinderafdeling$"))
    # our scripts load after the first paint (site/critical.py): wait for them, up to 10 s
    page.wait_for_function(
        "document.getElementById('f-sessie-2027-03-kinderafdeling').checked", timeout=10_000
    )
    assert not page.locator("#f-sessie-2027-01-cardiologie").is_checked()
    context.close()


def test_errors_are_announced_and_linked(browser: Any, server: dict[str, Any]) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(server["base"] + "/spiegelbijeenkomst/aanmelden/")
    page.evaluate("document.querySelector('#spiegel-form').noValidate = true")
    page.get_by_label("Uw naam").fill("Fout Test")
    page.get_by_label("E-mailadres").fill("geen-adres")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state()
    focused = page.evaluate("document.activeElement.id")
    assert focused == "foutmeldingen"
    assert page.get_attribute("#foutmeldingen", "role") == "alert"
    email = page.locator("#f-email")
    described = email.get_attribute("aria-describedby") or ""
    assert "f-email-error" in described
    assert "geldig e-mailadres" in page.locator("#f-email-error").inner_text()
    assert email.input_value() == "geen-adres"  # nothing typed is lost
    page.get_by_role("link", name=re.compile("E-mailadres")).click()
    assert page.evaluate("document.activeElement.id") == "f-email"
    context.close()


# ------------------------------------------------------------------ every form, end to end


def fill_spiegelbijeenkomst(page: Any, name: str) -> None:
    page.get_by_label(re.compile("14 jan 2027")).check()
    page.get_by_label("Uw naam").fill(name)
    # one person gets one seat per session: every run signs up someone new
    page.get_by_label("E-mailadres").fill(f"e2e{time.monotonic_ns()}@example.nl")
    page.get_by_label("Patiënt of oud-patiënt").check()
    page.get_by_label("Ik houd geheim").check()
    page.get_by_label("Ik geef toestemming").check()


def fill_vvg(page: Any, name: str) -> None:
    page.get_by_label("4 feb 2027, 16:00-17:30 uur, Interne geneeskunde").check()
    page.get_by_label("Coassistent").check()
    page.get_by_label("Uw naam").fill(name)
    page.get_by_label("Afdeling of coschap").fill("Interne")
    # one person, one seat per date: each run signs up another person (issue 22: VVG has seats)
    page.get_by_label("Telefoonnummer").fill(f"06 {sum(map(ord, name)) % 10**8:08d}")


def fill_groepsevaluatie(page: Any, name: str) -> None:
    page.get_by_label("Welke groep beoordeelt u?").select_option("cardiologie-2026")
    page.get_by_label("Managers").check()
    for group in page.locator("fieldset.spiegel-scale").all():
        group.get_by_label("4 eens").check()
    page.get_by_label("Toelichting bij samenwerking").fill(name)


def issue_code(database_url: str, group: str = "managers") -> str:
    import datetime as dt

    from spiegel.db import open_store
    from spiegel.db.evaluations import EvaluationDB
    from spiegel.security.invites import code_key, new_code, normalise
    from spiegel.security.keys import Keys

    code = new_code()
    store = open_store(database_url)
    keys = Keys.of(None, store)  # the server has no key: the database's own secret
    key = code_key(keys, normalise(code) or "")
    # as a slip on paper is issued (signups.invitations.paper_codes), without the sheet
    EvaluationDB(store).issue_on_paper("cardiologie-2026", group, dt.date(2030, 12, 31), [key])
    store.close()
    return code.lower()  # typed in lower case: still accepted


def fill_collegiale(page: Any, name: str) -> None:
    page.get_by_label("Hoe mogen wij u noemen?").fill(name)
    page.get_by_label("Telefoonnummer").fill("0612345678")


def fill_gluren(page: Any, name: str) -> None:
    page.get_by_label("Cliënt").check()
    page.get_by_label("Uw naam").fill(name)
    page.get_by_label("Afdeling of woonlocatie").fill("De Klinkenberg")
    page.get_by_label("Wanneer kunt u?").fill("dinsdag")
    page.get_by_label("E-mailadres").fill("buur@example.nl")


FORMS = {
    "spiegelbijeenkomst": ("/spiegelbijeenkomst/aanmelden/", fill_spiegelbijeenkomst, "Aanmelden"),
    "vvg": ("/vvg/aanmelden/", fill_vvg, "Aanmelden"),
    "groepsevaluatie": ("/groepsevaluatie/vragenlijst/", fill_groepsevaluatie, "Versturen"),
    "collegiale-ondersteuning": (
        "/collegiale-ondersteuning/contact/",
        fill_collegiale,
        "Verstuur mijn verzoek",
    ),
    "gluren-bij-de-buren": ("/gluren-bij-de-buren/aanmelden/", fill_gluren, "Aanmelden"),
}


def export(
    server: dict[str, Any], form_id: str, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, str]]:
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", server["db"])
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(ROOT / "forms"))
    out = io.StringIO()
    if form_id == "groepsevaluatie":  # answers with codes wait in the ballot box (issue 19)
        from spiegel.db import open_store

        store = open_store(server["db"])  # the evaluation is open: `--alles` leaves them be
        store.move_ballots(1)
        store.close()
    assert spiegel_cli(["export", form_id, "--actor", "browser-test", "--format", "data"], out) == 0
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_form_end_to_end(
    browser: Any,
    server: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    form_id: str,
    javascript: bool,
) -> None:
    url, fill, button = FORMS[form_id]
    marker = f"E2E {form_id} {'js' if javascript else 'nojs'} {time.monotonic_ns()}"
    context = browser.new_context(viewport=MOBILE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server["base"] + url)
    fill(page, marker)
    if form_id == "groepsevaluatie":  # a code issued for this evaluation and group
        page.get_by_label("Code uit uw uitnodiging").fill(issue_code(server["db"]))
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/(bedankt|wachtlijst)/$"))
    assert page.locator("h1").inner_text()
    context.close()
    rows = export(server, form_id, monkeypatch)
    if form_id == "groepsevaluatie":  # the answer is in; its comment never leaves (debrief)
        assert rows and not [r for r in rows if marker in "".join(r.values())]
        from spiegel.db import open_store
        from spiegel.signups.export import open_payload

        store = open_store(server["db"])
        try:
            stored = [open_payload(r, None) for r in store.rows(form_id)]
        finally:
            store.close()
        assert [r for r in stored if r.get("toelichting_samenwerking") == marker]
        return
    assert [r for r in rows if r["naam"] == marker], f"{marker} not in export"


def test_eighth_signup_sees_waiting_list(browser: Any, server: dict[str, Any]) -> None:
    body = {**VALID["spiegelbijeenkomst"], "sessie": "2027-02-oncologie"}
    statuses = [
        httpx.post(
            server["base"] + "/api/forms/spiegelbijeenkomst",
            json={**body, "email": f"zeven{i}@example.nl"},
        ).json()["status"]
        for i in range(7)
    ]
    assert statuses.count("confirmed") == 7
    context = browser.new_context(viewport=MOBILE)
    page = context.new_page()
    page.goto(server["base"] + "/spiegelbijeenkomst/aanmelden/")
    fill_spiegelbijeenkomst(page, "Achtste Persoon")
    page.get_by_label(re.compile("11 feb 2027")).check()
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/wachtlijst/$"))
    assert "wachtlijst" in page.locator("h1").inner_text().lower()
    context.close()


# ------------------------------------------------------------------ print and screenshots


def test_leaflet_prints_on_a4_without_navigation(
    browser: Any, server: dict[str, Any], built_site: Project
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server["base"] + "/spiegelbijeenkomst/")
    # Our script (loaded after the first paint) puts today's date in; before it has, and
    # without JavaScript, the line gives the build date.
    page.wait_for_function(
        "document.querySelector('[data-spiegel-printdate]').textContent.includes('Afgedrukt op')"
    )
    page.emulate_media(media="print")
    for selector in (".md-header", ".md-sidebar--primary", ".md-footer", ".spiegel-skip"):
        assert not page.locator(selector).first.is_visible(), selector
    text = page.locator("article").inner_text().replace("\u00ad", "")
    for heading in (
        "Wat is een spiegelbijeenkomst?",
        "Wie nodigen wij uit?",
        "Hoe gaat een bijeenkomst?",
        "Uw privacy",
        "Wat doen wij met het verslag?",
        "U hoort wat er verandert",
        "Tip",
    ):
        assert heading in text
    assert "Zorggroep Voorbeeld" in text  # print-only sender line
    assert "spiegel.zorggroep-voorbeeld.example/spiegelbijeenkomst/" in text  # where it lives
    assert "Afgedrukt op" in text  # the date it was printed (set in the browser)
    pdf = page.pdf(format="A4", print_background=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "folder-spiegelbijeenkomst.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in boxes)
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    assert 1 <= pages <= 3, pages
    context.close()


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_screenshots_for_reviewers(
    browser: Any, server: dict[str, Any], name: str, viewport: dict[str, int]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    for slug, url in (("home", "/"), ("folder", "/spiegelbijeenkomst/")):
        page.goto(server["base"] + url)
        path = SCREENSHOTS / f"{slug}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    context.close()


def test_no_horizontal_scroll_at_360(browser: Any, server: dict[str, Any]) -> None:
    """Reflow (WCAG 1.4.10): no page needs sideways scrolling on a 360 px phone."""
    context = browser.new_context(viewport=MOBILE)
    page = context.new_page()
    wide = []
    for url in all_pages(server["site"]):
        page.goto(server["base"] + url)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            wide.append(url)
    context.close()
    assert not wide, wide


HEADING_CHECK = r"""() => {
  const bad = [];
  for (const h of document.querySelectorAll('article h1, article h2, article h3')) {
    if (!h.getClientRects().length) continue;
    if (h.scrollWidth > h.clientWidth + 1) bad.push('te breed: ' + h.textContent.trim());
    // A line break inside a word must come with a hyphen: only at a soft hyphen or a real one.
    const text = h.textContent;
    const range = document.createRange();
    let lastTop = null;
    const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      for (let i = 0; i < node.data.length; i++) {
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        const r = rects[rects.length - 1];  // a range next to a break can span both lines
        if (!r) {  // a soft hyphen that did not break, or a collapsed space: still a break point
          if (lastTop !== null) lastTop.ch = node.data[i];
          continue;
        }
        if (lastTop !== null && r.top > lastTop.top + 2) {
          const prev = lastTop.ch, cur = node.data[i];
          const inWord = /[\p{L}]/u.test(prev) && /[\p{L}]/u.test(cur);
          if (inWord) bad.push('woord afgebroken zonder streepje: ' + text.trim());
        }
        lastTop = {top: r.top, ch: node.data[i]};
      }
    }
  }
  return bad;
}"""


@pytest.mark.parametrize("width", [320, 390])
def test_headings_fit_and_break_only_at_hyphens(
    browser: Any, server: dict[str, Any], width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    problems = []
    for url in all_pages(server["site"]):
        page.goto(server["base"] + url)
        problems += [f"{url}: {p}" for p in page.evaluate(HEADING_CHECK)]
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def results_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A site with published groepsevaluatie results (synthetic answers given with codes,
    through `spiegel results`, which reads them from the database)."""
    from .answers import answer, issue
    from .conftest import copy_project
    from .test_results import EV, rows

    p = copy_project(tmp_path_factory.mktemp("results-site") / "project")
    data = (
        rows(EV, "eigen-groep", 6, "4")
        + rows(EV, "collega-specialisten", 7, "3")
        + rows(EV, "medewerkers", 12, "2", s03=["", "", "", "", "", "", "", "", "5", "5", "5", "5"])
        + rows(EV, "managers", 2, "1")
    )
    db = tmp_path_factory.mktemp("results-db") / "spiegel.sqlite3"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPIEGEL_DATABASE_URL", f"sqlite:///{db}")
        mp.setenv("SPIEGEL_CONTENT_DIR", str(p.content))
        mp.setenv("SPIEGEL_FORMS_DIR", str(p.root / "forms"))
        answer(f"sqlite:///{db}", data)
        for group, unused in [
            ("eigen-groep", 2),
            ("collega-specialisten", 2),
            ("medewerkers", 3),
            ("managers", 2),
        ]:
            issue(EV, group, unused)
        p.edit("content/groepsevaluatie.yaml", "open: true", "open: false")
        args = ["results", EV, "--out", str(p.content / "results")]
        assert spiegel_cli([*args, "--content", str(p.content)], io.StringIO()) == 0
    result = p.build()
    assert result.returncode == 0, result.stderr
    return p


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile-360"])
def test_results_pages_axe_clean(
    browser: Any, results_site: Project, viewport: dict[str, int]
) -> None:
    proc, base = servers.start(
        f"sqlite:///{results_site.root / 'db.sqlite3'}", site=results_site.site
    )
    try:
        page = browser.new_page(viewport=viewport)
        failures = []
        for url in (
            "/groepsevaluatie/resultaten/",
            f"/groepsevaluatie/resultaten/{'cardiologie-2026'}/",
        ):
            page.goto(base + url)
            violations = run_axe(page)
            if violations:
                failures.append(describe(url, violations))
        chart = page.locator("svg.spiegel-chart")
        assert chart.get_attribute("role") == "img"
        box = chart.bounding_box()
        assert box and box["width"] >= min(300, viewport["width"] - 60)  # legible, not shrunk
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        if viewport is DESKTOP:
            page.screenshot(path=str(SCREENSHOTS / "results-desktop.png"), full_page=True)
        page.close()
    finally:
        servers.stop(proc)
    assert not failures, "\n".join(failures)


def test_results_chart_text_legible_at_360(browser: Any, results_site: Project) -> None:
    """The chart scales with the page: at 360 px its smallest text must still be 12 px or more,
    and no table row needs sideways scrolling."""
    proc, base = servers.start(
        "sqlite:///" + str(results_site.root / "t.sqlite3"), site=results_site.site
    )
    try:
        context = browser.new_context(viewport=MOBILE)
        page = context.new_page()
        page.goto(base + "/groepsevaluatie/resultaten/cardiologie-2026/")
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('svg.spiegel-chart text')]
                 .map(t => t.getBoundingClientRect().height))"""
        )
        wide = page.evaluate(
            """() => [...document.querySelectorAll('.spiegel-scroll')]
                 .filter(d => d.scrollWidth > d.clientWidth + 1).length"""
        )
        context.close()
    finally:
        servers.stop(proc)
    assert smallest >= 12, smallest
    assert wide == 0


# ------------------------------------------------------------------ fast first paint

# Every element's box and the styles a reader sees, to compare two renderings of one page. The
# closed search panel is left out: its text changes when the search index has loaded.
PAINT_SIGNATURE = r"""() => [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.md-search__output')).map(e => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return [e.tagName, e.className, Math.round(r.x), Math.round(r.y), Math.round(r.width),
    Math.round(r.height), s.color, s.backgroundColor, s.fontSize, s.fontWeight, s.display,
    s.visibility, s.textDecorationLine].join(' ');
})"""
NO_STYLESHEET_RULES = """[...document.styleSheets].filter(s => s.href).every(s => {
  try { return s.cssRules.length === 0 } catch (e) { return true } })"""
# The full stylesheets, loaded on the first tap, key or scroll, all switched on together.
FULL_CSS_LOADED = (
    "document.querySelectorAll('link[rel=stylesheet][media=all]').length >= 4"
    " && [...document.styleSheets].some(s => s.href && s.href.includes('spiegel.css'))"
)
# The theme's script has started (it was loaded after the first paint).
THEME_STARTED = "document.documentElement.classList.contains('js')"


def load_full_css(page: Any) -> None:
    page.wait_for_function(THEME_STARTED)
    page.keyboard.press("Shift")  # a reader doing something: the stylesheets follow
    page.wait_for_function(FULL_CSS_LOADED)


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["mobile-360", "desktop"])
def test_critical_css_draws_the_page_as_the_full_css(
    browser: Any, server: dict[str, Any], viewport: dict[str, int]
) -> None:
    """The inline CSS alone (stylesheet requests blocked) lays out and colours every element as
    the full stylesheets do, so nothing moves or changes when they arrive after the load."""
    problems = []
    for url in ("/", "/spiegelbijeenkomst/", "/spiegelbijeenkomst/aanmelden/"):
        inline_only = browser.new_context(viewport=viewport)
        page = inline_only.new_page()
        page.route("**/*.css", lambda route: route.abort())
        page.goto(server["base"] + url)
        page.wait_for_function(THEME_STARTED)
        page.keyboard.press("Shift")
        page.wait_for_timeout(300)
        assert page.evaluate(NO_STYLESHEET_RULES)
        first = page.evaluate(PAINT_SIGNATURE)
        inline_only.close()
        full = browser.new_context(viewport=viewport)
        page = full.new_page()
        page.goto(server["base"] + url)
        load_full_css(page)
        page.wait_for_timeout(200)
        final = page.evaluate(PAINT_SIGNATURE)
        full.close()
        assert len(first) == len(final) > 100
        problems += [
            f"{url}: {a}\n  wordt {b}" for a, b in zip(first, final, strict=True) if a != b
        ]
    assert not problems, "\n".join(problems[:20])


def test_search_works_with_javascript(browser: Any, server: dict[str, Any]) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(server["base"] + "/")
    page.wait_for_function(THEME_STARTED)
    page.locator(".md-search__input").click()
    page.keyboard.type("spiegelbijeenkomst", delay=20)  # the theme listens to key presses
    result = page.locator(".md-search-result__item").first
    result.wait_for(state="visible", timeout=10_000)
    assert "Spiegelbijeenkomst" in page.locator(".md-search-result").inner_text().replace(
        "\u00ad", ""
    )
    assert page.locator(".md-search-result__meta").inner_text().strip()  # "n pagina's gevonden"
    assert page.evaluate(FULL_CSS_LOADED)  # the tap on the search field brought the stylesheets
    context.close()


LAYOUT_SHIFTS = """() => new Promise(done => {
  const seen = [];
  new PerformanceObserver(list => seen.push(...list.getEntries()))
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => done(seen.filter(e => !e.hadRecentInput).map(e => e.value)), 300);
})"""


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["mobile-360", "desktop"])
def test_nothing_moves_while_the_page_loads(
    browser: Any, server: dict[str, Any], viewport: dict[str, int]
) -> None:
    """No layout shift while scripts load after the first paint (Lighthouse's CLS)."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    shifts = {}
    for url in ("/", "/spiegelbijeenkomst/", "/spiegelbijeenkomst/aanmelden/"):
        page.goto(server["base"] + url)
        page.wait_for_function(THEME_STARTED)
        page.wait_for_timeout(300)
        shifts[url] = page.evaluate(LAYOUT_SHIFTS)
    context.close()
    assert all(not s for s in shifts.values()), shifts


def test_pages_work_without_javascript(browser: Any, server: dict[str, Any]) -> None:
    """Without JavaScript the full stylesheets come from <noscript>, and the page looks the same."""
    context = browser.new_context(viewport=MOBILE, java_script_enabled=False)
    page = context.new_page()
    page.goto(server["base"] + "/spiegelbijeenkomst/")
    assert page.evaluate("[...document.styleSheets].filter(s => s.href).length") == 4
    assert page.locator(".md-header").evaluate("e => getComputedStyle(e).position") == "sticky"
    context.close()


@pytest.fixture(scope="module")
def changed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Issue 21: a site where a session and a VVG date were called off, served like serve."""
    from .conftest import copy_project

    p = copy_project(tmp_path_factory.mktemp("changed-site") / "project")
    p.edit(
        "content/sessions.yaml",
        "    department: Oncologie\n",
        "    department: Oncologie\n    status: geannuleerd\n"
        "    reden: De gespreksleider is ziek. Wij plannen een nieuwe datum.\n",
    )
    p.edit(
        "content/vvg.yaml",
        "    department: Chirurgie\n",
        "    department: Chirurgie\n    status: geannuleerd\n    reden: Te weinig aanmeldingen.\n",
    )
    result = p.build()
    assert result.returncode == 0, result.stderr
    db = tmp_path_factory.mktemp("changed-db") / "spiegel.sqlite3"
    proc, base = servers.start(f"sqlite:///{db}", site=p.site)
    yield {"base": base, "site": p.site}
    servers.stop(proc)


CHANGED_PAGES = (
    "/spiegelbijeenkomst/agenda/",
    "/spiegelbijeenkomst/aanmelden/",
    "/vvg/",
    "/vvg/aanmelden/",
)


@pytest.mark.parametrize("width", [320, 390])
def test_called_off_sessions_and_vvg_dates_axe_clean_at_phone_widths(
    browser: Any, changed_site: dict[str, Any], width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    failures, wide = [], []
    for url in CHANGED_PAGES:
        page.goto(changed_site["base"] + url, wait_until="networkidle")
        violations = run_axe(page)
        if violations:
            failures.append(describe(url, violations))
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            wide.append(url)
        problems = page.evaluate(HEADING_CHECK)
        assert not problems, f"{url}: {problems}"
    agenda = context.new_page()
    agenda.goto(changed_site["base"] + "/spiegelbijeenkomst/agenda/")
    text = agenda.inner_text("main").replace("\u00ad", "")
    assert "gaat niet door" in text and "De gespreksleider is ziek." in text
    assert "Welkom vanaf 13:30 uur" in text
    vvg = context.new_page()
    vvg.goto(changed_site["base"] + "/vvg/")
    assert "Te weinig aanmeldingen." in vvg.inner_text("main").replace("\u00ad", "")
    context.close()
    assert not failures, "axe violations:\n" + "\n".join(failures)
    assert not wide, wide
