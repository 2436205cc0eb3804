"""The organisation as configuration: example values, the production refusal, and what pages show."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from spiegel.content.examples import find_examples
from spiegel.site.generate import bewaartermijn, tel, tel_href
from spiegel.site.polish import SHY, hyphenate_html, valid_theme_markup

from .conftest import TODAY, Project


def build(p: Project, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=p.root,
        env=dict(os.environ, SPIEGEL_TODAY=TODAY, NO_MKDOCS_2_WARNING="1", **env),
        capture_output=True,
        text=True,
        check=False,
    )


def make_real(p: Project, logo: bool = True) -> None:
    """What a new organisation does: fill in its details, drop every # VOORBEELD marker and
    put its own logo in place of the example (``logo=False``: forget to)."""
    for folder in (p.content, p.root / "forms"):
        for path in folder.glob("*.yaml"):
            text = re.sub(r"[ \t]*#\s*VOORBEELD\b[^\n]*", "", path.read_text(encoding="utf-8"))
            path.write_text(text, encoding="utf-8")
    if logo:
        p.write(
            "content/assets/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"/>'
        )


EXAMPLE_CASES = [
    pytest.param("a: 1  # VOORBEELD\nb: 2\n", [(1, ("a",))], id="value"),
    pytest.param('a: "x # VOORBEELD"\n', [], id="inside-a-quoted-value"),
    pytest.param("a:  # VOORBEELD\n  b: 1\n  c: 2\n", [(1, ("a",))], id="block-opener"),
    pytest.param("l:\n  - id: x  # VOORBEELD\n    n: 1\n", [(2, ("l", 0))], id="list-item"),
    pytest.param("t: |  # VOORBEELD\n  tekst\n", [(1, ("t",))], id="block-scalar"),
    pytest.param("t: |\n  tekst # VOORBEELD\n", [], id="inside-a-block-scalar"),
    pytest.param("# VOORBEELD: uitleg\na: 1\n", [(1, ())], id="first-line-whole-file"),
    pytest.param("a: 1\n# VOORBEELD: uitleg\n", [], id="comment-line-explains-only"),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLE_CASES)
def test_example_markers(text: str, expected: list[tuple[int, tuple[str, ...]]]) -> None:
    assert [(e.line, e.path) for e in find_examples(text, "x.yaml")] == expected


def test_production_build_refuses_example_values_naming_each(project: Project) -> None:
    def first_item(name: str) -> int:
        rows = (project.content / name).read_text(encoding="utf-8").splitlines()
        return next(i for i, row in enumerate(rows, 1) if row.startswith("  - id: "))

    result = build(project, SPIEGEL_ENV="production")
    assert result.returncode != 0
    text = result.stderr
    assert "De site is niet gepubliceerd" in text
    site = (project.content / "site.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, row in enumerate(site, 1) if row.startswith("  name: "))
    for where in (
        f"content/site.yaml:{line}: organisation > name",
        f"content/sessions.yaml:{first_item('sessions.yaml')}: de eerste bijeenkomst",
        f"content/actions.yaml:{first_item('actions.yaml')}: de eerste actie",
        "content/collegiale-ondersteuning.yaml:",
        "content/groepsevaluatie.yaml:",
    ):
        assert where in text, where
    assert not re.search(r"\w\[\d+\]", text)  # no "sessions[0]": every item named in words
    assert not project.site.exists()  # nothing was published


def test_example_logo_is_refused_until_replaced(project: Project) -> None:
    make_real(project, logo=False)  # every marker gone from the YAML, the example logo kept
    result = build(project, SPIEGEL_ENV="production")
    assert result.returncode != 0
    assert "content/assets/logo.svg:2: het voorbeeldlogo: vervang dit bestand" in result.stderr
    assert "1 voorbeeldwaarde in" in result.stderr


def test_logo_shown_with_the_organisation_name(built_site: Project) -> None:
    home = built_site.page("")
    header = re.search(r'<a [^>]*class="md-header__button md-logo[^"]*"[^>]*>\s*<img[^>]*>', home)
    assert header and 'alt="Zorggroep Voorbeeld"' in header.group(0)
    assert "aria-label" not in header.group(0)  # the link is named by the logo's alt text
    assert 'width="48" height="48"' in header.group(0)  # room kept while it loads
    assert (
        '<p class="spiegel-home-logo"><img src="assets/logo.svg" alt="Zorggroep Voorbeeld"' in home
    )
    leaflet = built_site.page("spiegelbijeenkomst")
    assert '<img src="../assets/logo.svg" alt="Zorggroep Voorbeeld"' in leaflet
    assert "spiegel-home-logo" not in leaflet


def test_production_build_passes_with_real_values(project: Project) -> None:
    make_real(project)
    result = build(project, SPIEGEL_ENV="production")
    assert result.returncode == 0, result.stderr
    assert "Voorbeeld." not in project.page("")


@pytest.mark.parametrize(
    "url",
    ["", "spiegelbijeenkomst", "spiegelbijeenkomst/aanmelden", "privacy", "verbeteringen"],
)
def test_pages_built_from_examples_say_so(built_site: Project, url: str) -> None:
    html = built_site.page(url)
    assert '<p class="spiegel-example"><strong>Voorbeeld.</strong>' in html


def test_example_sessions_and_actions_are_labelled(built_site: Project) -> None:
    assert "deze bijeenkomst is verzonnen" in built_site.page("spiegelbijeenkomst/agenda")
    assert 'class="spiegel-example-tag">Voorbeeld.' in built_site.page("verbeteringen")


class _Links(HTMLParser):
    """Phone numbers and e-mail addresses in visible text, and whether each sits in a link."""

    PHONE = re.compile(r"(?<![\d-])(?:0\d[\d ]{8,12}\d|113|112|0800 0113)(?![\d.-])")
    MAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None
        self.skip = 0
        self.bare: list[str] = []
        self.linked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.href = dict(attrs).get("href") or ""
        if tag in ("script", "style", "title", "textarea"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.href = None
        if tag in ("script", "style", "title", "textarea"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = data.replace(SHY, "")
        for m in [*self.PHONE.finditer(data), *self.MAIL.finditer(data)]:
            ok = self.href is not None and self.href.startswith(("tel:", "mailto:"))
            (self.linked if ok else self.bare).append(m.group(0))


ALL_PAGES = [
    "",
    "spiegelbijeenkomst",
    "spiegelbijeenkomst/agenda",
    "spiegelbijeenkomst/aanmelden",
    "spiegelbijeenkomst/aanmelden/bedankt",
    "vvg",
    "vvg/aanmelden",
    "groepsevaluatie",
    "groepsevaluatie/vragenlijst",
    "collegiale-ondersteuning",
    "collegiale-ondersteuning/contact",
    "collegiale-ondersteuning/contact/bedankt",
    "gluren-bij-de-buren",
    "gluren-bij-de-buren/aanmelden",
    "verbeteringen",
    "privacy",
    "toegankelijkheid",
]


@pytest.mark.parametrize("url", ALL_PAGES)
def test_every_number_and_address_can_be_tapped(built_site: Project, url: str) -> None:
    html = built_site.page(url)
    main = html[html.index('id="inhoud"') :]
    main = re.sub(r'<p class="spiegel-print-only">.*?</p>', "", main, flags=re.S)
    main = re.sub(r'<div class="spiegel-print-only">.*?</div>', "", main, flags=re.S)
    parser = _Links()
    parser.feed(main)
    assert parser.bare == [], parser.bare


def test_programme_pages_answer_questions_and_complaints(built_site: Project) -> None:
    for url in ("spiegelbijeenkomst", "vvg", "groepsevaluatie", "collegiale-ondersteuning"):
        html = built_site.page(url)
        assert ">Vragen?</h2>" in html and 'href="tel:+31123456789"' in html, url
        assert 'href="mailto:spiegel@zorggroep-voorbeeld.example"' in html, url
    leaflet = built_site.page("spiegelbijeenkomst")
    for heading in ("Praktische informatie", "Afmelden", "Klachten"):
        assert f">{heading}</h2>" in leaflet, heading
    assert "Dit is geen klachtenprocedure" in leaflet
    assert "geen invloed op uw zorg" in leaflet
    assert "ongeveer 5 tot 7 andere (oud-)patiënten" in leaflet  # the source: "andere"
    assert "https://spiegel.zorggroep-voorbeeld.example/spiegelbijeenkomst/" in leaflet
    assert "data-spiegel-printdate" in leaflet
    peer = built_site.page("collegiale-ondersteuning")
    assert 'href="tel:113"' in peer and "huisarts" in peer and "bedrijfsarts" in peer
    assert "24 uur per dag" not in peer  # the example says: not 24/7
    assert "nee zeggen" in built_site.page("gluren-bij-de-buren")
    assert ">Wat levert het op?</h2>" in built_site.page("vvg")


def test_one_retention_wording_on_form_and_privacy(built_site: Project) -> None:
    wording = bewaartermijn(180)
    assert wording in built_site.page("spiegelbijeenkomst/aanmelden")
    assert wording in built_site.page("privacy")
    assert "180 dagen na het versturen" not in built_site.page("privacy").replace(wording, "")


def test_no_theme_english_and_one_skip_link(built_site: Project) -> None:
    html = built_site.page("spiegelbijeenkomst")
    for english in ('aria-label="Header"', "Zoeken initialiseren", "overeenkomende", '"Footer"'):
        assert english not in html, english
    assert html.count("Naar de inhoud") == 1
    assert 'class="md-skip"' not in html
    assert "<title>Spiegel: Samen leren van uw ervaring - Zorggroep Voorbeeld</title>" in (
        built_site.page("")
    )
    assert "Zorggroep Voorbeeld" in built_site.page("").split('id="inhoud"')[0]  # in the header


def test_privacy_follows_the_deployment(project: Project) -> None:
    project.edit("content/site.yaml", "hosting: eigen-server", "hosting: serverless")
    result = build(project)
    assert result.returncode != 0
    assert "content/site.yaml" in result.stderr and "hosting_provider" in result.stderr
    project.edit(
        "content/site.yaml",
        "hosting: serverless",
        "hosting: serverless\nhosting_provider: Amazon Web Services (regio Frankfurt)",
    )
    result = build(project)
    assert result.returncode == 0, result.stderr
    html = project.page("privacy")
    assert "Amazon Web Services (regio Frankfurt)" in html
    assert "die wij zelf beheren" not in html


def test_session_capacity_must_match_the_leaflet(project: Project) -> None:
    project.edit("content/sessions.yaml", "    capacity: 6", "    capacity: 12")
    result = build(project)
    assert result.returncode != 0
    assert "content/sessions.yaml:" in result.stderr and "capacity" in result.stderr
    assert "Maar het is 12" in result.stderr and "6 tot en met 8" in result.stderr


@pytest.mark.parametrize(
    ("number", "href"),
    [
        ("012 345 67 89", "tel:+31123456789"),
        ("113", "tel:113"),
        ("0800 0113", "tel:08000113"),
        ("+31 71 123 45 67", "tel:+31711234567"),
    ],
)
def test_tel_links(number: str, href: str) -> None:
    """Issue 17: the site and the endpoint's own pages (cancel, errors) link a number alike;
    the endpoint's copy dropped the + (``tel:31711234567``)."""
    from spiegel.web.pages import page

    assert tel_href(number) == href
    assert f'href="{href}"' in str(tel(number))
    org = {"name": "Org", "email": "a@b.nl", "phone": number, "phone_hours": "9-17 uur"}
    assert f'<a href="{href}">{number}</a>' in page("T", "", "Spiegel", "/", org)


def test_hyphenation_leaves_markup_alone() -> None:
    html = (
        '<html><head><title>Spiegelbijeenkomsten</title></head><body class="x">'
        '<h1 id="spiegelbijeenkomsten">Spiegelbijeenkomsten</h1>'
        "<script>var spiegelbijeenkomsten = 1;</script>"
        "<p>mail spiegelbijeenkomsten@voorbeeld.example</p></body></html>"
    )
    out = hyphenate_html(html)
    assert f'<h1 id="spiegelbijeenkomsten">Spie{SHY}gel{SHY}bij' in out
    assert "<title>Spiegelbijeenkomsten</title>" in out
    assert "var spiegelbijeenkomsten = 1;" in out
    assert "spiegelbijeenkomsten@voorbeeld.example" in out


def test_theme_markup_made_valid() -> None:
    html = (
        '<div data-md-component="skip"><a class="md-skip" href="#x">Ga</a></div>'
        '<label tabindex="" for="a"></label><input type="checkbox" id="a" autocomplete="off">'
    )
    out = valid_theme_markup(html)
    assert 'tabindex=""' not in out and "autocomplete" not in out and "md-skip" not in out


def test_content_example_list_is_complete(tmp_path: Path) -> None:
    """Every organisation-specific value in site.yaml is marked (a new organisation sees them all)."""
    from spiegel.content.model import load_content

    from .conftest import ROOT

    content = load_content(ROOT / "content")
    fields = {e.field for e in content.examples}
    for needed in (
        "organisation.name",
        "organisation.address",
        "organisation.phone",
        "organisation.email",
        "organisation.complaints",
        "organisation.privacy_officer",
        "hosting",
        "how_to_ask.phone",
        "first_contact_hours",
        "letter_weeks",
        "follow_up_months",
    ):
        assert needed in fields, needed
