"""What a typed answer may look like, written once: the server's checks, the OpenAPI body schema
and the HTML ``pattern`` attributes are all made from these. Standard library only: the endpoint
imports this on its request path, and a serverless cold start compiles only what its first
request uses (the rest is compiled on first use).

A pattern here is written so that Python's ``re``, ECMA-262 (JSON Schema, with and without the
``v`` flag of HTML ``pattern``) read it the same way: no Python-only syntax, and the characters
that the ``v`` flag reserves inside a class are escaped. The free-text pattern of the JSON Schema
(``text_pattern``) lists the characters beyond the BMP as themselves: it needs a validator that
reads a pattern as code points (Python, Rust, ECMA-262 with ``u``, as JSON Schema tools do).
"""

from __future__ import annotations

import functools
import re

# Separators people type inside a phone number: 071-123 45 67, (071) 1234567, 06.12.34.56.78
# (the white space a text may hold, named: ``\s`` also takes form feed and the like, which every
# text refuses, so the schema would promise numbers the server refuses; issue 20)
_SEP = r"[\t\n \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\-\(\)\.]*"
# 06 12345678, 071 123 45 67, +31 6 1234 5678, 0031 71 1234567: a Dutch number of 10 digits
PHONE = (
    rf"{_SEP}(?:\+{_SEP}3{_SEP}1|0{_SEP}0{_SEP}3{_SEP}1|0){_SEP}([1-9](?:{_SEP}[0-9]){{8}}){_SEP}"
)
# A dot-atom local part (RFC 5322) without "?": no RFC 2047 encoded word ("=?utf-8?q?...?="),
# no quotes, no list, no display name; exactly what email.headerregistry.Address round-trips as
# one plain addr-spec (issue 20 #2, #3; a test checks the round trip).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=^_`{|}~-]+"
EMAIL = rf"{_ATOM}(\.{_ATOM})*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,}}"
# a web address in a name or a short text: a scheme, or www.
LINK = r"(://|[Ww][Ww][Ww]\.)"
LINK_RE = re.compile(LINK)  # names and short texts: most sign-ups
CODE = r"[A-Za-z0-9\-]{4,40}"
# the hidden field the page's script fills with the milliseconds it took to fill in the form
ELAPSED = r"[0-9]{0,15}"

ELAPSED_RE = re.compile(ELAPSED)  # every submission


@functools.cache
def email_re() -> re.Pattern[str]:
    return re.compile(EMAIL)


@functools.cache
def code_re() -> re.Pattern[str]:
    return re.compile(CODE)


_SEP_RE = re.compile(_SEP)
# The server reads a phone number as PHONE does, in two cheaper steps: the separators out, then
# the digits (PHONE has a separator class between every two characters; compiling it took 1 ms of
# a serverless cold start). Every gap of PHONE allows separators, so the two take the same texts
# (tests/test_fields.py checks it against PHONE itself).
_PHONE_DIGITS_RE = re.compile(r"(?:\+31|0031|0)([1-9][0-9]{8})")

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


def _class_body(ranges: tuple[tuple[int, int], ...], *, literal_astral: bool = False) -> str:
    """A character class body. ``literal_astral``: a code point beyond the BMP as itself, which
    Python ``re``, Rust's ``regex`` and ECMA-262 in Unicode mode (``u``/``v``) all read as one
    character (no escape for it is common to all three); else as Python's ``\\U`` escape."""

    def esc(cp: int) -> str:
        if cp > 0xFFFF:
            return chr(cp) if literal_astral else f"\\U{cp:08x}"
        return f"\\u{cp:04x}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


# ASCII text (most of what is typed) is checked against the refused characters of ASCII only; the
# whole class is compiled on the first text that is not ASCII (its 8,000 code points of ranges
# took 0.75 ms to compile, at every serverless cold start)
_REFUSED_ASCII_RE = re.compile(
    f"[{_class_body(tuple((a, min(b, 0x7F)) for a, b in _REFUSED_BMP if a <= 0x7F))}]"
)


@functools.cache
def _refused_re() -> re.Pattern[str]:
    return re.compile(f"[{_class_body(_REFUSED_BMP + _REFUSED_ASTRAL)}]")


# White space as str.strip() and str.isspace() know it (a test compares every code point): the
# server strips it from both ends before it checks a text, so the schema allows it there.
_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)

# The refused characters for the JSON Schema. A pattern there cannot name a surrogate: validators
# built on Rust (jsonschema-rs, which Schemathesis checks with) or ECMA-262 in Unicode mode take
# "\\ud800" for no character and refuse the pattern, and the fuzzer then drops it (issue 20).
# So the surrogates are refused inside a range with other ends: U+D7FF..U+F8FF (the surrogates
# and the private use area), and U+D7FF, the one allowed character in it, is added back. A
# negated class keeps it cheap: Hypothesis enumerates every code point a class names.
_SCHEMA_REFUSED = tuple(r for r in _REFUSED_BMP if r[0] < 0xD800 or r[0] > 0xF8FF) + (
    (0xD7FF, 0xF8FF),
    *_REFUSED_ASTRAL[:-1],
)
# planes 15 and 16 (private use) apart, in a "not": a class naming their 131,072 code points
# takes Hypothesis seconds to build, for every pattern it is in
PRIVATE_PLANES = f"(?:[{_class_body(_REFUSED_ASTRAL[-1:], literal_astral=True)}])"
_SCHEMA_ADDED = "\\ud7ff"


def _one(also_refused: str = "", also_allowed: str = "") -> str:
    """One character that is not refused (nor in ``also_refused``), as a pattern."""
    extra = tuple((ord(c), ord(c)) for c in also_refused)
    refused = _class_body(_SCHEMA_REFUSED + extra, literal_astral=True)
    return f"(?:[^{refused}]|[{_SCHEMA_ADDED}{also_allowed}])"


_AROUND = f"[{_class_body(tuple((ord(c), ord(c)) for c in _SPACE))}]"
_VISIBLE = _one(also_refused=_SPACE)
_INSIDE_ONE_LINE = _one(also_refused="\n")
_INSIDE_LINES = _one(also_allowed="\\r")  # CR LF, CR and LF are all line ends to the server


def text_pattern(one_line: bool, max_length: int | None = None) -> str:
    """A free text for the JSON Schema, read as the server reads it: white space around it
    (stripped), then at least one visible character (blank counts as missing), and inside only
    characters that are not refused (one line: no line end). Needs a validator that reads a
    pattern as code points (see ``_class_body``). ``max_length`` counts what is left after the
    white space around it is stripped, as the server counts (so no ``maxLength``)."""
    inside = _INSIDE_ONE_LINE if one_line else _INSIDE_LINES
    if max_length == 1:
        return f"^{_AROUND}*{_VISIBLE}{_AROUND}*$"
    times = "*" if max_length is None else f"{{0,{max_length - 2}}}"
    return f"^{_AROUND}*{_VISIBLE}(?:{inside}{times}{_VISIBLE})?{_AROUND}*$"


def has_refused_char(text: str) -> bool:
    refused = _REFUSED_ASCII_RE if text.isascii() else _refused_re()
    return refused.search(text) is not None


def clean_text(text: str) -> str | None:
    """One line ending, NFC, no surrounding white space; None when a refused character is in it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():  # ASCII is NFC already
        import unicodedata  # a C module, loaded with the first text that needs it

        text = unicodedata.normalize("NFC", text)
    text = text.strip()
    return None if has_refused_char(text) else text


# Providers known to ignore dots in the local part (a.b@gmail.com is ab@gmail.com).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def normalise_email(address: str) -> str:
    """One person's address in one form, for "one person, one seat" and the per-address mail
    cap: lower case, a plus tag dropped (anna+x@ is anna@), dots dropped where the provider
    ignores them. Never stored or shown: only a keyed hash of it is."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    domain = DOTLESS_DOMAINS.get(domain, domain)
    if domain == "gmail.com":
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalise_phone(text: str) -> str | None:
    """A Dutch phone number as 10 digits (0612345678), or None when it is not one."""
    m = _PHONE_DIGITS_RE.fullmatch(_SEP_RE.sub("", text))
    return "0" + m.group(1) if m else None


MSG = {
    "required": "Vul dit veld in.",
    "choose": "Maak een keuze.",
    "consent": "Zet een vinkje om verder te gaan.",
    "choice": "Kies een van de mogelijkheden.",
    "email": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    "phone": "Vul een Nederlands telefoonnummer in, zoals 06 12345678 of 071 123 45 67.",
    "code": "Vul de code uit uw uitnodiging in: 4 tot 40 letters of cijfers.",
    "code_missing": "Vul de code uit uw uitnodiging in.",
    "type": "Deze waarde kunnen we niet gebruiken.",
    "unknown": "Dit veld kennen we niet.",
    "closed": "Aanmelden voor deze bijeenkomst kan niet meer.",
    "called_off": "Deze bijeenkomst gaat niet door. Kies een andere bijeenkomst.",
    "control": "Deze tekst bevat onzichtbare of speciale tekens die wij niet kunnen bewaren."
    " Typ de tekst zelf opnieuw in, zonder te kopiëren en te plakken.",
    "one_line": "Gebruik één regel.",
    "link": "Een internetadres (met www. of ://) kunnen wij hier niet overnemen. Vul alleen uw"
    " naam of de gevraagde tekst in.",
}


def too_long(limit: int, length: int) -> str:
    return f"Gebruik maximaal {limit} tekens (nu {length})."
