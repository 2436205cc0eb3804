"""`spiegel check`: every content and form file validated, no site build.

The same loader as the build (``spiegel.project``, one set of rules) and the same link rule
(``site/links.py``, on the pages the build generates), every issue at once, printed as plain
Dutch text, as GitHub Actions annotations (``::error file=...,line=...::``) or as a GitLab Code
Quality report, so a mistake shows on its line in the merge request diff.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from spiegel.config import ConfigError
from spiegel.content.schema import ContentError, Issue
from spiegel.project import Project, load_project


def check(content_dir: Path, forms_dir: Path, base_ref: str | None = None) -> list[Issue]:
    """Every problem in ``content/`` and ``forms/``; labels are relative to the project root.
    ``base_ref``: SPIEGEL_BASE_REF (the published side, for the rules that compare with it: the
    results ledger, sessions dated in the past or deleted, as of SPIEGEL_TODAY)."""
    from spiegel.site.pages import build_today

    try:
        today = build_today()
    except ConfigError as exc:
        return [Issue("SPIEGEL_TODAY", 0, "", "; ".join(exc.problems))]
    try:
        project = load_project(content_dir, forms_dir, base_ref=base_ref, today=today)
    except ContentError as exc:
        return sorted(set(exc.issues))
    return link_issues(project)


def link_issues(project: Project) -> list[Issue]:
    """Broken links and images in the texts, by the build's own rule (``site/links.py``), on
    the pages the build makes from them."""
    from spiegel.site import links
    from spiegel.site.cache import cache_dir
    from spiegel.site.pages import build_today, site_pages
    from spiegel.site.sources import Sources

    try:
        today = build_today()
    except ConfigError as exc:
        return [Issue("SPIEGEL_TODAY", 0, "", "; ".join(exc.problems))]
    docs = project.content.root
    pages, downloads = site_pages(project, today, cache_dir(project.root))
    own = links.published_files(docs)
    clash = links.clashes(own, [*pages, *downloads], project.content_label)
    if clash:
        return clash
    files = set(own) | set(pages) | set(downloads)
    texts = {rel: p.read_text(encoding="utf-8") for rel, p in own.items() if rel.endswith(".md")}
    found = links.broken_links(pages | texts, files)
    if not found:
        return []
    sources = Sources.read(
        [(docs, project.content_label), (project.root / "forms", project.forms_label)]
    )
    return links.issues(found, files, sources, project.content_label)


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github(issues: list[Issue]) -> str:
    """GitHub Actions workflow commands: one annotation per issue, on its line of the diff."""
    out = []
    for i in issues:
        where = f"file={_escape(i.file, True)}" + (f",line={i.line}" if i.line else "")
        title = _escape(f"Fout in {i.file}" + (f" op regel {i.line}" if i.line else ""), True)
        message = f"{i.path}: {i.message}" if i.path else i.message
        out.append(f"::error {where},title={title}::{_escape(message)}")
    return "\n".join(out)


def gitlab(issues: list[Issue]) -> str:
    """A GitLab Code Quality report (a JSON list), shown on the lines of the merge request."""
    report = []
    for i in issues:
        description = f"{i.path}: {i.message}" if i.path else i.message
        key = f"{i.file}:{i.line}:{description}".encode()
        report.append(
            {
                "description": description,
                "check_name": "spiegel-inhoud",
                "fingerprint": hashlib.sha256(key).hexdigest(),
                "severity": "major",
                "location": {"path": i.file, "lines": {"begin": max(i.line, 1)}},
            }
        )
    return json.dumps(report, ensure_ascii=False, indent=2)


def text(issues: list[Issue]) -> str:
    if not issues:
        return "Alles in orde: geen fouten gevonden in content/ en forms/."
    count = len(issues)
    head = f"{count} {'fout' if count == 1 else 'fouten'} gevonden. Verbeter de regel(s) hieronder:"
    return "\n".join([head, *(f"  {i}" for i in issues)])
