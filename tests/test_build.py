"""Real MkDocs builds of the real content in tmp_path; assertions on the HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spiegel.audit import audit_site

from .conftest import Project

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
    assert b"DTSTART;TZID=Europe/Amsterdam:20270114T140000" in ics
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    assert not (built_site.site / "spiegelbijeenkomst/agenda/2026-10-orthopedie.ics").exists()


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
            'content/sessions.yaml:25: sessions[2].capacity: expected a whole number from 1 to 20, got "seven"',
        ),
        (
            "content/vvg.yaml",
            "(../verbeteringen/index.md)",
            "(../verbeteringen/bestaat-niet.md)",
            "bestaat-niet.md",
        ),
        (
            "content/vvg.yaml",
            "summary:",
            "sumary:",
            "content/vvg.yaml:3: sumary: unknown key; did you mean 'summary'?",
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
            "contains <iframe>",
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
    assert project.page("vvg") == before  # the old site is still there, whole
    assert not (project.site.parent / "site.partial").exists()


def test_generated_page_cannot_be_shadowed(project: Project) -> None:
    project.write("content/vvg/index.md", "# Eigen pagina\n")
    result = project.build()
    assert result.returncode != 0
    assert "content/vvg/index.md: this page is generated" in result.stderr


def test_staff_markdown_page_is_published(project: Project) -> None:
    project.write("content/over-ons.md", "# Over ons\n\nWij zijn [Spiegel](index.md).\n")
    forgotten = project.build()
    assert forgotten.returncode != 0 and "over-ons.md" in forgotten.stderr  # not in nav: fails
    project.edit(
        "mkdocs.yml",
        "  - Privacy: privacy/index.md",
        "  - Over ons: over-ons.md\n  - Privacy: privacy/index.md",
    )
    result = project.build()
    assert result.returncode == 0, result.stderr
    assert "Wij zijn" in project.page("over-ons")


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
    assert any("broken link missing/" in p for p in problems)


def test_overdue_review_warns_but_publishes(project: Project) -> None:
    result = project.build(today="2027-05-01")
    assert result.returncode == 0, result.stderr
    assert (
        "action 'cardio-wachttijd-info' passed its review date 2027-04-20 without an update"
        in result.stderr
    )
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
        "endpoint: /api",
        "endpoint: /api\nlogo: assets/logo.svg\nlogo_alt: Zorggroep Spiegelland",
    )
    missing = project.build()
    assert (
        missing.returncode != 0
        and "logo: expected a file in content/, 'assets/logo.svg' does not exist" in missing.stderr
    )
    project.write(
        "content/assets/logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>',
    )
    result = project.build()
    assert result.returncode == 0, result.stderr
    assert 'src="assets/logo.svg"' in project.page("")
