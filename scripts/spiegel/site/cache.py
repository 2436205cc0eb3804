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
from pathlib import Path

import jinja2

from spiegel.content import hyphen

__all__ = ["cache_dir", "load_words", "save_words", "theme_bytecode_cache"]

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


def theme_bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Jinja2's cache of compiled templates for the theme (Material's templates and our
    overrides): compiling them was a sixth of every build. None without a writable folder."""
    if folder is None:
        return None
    try:
        (folder / "theme").mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only project: the theme is compiled every build, as before
    return jinja2.FileSystemBytecodeCache(str(folder / "theme"))
