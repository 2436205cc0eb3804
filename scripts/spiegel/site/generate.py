"""Generate the site's pages from validated content and form definitions.

``generate(inputs)`` is a pure function: it returns ``{src_uri: text}`` for Markdown pages and
downloads, which the MkDocs hook adds as in-memory files (``File.generated``). It can also run
outside MkDocs (tests, benchmarks).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from spiegel.content import calendar
from spiegel.content.calendar import datum, session_ics
from spiegel.content.model import LEAFLET_SECTIONS, Content, anonymity_texts
from spiegel.content.phone import tel_href
from spiegel.forms.definitions import Form
from spiegel.forms.html import render_form
from spiegel.outbox.kinds import participant_kinds, respondent_kinds, staff_kinds
from spiegel.site.cache import BundleBytecodeCache, bundle_cache
from spiegel.site.logo import logo_info

TEMPLATES = Path(__file__).parent / "templates"

PROGRAMME_PAGE = {
    "spiegelbijeenkomst": "spiegelbijeenkomst/index.md",
    "vvg": "vvg/index.md",
    "groepsevaluatie": "groepsevaluatie/index.md",
    "collegiale-ondersteuning": "collegiale-ondersteuning/index.md",
    "gluren": "gluren-bij-de-buren/index.md",
}
ACTION_PROGRAMMES = ("spiegelbijeenkomst", "vvg", "groepsevaluatie")  # where actions come from
STATUS_LABEL = (("bezig", "Hier werken we aan"), ("gepland", "Gepland"), ("klaar", "Klaar"))


def programme_titles(content: Content) -> dict[str, str]:
    """Each programme's name: the ``title`` of its content file. The menu, the home page, the
    actions page and the programme page itself all show this one title."""
    return {
        "spiegelbijeenkomst": content.leaflet["title"],
        "vvg": content.vvg["title"],
        "groepsevaluatie": content.groepsevaluatie["title"],
        "collegiale-ondersteuning": content.collegiale["title"],
        "gluren": content.gluren["title"],
    }


def bewaartermijn(days: int) -> str:
    """One wording for a retention period, used by every page that names it."""
    if days % 365 == 0:
        return f"{days // 365} jaar"
    if days >= 60:
        return f"{days} dagen (ongeveer {round(days / 30.4)} maanden)"
    return f"{days} dagen"


NUMBER_WORDS = (
    "nul",
    "een",
    "twee",
    "drie",
    "vier",
    "vijf",
    "zes",
    "zeven",
    "acht",
    "negen",
    "tien",
)


def termijn(days: int) -> str:
    """7 -> "een week", 14 -> "twee weken", 10 -> "10 dagen"."""
    if days % 7 == 0 and days // 7 < len(NUMBER_WORDS):
        weeks = days // 7
        return f"{NUMBER_WORDS[weeks]} {'week' if weeks == 1 else 'weken'}"
    return f"{days} {'dag' if days == 1 else 'dagen'}"


def duur(minutes: int) -> str:
    """90 -> "anderhalf uur", 120 -> "2 uur", 45 -> "45 minuten"."""
    if minutes % 60 == 0:
        return f"{minutes // 60} uur"
    if minutes % 60 == 30:
        return "anderhalf uur" if minutes == 90 else f"{minutes // 60},5 uur"
    return f"{minutes} minuten"


def tel(number: str) -> Markup:
    """A phone number as a link a phone can call."""
    return Markup('<a href="{}" class="spiegel-nowrap">{}</a>').format(tel_href(number), number)


def mailto(address: str) -> Markup:
    return Markup('<a href="mailto:{0}">{0}</a>').format(address)


def field_labels(form: Form) -> str:
    labels = [f.label for f in form.fields if f.kind.privacy_text is None]
    labels += dict.fromkeys(t for f in form.fields if (t := f.kind.privacy_text))
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
    cache_dir: Path | None = None  # compiled templates kept between builds (.cache/spiegel)


def environment(cache_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=bundle_cache(cache_dir, "templates"),  # saved by generate()
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
        termijn=termijn,
        duur=duur,
        tel=tel,
        mailto=mailto,
        field_labels=field_labels,
    )
    return env


def markdown_html(text: str) -> str:
    """A small piece of Markdown as HTML, for a place MkDocs does not convert (inside a form)."""
    import markdown  # MkDocs' own Markdown library

    return markdown.markdown(text, extensions=["attr_list"])


def form_action(endpoint: str, form: Form) -> str:
    return f"{endpoint.rstrip('/')}/forms/{form.id}"


def generate(inp: SiteInput) -> dict[str, str]:
    c, forms, today = inp.content, inp.forms, inp.today
    env = environment(inp.cache_dir)
    site = c.site
    common: dict[str, Any] = {
        "site": site,
        "org": site["organisation"],
        "logo": logo_info(c.root, site),
        "c": c,
        "forms": forms,
        "today": today,
    }
    titles = programme_titles(c)
    by_programme: dict[str, list[dict[str, Any]]] = {p: [] for p in ACTION_PROGRAMMES}
    for action in c.actions["actions"]:
        by_programme[action["programme"]].append(action)

    def render(name: str, **kw: Any) -> str:
        return env.get_template(name).render(**(common | kw))

    pages: dict[str, str] = {
        "index.md": render(
            "home.md.j2",
            programme_page={k: "/" + v for k, v in PROGRAMME_PAGE.items()},
            programme_title=titles,
        ),
        "spiegelbijeenkomst/index.md": render(
            "leaflet.md.j2",
            leaflet=c.leaflet,
            section_order=LEAFLET_SECTIONS,
            actions=by_programme["spiegelbijeenkomst"],
            has_own_access=any(s["access"] for s in c.sessions["sessions"]),
        ),
        "vvg/index.md": render(
            "vvg.md.j2",
            vvg=c.vvg,
            actions=by_programme["vvg"],
            dates=c.upcoming_sessions(today, "vvg"),
            roles=lambda s: seat_roles(s, forms.get("vvg")),
        ),
        "groepsevaluatie/index.md": render("groepsevaluatie.md.j2", ge=c.groepsevaluatie),
        "collegiale-ondersteuning/index.md": render("collegiale.md.j2", co=c.collegiale),
        "gluren-bij-de-buren/index.md": render("gluren.md.j2", gl=c.gluren),
        "privacy/index.md": render(
            "privacy.md.j2",
            form_list=sorted(forms.values(), key=lambda f: f.title),
            anonymity=anonymity_texts(c.groepsevaluatie),
            participant_kinds=participant_kinds(),
            respondent_kinds=respondent_kinds(),
            staff_kinds=staff_kinds(),
        ),
        "toegankelijkheid/index.md": render("toegankelijkheid.md.j2"),
    }

    upcoming = c.upcoming_sessions(today)
    signup = forms.get("spiegelbijeenkomst")
    pages["spiegelbijeenkomst/agenda/index.md"] = render(
        "agenda.md.j2",
        sessions=upcoming,
        form_path=signup.path if signup else "spiegelbijeenkomst",
        roles=lambda s: seat_roles(s, signup),
    )
    for folder, programme in (("spiegelbijeenkomst/agenda", "spiegelbijeenkomst"), ("vvg", "vvg")):
        page = (site.get("site_url") or "/") + folder + "/"
        for s in c.upcoming_sessions(today, programme):
            if s["status"] != "geannuleerd":  # a cancelled one is shown, not offered to keep
                pages[f"{folder}/{s['id']}.ics"] = _ics(
                    s, site["organisation"], page + "#" + s["id"], inp.cache_dir
                )

    for form in forms.values():
        # what happens next, in the form just before its button (issue 21)
        next_html = markdown_html(render("_form_next.md.j2", form=form, case="form"))
        html = render_form(
            form, action=form_action(site["endpoint"], form), today=today, before_submit=next_html
        )
        pages[f"{form.path}/index.md"] = render("form.md.j2", form=form, form_html=Markup(html))  # noqa: S704
        pages[f"{form.path}/bedankt/index.md"] = render(
            "thanks.md.j2", message=form.thanks, form=form, case="thanks"
        )
        if form.waitlist:
            pages[f"{form.path}/wachtlijst/index.md"] = render(
                "thanks.md.j2", message=form.waitlist, form=form, case="waitlist"
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
        programmes=[(p, titles[p]) for p in ACTION_PROGRAMMES],
        statuses=STATUS_LABEL,
        source_pages=source_pages,
        source_labels=source_labels,
    )
    if isinstance(env.bytecode_cache, BundleBytecodeCache):
        env.bytecode_cache.save()  # every template this build renders is compiled by now
    return pages


def seat_roles(session: dict[str, Any], form: Form | None) -> dict[str, list[str]]:
    """Who the seats are for, from the session's roles: the roles that take a seat ("seat")
    and those that come in addition ("extra"), as the form labels them, in lower case."""
    choice = form.session_choice(session["id"]) if form else None
    if form is None or choice is None or not form.role_field:
        return {"seat": [], "extra": []}
    roles = form.session_roles(choice)
    return {
        "seat": [c.label.lower() for c in roles if form.takes_seat(choice, c.value)],
        "extra": [c.label.lower() for c in roles if not form.takes_seat(choice, c.value)],
    }


def public_uid(session: dict[str, Any], site_url: str | None) -> str:
    """The UID of the agenda's own .ics (a sign-up's e-mails have one per person)."""
    host = urlsplit(site_url or "").hostname or "spiegel.invalid"
    return f"{session['id']}@{host}"


def _ics(
    session: dict[str, Any], org: dict[str, Any], page_url: str, cache_dir: Path | None
) -> str:
    """A session's .ics for the agenda (METHOD:PUBLISH, SEQUENCE 0: a file on a page cannot be
    updated in anyone's calendar; DTSTAMP is when this version of the file was first made, so a
    re-downloaded newer version wins). Kept in the build cache by what it is made from
    (importing ``icalendar`` is a tenth of a second most builds can skip)."""
    uid = public_uid(session, page_url if page_url.startswith("http") else None)
    if cache_dir is None:
        return session_ics(session, org, page_url, uid=uid)
    code = Path(calendar.__file__).read_bytes()  # a change to the code makes new files
    made_from = json.dumps([session, org, page_url], sort_keys=True, default=str).encode()
    path = cache_dir / "ics" / (hashlib.sha256(code + made_from).hexdigest()[:32] + ".ics")
    try:
        return path.read_bytes().decode("utf-8")  # bytes: the CRLF line ends stay as they are
    except (OSError, UnicodeDecodeError):
        pass
    text = session_ics(session, org, page_url, uid=uid)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    except OSError:
        pass  # a read-only project: made again next time
    return text


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
