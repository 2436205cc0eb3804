"""Encryption of submissions at rest (Fernet: AES-128-CBC + HMAC-SHA256), with key rotation.

``SPIEGEL_ENCRYPTION_KEY`` holds one Fernet key, or several separated by commas, newest first: the
first encrypts, every one decrypts (``MultiFernet``), and ``spiegel rekey`` re-encrypts stored
values with the first. The keyed hashes (seat counts per session, one-time codes) use the LAST key
in the list, the oldest, so they stay the same across a rotation.

Imported only when a key is configured, so the cryptography package costs nothing otherwise.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "enc:v1:"
ENCRYPTED = "_enc"  # payload marker: every value of this row is ciphertext (set by the endpoint)


class KeyMismatch(ValueError):
    """A stored value that none of the configured keys opens (wrong or retired key, or damage)."""


def split_keys(key: str) -> list[str]:
    return [k.strip() for k in key.split(",") if k.strip()]


class FieldCipher:
    def __init__(self, key: str) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        keys = split_keys(key)
        if not keys:
            raise ValueError("invalid Fernet key")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as exc:
            raise ValueError("invalid Fernet key") from exc
        self.key_count = len(keys)
        self._mac_key = hashlib.sha256(b"spiegel-unique:" + keys[-1].encode()).digest()

    def encrypt(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, text: str) -> str:
        """The plain text of ``encrypt``'s output; text without the prefix is returned as is."""
        if not text.startswith(PREFIX):
            return text
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(text[len(PREFIX) :].encode()).decode()
        except (InvalidToken, UnicodeDecodeError) as exc:
            raise KeyMismatch("no configured key decrypts this value") from exc

    def rotate(self, text: str) -> str:
        """The same value encrypted with the first (newest) key."""
        return self.encrypt(self.decrypt(text)) if text.startswith(PREFIX) else text

    def mac(self, text: str) -> str:
        return hmac.new(self._mac_key, text.encode(), hashlib.sha256).hexdigest()

    def seal(self, payload: dict[str, str]) -> dict[str, str]:
        """Every value encrypted, and the marker that says so: a value someone typed that looks
        like ciphertext (``enc:v1:...``) is then never mistaken for it."""
        return {ENCRYPTED: "1", **{k: self.encrypt(v) for k, v in payload.items()}}

    def open(self, payload: dict[str, str]) -> dict[str, str]:
        """The plain values of a stored payload (``seal``ed or not). Raises KeyMismatch."""
        if ENCRYPTED not in payload:
            return dict(payload)
        return {k: self.decrypt(v) for k, v in payload.items() if k != ENCRYPTED}


def is_sealed(payload: dict[str, str]) -> bool:
    return ENCRYPTED in payload


def unique_key(cipher: FieldCipher | None, form_id: str, scope: str, value: str) -> str:
    """A one-way key for "one response per code": the code itself is never stored."""
    material = f"{form_id}\x00{scope}\x00{value.strip().upper()}"
    if cipher:
        return cipher.mac(material)
    return hashlib.sha256(material.encode()).hexdigest()


def capacity_key(cipher: FieldCipher | None, form_id: str, choice: str) -> str:
    """What the seat count is keyed on: with a key, a keyed hash of the session (which session
    someone signed up for is itself sensitive); without one (development), the session id."""
    return cipher.mac(f"{form_id}\x00capacity\x00{choice}") if cipher else choice


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
