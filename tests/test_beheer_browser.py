"""The back office in Debian Chromium: the whole login through the real provider's own login
form, every screen with 0 axe violations at desktop and 360 px (a screenshot of each into
build/beheer-screenshots/), and "mark attendance and send the letter" with the keyboard only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from spiegel.db.base import LETTER, PENDING
from spiegel.db.beheer import BeheerDB

from . import oidc
from .browser import DESKTOP, MOBILE, launched_browser
from .conftest import ROOT
from .test_beheer import COMING, PAST, sign_up, store_of
from .test_browser import describe, run_axe
from .test_endpoint import services_for

pytestmark = pytest.mark.browser
SHOTS = ROOT / "build" / "beheer-screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("beheer-browser") / "spiegel.sqlite3"
    url = f"sqlite:///{db}"
    with oidc.provider() as issuer, oidc.endpoint(url, issuer) as base:
        s = {"base": base, "issuer": issuer, "url": url}
        for i, name in enumerate(
            [
                "Anna de Vries",
                "Bert Bakker",
                "Chris Jansen",
                "Dewi Pinas",
                "Eef Smit",
                "Fenna Mol",
                "Gijs Kok",
            ]
        ):
            sign_up(
                s,
                "spiegelbijeenkomst",
                sessie=COMING,
                rol="ouder",
                naam=name,
                email=f"p{i}@example.nl",
                toegankelijkheid="Een rolstoelplek" if i == 1 else "",
                doorschuiven="ja" if i == 6 else "",
            )
        sign_up(
            s,
            "spiegelbijeenkomst",
            sessie=COMING,
            naam="Hans de Vries",
            rol="partner",
            email="hans@example.nl",
        )
        s["mailed"] = sign_up(
            s, "spiegelbijeenkomst", sessie=PAST, naam="Ilse Mail", email="ilse@example.nl"
        )
        s["away"] = sign_up(
            s, "spiegelbijeenkomst", sessie=PAST, naam="Joost Weg", email="joost@example.nl"
        )
        s["paper"] = sign_up(
            s,
            "spiegelbijeenkomst",
            sessie=PAST,
            naam="Karin Papier",
            email="",
            telefoon="0612345678",
        )
        sign_up(s, "vvg", naam="Sam Coassistent")  # a VVG date has seats (issue 22)
        sign_up(s, "gluren-bij-de-buren", naam="Gerda Gluren")
        sign_up(s, "collegiale-ondersteuning", naam="Kim Collega")
        sign_up(
            s,
            "spiegelbijeenkomst",
            sessie=COMING,
            rol="ouder",
            naam="Lies Telefoon",
            email="",
            telefoon="0711234567",
        )
        _send_once(s, tmp_path_factory.mktemp("beheer-mail"))  # the call list: Lies and Karin
        yield s


def _send_once(site: dict[str, Any], folder: Any) -> None:
    from spiegel.mailsettings import MailSettings
    from spiegel.outbox.worker import make_sender

    store = store_of(site)
    mail = MailSettings(outbox_dir=folder, public_url=site["base"])
    sender = make_sender(services_for(site["url"], store, mail, False, encryption_key=oidc.KEY))
    while sender.run_once():
        pass
    sender.transport.close()
    store.close()


def login(browser: Any, site: dict[str, Any], user: str, bypass_csp: bool = False) -> Any:
    context = browser.new_context(viewport=DESKTOP, bypass_csp=bypass_csp)
    page = context.new_page()
    page.goto(site["base"] + "/beheer/")
    assert page.url.startswith(site["issuer"])  # the provider's own login page
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", "wat-dan-ook")
    page.click("button[type=submit]")
    page.wait_for_url(site["base"] + "/beheer/")
    return page


def tab_to(page: Any, js_test: str, limit: int = 150) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {js_test}; }})()"):
            return
    raise AssertionError(f"never reached by Tab: {js_test}")


def test_mark_attendance_and_send_the_letter_with_the_keyboard_only(
    browser: Any, site: dict[str, Any]
) -> None:
    page = login(browser, site, "coord")
    csp_errors: list[str] = []
    page.on(
        "console", lambda m: csp_errors.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(site["base"] + f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}")
    for sid, key in ((site["mailed"], None), (site["away"], "ArrowRight"), (site["paper"], None)):
        tab_to(page, f"e.name === 'aanwezig_{sid}'")
        if key:
            page.keyboard.press(key)  # "niet gekomen"
        else:
            page.keyboard.press("Space")  # "aanwezig"
    tab_to(page, "e.textContent.trim() === 'Aanwezigheid opslaan'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "aanwezigheid van 3 personen opgeslagen" in page.text_content("main")
    tab_to(page, "e.textContent.trim() === 'De brief na de bijeenkomst'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/brief")
    tab_to(page, "e.tagName === 'TEXTAREA'")
    page.keyboard.type("Dorpsstraat 1\n2311 AB Leiden")
    tab_to(page, "e.textContent.trim() === 'Adres opslaan'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "e.textContent.trim() === 'Brief versturen'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Dorpsstraat 1" in page.text_content("main")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "brieven-afdrukken.png"), full_page=True)
    pdf = page.pdf(format="A4")  # printed: the letter alone, on one A4 (no header, no buttons)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert csp_errors == []
    store = store_of(site)
    letters = {o.submission_id for o in store.outbox((PENDING,)) if o.kind == LETTER}
    assert letters == {site["mailed"]}
    assert BeheerDB(store).addresses([site["paper"]]) == {}
    store.close()
    page.context.close()


WIDE = """[...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1
    && !e.closest('.scroll, .visually-hidden, .skip, .spiegel-hp'); })
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


# (user, screen name, path)
SCREENS = [
    ("coord", "overzicht", "/beheer/"),
    ("coord", "bijeenkomsten", "/beheer/aanmeldingen/spiegelbijeenkomst"),
    ("coord", "bijeenkomst-lijst", f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}"),
    ("coord", "aanmelding-toevoegen", f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/nieuw"),
    ("coord", "aanwezigheid", f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}"),
    ("coord", "brief", f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}/brief"),
    ("coord", "verzoeken-gluren", "/beheer/verzoeken/gluren-bij-de-buren"),
    ("coord", "vvg-gesprekken", "/beheer/aanmeldingen/vvg"),
    ("coord", "geen-toegang-collegiaal", "/beheer/verzoeken/collegiale-ondersteuning"),
    ("peer", "verzoeken-collegiale-ondersteuning", "/beheer/verzoeken/collegiale-ondersteuning"),
    ("fg", "logboek", "/beheer/privacy/logboek"),
    ("fg", "avg-zoeken", "/beheer/privacy/avg"),
    ("nobody", "geen-rol", "/beheer/"),
]


@pytest.mark.parametrize("user", ["coord", "peer", "fg", "nobody"])
def test_every_screen_passes_axe_at_desktop_and_360_px(
    browser: Any, site: dict[str, Any], user: str
) -> None:
    page = login(browser, site, user, bypass_csp=True)  # axe is injected as a script
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for who, name, path in SCREENS:
        if who != user:
            continue
        for size, suffix in ((DESKTOP, ""), (MOBILE, "-360")):
            page.set_viewport_size(size)
            page.goto(site["base"] + path)
            problems += describe(path, run_axe(page)).splitlines()
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            assert fits, (path, size, page.evaluate(WIDE))
            page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)
    if user == "fg":  # the results of a search, then the readable page
        page.set_viewport_size(DESKTOP)
        page.goto(site["base"] + "/beheer/privacy/avg")
        page.fill("#zoek", "p1@example.nl")
        with page.expect_navigation():
            page.click("text=Zoeken")
        assert "Bert Bakker" in page.text_content("main")
        for size, suffix in ((DESKTOP, ""), (MOBILE, "-360")):
            page.set_viewport_size(size)
            problems += describe("avg-resultaat", run_axe(page)).splitlines()
            page.screenshot(path=str(SHOTS / f"avg-resultaat{suffix}.png"), full_page=True)
    if user == "coord":  # logging out
        page.set_viewport_size(DESKTOP)
        page.goto(site["base"] + "/beheer/")
        with page.expect_navigation():
            page.click("text=Uitloggen")
        assert "U bent uitgelogd" in page.text_content("main")
        problems += describe("uitgelogd", run_axe(page)).splitlines()
        page.screenshot(path=str(SHOTS / "uitgelogd.png"), full_page=True)
    assert not problems, "\n".join(problems)
    page.context.close()


def test_the_access_log_of_the_morning(site: dict[str, Any]) -> None:
    """Runs after the screens above: what the log holds for the coordinator's morning (also
    written next to the screenshots for the report)."""
    from spiegel.signups import accesslog

    store = store_of(site)
    lines = [line for line in accesslog.lines(store) if "\tcoord\t" in line]
    store.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "logboek-coordinator.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    actions = {line.split("\t")[5] for line in lines}
    assert {"bekeken", "aanwezigheid vastgelegd", "postadres ingevuld", "verstuurd"} <= actions
    assert all("Carla de Coördinator" in line for line in lines)
