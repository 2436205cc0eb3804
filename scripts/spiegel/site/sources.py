"""Point problems MkDocs or the audit find in a *generated* page back at the line staff wrote.

Pages are generated from ``content/*.yaml``; a broken link in a leaflet text shows up in MkDocs as
"Doc file 'spiegelbijeenkomst/index.md' contains a link ...", a page that does not exist in
``content/``. ``Sources`` finds the YAML (or Markdown) file and line the text came from, and
``translate`` turns MkDocs' English warning into a Dutch message on that line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

_DOC_LINK = re.compile(
    r"Doc file '(?P<page>[^']+)' contains (?:an? )?(?P<kind>absolute |unrecognized relative )?"
    r"link(?: to)? '(?P<url>[^']+)'(?P<rest>.*)",
    re.S,
)
_NOT_IN_NAV = re.compile(r"not included in the \"nav\" configuration:\n(?P<pages>.*)", re.S)


@dataclass
class Sources:
    """The files staff edit, as (label, lines), searched for the text of a problem."""

    files: list[tuple[str, list[str]]] = field(default_factory=list)

    @classmethod
    def read(cls, folders: list[tuple[Path, str]]) -> Sources:
        out = cls()
        for folder, label in folders:
            for path in sorted(folder.rglob("*")):
                rel = path.relative_to(folder).as_posix()
                if path.suffix not in (".yaml", ".yml", ".md") or rel.startswith("results/"):
                    continue
                if path.name == "README.md":  # guides, never a page of the site
                    continue
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                out.files.append((f"{label}/{rel}", text.splitlines()))
        return out

    def locate(self, needle: str, prefer: str = "") -> str | None:
        """``file:line`` of the first line containing ``needle`` (``prefer``'s file first)."""
        needles = [needle]
        bare = needle.split("#")[0].rstrip("/")
        if bare and bare != needle:
            needles.append(bare)
        ordered = sorted(self.files, key=lambda f: not f[0].endswith(prefer) if prefer else 0)
        for n in needles:
            for label, lines in ordered:
                for number, line in enumerate(lines, 1):
                    if n in line:
                        return f"{label}:{number}"
        return None


def _where(sources: Sources, needle: str, page: str, docs_label: str) -> str:
    found = sources.locate(needle, prefer=page)
    return found or f"{docs_label}/{page} (de pagina die uit de inhoud wordt gemaakt)"


def translate(message: str, sources: Sources, docs_label: str) -> str | None:
    """A Dutch message with file:line for a MkDocs warning we understand, else None."""
    m = _DOC_LINK.match(message)
    if m:
        url, rest, page = m.group("url"), m.group("rest"), m.group("page")
        where = _where(sources, url, page, docs_label)
        if "anchor" in rest:
            what = (
                f"de link {url} wijst naar een kop (#...) die op die pagina niet bestaat. "
                "Controleer het deel na # (kleine letters, streepjes in plaats van spaties)."
            )
        elif m.group("kind"):
            what = (
                f"de link {url} is geen gewone link naar een pagina van deze site. Gebruik een "
                "link naar een bestand, bijvoorbeeld [Verbeteringen](../verbeteringen/index.md), "
                "of een volledig adres met https://."
            )
        elif "excluded" in rest:
            what = f"de link {url} wijst naar een bestand dat niet op de site komt."
        else:
            what = (
                f"de link {url} werkt niet: die pagina bestaat niet. Controleer het adres, "
                "bijvoorbeeld [Verbeteringen](../verbeteringen/index.md)."
            )
        return f"{where}: {what}"
    m = _NOT_IN_NAV.search(message)
    if m:
        pages = [p.strip(" -") for p in m.group("pages").splitlines() if p.strip(" -")]
        return "\n".join(
            f"{docs_label}/{p}: deze pagina staat niet in het menu (dat wordt gemaakt door "
            "scripts/spiegel/site/menu.py). Verwijder het bestand, of meld het aan de beheerder."
            for p in pages
        )
    return None


class DutchWarnings(logging.Handler):
    """Counts MkDocs warnings while a build runs; those about content become Dutch messages on
    the YAML line (``translated``), and MkDocs' own English line for them is held back (``hide``
    on MkDocs' handlers). ``attach`` at the start of a build, ``detach`` at its end."""

    def __init__(self, sources: Sources, docs_label: str) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.translated: list[str] = []
        self.untranslated: list[str] = []  # MkDocs' own words, for the preview's error page
        self.sources, self.docs_label = sources, docs_label

    def emit(self, record: logging.LogRecord) -> None:
        dutch = translate(record.getMessage(), self.sources, self.docs_label)
        if dutch is None:
            self.count += 1
            self.untranslated.append(record.getMessage())
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
