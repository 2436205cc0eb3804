"""Encryption of personal fields at rest (Fernet: AES-128-CBC + HMAC-SHA256).

Imported only when a key is configured, so the cryptography package costs nothing otherwise.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "enc:v1:"


class FieldCipher:
    def __init__(self, key: str) -> None:
        from cryptography.fernet import Fernet

        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ValueError("invalid Fernet key") from exc
        self._mac_key = hashlib.sha256(b"spiegel-unique:" + key.encode()).digest()

    def encrypt(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, text: str) -> str:
        if not text.startswith(PREFIX):
            return text
        return self._fernet.decrypt(text[len(PREFIX) :].encode()).decode()

    def mac(self, text: str) -> str:
        return hmac.new(self._mac_key, text.encode(), hashlib.sha256).hexdigest()


def unique_key(cipher: FieldCipher | None, form_id: str, scope: str, value: str) -> str:
    """A one-way key for "one response per code": the code itself is never stored."""
    material = f"{form_id}\x00{scope}\x00{value.strip().upper()}"
    if cipher:
        return cipher.mac(material)
    return hashlib.sha256(material.encode()).hexdigest()


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
