"""Soft hyphens in long Dutch words (pyphen, nl_NL), for narrow phone screens.

Debian's Chromium has no Dutch dictionary for CSS ``hyphens: auto``; soft hyphens inserted at
build time (and in the endpoint's few pages) break "Spiegelbijeenkomsten" where Dutch allows it.

pyphen reads its dictionary whole: 16,000 patterns parsed, a tenth of a second, for the twenty or
so long words a site has in its headings. ``_LazyPatterns`` gives pyphen the same table, each
pattern parsed (by pyphen's own rules) the first time a word asks for it; pyphen's own code does
the hyphenating. tests/test_project.py compares the two for every pattern of the dictionary.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyphen

SHY = "\u00ad"
MIN_WORD = 11  # shorter words fit any line at 320 px

# Words already hyphenated; the site build fills it from the previous build (most builds meet no
# new long word, and then never open the dictionary).
KNOWN: dict[str, str] = {}
KNOWN_MAX = 20_000  # the endpoint's pages show visitors' words too: the memo stays bounded


@functools.cache
def _dictionary() -> pyphen.Pyphen:
    import pyphen

    path = pyphen.LANGUAGES[pyphen.language_fallback("nl_NL")]
    if path not in pyphen.hdcache:
        pyphen.hdcache[path] = lazy_hyphdict(Path(str(path)))
    return pyphen.Pyphen(lang="nl_NL", left=3, right=3)


class _LazyPatterns(dict[str, Any]):
    """pyphen's ``HyphDict.patterns`` (letters -> (offset, values)), filled as it is asked."""

    def __init__(self, lines: dict[str, str | list[str]]) -> None:
        super().__init__()
        self.lines = lines  # letters -> the dictionary's line(s) with these letters, in order

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        found = default
        entries = self.lines.get(key, ())
        for line in (entries,) if isinstance(entries, str) else entries:
            found = _parse(line) or found  # a later line replaces an earlier one, as in pyphen
        self[key] = found
        return found


def _parse(pattern: str) -> tuple[int, tuple[int, ...]] | None:
    """One line of the dictionary, as ``pyphen.HyphDict.__init__`` reads it (None: only zeros)."""
    import pyphen

    factory: Any = int
    if "/" in pattern and "=" in pattern:  # a nonstandard hyphenation
        pattern, alternative = pattern.split("/", 1)
        factory = pyphen.AlternativeParser(pattern, alternative)
    values = [factory(i or "0") for i, _ in pyphen.parse(pattern)]
    if max(values) == 0:
        return None
    start, end = 0, len(values)
    while not values[start]:
        start += 1
    while not values[end - 1]:
        end -= 1
    return start, tuple(values[start:end])


def _plain_lines(body: str) -> dict[str, str | list[str]] | None:
    """Letters -> line for a dictionary of plain lines (no spaces, comments, escapes,
    nonstandard hyphenations or digits beyond 0-9, each set of letters once, as in pyphen's
    nl_NL), without a loop in Python; None for any other file."""
    import pyphen

    if "^^" in body or "/" in body or re.search(r"[^\S\n]", body):
        return None
    letters = body
    for digit in "0123456789":  # str.replace: ten times faster here than str.translate
        letters = letters.replace(digit, "")
    ignored = "|".join(re.escape(word) for word in pyphen.ignored)
    if re.search(r"\d", letters) or re.search(f"^(?:{ignored})", body, re.M):
        return None
    keys, lines = letters.split("\n"), body.split("\n")
    table: dict[str, str | list[str]] = dict(zip(keys, lines, strict=True))
    table.pop("", None)  # blank lines (and lines of digits only, which no word can ask for)
    return table if len(table) == len(keys) - keys.count("") else None


def lazy_hyphdict(path: Path) -> pyphen.HyphDict:
    """pyphen's ``HyphDict(path)``, its patterns parsed on first use."""
    import pyphen

    with path.open("rb") as fd:
        encoding = fd.readline().decode()
    if encoding.lower() == "microsoft-cp1251":
        encoding = "cp1251"
    body = path.read_text(encoding).split("\n", 1)[1]
    table = _plain_lines(body)
    if table is None:
        table = {}
        for line in body.split("\n"):
            line = line.strip()
            if not line or line.startswith(pyphen.ignored):
                continue
            line = pyphen.parse_hex(lambda m: chr(int(m.group(1), 16)), line)
            letters = line.split("/", 1)[0] if "/" in line and "=" in line else line
            entries = table.setdefault(re.sub(r"\d", "", letters), [])
            assert isinstance(entries, list)
            entries.append(line)
    hd = pyphen.HyphDict.__new__(pyphen.HyphDict)
    hd.patterns = _LazyPatterns(table)
    hd.cache = {}
    hd.maxlen = max(len(key) for key in table)
    return hd


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
