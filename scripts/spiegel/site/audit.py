"""Checks on the built site, run before it replaces the previous one.

- no page, stylesheet or script loads anything from another host;
- every internal link and fragment in every page resolves;
- no forbidden markup from content (script/iframe/object/embed other than our own);
- published aggregates obey the disclosure rules (delegated to ``results.audit``).
"""

from __future__ import annotations

import posixpath
import re
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

RESOURCE_ATTRS = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "embed": "src",
    "object": "data",
    "link": "href",
}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "frame"}
CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)")
ENDPOINT_PREFIX = "/api/"


TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)(\s[^>]*)?>")
ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
LINK_TAGS = {"a", "form", "link", "script", "img"}
_CHECKED_TAGS = LINK_TAGS | FORBIDDEN_TAGS | set(RESOURCE_ATTRS)


class _Page:
    """Tags and attributes of one page, read with regular expressions (the pages are MkDocs output
    with content inside; a regex pass is ten times faster than html.parser for this audit)."""

    def __init__(self, text: str) -> None:
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.forbidden: list[str] = []
        for m in TAG.finditer(text):
            tag = m.group(1).lower()
            raw = m.group(2) or ""
            if tag not in _CHECKED_TAGS and "id" not in raw.lower():
                continue  # a <div>, <span>, <li> ... without an id: nothing to check
            a = {k.lower(): unescape(v.strip("\"'")) for k, v in ATTR.findall(raw)}
            if "id" in a:
                self.ids.add(a["id"])
            if tag == "a" and "name" in a:
                self.ids.add(a["name"])
            if tag in FORBIDDEN_TAGS:
                self.forbidden.append(tag)
            attr = RESOURCE_ATTRS.get(tag)
            if (
                attr
                and a.get(attr)
                and (tag != "link" or a.get("rel", "") not in ("canonical", "alternate"))
            ):
                self.resources.append(a[attr])
            if tag in LINK_TAGS:
                self.links += [a[k] for k in ("href", "action", "src") if a.get(k)]


def _external(url: str) -> bool:
    return (
        url.startswith("//")
        or bool(re.match(r"[a-z][a-z0-9+.-]*:", url, re.I))
        and not url.startswith(("data:", "mailto:", "tel:"))
    )


def _resolve(files: set[str], page: str, url: str) -> tuple[str | None, str]:
    """Resolve a link from ``page`` (site-relative path) to a file in the site, as a static host would."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    joined = (
        path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(page), path)
    )
    target = posixpath.normpath(joined)
    if target == ".":
        target = ""
    for candidate in (target, posixpath.join(target, "index.html")):
        if candidate in files:
            return candidate, parts.fragment
    return None, parts.fragment


def audit_site(site: Path, published: Any = None) -> list[str]:
    """Every problem as "page: Dutch message"."""
    found = [f"{page}: {message}" for page, message, _ in audit_findings(site)]
    if published is not None:
        found += published.audit_site(site)
    return found


def audit_findings(site: Path) -> list[tuple[str, str, str]]:
    """(page, Dutch message, the text to look for in the sources) for every problem."""
    problems: list[tuple[str, str, str]] = []
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    pages = {
        rel: _Page((site / rel).read_text(encoding="utf-8"))
        for rel in sorted(files)
        if rel.endswith(".html")
    }
    for rel, p in pages.items():
        for url in p.resources:
            if _external(url):
                problems.append((rel, f"laadt {url} van een andere website. {_ELSEWHERE}", url))
        for tag in p.forbidden:
            problems.append(
                (
                    rel,
                    f"bevat <{tag}>. Inhoud van elders insluiten mag niet; haal het weg.",
                    f"<{tag}",
                )
            )
        for url in p.links:
            if _external(url) or url.startswith(("mailto:", "tel:", "data:", ENDPOINT_PREFIX)):
                continue
            target, fragment = _resolve(files, rel, url)
            if target is None:
                problems.append(
                    (rel, f"de link {url} werkt niet: die pagina bestaat niet. {_CHECK}", url)
                )
            elif fragment and target in pages and fragment not in pages[target].ids:
                problems.append(
                    (rel, f"de link {url} wijst naar een kop (#) die niet bestaat. {_CHECK}", url)
                )
    for css in (f for f in files if f.endswith(".css")):
        for m in CSS_URL.finditer((site / css).read_text(encoding="utf-8", errors="replace")):
            problems.append(
                (css, f"laadt {m.group(1)} van een andere website. {_ELSEWHERE}", m.group(1))
            )
    return problems


_ELSEWHERE = "Dat mag niet (privacy): zet het bestand op de eigen site of haal het weg."
_CHECK = "Controleer het adres."
