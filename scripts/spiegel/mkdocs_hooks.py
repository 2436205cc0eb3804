"""The thin MkDocs edge: load and validate, add generated pages, audit, then publish atomically.

The build writes into ``<site_dir>.partial``. Only when every page was built without a warning
and the audit passed is the old site replaced; a failed build leaves the previous site in place.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .audit import audit_site
from .content import Content, load_content
from .forms import load_forms
from .resultpages import result_pages
from .results import load_published
from .schema import ContentError
from .site import SiteInput, brand_css, generate

log = logging.getLogger("mkdocs.plugins.spiegel")
STATE: dict[str, Any] = {}


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def build_today() -> dt.date:
    """The build's idea of today (Europe/Amsterdam); ``SPIEGEL_TODAY=YYYY-MM-DD`` overrides."""
    fixed = os.environ.get("SPIEGEL_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise PluginError(
                f"SPIEGEL_TODAY: expected a date like 2026-11-22, got {fixed!r}"
            ) from None
    return dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _detach_counter() -> None:
    counter = STATE.pop("counter", None)
    if counter:
        logging.getLogger("mkdocs").removeHandler(counter)


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
            {"sessions": content.sessions, "groepsevaluatie": content.groepsevaluatie},
            os.path.relpath(root / "forms", root),
        )
        published = load_published(docs / "results", content, f"{label}/results")
    except ContentError as exc:
        raise PluginError(str(exc)) from None
    config.site_name = content.site["site_name"]
    config.site_description = content.site["tagline"]  # the meta description of every page
    final = str(config.site_dir).rstrip("/")
    config.site_dir = final + ".partial"
    counter = _Counter()
    logging.getLogger("mkdocs").addHandler(counter)
    extra = result_pages(published, content)
    STATE.update(
        final=final,
        counter=counter,
        published=published,
        pages=generate(SiteInput(content, forms, today, tuple(published.evaluations()))) | extra,
        brand=brand_css(content.site["brand_colour"]),
    )
    logo = content.site["logo"]
    if logo:
        if not (docs / logo).is_file():
            raise PluginError(
                f"{label}/site.yaml: logo: expected a file in {label}/, {logo!r} does not exist"
            )
        config.theme["logo"] = logo
    for message in overdue_reviews(content, today, label):
        review_log.warning(message)  # shown, but not counted by strict mode: publishing goes on
    return config


review_log = logging.getLogger("spiegel.review")


def overdue_reviews(content: Content, today: dt.date, label: str) -> list[str]:
    """Actions past their 6-month review without an update since (the instrument's check)."""
    out = []
    for a in content.actions["actions"]:
        if (
            a["status"] != "klaar"
            and a["review"] < today
            and (a["updated"] is None or a["updated"] < a["review"])
        ):
            out.append(
                f"{label}/actions.yaml: action {a['id']!r} passed its review date {a['review']} without an "
                "update; add `updated:` and a new status or outcome"
            )
    return out


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for src_uri, text in STATE["pages"].items():
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(
                f"content/{src_uri}: this page is generated from the YAML content; remove the file"
            )
        hidden = src_uri.endswith(("/bedankt/index.md", "/wachtlijst/index.md")) or (
            src_uri.startswith("groepsevaluatie/resultaten/") and src_uri.count("/") == 3
        )
        level = InclusionLevel.NOT_IN_NAV if hidden else InclusionLevel.UNDEFINED
        files.append(File.generated(config, src_uri, content=text, inclusion=level))
    files.append(File.generated(config, "assets/stylesheets/brand.css", content=STATE["brand"]))
    for src_uri, data in STATE["published"].downloads().items():
        files.append(File.generated(config, src_uri, content=data))
    return files


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


def on_post_build(config: MkDocsConfig) -> None:
    staging, final = Path(config.site_dir), Path(STATE["final"])
    counter: _Counter = STATE["counter"]
    if config.strict and counter.count:
        shutil.rmtree(staging, ignore_errors=True)
        _detach_counter()
        return  # MkDocs aborts next; the previous site stays as it was
    problems = audit_site(staging, STATE["published"])
    if problems:
        shutil.rmtree(staging, ignore_errors=True)
        _detach_counter()
        raise PluginError(
            "The built site failed its audit:\n" + "\n".join(f"  {p}" for p in problems)
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
