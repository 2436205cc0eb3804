"""Invitation codes for the groepsevaluatie: issued, bound to one evaluation and group, counted.

A code is 11 random characters from a 29-letter alphabet without look-alikes (no 0/O, 1/I/L, U/V)
plus one check character, written as ``XXXX-XXXX-XXXX``: 29^11, about 53 bits, so guessing one of
a few hundred issued codes at the endpoint's rate limit is hopeless. The check character makes the
weighted sum (weights 1..12) zero modulo the prime 29, which catches every single wrong character
and every swap of two neighbours before the code is looked up. Only a keyed hash of the code is
stored; the code itself exists only in the e-mail Spiegel sends to one address (sealed in the
outbox until the relay took it) or on a printed slip (``signups/invitations.py``).
"""

from __future__ import annotations

import secrets

from spiegel.security.keys import Keys

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
BASE = len(ALPHABET)  # 29, a prime
DATA_CHARS = 11


def _check_value(values: list[int]) -> int:
    partial = sum(i * v for i, v in enumerate(values, start=1))
    n = len(values) + 1  # weight of the check character
    # find c with partial + n*c == 0 (mod BASE); BASE is prime, so n has an inverse
    return (-partial * pow(n, -1, BASE)) % BASE


def new_code() -> str:
    values = [secrets.randbelow(BASE) for _ in range(DATA_CHARS)]
    values.append(_check_value(values))
    text = "".join(ALPHABET[v] for v in values)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise(code: str) -> str | None:
    """The canonical code, or None when it is not a well-formed code (typo, wrong length)."""
    text = "".join(ch for ch in code.upper() if ch not in " -.")
    if len(text) != DATA_CHARS + 1 or any(ch not in ALPHABET for ch in text):
        return None
    values = [ALPHABET.index(ch) for ch in text]
    if sum(i * v for i, v in enumerate(values, start=1)) % BASE:
        return None
    return text


def code_key(keys: Keys, code: str) -> str:
    """The stored, keyed hash of a normalised code."""
    return keys.invitation(code)
