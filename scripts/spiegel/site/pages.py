"""Every page the build makes from the project, outside MkDocs: the plugin adds them as files,
``spiegel check`` reads their links (``site/links.py``), and the menu is built from them
(``site/menu.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from spiegel import clock
from spiegel.config import build_settings
from spiegel.project import Project
from spiegel.results.package import Published
from spiegel.results.pages import result_pages
from spiegel.site.generate import SiteInput, generate

__all__ = ["build_today", "site_pages"]


def build_today() -> dt.date:
    """The build's idea of today (Europe/Amsterdam); ``SPIEGEL_TODAY=YYYY-MM-DD`` overrides.
    Raises ``ConfigError`` for a bad override."""
    return clock.today(build_settings().today)


def site_pages(
    project: Project, today: dt.date, cache: Path | None
) -> tuple[dict[str, str], dict[str, str]]:
    """``(pages, downloads)``: every generated page (src_uri -> Markdown or .ics) and the
    published results' files (src_uri -> text)."""
    published = project.published or Published()
    content = project.content
    site_input = SiteInput(content, project.forms, today, tuple(published.evaluations()), cache)
    return generate(site_input) | result_pages(published, content), published.downloads()
