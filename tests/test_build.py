"""Real MkDocs builds of the real content in tmp_path; assertions on the HTML."""

from __future__ import annotations

import os
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
from spiegel.site.audit import audit_site

from .conftest import IN_CI, ROOT, Project

PROGRAMME_PAGES = [
    "",
    "spiegelbijeenkomst",
    "spiegelbijeenkomst/agenda",
    "spiegelbijeenkomst/aanmelden",
    "vvg",
    "vvg/aanmelden",
    "groepsevaluatie",
    "groepsevaluatie/vragenlijst",
    "groepsevaluatie/resultaten",
    "collegiale-ondersteuning",
    "collegiale-ondersteuning/contact",
    "gluren-bij-de-buren",
    "gluren-bij-de-buren/aanmelden",
    "verbeteringen",
    "privacy",
    "toegankelijkheid",
]


@pytest.mark.parametrize("url", PROGRAMME_PAGES)
def test_every_page_is_dutch_and_titled(built_site: Project, url: str) -> None:
    html = built_site.page(url)
    assert '<html lang="nl"' in html
    assert re.search(r"<h1[^>]*>[^<]+", html)
    assert 'href="#inhoud"' in html and 'id="inhoud"' in html  # skip link and its target


def test_nothing_refers_to_another_host(built_site: Project) -> None:
    assert audit_site(built_site.site) == []
    for path in built_site.site.rglob("*"):
        if path.suffix in (".html", ".css"):
            text = path.read_text(encoding="utf-8")
            assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, path


def test_home_routes_each_audience_in_one_click(built_site: Project) -> None:
    html = built_site.page("")
    for target in (
        "spiegelbijeenkomst/",
        "vvg/",
        "groepsevaluatie/",
        "collegiale-ondersteuning/",
        "gluren-bij-de-buren/",
    ):
        assert f'href="{target}"' in html


def test_leaflet_has_the_facts(built_site: Project) -> None:
    html = built_site.page("spiegelbijeenkomst")
    for fact in (
        "5 tot 7",
        "anderhalf uur",
        "halve kring",
        "drankje",
        "vertrouwelijk",
        "geen namen",
        "brief",
        "Schrijf ze van tevoren op",
    ):
        assert fact in html, fact


def test_calendar_drops_past_sessions_and_offers_ics(built_site: Project) -> None:
    html = built_site.page("spiegelbijeenkomst/agenda")
    assert "Orthopedie" not in html  # 2026-10-08 is past on 2026-11-22
    assert "donderdag 14 januari 2027" in html
    ics = (built_site.site / "spiegelbijeenkomst/agenda/2027-01-cardiologie.ics").read_bytes()
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and ics.endswith(b"END:VCALENDAR\r\n")
    assert b"DTSTART;TZID=Europe/Amsterdam:20270114T133000" in ics  # welkom vanaf (issue 21)
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    assert not (built_site.site / "spiegelbijeenkomst/agenda/2026-10-orthopedie.ics").exists()
    assert "Welkom vanaf 13:30 uur. Het gesprek is van 14:00 tot 15:30 uur." in html


def test_every_built_ics_reads_the_same_in_two_parsers(built_site: Project) -> None:
    """Issue 21: a real DTSTAMP (when it was made, UTC), SEQUENCE and URL in every .ics of the
    site (agenda and VVG dates), read alike by icalendar and ical.js."""
    import datetime as dt

    from . import calendars

    files = sorted(built_site.site.glob("**/*.ics"))
    assert {f.stem for f in files} >= {"2027-01-cardiologie", "2027-02-vvg-interne"}
    found = calendars.read([f.read_text(encoding="utf-8") for f in files])
    for f, c in zip(files, found, strict=True):
        assert c.method == "PUBLISH" and c.sequence == 0 and c.status == "CONFIRMED"
        assert c.uid == f"{f.stem}@spiegel.zorggroep-voorbeeld.example"
        assert c.url.startswith("https://spiegel.zorggroep-voorbeeld.example/") and f.stem in c.url
        assert c.stamp <= dt.datetime.now(dt.UTC) and c.stamp.year >= 2026  # not the event's day
        assert c.start < c.end


def test_form_page_lists_only_open_sessions(built_site: Project) -> None:
    html = built_site.page("spiegelbijeenkomst/aanmelden")
    assert 'action="/api/forms/spiegelbijeenkomst"' in html
    assert 'value="2027-01-cardiologie"' in html
    assert 'value="2026-10-orthopedie"' not in html
    assert "6 maanden" in html  # retention told on the page


def test_privacy_statement_is_fed_by_the_forms(built_site: Project) -> None:
    html = built_site.page("privacy")
    for form_id in (
        "spiegelbijeenkomst",
        "vvg",
        "groepsevaluatie",
        "collegiale-ondersteuning",
        "gluren-bij-de-buren",
    ):
        assert f'id="{form_id}"' in html
    assert "30 dagen na het versturen" in html  # peer-support retention, the shortest
    assert "geen cookies" in html


def test_privacy_statement_names_what_the_endpoint_keeps_besides_the_forms(
    built_site: Project,
) -> None:
    """The keyed hashes (one seat per person, the daily cap) and the e-mails are in the statement;
    test_signup_cap.test_purge_drops_counts_after_two_days keeps the two days it promises."""
    html = " ".join(built_site.page("privacy").split())
    assert "Twee keer aanmelden" in html and "Misbruik tegengaan" in html
    assert "Na twee dagen verwijderen wij die" in html
    assert "geen internetadressen" in html


def test_groepsevaluatie_time_table(built_site: Project) -> None:
    html = built_site.page("groepsevaluatie")
    assert "45 minuten" in html and "105 minuten" in html
    assert 'role="region"' in html and 'tabindex="0"' in html


def test_print_stylesheet_is_linked(built_site: Project) -> None:
    html = built_site.page("spiegelbijeenkomst")
    css = (built_site.site / "assets/stylesheets/spiegel.css").read_text()
    assert "assets/stylesheets/spiegel.css" in html
    assert "@page { size: A4" in css and "@media print" in css


def test_content_sources_are_not_published(built_site: Project) -> None:
    assert not list(built_site.site.rglob("*.yaml"))


def test_no_cookie_banner_or_consent(built_site: Project) -> None:
    assert "md-consent" not in built_site.page("")


# ------------------------------------------------------------------ fail closed


def test_plain_text_fields_are_escaped(project: Project) -> None:
    project.edit("content/vvg.yaml", "  - role: Coassistenten", "  - role: <b>Coassistenten</b>")
    assert project.build().returncode == 0
    assert "&lt;b&gt;Coassistenten&lt;/b&gt;" in project.page("vvg")


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        (
            "content/sessions.yaml",
            "    capacity: 6",
            '    capacity: "seven"',
            'content/sessions.yaml:26: de derde bijeenkomst, capacity: hier hoort een heel getal van 1 tot en met 20, in cijfers, maar er staat "seven".',
        ),
        (
            "content/vvg.yaml",
            "(../verbeteringen/index.md)",
            "(../verbeteringen/bestaat-niet.md)",
            "content/vvg.yaml:65: de link ../verbeteringen/bestaat-niet.md werkt niet",
        ),
        (
            "content/vvg.yaml",
            "summary:",
            "sumary:",
            "content/vvg.yaml:4: sumary: 'sumary' is hier onbekend. Bedoelt u 'summary'?",
        ),
        (
            "forms/vvg.yaml",
            "    max_length: 100\n",
            '    max_length: "honderd"\n',
            "forms/vvg.yaml:",
        ),
        (
            "content/vvg.yaml",
            "  Coassistenten kijken met",
            '  <script src="https://evil.example/x.js"></script>\n\n  Coassistenten kijken met',
            "evil.example",
        ),
        (
            "content/vvg.yaml",
            "  Coassistenten kijken met",
            '  <iframe src="/"></iframe>\n\n  Coassistenten kijken met',
            "content/vvg.yaml:6: bevat <iframe>.",
        ),
    ],
    ids=["bad-type", "dead-link", "unknown-key", "bad-form", "external-script", "iframe"],
)
def test_broken_content_fails_and_keeps_the_old_site(
    project: Project, rel: str, old: str, new: str, expected: str
) -> None:
    first = project.build()
    assert first.returncode == 0, first.stderr
    before = project.page("vvg")
    project.edit(rel, old, new)
    second = project.build()
    assert second.returncode != 0
    assert expected in second.stderr
    assert "Traceback" not in second.stderr and "Doc file" not in second.stderr
    assert project.page("vvg") == before  # the old site is still there, whole
    assert not (project.site.parent / "site.partial").exists()


def test_generated_page_cannot_be_shadowed(project: Project) -> None:
    project.write("content/vvg/index.md", "# Eigen pagina\n")
    result = project.build()
    assert result.returncode != 0
    assert "content/vvg/index.md:1: de pagina /vvg/ wordt al gemaakt uit de YAML-bestanden" in (
        result.stderr
    )


def test_staff_markdown_page_is_published(project: Project) -> None:
    """A Markdown page staff add is published and in the menu, under its own heading."""
    project.write("content/over-ons.md", "# Over ons\n\nWij zijn [Spiegel](index.md).\n")
    result = project.build()
    assert result.returncode == 0, result.stderr
    assert "Wij zijn" in project.page("over-ons")
    menu = _menu(project.page("privacy"))
    assert menu.index("Over ons") < menu.index("Privacyverklaring")


def _menu(html: str) -> list[str]:
    """The labels of the site's menu (Material's primary navigation), without soft hyphens."""
    nav = html[html.index('class="md-nav md-nav--primary"') :]
    nav = nav.split("md-nav--secondary", 1)[0]  # up to the page's own table of contents
    labels = re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', nav, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", label)).strip() for label in labels]


def test_the_menu_follows_the_titles(built_site: Project) -> None:
    """No nav: in mkdocs.yml; the menu's order and addresses stay as they were."""
    assert "nav:" not in (built_site.root / "mkdocs.yml").read_text(encoding="utf-8")
    menu = _menu(built_site.page("vvg"))
    expected = [
        "Start",
        "Spiegelbijeenkomsten",
        "Agenda spiegelbijeenkomsten",
        "Aanmelden voor een spiegelbijeenkomst",
        "Verwonder- en verbetergesprekken",
        "Aanmelden voor een verwonder- en verbetergesprek",
        "Groepsevaluatie medisch specialisten",
        "Vragenlijst groepsevaluatie",
    ]
    start = menu.index("Start")
    assert menu[start : start + len(expected)] == expected, menu
    tail = ["Wat we met uw feedback doen", "Privacyverklaring", "Toegankelijkheid"]
    assert all(t in menu for t in tail) and menu.index(tail[0]) < menu.index(tail[1])


def test_one_title_renames_menu_home_and_page(project: Project) -> None:
    project.edit(
        "content/vvg.yaml",
        "title: Verwonder- en verbetergesprekken",
        "title: Leren van elkaar in het coschap",
    )
    result = project.build()
    assert result.returncode == 0, result.stderr
    page, home = project.page("vvg"), project.page("")
    assert "Leren van elkaar in het coschap" in _menu(page)
    assert "Verwonder- en verbetergesprekken" not in _menu(page)
    assert "<h1" in page and "Leren van elkaar in het coschap</h1>" in page
    assert 'href="vvg/">Leren van elkaar in het coschap</a>' in home
    assert "Verwonder- en verbetergesprekken" not in home
    assert "Leren van elkaar in het coschap" in project.page("verbeteringen")
    assert project.page("vvg/aanmelden")  # the addresses stay


def test_build_date_moves_the_calendar(project: Project) -> None:
    result = project.build(today="2027-02-01")
    assert result.returncode == 0, result.stderr
    html = project.page("spiegelbijeenkomst/agenda")
    assert "Cardiologie" not in html and "Oncologie" in html


def test_audit_finds_external_resources(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<img src="https://tracker.example/p.gif"><a href="missing/">x</a>'
    )
    problems = audit_site(tmp_path)
    assert any("tracker.example" in p for p in problems)
    assert any("de link missing/ werkt niet" in p for p in problems)


def test_overdue_review_warns_but_publishes(project: Project) -> None:
    result = project.build(today="2027-05-01")
    assert result.returncode == 0, result.stderr
    rows = (project.content / "actions.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(rows, 1) if "id: cardio-wachttijd-info" in row)
    assert (
        f"content/actions.yaml:{line}: de eerste actie (cardio-wachttijd-info): deze actie had op "
        "dinsdag 20 april 2027 bekeken moeten worden" in result.stderr
    )
    assert "updated: 2027-05-01 (de datum van vandaag)" in result.stderr  # what to do
    assert "vvg-overdracht" not in result.stderr  # klaar: nothing to check


def test_actions_appear_on_their_programme_page(built_site: Project) -> None:
    assert "Coassistenten mogen bij de ochtendoverdracht" in built_site.page("vvg")
    assert "kaart met wat ze na de operatie" in built_site.page("spiegelbijeenkomst")
    overview = built_site.page("verbeteringen")
    assert (
        overview.index('id="spiegelbijeenkomst"')
        < overview.index('id="vvg"')
        < overview.index('id="groepsevaluatie"')
    )


def test_logo_is_checked_and_used(project: Project) -> None:
    project.edit(
        "content/site.yaml",
        "logo: assets/logo.svg  # VOORBEELD",
        "logo: assets/eigen-logo.svg\nlogo_alt: Zorggroep Spiegelland",
    )
    missing = project.build()
    assert (
        missing.returncode != 0
        and "logo: het bestand content/assets/eigen-logo.svg bestaat niet" in missing.stderr
    )
    project.write(
        "content/assets/eigen-logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><circle cx="5" cy="5" r="4"/></svg>',
    )
    result = project.build()
    assert result.returncode == 0, result.stderr
    home = project.page("")
    logo = '<img src="assets/eigen-logo.svg" alt="Zorggroep Spiegelland" width="120" height="40">'
    assert home.count(logo) == 3  # header, drawer and above the home page's heading
    assert "spiegel-home-logo" in home


def test_without_logo_the_name_stands_alone(project: Project) -> None:
    project.edit("content/site.yaml", "logo: assets/logo.svg  # VOORBEELD\n", "")
    result = project.build()
    assert result.returncode == 0, result.stderr
    home = project.page("")
    assert "<img" not in home and "spiegel-home-logo" not in home
    assert 'aria-label="Naar de startpagina van Spiegel"' in home  # the icon link keeps a name
    assert (
        '<span class="spiegel-site-name">Spiegel</span><span class="spiegel-org-name">'
        '<span class="spiegel-org-sep"> · </span>Zorggroep Voorbeeld</span>' in home
    )


@pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "mkdocs").exists(),
    reason="needs the project's own .venv, which ./scripts/serve and ./scripts/test create",
)
def test_documented_build_command_is_quiet(project: Project) -> None:
    """README's `.venv/bin/mkdocs build`, without the scripts' environment: no theme banner."""
    env = {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}
    env["SPIEGEL_TODAY"] = "2026-11-22"
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mkdocs"), "build"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert "end of life" not in out and "NO_MKDOCS_2_WARNING" not in out, out


VNU = ROOT / "tests" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_page_is_valid_html(built_site: Project) -> None:
    """The Nu Html Checker (vnu-jar from npm, pinned in tests/package.json; ./scripts/test runs `npm ci` there)."""
    import shutil

    java = shutil.which("java")
    if not (java and VNU.is_file()):
        if IN_CI:
            pytest.fail(f"the Nu Html Checker needs java and {VNU}; CI must check HTML")
        pytest.skip("java or vnu.jar missing (outside CI)")
    pages = sorted(str(p) for p in built_site.site.rglob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "gnu", *pages],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr[:4000]


def test_theme_templates_come_from_the_cache_until_their_source_changes(project: Project) -> None:
    """The theme's compiled templates are kept in .cache/spiegel/theme/ (a sixth of a build):
    a build with the cache gives the same site, an edited override is used at once, and a
    damaged cache file is compiled again, never trusted."""
    assert project.build().returncode == 0
    cached = sorted((project.root / ".cache" / "spiegel" / "theme").iterdir())
    assert cached, "no compiled theme templates kept"
    first = project.raw_page("vvg")
    assert project.build().returncode == 0
    assert project.raw_page("vvg") == first
    project.edit("overrides/main.html", ">Naar de inhoud<", ">Direct naar de inhoud<")
    assert project.build().returncode == 0
    assert ">Direct naar de inhoud<" in project.page("vvg")
    for path in cached:
        path.write_bytes(b"kapot")
    result = project.build()
    assert result.returncode == 0, result.stderr
    assert ">Direct naar de inhoud<" in project.page("vvg")


def test_compiled_templates_are_one_file_checked_entry_by_entry(tmp_path: Path) -> None:
    """Jinja2's compiled templates are kept in one file per environment (one write in a build
    with an empty cache instead of one temporary file per template): read back, an entry is used
    only while its template's source is the same, and a damaged file is compiled again."""
    import jinja2
    from spiegel.site.cache import bundle_cache

    sources = {"a.html": "Hallo {{ naam }}", "b.html": "{% include 'a.html' %}!"}

    def render(name: str) -> tuple[str, int]:
        compiled = []
        env = jinja2.Environment(
            loader=jinja2.DictLoader(sources), bytecode_cache=bundle_cache(tmp_path, "t")
        )
        real = env.compile
        env.compile = lambda *a, **k: compiled.append(a) or real(*a, **k)  # type: ignore[method-assign]
        out = env.get_template(name).render(naam="Anna")
        assert env.bytecode_cache is not None
        env.bytecode_cache.save()  # type: ignore[attr-defined]
        return out, len(compiled)

    assert render("b.html") == ("Hallo Anna!", 2)
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["compiled.marshal"]
    assert render("b.html") == ("Hallo Anna!", 0)  # both from the file
    sources["a.html"] = "Dag {{ naam }}"
    assert render("b.html") == ("Dag Anna!", 1)  # only the edited one again
    assert render("b.html") == ("Dag Anna!", 0)
    (tmp_path / "t" / "compiled.marshal").write_bytes(b"kapot")
    assert render("b.html") == ("Dag Anna!", 2)
