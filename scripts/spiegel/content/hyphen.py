"""Soft hyphens in long Dutch words (pyphen, nl_NL), for narrow phone screens.

Debian's Chromium has no Dutch dictionary for CSS ``hyphens: auto``; soft hyphens inserted at
build time (and in the endpoint's few pages) break "Spiegelbijeenkomsten" where Dutch allows it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyphen

SHY = "\u00ad"
MIN_WORD = 11  # shorter words fit any line at 320 px

# Words already hyphenated; the site build fills it from the previous build (loading the Dutch
# dictionary is a fifth of a second, and most builds meet no new long word).
KNOWN: dict[str, str] = {}
KNOWN_MAX = 20_000  # the endpoint's pages show visitors' words too: the memo stays bounded


@functools.cache
def _dictionary() -> pyphen.Pyphen:
    import pyphen

    return pyphen.Pyphen(lang="nl_NL", left=3, right=3)


_WORD = re.compile(r"(?<![\w@./:-])[A-Za-zÀ-ÖØ-öø-ÿ]{" + str(MIN_WORD) + r",}(?![\w@/])")


def hyphenate_word(word: str) -> str:
    hit = KNOWN.get(word)
    if hit is None:
        hit = _dictionary().inserted(word, hyphen=SHY)
        if len(KNOWN) < KNOWN_MAX:
            KNOWN[word] = hit
    return hit


def remember(words: dict[str, str]) -> None:
    """Words hyphenated before (by this module, in an earlier build); anything else is ignored."""
    for word, hyphenated in words.items():
        if (
            isinstance(word, str)
            and isinstance(hyphenated, str)
            and hyphenated.replace(SHY, "") == word
            and len(KNOWN) < KNOWN_MAX
        ):
            KNOWN[word] = hyphenated


def hyphenate_text(text: str) -> str:
    return _WORD.sub(lambda m: hyphenate_word(m.group(0)), text)
