"""Generate the site's pages from validated content and form definitions.

``generate(inputs)`` is a pure function: it returns ``{src_uri: text}`` for Markdown pages and
downloads, which the MkDocs hook adds as in-memory files (``File.generated``). It can also run
outside MkDocs (tests, benchmarks).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .content import LEAFLET_SECTIONS, Content
from .formhtml import render_form
from .forms import Form
from .ics import session_ics

TEMPLATES = Path(__file__).parent / "templates"

PROGRAMME_PAGE = {
    "spiegelbijeenkomst": "spiegelbijeenkomst/index.md",
    "vvg": "vvg/index.md",
    "groepsevaluatie": "groepsevaluatie/index.md",
    "collegiale-ondersteuning": "collegiale-ondersteuning/index.md",
    "gluren": "gluren-bij-de-buren/index.md",
}
PROGRAMME_LABEL = (
    ("spiegelbijeenkomst", "Spiegelbijeenkomsten"),
    ("vvg", "Verwonder- en verbetergesprekken"),
    ("groepsevaluatie", "Groepsevaluatie"),
)
STATUS_LABEL = (("bezig", "Hier werken we aan"), ("gepland", "Gepland"), ("klaar", "Klaar"))
DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def datum(day: dt.date) -> str:
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def bewaartermijn(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return f"{years} jaar"
    if days % 30 == 0 and days < 365:
        months = days // 30
        return f"{months} maand{'en' if months != 1 else ''}"
    return f"{days} dagen"


def field_labels(form: Form) -> str:
    labels = [f.label for f in form.fields if f.type not in ("consent", "scale")]
    if any(f.type == "scale" for f in form.fields):
        labels.append("uw antwoorden op de stellingen")
    return "; ".join(labels)


def page_url(src_uri: str) -> str:
    """The URL path of a page with use_directory_urls, relative to the site root."""
    if src_uri.endswith("index.md"):
        return src_uri[: -len("index.md")]
    return src_uri.removesuffix(".md") + "/" if src_uri.endswith(".md") else src_uri


def rel_url(from_src: str, to_src: str) -> str:
    """A relative link from one generated page to another (for raw HTML blocks)."""
    base = page_url(from_src) or "."
    target = page_url(to_src)
    rel = posixpath.relpath(target or ".", base)
    return rel + ("/" if target.endswith("/") and not rel.endswith("/") else "")


@dataclass
class SiteInput:
    content: Content
    forms: dict[str, Form]
    today: dt.date
    published_results: tuple[str, ...] = ()  # evaluations with a results page


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        md=lambda text: Markup(text),  # noqa: S704 - staff Markdown, audited after the build
        datum=datum,
        bewaartermijn=bewaartermijn,
        field_labels=field_labels,
    )
    return env


def form_action(endpoint: str, form: Form) -> str:
    return f"{endpoint.rstrip('/')}/forms/{form.id}"


def generate(inp: SiteInput) -> dict[str, str]:
    c, forms, today = inp.content, inp.forms, inp.today
    env = environment()
    site = c.site
    common: dict[str, Any] = {"site": site, "forms": forms, "today": today}
    by_programme: dict[str, list[dict[str, Any]]] = {p: [] for p, _ in PROGRAMME_LABEL}
    for action in c.actions["actions"]:
        by_programme[action["programme"]].append(action)

    def render(name: str, **kw: Any) -> str:
        return env.get_template(name).render(**(common | kw))

    pages: dict[str, str] = {
        "index.md": render(
            "home.md.j2", programme_page={k: "/" + v for k, v in PROGRAMME_PAGE.items()}
        ),
        "spiegelbijeenkomst/index.md": render(
            "leaflet.md.j2",
            leaflet=c.leaflet,
            section_order=LEAFLET_SECTIONS,
            actions=by_programme["spiegelbijeenkomst"],
        ),
        "vvg/index.md": render("vvg.md.j2", vvg=c.vvg, actions=by_programme["vvg"]),
        "groepsevaluatie/index.md": render("groepsevaluatie.md.j2", ge=c.groepsevaluatie),
        "collegiale-ondersteuning/index.md": render("collegiale.md.j2", co=c.collegiale),
        "gluren-bij-de-buren/index.md": render("gluren.md.j2", gl=c.gluren),
        "privacy/index.md": render(
            "privacy.md.j2", form_list=sorted(forms.values(), key=lambda f: f.title)
        ),
        "toegankelijkheid/index.md": render("toegankelijkheid.md.j2"),
    }

    upcoming = c.upcoming_sessions(today)
    signup = forms.get("spiegelbijeenkomst")
    pages["spiegelbijeenkomst/agenda/index.md"] = render(
        "agenda.md.j2", sessions=upcoming, form_path=signup.path if signup else "spiegelbijeenkomst"
    )
    for s in upcoming:
        pages[f"spiegelbijeenkomst/agenda/{s['id']}.ics"] = session_ics(
            s, site["organisation"], (site.get("site_url") or "/") + "spiegelbijeenkomst/agenda/"
        )

    for form in forms.values():
        html = render_form(form, action=form_action(site["endpoint"], form), today=today)
        pages[f"{form.path}/index.md"] = render("form.md.j2", form=form, form_html=Markup(html))  # noqa: S704
        pages[f"{form.path}/bedankt/index.md"] = render("thanks.md.j2", message=form.thanks)
        if form.waitlist:
            pages[f"{form.path}/wachtlijst/index.md"] = render(
                "thanks.md.j2", message=form.waitlist
            )

    source_pages: dict[str, str] = {}
    source_labels: dict[str, str] = {}
    for s in upcoming:
        source_pages[s["id"]] = rel_url(
            "verbeteringen/index.md", "spiegelbijeenkomst/agenda/index.md"
        )
        source_labels[s["id"]] = f"Spiegelbijeenkomst {s['department']}"
    names = {e["id"]: e["name"] for e in c.groepsevaluatie["evaluations"]}
    for ev in inp.published_results:
        source_pages[ev] = rel_url(
            "verbeteringen/index.md", f"groepsevaluatie/resultaten/{ev}/index.md"
        )
        source_labels[ev] = f"Uitkomsten {names[ev]}"
    pages["verbeteringen/index.md"] = render(
        "actions.md.j2",
        actions=c.actions["actions"],
        programmes=PROGRAMME_LABEL,
        statuses=STATUS_LABEL,
        source_pages=source_pages,
        source_labels=source_labels,
    )
    return pages


def brand_css(colour: str) -> str:
    """Brand colour as Material's CSS variables; contrast was checked when content loaded."""
    return (
        ":root, [data-md-color-scheme=default] {\n"
        f"  --md-primary-fg-color: {colour};\n"
        f"  --md-primary-fg-color--dark: {colour};\n"
        f"  --md-accent-fg-color: {colour};\n"
        f"  --md-typeset-a-color: {colour};\n"
        "}\n"
    )
