"""What a typed answer may look like, written once: the server's checks, the OpenAPI body schema
and the HTML ``pattern`` attributes are all made from these. Standard library only: the endpoint
imports this on its request path.

A pattern here is written so that Python's ``re``, ECMA-262 (JSON Schema, with and without the
``v`` flag of HTML ``pattern``) read it the same way: no Python-only syntax, and the characters
that the ``v`` flag reserves inside a class are escaped.
"""

from __future__ import annotations

import re
import unicodedata

# Separators people type inside a phone number: 071-123 45 67, (071) 1234567, 06.12.34.56.78
_SEP = r"[\s\-\(\)\.]*"
# 06 12345678, 071 123 45 67, +31 6 1234 5678, 0031 71 1234567: a Dutch number of 10 digits
PHONE = (
    rf"{_SEP}(?:\+{_SEP}3{_SEP}1|0{_SEP}0{_SEP}3{_SEP}1|0){_SEP}([1-9](?:{_SEP}[0-9]){{8}}){_SEP}"
)
EMAIL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
CODE = r"[A-Za-z0-9\-]{4,40}"

EMAIL_RE = re.compile(EMAIL)
PHONE_RE = re.compile(PHONE)
CODE_RE = re.compile(CODE)
_SEP_RE = re.compile(_SEP)

# Characters refused in any text, as code point ranges (first, last):
# - control characters (Unicode category Cc) except tab and newline;
# - characters that change how text looks without being text: bidi overrides (U+202E turns
#   "exe.txt" into "txt.exe"), zero-width and byte-order marks, line/paragraph separators. The
#   joiners (U+200C/D) and the plain direction marks (U+200E/F, U+061C) stay allowed: emoji and
#   right-to-left text need them, and they cannot reorder the text around them;
# - Unicode non-characters (U+FDD0..U+FDEF and the last two of every plane), surrogates (Cs) and
#   private use (Co).
_REFUSED_BMP = (
    (0x0000, 0x0008),
    (0x000B, 0x001F),
    (0x007F, 0x009F),
    (0x200B, 0x200B),
    (0x2028, 0x2028),
    (0x2029, 0x2029),
    (0x202A, 0x202E),
    (0x2060, 0x2060),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
    (0xFDD0, 0xFDEF),
    (0xFFFE, 0xFFFE),
    (0xFFFF, 0xFFFF),
    (0xD800, 0xDFFF),
    (0xE000, 0xF8FF),
)
# beyond the BMP: the non-characters of planes 1-14, then planes 15 and 16 (private use and
# their non-characters) whole
_REFUSED_ASTRAL = (
    *((plane << 16 | 0xFFFE, plane << 16 | 0xFFFF) for plane in range(1, 15)),
    (0xF0000, 0x10FFFF),
)


def _class_body(ranges: tuple[tuple[int, int], ...]) -> str:
    def esc(cp: int) -> str:
        return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


# the refused characters as an ECMA-262 class body, for the JSON Schema (a schema reads text as
# UTF-16 there, so the BMP part covers what a JSON validator can see)
REFUSED = _class_body(_REFUSED_BMP)
_REFUSED_RE = re.compile(f"[{_class_body(_REFUSED_BMP + _REFUSED_ASTRAL)}]")


def text_pattern(one_line: bool) -> str:
    """A free text for the JSON Schema: no refused character, and not blank."""
    refused = REFUSED + (r"\n\r" if one_line else "")
    # at least one character that is not white space: blank counts as missing
    return f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"


def has_refused_char(text: str) -> bool:
    return _REFUSED_RE.search(text) is not None


def clean_text(text: str) -> str | None:
    """One line ending, NFC, no surrounding white space; None when a refused character is in it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():  # ASCII is NFC already
        text = unicodedata.normalize("NFC", text)
    text = text.strip()
    return None if _REFUSED_RE.search(text) else text


def normalise_phone(text: str) -> str | None:
    """A Dutch phone number as 10 digits (0612345678), or None when it is not one."""
    m = PHONE_RE.fullmatch(text)
    return "0" + _SEP_RE.sub("", m.group(1)) if m else None


MSG = {
    "required": "Vul dit veld in.",
    "choose": "Maak een keuze.",
    "consent": "Zet een vinkje om verder te gaan.",
    "choice": "Kies een van de mogelijkheden.",
    "email": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    "phone": "Vul een Nederlands telefoonnummer in, zoals 06 12345678 of 071 123 45 67.",
    "code": "Vul de code uit uw uitnodiging in: 4 tot 40 letters of cijfers.",
    "type": "Deze waarde kunnen we niet gebruiken.",
    "unknown": "Dit veld kennen we niet.",
    "closed": "Aanmelden voor deze bijeenkomst kan niet meer.",
    "control": "Deze tekst bevat onzichtbare of speciale tekens die wij niet kunnen bewaren."
    " Typ de tekst zelf opnieuw in, zonder te kopiëren en te plakken.",
    "one_line": "Gebruik één regel.",
}


def too_long(limit: int, length: int) -> str:
    return f"Gebruik maximaal {limit} tekens (nu {length})."
