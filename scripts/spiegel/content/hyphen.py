"""Soft hyphens in long Dutch words (pyphen, nl_NL), for narrow phone screens.

Debian's Chromium has no Dutch dictionary for CSS ``hyphens: auto``; soft hyphens inserted at
build time (and in the endpoint's few pages) break "Spiegelbijeenkomsten" where Dutch allows it.
"""

from __future__ import annotations

import functools
import re

import pyphen

SHY = "\u00ad"
MIN_WORD = 11  # shorter words fit any line at 320 px

_DIC = pyphen.Pyphen(lang="nl_NL", left=3, right=3)

_WORD = re.compile(r"(?<![\w@./:-])[A-Za-zÀ-ÖØ-öø-ÿ]{" + str(MIN_WORD) + r",}(?![\w@/])")


@functools.lru_cache(maxsize=4096)
def hyphenate_word(word: str) -> str:
    return _DIC.inserted(word, hyphen=SHY)


def hyphenate_text(text: str) -> str:
    return _WORD.sub(lambda m: hyphenate_word(m.group(0)), text)
