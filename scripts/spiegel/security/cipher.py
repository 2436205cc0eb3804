"""Encryption of submissions at rest (Fernet: AES-128-CBC + HMAC-SHA256), with key rotation.

``SPIEGEL_ENCRYPTION_KEY`` holds one Fernet key, or several separated by commas, newest first: the
first encrypts, every one decrypts (``MultiFernet``), and ``spiegel rekey`` re-encrypts stored
values with the first. The keyed hashes are in ``keys.py``.

A stored payload is ONE token: ``{"_sealed": "enc:v2:<token>"}``, the JSON of all values padded
with spaces to a bucket (a power of two, at least 512 bytes), so neither the field names nor the
lengths of the answers can be read from the database; one Fernet operation per submission.
Rows written before (``_enc`` + one ``enc:v1:`` token per value) still open; ``spiegel rekey``
turns them into the new form.

Imported only when a key is configured, so the cryptography package costs nothing otherwise.
"""

from __future__ import annotations

import json

from spiegel.security.keys import split_keys

PREFIX = "enc:v1:"  # one value (rows before the single token)
ENCRYPTED = "_enc"  # payload marker of those rows: every value of the row is ciphertext
SEALED = "_sealed"  # the one key of a payload stored as one token
SEALED_PREFIX = "enc:v2:"
BUCKET = 512  # smallest padded size in bytes; larger payloads go to the next power of two


class KeyMismatch(ValueError):
    """A stored value that none of the configured keys opens (wrong or retired key, or damage)."""


def padded(data: bytes) -> bytes:
    size = BUCKET
    while size < len(data):
        size *= 2
    return data + b" " * (size - len(data))  # JSON ignores trailing whitespace


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

    def encrypt(self, text: str) -> str:
        """One value as a v1 token (what rows held before the single token; tests write them)."""
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def _decrypt(self, token: str) -> bytes:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise KeyMismatch("no configured key decrypts this value") from exc

    def decrypt(self, text: str) -> str:
        """The plain text of ``encrypt``'s output; text without the prefix is returned as is."""
        if not text.startswith(PREFIX):
            return text
        try:
            return self._decrypt(text[len(PREFIX) :]).decode()
        except UnicodeDecodeError as exc:
            raise KeyMismatch("no configured key decrypts this value") from exc

    def seal(self, payload: dict[str, str], at: int | None = None) -> dict[str, str]:
        """Every value in one padded token. A value someone typed that looks like ciphertext
        (``enc:v1:...``) is inside it, so it is never mistaken for it. A Fernet token carries
        its creation time in clear (no key needed to read it): ``at`` (seconds since the epoch)
        replaces the moment of sealing, for answers that must show no time finer than the day."""
        data = padded(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
        token = self._fernet.encrypt(data) if at is None else self._fernet.encrypt_at_time(data, at)
        return {SEALED: SEALED_PREFIX + token.decode()}

    def open(self, payload: dict[str, str]) -> dict[str, str]:
        """The plain values of a stored payload (sealed, in the old per-value form, or plain).
        Raises KeyMismatch."""
        if SEALED in payload:
            token = payload[SEALED]
            if not token.startswith(SEALED_PREFIX):
                raise KeyMismatch("not a sealed payload")
            try:
                values = json.loads(self._decrypt(token[len(SEALED_PREFIX) :]))
            except (UnicodeDecodeError, ValueError) as exc:
                raise KeyMismatch("no configured key decrypts this value") from exc
            return {str(k): str(v) for k, v in values.items()}
        if ENCRYPTED not in payload:
            return dict(payload)
        return {k: self.decrypt(v) for k, v in payload.items() if k != ENCRYPTED}


def is_sealed(payload: dict[str, str]) -> bool:
    return SEALED in payload or ENCRYPTED in payload


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
