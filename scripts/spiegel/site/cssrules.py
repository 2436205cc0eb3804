"""Where the rules of a stylesheet are, found without tokenizing what is inside them.

tinycss2 (pure Python) reads every character of a stylesheet; for the theme's 138 KB that was
most of the critical CSS's work in a build with an empty ``.cache/``. The critical CSS needs the
selectors of every rule, but the declarations only of the rules some page keeps (a quarter of the
theme's). ``split`` finds where each rule starts, where its block opens and where it ends, by the
CSS syntax's own rules for what can hold a brace (strings, comments, escapes, ``url(...)``,
nested blocks: css-syntax-3, "consume a qualified rule" / "an at-rule" / "a simple block"), so
that tinycss2 parses only the pieces asked for (``site/critical.py``). A text that does not read
to its end as whole rules gives None, and the caller parses the sheet whole, as before.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Piece", "split"]

# What may stand between two rules: at the top of a stylesheet white space, comments and the
# HTML comment markers (CDO, CDC), which tinycss2's parse_stylesheet drops; inside a block, the
# first two only.
_BETWEEN_TOP = re.compile(r"(?:\s+|/\*.*?(?:\*/|\Z)|<!--|-->)*", re.S)
_BETWEEN = re.compile(r"(?:\s+|/\*.*?(?:\*/|\Z))*", re.S)
# Everything inside a rule that can hold or be a bracket or a semicolon; the text between two
# matches cannot. A string ends at its quote or, unterminated, before a newline (a "bad string");
# an unquoted url(...) ends at its first unescaped ")", whatever it holds.
_TOKEN = re.compile(
    r"/\*.*?(?:\*/|\Z)"
    r'|"(?:[^"\\\n]|\\[\s\S])*"?'
    r"|'(?:[^'\\\n]|\\[\s\S])*'?"
    r"|\\[\s\S]?"
    r"""|(?<![\w\\-])url\((?!\s*["'])(?:[^)\\]|\\[\s\S])*\)?"""
    r"|[{}()\[\];]",
    re.S | re.I,
)
_CLOSING = {"{": "}", "(": ")", "[": "]"}


class Piece(NamedTuple):
    """One rule of the text: ``css[start:end]``; its block opens at ``block`` (-1: an at-rule
    that ends with ``;``)."""

    start: int
    block: int
    end: int


def split(css: str, start: int = 0, end: int | None = None, top: bool = True) -> list[Piece] | None:
    """The rules of ``css[start:end]`` in order (``top``: a whole stylesheet; else the inside of
    a block such as ``@media``), or None when it does not end with a whole rule."""
    end = len(css) if end is None else end
    between = _BETWEEN_TOP if top else _BETWEEN
    out: list[Piece] = []
    pos = _after(between, css, start, end)
    while pos < end:
        piece = _rule(css, pos, end)
        if piece is None:
            return None
        out.append(piece)
        pos = _after(between, css, piece.end, end)
    return out


def _after(between: re.Pattern[str], css: str, pos: int, end: int) -> int:
    match = between.match(css, pos, end)
    return match.end() if match else pos


def _rule(css: str, start: int, end: int) -> Piece | None:
    """The rule starting at ``start``: a qualified rule ends with its block, an at-rule with its
    block or a ``;`` outside brackets. A closing bracket that closes nothing open is a plain
    token, as in the syntax; so is a ``}`` inside ``( )``."""
    at_rule = css.startswith("@", start)
    open_: list[str] = []  # the closing bracket each open block waits for
    block = -1
    for match in _TOKEN.finditer(css, start, end):
        tok = match.group()
        if tok in _CLOSING:
            if tok == "{" and not open_ and block < 0:
                block = match.start()
            open_.append(_CLOSING[tok])
        elif open_ and tok == open_[-1]:
            open_.pop()
            if not open_ and block >= 0:
                return Piece(start, block, match.end())
        elif tok == ";" and at_rule and not open_:
            return Piece(start, -1, match.end())
    return None  # the text ends inside the rule
