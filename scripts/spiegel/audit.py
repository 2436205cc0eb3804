"""Checks on the built site, run before it replaces the previous one.

- no page, stylesheet or script loads anything from another host;
- every internal link and fragment in every page resolves;
- no forbidden markup from content (script/iframe/object/embed other than our own);
- published aggregates obey the disclosure rules (delegated to ``results.audit``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
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


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.forbidden: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
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
        for k in ("href", "action", "src"):
            if k in a and tag in ("a", "form", "link", "script", "img"):
                self.links.append(a[k])


def _external(url: str) -> bool:
    return (
        url.startswith("//")
        or bool(re.match(r"[a-z][a-z0-9+.-]*:", url, re.I))
        and not url.startswith(("data:", "mailto:", "tel:"))
    )


def _resolve(site: Path, page: Path, url: str) -> tuple[Path | None, str]:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    base = site if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    return (target if target.exists() else None), parts.fragment


def audit_site(site: Path, published: Any = None) -> list[str]:
    problems: list[str] = []
    pages: dict[Path, _Page] = {}
    for html in sorted(site.rglob("*.html")):
        parser = _Page()
        parser.feed(html.read_text(encoding="utf-8"))
        pages[html.resolve()] = parser
    for path, p in pages.items():
        rel = path.relative_to(site.resolve())
        for url in p.resources:
            if _external(url) and not url.startswith(("data:",)):
                problems.append(f"{rel}: loads {url} from another host")
        for tag in p.forbidden:
            problems.append(f"{rel}: contains <{tag}>, which content may not embed")
        for url in p.links:
            if _external(url) or url.startswith(("mailto:", "tel:", "data:")):
                continue
            if url.startswith(ENDPOINT_PREFIX):
                continue
            target, fragment = _resolve(site, path, url)
            if target is None:
                problems.append(f"{rel}: broken link {url}")
            elif fragment and target.suffix == ".html":
                ids = pages.get(target.resolve())
                if ids is not None and fragment not in ids.ids:
                    problems.append(f"{rel}: link {url} points to a missing anchor")
    for css in site.rglob("*.css"):
        for m in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{css.relative_to(site)}: loads {m.group(1)} from another host")
    if published is not None:
        problems += published.audit_site(site)
    return problems
