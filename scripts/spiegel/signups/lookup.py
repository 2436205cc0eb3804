"""Keyed lookup hashes of stored contacts, so an AVG request finds one person across every form
without the clear e-mail address or phone number ever being stored as an index.

``lookup_key`` is the one place the key is chosen: the link key of ``security.keys.Keys`` (from
the oldest SPIEGEL_ENCRYPTION_KEY, so stable across a rotation; without a key the database's own
random secret).
"""

from __future__ import annotations

import hashlib
import hmac

from spiegel.forms.model import Form, normalise_phone
from spiegel.security.cipher import FieldCipher


def normalise(value: str) -> str | None:
    """An e-mail address in lower case, or a phone number as the forms store it."""
    text = value.strip()
    if "@" in text:
        return text.lower()
    return normalise_phone(text)


def lookup_key(cipher: FieldCipher | None, link_key: bytes, value: str) -> str:
    """``cipher`` is not used (kept so callers need not change); the key is ``link_key``."""
    material = f"lookup\x00{value}"
    return hmac.new(link_key, material.encode(), hashlib.sha256).hexdigest()


def contact_keys(
    form: Form, values: dict[str, str], cipher: FieldCipher | None, link_key: bytes
) -> list[str]:
    """The lookup keys of one stored submission's e-mail and phone fields."""
    out = []
    for f in form.fields:
        if f.kind.contact and values.get(f.name):
            norm = normalise(values[f.name])
            if norm:
                out.append(lookup_key(cipher, link_key, norm))
    return out
