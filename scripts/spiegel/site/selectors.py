"""What a plain selector list names, read with one regular expression instead of tinycss2.

The critical CSS (``site/critical.py``) needs, for every rule of a stylesheet, the classes, ids,
elements and attributes its selectors name. Tokenizing the selectors of the theme's 1,300 rules
with tinycss2 (pure Python, character by character) was most of the stylesheet's compiling in a
build with an empty ``.cache/``, though most rules are plain compound selectors such as
``.md-typeset .admonition>p`` or ``[dir=rtl] .md-nav__icon``.

``needs(text)`` reads such a list exactly as ``critical._selector_needs`` reads tinycss2's tokens
and gives the same conditions in the same order. Anything else (a function such as ``:not(...)``,
a string, an escape, a comment, a number, a namespace, a character outside ASCII) gives None, and
the caller tokenizes with tinycss2 as before. The tests compare both on every rule of the site's
stylesheets.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["needs"]

# An identifier as tinycss2 starts one without escapes (css-syntax-3 "would start an
# identifier": a letter or "_", or "-" before one of those or before another "-").
_IDENT = r"(?:--|-?[a-zA-Z_])[a-zA-Z0-9_-]*"
# One token of a plain selector; a text that is not a run of these is left to tinycss2. An
# attribute selector is one token: [name], [name=value] with an optional flag, or another
# operator (~= |= ^= $= *=), whose value the critical CSS does not compare.
_TOKEN = re.compile(
    rf"(?P<ws>[ \t\n\r\f]+)"
    rf"|(?P<ident>{_IDENT})"
    rf"|#(?P<hash>[a-zA-Z0-9_-]+)"
    rf"|\[[ \t\n\r\f]*(?P<attr>{_IDENT})[ \t\n\r\f]*"
    rf"(?:(?P<op>[~|^$*]?=)[ \t\n\r\f]*(?P<value>{_IDENT})"
    rf"(?:[ \t\n\r\f]+(?P<flag>{_IDENT}))?[ \t\n\r\f]*)?\]"
    rf"|(?P<literal>[.:>+~*,])"
)
# Where tinycss2 reads another kind of token: "." or "+" before a digit or "." (a number),
# "u+" before a hex digit or "?" (a unicode-range), "-->" (the HTML comment's end).
_OTHER_TOKEN = re.compile(r"[.+][0-9.]|[uU]\+|-->")


def needs(text: str) -> list[tuple[tuple[Any, ...], ...]] | None:
    """Per alternative of the selector list, its conditions (as ``_selector_needs``); None
    when the text is not a plain selector list."""
    if not text.isascii() or _OTHER_TOKEN.search(text):
        return None
    out: list[list[tuple[Any, ...]]] = [[]]
    prev = None  # the previous token other than white space: "." ":" or another
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            return None  # a character no token here reads
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            prev = None
            continue
        current = out[-1]
        if kind == "ident":
            if prev == ".":
                current.append(("class", m["ident"]))
            elif prev != ":":
                current.append(("tag", m["ident"].lower()))
        elif kind == "hash":
            current.append(("id", m["hash"]))
        elif kind == "literal" and m["literal"] == ",":
            out.append([])
        elif kind != "literal":  # an attribute selector
            name = m["attr"].lower()
            current.append(("attr", name))
            if m["op"] == "=":
                flag = m["flag"]
                if flag is not None and flag.lower() == "i":
                    current.append(("ivalue", name, m["value"].lower()))
                else:
                    current.append(("value", name, m["value"]))
        prev = m["literal"] if kind == "literal" else kind
    if pos != len(text):
        return None
    return [tuple(alt) for alt in out]
