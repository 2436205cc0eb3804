"""The groepsevaluatie in the back office (issue 19), against the real OpenID provider, the real
endpoint under uvicorn and a real SMTP relay: invitations by e-mail (no code on any screen),
slips shown once, the undelivered sent again to a corrected address, the reminder, a preview of
the results and the files to commit (recorded in the database's ledger), and the comments for
the debrief: only groups with k answers, shuffled, edited before they can be shown, every look
in the access log. The screens pass axe at desktop and 360 px (browser test at the end)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from spiegel.cli import main
from spiegel.db import open_store
from spiegel.db.evaluations import EvaluationDB
from spiegel.signups import accesslog
from starlette.testclient import TestClient

from . import oidc
from .answers import DEADLINE, answer
from .conftest import Project, copy_project
from .smtp import Relay
from .test_endpoint import app_for
from .test_invitations import CODE, Refusing, text_of
from .test_results import EV, STATEMENTS, rows

NAME = "Dr. Pietersen"  # a name in a comment: must never get past the editing step
SMALL = "Manager Verhoef vindt"  # a comment of a group below k: never shown at all
OWN = ["2", "3", "4", "4", "3", "2"]
CLOSE = (
    "    department: Cardiologie\n    open: true",
    "    department: Cardiologie\n    open: false",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("beheer-ge")
    project = copy_project(root / "project")
    url = f"sqlite:///{root / 'spiegel.sqlite3'}"
    relay = Relay()
    relay.recorder = Refusing()
    relay.start()
    env = {
        "SPIEGEL_CONTENT_DIR": str(project.content),
        "SPIEGEL_SMTP_URL": relay.url,
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
        "SPIEGEL_PUBLIC_URL": "https://spiegel.zorggroep.example",
    }
    try:
        with oidc.provider() as issuer, oidc.endpoint(url, issuer, env=env) as base:
            yield {"base": base, "url": url, "relay": relay, "project": project, "env": env}
    finally:
        relay.stop()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while oidc.OPEN:
        oidc.OPEN.pop().close()


@pytest.fixture
def eva(site: dict[str, Any]) -> httpx.Client:
    return oidc.login(site["base"], "eva")[0]


def send(site: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """`spiegel outbox send` with the server's settings (uvicorn has no sender thread)."""
    for k, v in {**site["env"], "SPIEGEL_ENCRYPTION_KEY": oidc.KEY}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", site["url"])
    assert main(["outbox", "send"], io.StringIO()) == 0


def post(client: httpx.Client, site: dict[str, Any], path: str, **data: str) -> httpx.Response:
    page = client.get(site["base"] + "/beheer/groepsevaluatie")
    return client.post(
        site["base"] + path,
        data={"csrf": oidc.csrf(page.text), **data},
        headers={"origin": site["base"]},
        follow_redirects=False,
    )


def log_lines(site: dict[str, Any]) -> list[str]:
    store = open_store(site["url"])
    lines = list(accesslog.lines(store))
    store.close()
    return lines


def test_only_the_groepsevaluatie_role_opens_it(site: dict[str, Any], eva: httpx.Client) -> None:
    home = eva.get(site["base"] + "/beheer/")
    assert 'href="/beheer/groepsevaluatie"' in home.text
    assert "/beheer/aanmeldingen/" not in home.text and "/beheer/privacy/" not in home.text
    coord = oidc.login(site["base"], "coord")[0]
    r = coord.get(site["base"] + "/beheer/groepsevaluatie")
    assert r.status_code == 403 and "Geen toegang" in r.text
    assert eva.get(site["base"] + "/beheer/aanmeldingen/spiegelbijeenkomst").status_code == 403
    no_csrf = eva.post(
        site["base"] + "/beheer/groepsevaluatie/uitnodigen",
        data={"evaluatie": EV, "groep": "managers", "adressen": "x@example.nl"},
        headers={"origin": site["base"]},
    )
    assert no_csrf.status_code == 403


def test_invitations_by_mail_show_no_code_anywhere(
    site: dict[str, Any], eva: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = post(
        eva,
        site,
        "/beheer/groepsevaluatie/uitnodigen",
        evaluatie=EV,
        groep="managers",
        tot=DEADLINE,
        adressen="anna@example.nl\nanna@\nAnna@example.nl\n",
    )
    assert bad.status_code == 422
    assert "regel 2: &#39;anna@&#39; is geen e-mailadres" in bad.text
    assert "regel 3: Anna@example.nl staat er al (regel 1)" in bad.text
    assert "anna@example.nl\nanna@\nAnna@example.nl" in bad.text  # nothing typed is lost
    ok = post(
        eva,
        site,
        "/beheer/groepsevaluatie/uitnodigen",
        evaluatie=EV,
        groep="managers",
        tot=DEADLINE,
        adressen="anna@example.nl\nbob@example.nl\nonbekend@example.nl\n",
    )
    assert ok.status_code == 303, ok.text
    send(site, monkeypatch)
    mails = site["relay"].wait_for(2)
    codes = [CODE.findall(text_of(m))[0] for m in mails]
    overview = eva.get(site["base"] + "/beheer/groepsevaluatie").text
    assert "<td>2 van 3</td>" in overview and "1: opnieuw versturen" in overview
    for code in codes:
        assert code not in overview and code not in "\n".join(log_lines(site))
    assert any("per e-mail verstuurd\t3 adressen" in line for line in log_lines(site))
    # the one the relay refused: the address (given by the coordinator), never its code
    path = f"/beheer/groepsevaluatie/{EV}/managers/niet-bezorgd"
    page = eva.get(site["base"] + path)
    assert "onbekend@example.nl" in page.text and not CODE.search(page.text)
    mid = re.search(r'name="id" value="([0-9a-f]{32})"', page.text)
    assert mid
    # a corrected address that had a code already: the page itself says so (422); the typed
    # address goes in no URL (no redirect with ?fout=, which access logs and history keep)
    taken = eva.post(
        site["base"] + f"/beheer/groepsevaluatie/{EV}/managers/opnieuw",
        data={"csrf": oidc.csrf(page.text), "id": mid.group(1), "adres": "anna@example.nl"},
        headers={"origin": site["base"]},
        follow_redirects=False,
    )
    assert taken.status_code == 422 and "location" not in taken.headers
    assert "Niet gelukt: anna@example.nl: heeft voor" in taken.text
    assert "onbekend@example.nl" in taken.text  # the list is still there to correct
    again = eva.post(
        site["base"] + f"/beheer/groepsevaluatie/{EV}/managers/opnieuw",
        data={"csrf": oidc.csrf(page.text), "id": mid.group(1), "adres": "dirk@example.nl"},
        headers={"origin": site["base"]},
        follow_redirects=False,
    )
    assert again.status_code == 303
    send(site, monkeypatch)
    [dirk] = [m for m in site["relay"].wait_for(3) if m["To"] == "dirk@example.nl"]
    assert CODE.findall(text_of(dirk))[0] not in codes
    assert "<td>3 van 3</td>" in eva.get(site["base"] + "/beheer/groepsevaluatie").text
    reminded = post(eva, site, "/beheer/groepsevaluatie/herinneren", evaluatie=EV, groep="managers")
    assert reminded.status_code == 303
    send(site, monkeypatch)
    reminders = [m for m in site["relay"].wait_for(7) if m["Subject"].startswith("Herinnering")]
    assert {m["To"] for m in reminders} >= {"anna@example.nl", "bob@example.nl", "dirk@example.nl"}
    twice = post(eva, site, "/beheer/groepsevaluatie/herinneren", evaluatie=EV, groep="managers")
    assert twice.status_code == 422 and "kreeg al een herinnering" in twice.text


def test_slips_are_shown_once(site: dict[str, Any], eva: httpx.Client) -> None:
    r = post(
        eva,
        site,
        "/beheer/groepsevaluatie/strookjes",
        evaluatie=EV,
        groep="verwijzers",
        tot=DEADLINE,
        aantal="4",
    )
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    codes = CODE.findall(r.text)
    assert len(set(codes)) == 4 and "Schud de strookjes" in r.text
    overview = eva.get(site["base"] + "/beheer/groepsevaluatie").text
    assert not set(CODE.findall(overview)) & set(codes)  # shown once, kept nowhere
    assert any("strookjes gemaakt\t4 codes op papier" in line for line in log_lines(site))
    app = app_for(site["url"], content_dir=site["project"].content, encryption_key=oidc.KEY)
    body = {"evaluatie": EV, "respondentgroep": "verwijzers", **{s: "3" for s in STATEMENTS}}
    with TestClient(app) as c:
        assert (
            c.post("/api/forms/groepsevaluatie", json=body | {"code": codes[0]}).status_code == 201
        )
    app.state.store.close()


def test_results_and_debrief_after_closing(
    site: dict[str, Any], eva: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    project: Project = site["project"]
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", site["url"])  # the codes: `spiegel invite`
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", oidc.KEY)
    comments = [
        f"{NAME} luistert niet goed.",
        "Fijne samenwerking.",
        "",
        "Overleg gaat vlot.",
        "",
        "Het rooster is onduidelijk.",
    ]
    own = rows(EV, "eigen-groep", 6, **{s: OWN for s in STATEMENTS})
    for r, text in zip(own, comments, strict=True):
        r["toelichting_samenwerking"] = text
    small = rows(EV, "collega-specialisten", 2, "3")
    small[0]["toelichting_samenwerking"] = f"{SMALL} dat het beter kan."
    answer(site["url"], own + small, project.content, encryption_key=oidc.KEY)
    closed = eva.get(site["base"] + f"/beheer/groepsevaluatie/{EV}/uitkomsten")
    assert "nog open" in closed.text
    project.edit("content/groepsevaluatie.yaml", *CLOSE)
    preview = eva.get(site["base"] + f"/beheer/groepsevaluatie/{EV}/uitkomsten")
    assert preview.status_code == 200
    assert "Collega-specialisten: minder dan 5 reacties" in preview.text
    assert "2 respondenten" not in preview.text  # how many answered below k: not said
    assert "3,00 (n=6)" in preview.text and NAME not in preview.text and SMALL not in preview.text
    files = post(eva, site, f"/beheer/groepsevaluatie/{EV}/uitkomsten/bestanden")
    assert files.status_code == 200 and files.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(files.content)) as z:
        names = set(z.namelist())
        content = "".join(z.read(n).decode("utf-8") for n in names)
    assert names == {
        f"content/results/{n}"
        for n in ("datapackage.json", "stellingen.csv", "themas.csv", "publicaties.json")
    }
    assert NAME not in content and SMALL not in content and "Fijne samenwerking" not in content
    store = open_store(site["url"])
    assert [v["k"] for v, _ in EvaluationDB(store).publications()[EV]] == [5]
    store.close()
    assert not (project.content / "results").exists()  # the server's checkout is untouched
    # the debrief: groups with at least k answers, shuffled, edited before anything is shown
    base = site["base"] + f"/beheer/groepsevaluatie/{EV}/nabespreking"
    listing = eva.get(base).text
    assert "Eigen groep (6 reacties)" in listing and "Collega-specialisten" not in listing
    assert re.search(r"\d groep\(en\) met minder dan k antwoorden", listing)
    printed = eva.get(base + "/afdrukken").text
    assert NAME not in printed and "Nog niet bewerkt" in printed
    orders = set()
    for _ in range(4):
        page = eva.get(base + "/eigen-groep/samenwerking").text
        assert SMALL not in page
        draft = re.search(r'<textarea id="tekst"[^>]*>(.*?)</textarea>', page, re.S)
        assert draft and NAME in draft.group(1)
        orders.add(draft.group(1))
    assert len(orders) > 1  # shuffled on every view: no order that follows arrival
    edited = draft.group(1).replace("&#34;", '"').replace(NAME, "Een specialist")
    saved = eva.post(
        base + "/eigen-groep/samenwerking",
        data={"csrf": oidc.csrf(page), "tekst": edited},
        headers={"origin": site["base"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    printed = eva.get(base + "/afdrukken").text
    assert NAME not in printed and "Een specialist luistert niet goed." in printed
    assert "Fijne samenwerking." in printed
    actions = [line.split("\t") for line in log_lines(site) if "Eva Evaluatie" in line]
    seen = {(a[4].split(" / ")[0], a[5]) for a in actions}
    assert (f"toelichtingen {EV}", "bekeken om te bewerken") in seen
    assert (f"toelichtingen {EV}", "bewerkt") in seen
    assert (f"toelichtingen {EV}", "bewerkte versie bekeken of afgedrukt") in seen
    assert not any(NAME in line for line in log_lines(site))
    # and never in an export file
    export = io.StringIO()
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    assert main(["ballots", "--alles"], io.StringIO()) == 0
    for fmt in ("data", "csv"):
        assert main(["export", "groepsevaluatie", "--format", fmt], export) == 0
    assert NAME not in export.getvalue() and "toelichting" not in export.getvalue()
    assert json.dumps(NAME) not in export.getvalue()


@pytest.mark.browser
def test_the_screens_pass_axe_at_desktop_and_360_px(site: dict[str, Any]) -> None:
    """Runs last (the module's state: invitations, a closed evaluation, an edited theme)."""
    from .browser import DESKTOP, MOBILE, launched_browser
    from .test_beheer_browser import SHOTS, WIDE
    from .test_browser import describe, run_axe

    screens = [
        ("ge-overzicht", "/beheer/groepsevaluatie"),
        ("ge-niet-bezorgd", f"/beheer/groepsevaluatie/{EV}/managers/niet-bezorgd"),
        ("ge-uitkomsten", f"/beheer/groepsevaluatie/{EV}/uitkomsten"),
        ("ge-nabespreking", f"/beheer/groepsevaluatie/{EV}/nabespreking"),
        ("ge-bewerken", f"/beheer/groepsevaluatie/{EV}/nabespreking/eigen-groep/samenwerking"),
        ("ge-afdrukken", f"/beheer/groepsevaluatie/{EV}/nabespreking/afdrukken"),
    ]
    problems: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for browser in launched_browser():
        context = browser.new_context(viewport=DESKTOP, bypass_csp=True)  # axe is a script
        page = context.new_page()
        page.goto(site["base"] + "/beheer/")
        page.fill("input[name=login]", "eva")
        page.fill("input[name=password]", "wat-dan-ook")
        page.click("button[type=submit]")
        page.wait_for_url(site["base"] + "/beheer/")
        for name, path in screens:
            for size, suffix in ((DESKTOP, ""), (MOBILE, "-360")):
                page.set_viewport_size(size)
                page.goto(site["base"] + path)
                problems += describe(path, run_axe(page)).splitlines()
                fits = page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth + 1"
                )
                assert fits, (path, size, page.evaluate(WIDE))
                page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        page.goto(site["base"] + "/beheer/groepsevaluatie")
        page.select_option("#papier-groep", "medewerkers")
        page.fill("#papier-tot", DEADLINE)
        page.fill("#papier-aantal", "10")
        with page.expect_navigation():
            page.click("text=Strookjes maken")
        assert len(CODE.findall(page.text_content("main") or "")) == 10
        for size, suffix in ((DESKTOP, ""), (MOBILE, "-360")):
            page.set_viewport_size(size)
            problems += describe("strookjes", run_axe(page)).splitlines()
            page.screenshot(path=str(SHOTS / f"ge-strookjes{suffix}.png"), full_page=True)
        pdf = page.pdf(format="A4")  # ten slips on one A4, nothing of the screen around them
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
        context.close()
    assert not problems, "\n".join(problems)
