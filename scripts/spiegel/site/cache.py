"""What one build leaves for the next: ``.cache/spiegel/`` in the project folder.

Material's own plugins keep their caches in ``.cache/``; ours sits beside them and holds only
what is the same from build to build and costly to redo: the theme's stylesheets compiled for
the critical CSS (``site/critical.py``), our page templates compiled by Jinja2, the sessions'
``.ics`` files (``site/generate.py``) and the long Dutch words already hyphenated. Every entry is checked or keyed by what it was made from, and a
missing, stale or unreadable cache only means the work is done again. Delete the folder at
will.
"""

from __future__ import annotations

import json
import marshal
from pathlib import Path

import jinja2

from spiegel.content import hyphen

__all__ = [
    "BundleBytecodeCache",
    "bundle_cache",
    "cache_dir",
    "load_words",
    "save_words",
    "theme_bytecode_cache",
]

_WORDS = "hyphenated-words.json"


def cache_dir(project_root: Path) -> Path:
    return project_root / ".cache" / "spiegel"


def load_words(folder: Path) -> None:
    """The words an earlier build hyphenated, so this one need not load the dictionary."""
    try:
        words = json.loads((folder / _WORDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(words, dict):
        hyphen.remember(words)


def save_words(folder: Path) -> None:
    if not hyphen.KNOWN:
        return
    path = folder / _WORDS
    try:
        if path.is_file() and len(json.loads(path.read_text(encoding="utf-8"))) == len(
            hyphen.KNOWN
        ):
            return  # nothing new
    except (OSError, ValueError):
        pass
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(hyphen.KNOWN, ensure_ascii=False, sort_keys=True), "utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only project: the next build hyphenates again


class BundleBytecodeCache(jinja2.BytecodeCache):
    """Jinja2's compiled templates in one file, read once and written once per build.

    Jinja2's ``FileSystemBytecodeCache`` writes one file per template through a temporary file
    as it compiles it: a build with an empty ``.cache/`` made 47 of them (about 20 ms of CPU,
    more on a slow disk), and a build with the cache opened 47. Jinja2 checks each entry as it
    does its own files (its magic header and the checksum of the template's source), so a stale
    or damaged entry is compiled again, never trusted. ``save()`` writes only when something was
    compiled; entries of templates no longer used stay until the folder is deleted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, bytes] = {}
        self.changed = False
        try:
            # The project's own folder, as trusted as Jinja2's own cache files (which are
            # marshalled code too): whoever can write there can edit the templates.
            data = marshal.loads(path.read_bytes())  # noqa: S302
        except (OSError, ValueError, EOFError, TypeError):
            return  # missing or damaged: everything is compiled (and kept) again
        if isinstance(data, dict):
            self.entries = {
                k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, bytes)
            }

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.entries.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)  # resets the bucket if stale or damaged

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.entries[bucket.key] = bucket.bytecode_to_string()
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(marshal.dumps(self.entries))
            tmp.replace(self.path)  # a build running beside this one reads a whole file
        except OSError:
            return  # a read-only project: compiled again next build
        self.changed = False


def bundle_cache(folder: Path | None, name: str) -> BundleBytecodeCache | None:
    """The bundle ``<folder>/<name>/compiled.marshal``; None without a cache folder."""
    return None if folder is None else BundleBytecodeCache(folder / name / "compiled.marshal")


def theme_bytecode_cache(folder: Path | None) -> BundleBytecodeCache | None:
    """Jinja2's cache of compiled templates for the theme (Material's templates and our
    overrides): compiling them was a sixth of every build. None without a cache folder."""
    return bundle_cache(folder, "theme")
