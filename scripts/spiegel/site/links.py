"""Links and images in the site's texts: one rule for ``spiegel check`` and the build.

The rule is MkDocs' own (``validation:`` in mkdocs.yml, strict): every link and image in a
page's Markdown that is not an outside address must point at a file of the site, read from the
page it stands on (``/...`` from the site's root), and a ``#kop`` must be a heading or id on the
target page. A text from a YAML file stands on the page made from it, so its links are read from
there. The build runs this before MkDocs renders (``site/plugin.py``, ``on_files``) and
``spiegel check`` runs it on the same generated pages (``check.py``), so each broken link is
named once, in Dutch, on the line staff wrote it (``Sources``), with a suggestion: for an
image, the images that exist.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from spiegel.content.issues import Issue
from spiegel.site.generate import page_url
from spiegel.site.sources import Sources

# as mkdocs.yml: the Markdown the build reads, and what of content/ is not published
MARKDOWN_EXTENSIONS = ("attr_list", "md_in_html", "tables", "def_list", "toc")
NOT_PUBLISHED = ("*.yaml", "*.yml", "results/", "README.md")
IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif")
_RAW_ID = re.compile(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""")


@dataclass(frozen=True)
class Broken:
    page: str  # the page (src_uri) the link stands on
    url: str  # as written
    image: bool
    why: str  # "missing" (no such file), "anchor" (no such heading), "outside" (another host)
    target: str  # the file the link was read as


def published_files(docs_dir: Path) -> dict[str, Path]:
    """The files of ``docs_dir`` MkDocs publishes (by site path): ``exclude_docs`` of the
    project's mkdocs.yml, matched as MkDocs matches it (gitignore rules, dot files out)."""
    import pathspec

    spec = pathspec.gitignore.GitIgnoreSpec.from_lines(
        [".*", "/templates/", *exclude_docs(docs_dir.parent / "mkdocs.yml").splitlines()]
    )
    out: dict[str, Path] = {}
    for path in sorted(docs_dir.rglob("*")):
        rel = path.relative_to(docs_dir).as_posix()
        if path.is_file() and not spec.match_file(rel):
            out[rel] = path
    return out


def exclude_docs(mkdocs_yml: Path) -> str:
    """``exclude_docs`` of mkdocs.yml (``NOT_PUBLISHED`` when it cannot be read)."""
    import yaml

    try:
        config = yaml.safe_load(mkdocs_yml.read_text(encoding="utf-8"))
        value = config.get("exclude_docs") if isinstance(config, dict) else None
    except (OSError, yaml.YAMLError):
        value = None
    return value if isinstance(value, str) else "\n".join(NOT_PUBLISHED)


class _Scanner:
    """Python-Markdown as MkDocs sets it up, reading one page after another (one parser: making
    one is most of the cost), with a last step that collects the links and the ids."""

    def __init__(self) -> None:
        import markdown
        from markdown.treeprocessors import Treeprocessor

        scanner = self

        class Collect(Treeprocessor):
            def run(self, root: Element) -> None:
                for el in root.iter():
                    if el.get("id"):
                        scanner.ids.add(el.get("id") or "")
                    if el.tag == "a" and el.get("href") is not None:
                        scanner.found.append((el.get("href") or "", False))
                    elif el.tag == "img" and el.get("src") is not None:
                        scanner.found.append((el.get("src") or "", True))

        self.md = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS))
        self.md.treeprocessors.register(Collect(self.md), "spiegel_links", 4)  # after toc: ids
        self.found: list[tuple[str, bool]] = []
        self.ids: set[str] = set()

    def scan(self, text: str) -> tuple[list[tuple[str, bool]], set[str]]:
        """The links (url, is image) MkDocs checks in one page's Markdown, and the page's ids."""
        self.found, self.ids = [], set()
        self.md.reset()
        self.md.convert(text)
        for block in self.md.htmlStash.rawHtmlBlocks:  # MkDocs counts ids in raw HTML too
            self.ids.update(_RAW_ID.findall(str(block)))
        return self.found, self.ids


def broken_links(pages: Mapping[str, str], files: Collection[str]) -> list[Broken]:
    """Every link or image in ``pages`` (src_uri -> Markdown) that MkDocs' strict validation
    refuses, given every file of the site (``files``, site paths)."""
    scanner = _Scanner()
    scanned = {src: scanner.scan(text) for src, text in pages.items() if src.endswith(".md")}
    out: list[Broken] = []
    for page, (links, _) in scanned.items():
        for url, image in links:
            scheme, netloc, path, _query, anchor = urlsplit(url)
            if scheme or netloc or "\x02amp" in url:
                if image and (scheme in ("http", "https") or url.startswith("//")):
                    out.append(Broken(page, url, image, "outside", url))  # privacy: no
                continue  # another site, e-mail or phone: not ours to check
            if not path:
                if anchor and anchor not in scanned[page][1]:
                    out.append(Broken(page, url, image, "anchor", page))
                continue
            base = "" if url.startswith(("/", "\\")) else posixpath.dirname(page)
            target = posixpath.normpath(posixpath.join(base, unquote(path))).lstrip("/")
            if target not in files:
                out.append(Broken(page, url, image, "missing", target))
            elif anchor and target in scanned and anchor not in scanned[target][1]:
                out.append(Broken(page, url, image, "anchor", target))
    return out


def suggestion(b: Broken, files: Iterable[str]) -> str:
    """What to write instead, read from the link's own page."""
    wanted = [f for f in files if f.lower().endswith(IMAGES)] if b.image else None
    if wanted is None:
        wanted = [f for f in files if f.endswith(".md") and f != b.page]
    if not wanted:
        return ""
    close = difflib.get_close_matches(b.target, wanted, n=1, cutoff=0.6)
    return posixpath.relpath(close[0], posixpath.dirname(b.page) or ".") if close else ""


def issues(
    found: list[Broken], files: Collection[str], sources: Sources, docs_label: str
) -> list[Issue]:
    """Dutch messages, each on the line where the link was written; ``files``: what staff may
    link to (their own files and the generated pages), from which suggestions are taken."""
    out: list[Issue] = []
    for b in found:
        where = _where(sources, b.url, b.page, docs_label)
        on = page_url(b.page) or "/"
        read = (
            f" Deze tekst staat op de pagina /{on.lstrip('/')}; een link wordt vanaf die pagina"
            " gelezen."
            if where.generated
            else ""
        )
        if b.why == "outside":
            message = (
                f"de afbeelding {b.url} staat op een andere website. De site laadt niets van"
                " andere websites (privacy: die zouden zien wie de pagina bekijkt). Zet het"
                f" bestand in {docs_label}/assets/ en schrijf bijvoorbeeld: "
                f"![korte omschrijving]({posixpath.relpath('assets/foto.png', posixpath.dirname(b.page) or '.')})"
            )
        elif b.why == "anchor":
            message = (
                f"de link {b.url} wijst naar een kop (#...) die op die pagina niet bestaat. "
                "Controleer het deel na # (kleine letters, streepjes in plaats van spaties)."
            )
        elif b.image:
            images = sorted(f for f in files if f.lower().endswith(IMAGES))
            listed = ", ".join(
                posixpath.relpath(f, posixpath.dirname(b.page) or ".") for f in images[:5]
            )
            message = (
                f"de afbeelding {b.url} bestaat niet.{read} Zet het bestand in "
                f"{docs_label}/assets/ of verbeter de naam"
                + (f"; deze afbeeldingen zijn er wel: {listed}." if listed else ".")
            )
        elif (index := posixpath.join(b.target, "index.md").lstrip("./")) in files:
            # "/verbeteringen/" or "../verbeteringen/": the page's web address, not its file
            wanted = posixpath.relpath(index, posixpath.dirname(b.page) or ".")
            message = (
                f"de link {b.url} is het adres van een pagina op de site; zo werkt hij niet op"
                f" elke plek waar de site staat.{read} Schrijf het bestand van die pagina,"
                f" zo: ({wanted})"
            )
        else:
            near = suggestion(b, files)
            message = (
                f"de link {b.url} werkt niet: die pagina bestaat niet.{read} "
                + (
                    f"Bedoelt u {near}? "
                    if near
                    else "Controleer het adres, bijvoorbeeld "
                    f"{posixpath.relpath('verbeteringen/index.md', posixpath.dirname(b.page) or '.')}. "
                )
                + "Een link naar een andere site begint met https://."
            )
        out.append(Issue(where.file, where.line, "", message))
    return sorted(set(out))


@dataclass(frozen=True)
class _Where:
    file: str
    line: int
    generated: bool  # the link is in a YAML text (the page is made from it)


def _where(sources: Sources, url: str, page: str, docs_label: str) -> _Where:
    found = sources.locate(f"]({url}", prefer=page) or sources.locate(url, prefer=page)
    if found is None:
        return _Where(f"{docs_label}/{page}", 0, True)
    file, _, line = found.rpartition(":")
    return _Where(file, int(line), not file.endswith(".md"))


def clashes(own: Iterable[str], generated: Collection[str], docs_label: str) -> list[Issue]:
    """Staff's own files in the place of a page the build makes from the YAML files (the same
    file, or the same address: ``vvg.md`` and ``vvg/index.md`` are both /vvg/): one of the two
    would be lost, so the build (``site/plugin.py``) and ``spiegel check`` refuse it."""
    made = {page_url(g) if g.endswith(".md") else g for g in generated}
    return [
        Issue(
            f"{docs_label}/{rel}",
            1,
            "",
            f"de pagina /{page_url(rel).lstrip('/')} wordt al gemaakt uit de YAML-bestanden in"
            f" {docs_label}/. Verwijder dit bestand en pas de tekst in het YAML-bestand aan, of"
            " geef dit bestand een andere naam.",
        )
        for rel in sorted(own)
        if (page_url(rel) if rel.endswith(".md") else rel) in made
    ]
