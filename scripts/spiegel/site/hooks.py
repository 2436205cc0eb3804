"""The thin MkDocs edge: load and validate, add generated pages, audit, then publish atomically.

The build writes into ``<site_dir>.partial``. Only when every page was built without a warning
and the audit passed is the old site replaced; a failed build leaves the previous site in place.
Warnings MkDocs gives about a generated page (a dead link in a text) and audit problems are told
in Dutch against the YAML file and line the text came from (``site/sources.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from spiegel import clock
from spiegel.config import ConfigError, build_settings
from spiegel.content.calendar import datum
from spiegel.content.examples import Example, examples_in
from spiegel.content.model import ACTIONS, Content, load_content
from spiegel.content.schema import ContentError, describe
from spiegel.forms.definitions import FORM, load_forms
from spiegel.results.package import load_published
from spiegel.results.pages import result_pages
from spiegel.site.audit import audit_findings
from spiegel.site.critical import inline_critical
from spiegel.site.generate import SiteInput, brand_css, generate
from spiegel.site.logo import logo_example, logo_info
from spiegel.site.polish import polish
from spiegel.site.sources import Sources, translate

log = logging.getLogger("mkdocs.plugins.spiegel")
STATE: dict[str, Any] = {}


class _Counter(logging.Handler):
    """Counts MkDocs warnings; those about content become Dutch messages on the YAML line, and
    MkDocs' own English line for them is held back (``hide`` on MkDocs' handlers)."""

    def __init__(self, sources: Sources, docs_label: str) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.translated: list[str] = []
        self.sources, self.docs_label = sources, docs_label
        self.hidden: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        dutch = translate(record.getMessage(), self.sources, self.docs_label)
        if dutch is None:
            self.count += 1
        else:
            self.translated.append(dutch)

    def hide(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        return translate(record.getMessage(), self.sources, self.docs_label) is None

    def attach(self) -> None:
        mkdocs_log = logging.getLogger("mkdocs")
        for handler in mkdocs_log.handlers:
            handler.addFilter(self.hide)
        mkdocs_log.addHandler(self)

    def detach(self) -> None:
        mkdocs_log = logging.getLogger("mkdocs")
        mkdocs_log.removeHandler(self)
        for handler in mkdocs_log.handlers:
            handler.removeFilter(self.hide)


def build_today() -> dt.date:
    """The build's idea of today (Europe/Amsterdam); ``SPIEGEL_TODAY=YYYY-MM-DD`` overrides."""
    try:
        return clock.today(build_settings().today)
    except ConfigError as exc:
        raise PluginError(
            f"SPIEGEL_TODAY: hier hoort een datum als 2026-11-22 ({'; '.join(exc.problems)})."
        ) from None


def _detach_counter() -> None:
    counter = STATE.pop("counter", None)
    if counter:
        counter.detach()


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _detach_counter()
    root = Path(config.config_file_path).parent
    docs = Path(config.docs_dir)
    label = os.path.relpath(docs, root)
    today = build_today()
    try:
        content = load_content(docs, label)
        forms = load_forms(
            root / "forms",
            {
                "site": content.site,
                "sessions": content.sessions,
                "groepsevaluatie": content.groepsevaluatie,
            },
            os.path.relpath(root / "forms", root),
        )
        published = load_published(docs / "results", content, f"{label}/results")
    except ContentError as exc:
        raise PluginError(str(exc)) from None
    logo = content.site["logo"]
    if logo:
        if not (docs / logo).is_file():
            raise PluginError(
                f"{label}/site.yaml: logo: het bestand {label}/{logo} bestaat niet. Zet het "
                f"logo in {label}/assets/ of verbeter de naam, bijvoorbeeld: logo: assets/logo.svg"
            )
        config.theme["logo"] = logo
    config.extra["spiegel_logo"] = logo_info(docs, content.site)
    example_logo = logo_example(docs, label, logo)
    examples = content.examples + forms_examples(root / "forms", "forms")
    examples += [example_logo] if example_logo else []
    if build_settings().production and examples:
        raise PluginError(refuse_examples(examples))
    config.extra["spiegel_voorbeeld"] = bool(examples)
    config.extra["spiegel_organisation"] = content.site["organisation"]["name"]
    config.site_name = content.site["site_name"]
    config.site_description = content.site["tagline"]  # the meta description of every page
    final = str(config.site_dir).rstrip("/")
    config.site_dir = final + ".partial"
    sources = Sources.read([(docs, label), (root / "forms", "forms")])
    counter = _Counter(sources, label)
    counter.attach()
    extra = result_pages(published, content)
    STATE.update(
        final=final,
        counter=counter,
        published=published,
        pages=generate(SiteInput(content, forms, today, tuple(published.evaluations()))) | extra,
        brand=brand_css(content.site["brand_colour"]),
    )
    for message in overdue_reviews(content, today, label):
        review_log.warning(message)  # shown, but not counted by strict mode: publishing goes on
    return config


def forms_examples(forms_dir: Path, label_root: str) -> list[Example]:
    return [
        e
        for p in sorted(forms_dir.glob("*.yaml"))
        for e in examples_in(p, f"{label_root}/{p.name}", FORM)
    ]


def refuse_examples(examples: list[Example]) -> str:
    """The production build's message: every example value that is still there, as file:line."""
    count = len(examples)
    return "\n".join(
        [
            f"De site is niet gepubliceerd: er {'staat' if count == 1 else 'staan'} nog {count} "
            f"voorbeeldwaarde{'' if count == 1 else 'n'} in (gemarkeerd met # VOORBEELD).",
            "Vul op elke regel hieronder de echte gegevens van uw organisatie in, en haal daarna",
            "'# VOORBEELD' aan het eind van die regel weg. Verwijder verzonnen bijeenkomsten,",
            "evaluaties en acties helemaal.",
            *(f"  {e}" for e in sorted(examples)),
        ]
    )


review_log = logging.getLogger("spiegel.review")


def overdue_reviews(content: Content, today: dt.date, label: str) -> list[str]:
    """Actions past their 6-month review without an update since (the instrument's check).

    Told to staff in Dutch with the file, the line and what to do; publishing goes on.
    """
    try:
        rows = (content.root / "actions.yaml").read_text(encoding="utf-8").splitlines()
    except OSError:
        rows = []
    out = []
    for index, a in enumerate(content.actions["actions"]):
        if (
            a["status"] != "klaar"
            and a["review"] < today
            and (a["updated"] is None or a["updated"] < a["review"])
        ):
            item = re.compile(rf"^\s*-\s*id:\s*[\"']?{re.escape(a['id'])}[\"']?\s*(#.*)?$")
            line = next((n for n, row in enumerate(rows, 1) if item.match(row)), 0)
            where = f"{label}/actions.yaml:{line}" if line else f"{label}/actions.yaml"
            out.append(
                f"{where}: {describe(ACTIONS, ('actions', index))} ({a['id']}): deze actie "
                f"had op {datum(a['review'])} bekeken moeten worden, en is sindsdien niet "
                "bijgewerkt. Kijk met de betrokkenen of de actie heeft gewerkt. Zet dan bij deze "
                f"actie updated: {today.isoformat()} (de datum van vandaag) en pas status: of "
                "outcome: aan, bijvoorbeeld: status: klaar en outcome: De folder ligt nu bij de "
                "balie. Dit is een herinnering: de site wordt wel gewoon bijgewerkt."
            )
    return out


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for src_uri, text in STATE["pages"].items():
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(
                f"content/{src_uri}: deze pagina wordt gemaakt uit de YAML-bestanden in content/. "
                "Verwijder dit bestand en pas de tekst in het YAML-bestand aan."
            )
        hidden = src_uri.endswith(("/bedankt/index.md", "/wachtlijst/index.md")) or (
            src_uri.startswith("groepsevaluatie/resultaten/") and src_uri.count("/") == 3
        )
        level = InclusionLevel.NOT_IN_NAV if hidden else InclusionLevel.UNDEFINED
        files.append(File.generated(config, src_uri, content=text, inclusion=level))
    files.append(File.generated(config, "assets/stylesheets/brand.css", content=STATE["brand"]))
    for src_uri, data in STATE["published"].downloads().items():
        files.append(File.generated(config, src_uri, content=data))
    STATE["files"] = files
    return files


def _site_text(path: str) -> str | None:
    """A file of the site being built by its path from the site root (for the inline CSS)."""
    file = STATE["files"].get_file_from_path(path)
    return None if file is None else file.content_string


_MD_TABLE = re.compile(r"<table>(.*?)</table>", re.S)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Wide Markdown tables scroll on phones: make the scroll area a focusable, named region."""
    return _MD_TABLE.sub(
        lambda m: (
            '<div class="spiegel-scroll" role="region" aria-label="Tabel" tabindex="0">'
            f'<table class="spiegel-table">{m.group(1)}</table></div>'
        ),
        html,
    )


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return inline_critical(polish(output), page.url, _site_text)


def on_post_template(output_content: str, template_name: str, config: MkDocsConfig) -> str:
    return polish(output_content) if template_name.endswith(".html") else output_content


def on_post_build(config: MkDocsConfig) -> None:
    staging, final = Path(config.site_dir), Path(STATE["final"])
    counter: _Counter = STATE["counter"]
    if config.strict and counter.count and not counter.translated:
        shutil.rmtree(staging, ignore_errors=True)
        _detach_counter()
        return  # MkDocs aborts next; the previous site stays as it was
    problems = list(counter.translated)
    for page, message, needle in audit_findings(staging):
        where = counter.sources.locate(needle) or f"{page} (gemaakt uit de inhoud)"
        if not any(p.startswith(f"{where}:") and needle in p for p in problems):
            problems.append(f"{where}: {message}")
    problems += STATE["published"].audit_site(staging)
    if problems:
        shutil.rmtree(staging, ignore_errors=True)
        _detach_counter()
        count = len(problems)
        raise PluginError(
            f"{count} {'fout' if count == 1 else 'fouten'} gevonden. De site is niet bijgewerkt; "
            "de vorige versie blijft staan. Verbeter de regel(s) hieronder en probeer het "
            "opnieuw:\n" + "\n".join(f"  {p}" for p in problems)
        )
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    config.site_dir = str(final)
    _detach_counter()


def on_build_error(error: Exception) -> None:
    _detach_counter()
    final = STATE.get("final")
    if final:
        shutil.rmtree(final + ".partial", ignore_errors=True)
