"""What the preview shows while the content has a mistake (issue 22 #4), in Dutch.

``mkdocs serve`` answers the page the author has open with ``error_page`` (``site/preview.py``);
``./scripts/serve`` keeps serving the last good site with ``banner`` on top of every page
(``web/static.py``). Both list the messages of the failed build (file, line, what to do) and
reload by themselves: MkDocs' live-reload script where it runs, and a meta refresh for a
browser without JavaScript, so the fixed page appears once the file is saved.
"""

from __future__ import annotations

import re
from html import escape

REFRESH_SECONDS = 3
_WHERE = re.compile(r"^(?P<where>[^\s:]+(?::\d+)?): (?P<what>.*)$", re.S)
_LOG_LEVEL = re.compile(r"^([A-Z]+)\s+-\s+")
_HEADER = re.compile(r"^\d+ fout(?:en)? gevonden\.")

__all__ = [
    "REFRESH_SECONDS",
    "banner",
    "error_page",
    "forms_page",
    "inject",
    "messages_from_log",
    "split",
]


def split(text: str) -> list[str]:
    """The messages in a failed build's Dutch error text: the indented ``file:line: ...``
    lines under "N fouten gevonden", or the whole text when it has no such lines."""
    lines = [line.strip() for line in text.splitlines() if line.startswith("  ") and line.strip()]
    return lines or [text.strip()]


def messages_from_log(log: str) -> list[str]:
    """The messages of a failed ``mkdocs build`` from what it printed (``./scripts/serve``):
    its ERROR records (else its WARNING records), a "N fouten gevonden" header unfolded into
    the ``file:line: ...`` lines under it."""
    records: list[tuple[str, list[str]]] = []
    for line in log.splitlines():
        if m := _LOG_LEVEL.match(line):
            records.append((m.group(1), [line[m.end() :].strip()]))
        elif records and line.startswith("  ") and line.strip():
            records[-1][1].append(line.strip())
        elif line.strip():
            records.append(("", []))  # anything else ends a record
    for level in ("ERROR", "WARNING"):
        out: list[str] = []
        for kind, lines in records:
            if kind == level:
                header = _HEADER.match(lines[0])
                out += lines[1:] if header and len(lines) > 1 else lines
        if out:
            return out
    return ["de site kon niet worden gebouwd; zie het venster waarin de server draait."]


def _items(messages: list[str]) -> str:
    out = []
    for message in messages:
        m = _WHERE.match(message)
        if m and ("/" in m.group("where") or m.group("where").endswith((".yaml", ".md"))):
            out.append(
                f"<li><strong>{escape(m.group('where'))}</strong>: {escape(m.group('what'))}</li>"
            )
        else:
            out.append(f"<li>{escape(message)}</li>")
    return "\n".join(out)


_TEXT = (
    "<p>Verbeter de regel in het bestand en sla het op. Deze pagina laadt dan vanzelf opnieuw."
    ' Gebeurt dat niet? <a href="">Laad de pagina opnieuw</a>.</p>'
)


def error_page(messages: list[str]) -> str:
    """A whole page: the preview of a page that cannot be built now."""
    count = len(messages)
    head = "Er staat een fout" if count == 1 else f"Er staan {count} fouten"
    return (
        '<!doctype html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">\n'
        "<title>Fout in de inhoud: de pagina is niet bijgewerkt</title>\n"
        "<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;"
        "padding:0 1rem;color:#1a1a1a}li{margin:.5rem 0}strong{font-family:monospace}"
        "a{color:#1d4f91}</style>\n</head>\n<body>\n<main>\n"
        "<h1>De pagina kan nu niet worden bijgewerkt</h1>\n"
        f"<p>{head} in uw laatste wijziging. Zolang die er staat, maakt de voorbeeldweergave"
        " de pagina niet opnieuw. De echte site verandert niet.</p>\n"
        f"<h2>Wat er mis is</h2>\n<ul>\n{_items(messages)}\n</ul>\n{_TEXT}\n"
        "</main>\n</body>\n</html>\n"
    )


def forms_page(messages: list[str]) -> str:
    """``./scripts/serve``'s answer to a form post (503) while the forms cannot be loaded."""
    return (
        '<!doctype html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>De formulieren werken nu niet</title>\n"
        "<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;"
        "padding:0 1rem;color:#1a1a1a}li{margin:.5rem 0}strong{font-family:monospace}"
        "a{color:#1d4f91}</style>\n</head>\n<body>\n<main>\n"
        "<h1>De formulieren werken nu niet</h1>\n"
        "<p>Er staat een fout in content/ of forms/, daarom kan deze voorbeeldserver de"
        " formulieren niet laden. Wat u invulde, is niet opgeslagen.</p>\n"
        f"<h2>Wat er mis is</h2>\n<ul>\n{_items(messages)}\n</ul>\n"
        "<p>Verbeter de regel in het bestand en sla het op. Daarna werken de formulieren"
        " vanzelf weer: ga terug en verstuur het formulier opnieuw.</p>\n"
        "</main>\n</body>\n</html>\n"
    )


def banner(messages: list[str]) -> str:
    """A block for the top of a page that is older than the content (the build failed)."""
    return (
        '<div role="alert" style="background:#fff4e5;color:#1a1a1a;border:3px solid #b35900;'
        'padding:1rem;margin:0;font:1rem/1.5 system-ui,sans-serif">'
        "<p><strong>Let op: dit is de vorige versie van deze pagina.</strong> Uw laatste"
        " wijziging bevat een fout, daarom is de site niet bijgewerkt.</p>"
        f"<ul>{_items(messages)}</ul>{_TEXT}</div>"
    )


def inject(html: bytes, messages: list[str]) -> bytes:
    """``html`` with the banner after ``<body>`` and a meta refresh in its head."""
    refresh = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'.encode()
    block = banner(messages).encode()
    head = html.find(b"<head>")
    if head >= 0:
        html = html[: head + 6] + refresh + html[head + 6 :]
    body = re.search(rb"<body[^>]*>", html)
    at = body.end() if body else 0
    return html[:at] + block + html[at:]
