"""MkDocs' own lines in Dutch (issue 22 #9): every line staff see while building or previewing.

MkDocs prints a few fixed English lines ("Building documentation...", "Serving on ...",
"Detected file changes", a 404 of the preview server). ``install`` puts a filter on MkDocs'
log handlers (from the plugin's ``on_startup``, before the first line) that rewrites the ones
it knows; a line it does not know passes unchanged.
"""

from __future__ import annotations

import logging
import re

__all__ = ["dutch", "install"]

_STAMP = r"(?P<stamp>\[\d\d:\d\d:\d\d\] )?"
_LINES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Building documentation\.\.\.$"), "De site wordt gebouwd..."),
    (re.compile(r"Cleaning site directory$"), "De map van de site wordt leeggemaakt"),
    (
        re.compile(r"Building documentation to directory: (?P<dir>.*?)(?:\.partial)?$"),
        "De site wordt gebouwd in {dir} (eerst in een kopie: bij een fout blijft de vorige staan)",
    ),
    (re.compile(r"Documentation built in (?P<s>[\d.]+) seconds$"), "De site is klaar ({s} s)"),
    (
        re.compile(_STAMP + r"Watching paths for changes: (?P<p>.*)$"),
        "{stamp}Let op wijzigingen in: {p}",
    ),
    (
        re.compile(_STAMP + r"Serving on (?P<url>\S+) and opening it in a browser$"),
        "{stamp}Het voorbeeld staat op {url} (de browser gaat open)",
    ),
    (re.compile(_STAMP + r"Serving on (?P<url>\S+)$"), "{stamp}Het voorbeeld staat op {url}"),
    (re.compile(_STAMP + r"Detected file changes$"), "{stamp}Een bestand is gewijzigd"),
    (re.compile(_STAMP + r"Reloading browsers$"), "{stamp}De browser laadt de pagina opnieuw"),
    (re.compile(_STAMP + r"Browser connected: (?P<url>.*)$"), "{stamp}Browser verbonden: {url}"),
    (re.compile(r"Shutting down\.\.\.$"), "Het voorbeeld stopt"),
    (
        re.compile(_STAMP + r'"(?P<req>\S+ \S+) HTTP/[\d.]+" code (?P<code>\d+)$'),
        "{stamp}{req}: antwoord {code} (bestaat niet of kon niet worden gelezen)",
    ),
]


def dutch(message: str) -> str | None:
    """The Dutch for one of MkDocs' own lines, or None."""
    for pattern, text in _LINES:
        if m := pattern.match(message):
            return text.format(**{k: v or "" for k, v in m.groupdict().items()})
    return None


def _rewrite(record: logging.LogRecord) -> bool:
    if record.name.startswith("mkdocs") and not record.name.startswith("mkdocs.plugins"):
        text = dutch(record.getMessage())
        if text is not None:
            record.msg, record.args = text, None
    return True


def install() -> None:
    """Once per process: on every handler of MkDocs' logger."""
    for handler in logging.getLogger("mkdocs").handlers:
        if _rewrite not in handler.filters:
            handler.addFilter(_rewrite)
