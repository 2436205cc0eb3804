"""The MkDocs plugin (``plugins: - spiegel`` in mkdocs.yml; the entry point is in pyproject.toml).

One build, in MkDocs' order of events, with its state on the plugin instance:

- ``on_config``: the project loaded and checked (``spiegel.project``, the same loader as
  ``spiegel check``), the pages generated, the site name and logo set; the build writes into
  ``<site_dir>.partial``;
- ``on_files``: the generated pages, the brand stylesheet and the published downloads added as
  generated files (nothing is written into ``docs_dir``, so ``mkdocs serve`` does not loop);
- ``on_page_content`` / ``on_post_page`` / ``on_post_template``: tables made scrollable regions,
  the HTML polished (soft hyphens, valid theme markup) and the critical CSS inlined;
- ``on_post_build``: the audit; only when every page was built without a warning and the audit
  passed does the new site replace the old one (``site/publish.py``). A failed build leaves the
  previous site in place. Warnings about a generated page (a dead link in a text) and audit
  problems are told in Dutch against the YAML file and line the text came from.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError, PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from spiegel.config import ConfigError, build_settings
from spiegel.content.notice import split
from spiegel.content.schema import ContentError
from spiegel.project import load_project
from spiegel.results.package import Published
from spiegel.site import links, mkdocslog, pages
from spiegel.site.audit import audit_findings
from spiegel.site.cache import (
    BundleBytecodeCache,
    cache_dir,
    load_words,
    save_words,
    theme_bytecode_cache,
)
from spiegel.site.critical import SheetStore, inline_critical
from spiegel.site.generate import brand_css
from spiegel.site.logo import logo_example, logo_info
from spiegel.site.menu import menu
from spiegel.site.messages import overdue_reviews, refuse_examples
from spiegel.site.polish import polish
from spiegel.site.preview import Preview
from spiegel.site.publish import discard, publish
from spiegel.site.sources import DutchWarnings, Sources

if TYPE_CHECKING:  # `mkdocs serve` only: its server (http.server, watchdog) is no build's import
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.spiegel")
review_log = logging.getLogger("spiegel.review")

__all__ = ["SpiegelPlugin", "build_today"]


def build_today() -> dt.date:
    """The build's idea of today (Europe/Amsterdam); ``SPIEGEL_TODAY=YYYY-MM-DD`` overrides."""
    try:
        return pages.build_today()
    except ConfigError as exc:
        raise PluginError(
            f"SPIEGEL_TODAY: hier hoort een datum als 2026-11-22 ({'; '.join(exc.problems)})."
        ) from None


@dataclass
class _Build:
    """What one build carries from ``on_config`` to ``on_post_build``."""

    final: str  # the site_dir the user asked for; MkDocs writes into final + ".partial"
    warnings: DutchWarnings
    published: Published
    pages: dict[str, str]  # src_uri -> generated Markdown (and .ics)
    downloads: dict[str, str]  # src_uri -> a published results file
    brand: str
    files: Files | None = None


_MD_TABLE = re.compile(r"<table>(.*?)</table>", re.S)


class SpiegelConfig(base.Config):
    """The plugin has no options: everything comes from content/ and forms/."""


class SpiegelPlugin(BasePlugin[SpiegelConfig]):
    """Spiegel's pages, checks and finishing touches as one MkDocs plugin."""

    def __init__(self) -> None:
        self.build: _Build | None = None
        self._docs_dir = ""
        self.preview = Preview()  # under `mkdocs serve`: the open page shows a failed build
        self.sheets = SheetStore(None)  # compiled stylesheets; kept across `mkdocs serve` builds
        self.theme_cache: BundleBytecodeCache | None = None  # this build's compiled theme

    def _end(self) -> None:
        if self.build is not None:
            self.build.warnings.detach()
            self.sheets.save()  # what this build had to compile, for the next one
            if self.theme_cache is not None:
                self.theme_cache.save()
                self.theme_cache = None
            if self.sheets.folder is not None:
                save_words(self.sheets.folder)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        mkdocslog.install()  # also when a build is started without on_startup (tests, scripts)
        self._end()
        self.build = None
        self.preview.held = False
        try:
            return self._configure(config)
        except PluginError as exc:
            if not self.preview.starting:
                raise
            self.preview.hold(str(exc))  # `mkdocs serve` starts all the same, with the error
            return config

    def _configure(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).parent
        docs = Path(config.docs_dir)
        self._docs_dir = str(docs)
        today = build_today()
        cache = cache_dir(root)
        if self.sheets.folder != cache:
            self.sheets = SheetStore(cache)
        load_words(cache)
        try:
            base_ref = build_settings().base_ref
            project = load_project(docs, root / "forms", base_ref=base_ref, today=today)
        except ContentError as exc:
            raise PluginError(str(exc)) from None
        label = project.content_label
        site = project.site
        examples = list(project.examples)
        example_logo = logo_example(docs, label, site["logo"])
        examples += [example_logo] if example_logo else []
        if build_settings().production and examples:
            raise PluginError(refuse_examples(examples))
        if site["logo"]:
            config.theme["logo"] = site["logo"]
        config.extra["spiegel_logo"] = logo_info(docs, site)
        config.extra["spiegel_voorbeeld"] = bool(examples)
        config.extra["spiegel_organisation"] = site["organisation"]["name"]
        config.site_name = site["site_name"]
        config.site_description = site["tagline"]  # the meta description of every page
        final = str(config.site_dir).rstrip("/")
        config.site_dir = final + ".partial"
        warnings = DutchWarnings(
            Sources.read([(docs, label), (root / "forms", project.forms_label)]), label
        )
        warnings.attach()
        generated, downloads = pages.site_pages(project, today, cache)
        own = [p for p in links.published_files(docs) if p.endswith(".md")]
        config.nav = menu(project.content, project.forms, own)  # the titles of the content
        published = project.published or Published()
        brand = brand_css(project.content.site["brand_colour"])
        self.build = _Build(final, warnings, published, generated, downloads, brand)
        for message in overdue_reviews(project.content, today, label):
            review_log.warning(message)  # shown, but not counted by strict mode: publishing goes on
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        if self.preview.held:
            return Files([])  # the first build of `mkdocs serve` failed: nothing to build
        try:
            return self._files(files, config)
        except PluginError as exc:
            if not self.preview.starting:
                raise
            self.preview.hold(str(exc))
            config.nav = None  # the menu names pages that this empty build does not have
            return Files([])

    def _files(self, files: Files, config: MkDocsConfig) -> Files:
        build = self._current()
        own = [f.src_uri for f in files]
        clash = links.clashes(own, [*build.pages, *build.downloads], build.warnings.docs_label)
        if clash:
            raise PluginError(str(ContentError(clash)))
        for src_uri, text in build.pages.items():
            level = InclusionLevel.NOT_IN_NAV if _hidden(src_uri) else InclusionLevel.UNDEFINED
            files.append(File.generated(config, src_uri, content=text, inclusion=level))
        files.append(File.generated(config, "assets/stylesheets/brand.css", content=build.brand))
        for src_uri, data in build.downloads.items():
            files.append(File.generated(config, src_uri, content=data))
        build.files = files
        self._check_links(files)
        return files

    def _check_links(self, files: Files) -> None:
        """Broken links and images fail the build here, in Dutch on the line staff wrote them:
        the rule of ``spiegel check`` (``site/links.py``), before MkDocs' own English one."""
        build = self._current()
        texts = {f.src_uri: f.content_string for f in files.documentation_pages()}
        found = links.broken_links(texts, {f.src_uri for f in files})
        if found:
            docs = Path(self._docs_dir)
            offer = set(links.published_files(docs)) | set(build.pages) | set(build.downloads)
            label = build.warnings.docs_label
            issues = links.issues(found, offer, build.warnings.sources, label)
            raise PluginError(str(ContentError(issues)))

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        """The theme's templates compiled once and kept in ``.cache/spiegel/theme/`` (Jinja2's
        bytecode cache in one file, ``site/cache.py``: an entry is used only while its
        template's source is the same); written when the build ends."""
        self.theme_cache = theme_bytecode_cache(self.sheets.folder)
        env.bytecode_cache = self.theme_cache
        return env

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        """Wide Markdown tables scroll on phones: make the scroll area a focusable, named region."""
        return _MD_TABLE.sub(
            lambda m: (
                '<div class="spiegel-scroll" role="region" aria-label="Tabel" tabindex="0">'
                f'<table class="spiegel-table">{m.group(1)}</table></div>'
            ),
            html,
        )

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        return inline_critical(polish(output), page.url, self._site_text, self.sheets)

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str:
        return polish(output_content) if template_name.endswith(".html") else output_content

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.build is None and self.preview.held:
            return  # the first build of `mkdocs serve` failed in on_config
        build = self._current()
        staging, final = Path(config.site_dir), Path(build.final)
        warnings = build.warnings
        self._end()
        if self.preview.held:
            discard(staging)
            config.site_dir = str(final)
            return
        if config.strict and warnings.count and not warnings.translated:
            discard(staging)
            if self.preview.starting:
                self.preview.hold("\n".join(warnings.untranslated))
                config.site_dir = str(final)
            return  # MkDocs aborts next; the previous site stays as it was
        problems = list(warnings.translated)
        for page, message, needle in audit_findings(staging):
            where = warnings.sources.locate(needle) or f"{page} (gemaakt uit de inhoud)"
            if not any(p.startswith(f"{where}:") and needle in p for p in problems):
                problems.append(f"{where}: {message}")
        problems += build.published.audit_site(staging)
        if problems:
            discard(staging)
            count = len(problems)
            message = (
                f"{count} {'fout' if count == 1 else 'fouten'} gevonden. De site is niet "
                "bijgewerkt; de vorige versie blijft staan. Verbeter de regel(s) hieronder en "
                "probeer het opnieuw:\n" + "\n".join(f"  {p}" for p in problems)
            )
            if not self.preview.starting:
                raise PluginError(message)
            self.preview.hold(message)
            config.site_dir = str(final)
            return
        publish(staging, final)
        config.site_dir = str(final)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """MkDocs' own lines in Dutch from the first one on. (Having this hook also makes
        MkDocs keep this one instance for every rebuild of ``mkdocs serve``, its plugin cache,
        so the preview's state and the compiled stylesheets live from build to build.)"""
        mkdocslog.install()
        self.preview.serving = command == "serve"

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        return self.preview.install(server)

    def on_build_error(self, *, error: Exception) -> None:
        """A failed build: the old site stays, and every line about it is Dutch (MkDocs' own
        last line, "Aborted with a BuildError!", is replaced by ours)."""
        self._end()
        if self.build is not None:
            discard(Path(self.build.final + ".partial"))
        if isinstance(error, BuildError):
            self.preview.failure = split(str(error))
            log.error(str(error))  # what MkDocs itself would print before its English line
            raise Abort(
                "De site is niet bijgewerkt: verbeter de fout(en) hierboven en probeer het "
                "opnieuw. De vorige versie blijft staan."
            )
        if isinstance(error, Abort) and self.build is not None:  # warnings in strict mode
            warnings = self.build.warnings
            self.preview.failure = warnings.translated + warnings.untranslated
            raise Abort(
                "De site is niet bijgewerkt: de bouw gaf waarschuwingen (hierboven). Verbeter "
                "ze en probeer het opnieuw. De vorige versie blijft staan."
            )

    def _current(self) -> _Build:
        if self.build is None:  # MkDocs calls on_config first; a guard for mypy and for misuse
            raise PluginError("spiegel: on_config did not run")
        return self.build

    def _site_text(self, path: str) -> str | None:
        """A file of the site being built by its path from the site root (for the inline CSS)."""
        files = self._current().files
        file = None if files is None else files.get_file_from_path(path)
        return None if file is None else file.content_string


def _hidden(src_uri: str) -> bool:
    """Thank-you and waiting-list pages, and one evaluation's results: reached by link only."""
    return src_uri.endswith(("/bedankt/index.md", "/wachtlijst/index.md")) or (
        src_uri.startswith("groepsevaluatie/resultaten/") and src_uri.count("/") == 3
    )
