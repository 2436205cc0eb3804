"""Every keyed hash and signature, derived from one secret with one rule.

The secret is the LAST (oldest) key of ``SPIEGEL_ENCRYPTION_KEY``, so hashes and links stay the
same across a key rotation. Without a key (development only: production refuses to start
without one) it is a random secret kept in the database (table ``secrets``, created on first
use), so every process and the command line agree, and nothing is ever a plain unkeyed hash.

One derivation: ``derive(purpose) = SHA-256("spiegel-<purpose>:" + secret)``, a labelled key per
use; each message inside a use carries its own prefix (``capacity``, ``cancel``, ``contact``...).
The two labels in use, ``unique`` and ``link``, are the ones the earlier code used, so every
seat hash, one-response key, invitation code hash and cancel link issued with a key still
verifies (no migration). Standard library only: this runs on the request path.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import Protocol


class Secrets(Protocol):
    def secret(self, name: str) -> str: ...


def split_keys(key: str) -> list[str]:
    return [k.strip() for k in key.split(",") if k.strip()]


class Keys:
    def __init__(self, secret: Callable[[], str]) -> None:
        """``secret``: the master secret, asked for on first use (it may be in the database)."""
        self._secret = secret

    @classmethod
    def of(cls, encryption_key: str | None, store: Secrets) -> Keys:
        """The one rule: the oldest configured key, else the database's own random secret."""
        keys = split_keys(encryption_key or "")
        if keys:
            oldest = keys[-1]
            return cls(lambda: oldest)
        return cls(lambda: store.secret("link"))  # named "link" for the links already sent

    @functools.cached_property
    def _master(self) -> bytes:
        secret = self._secret()
        if not secret:
            raise ValueError("no secret to derive keys from")
        return secret.encode()

    @functools.cache  # noqa: B019 (one Keys per process; the cache lives as long)
    def derive(self, purpose: str) -> bytes:
        return hashlib.sha256(f"spiegel-{purpose}:".encode() + self._master).digest()

    def _hash(self, material: str) -> str:
        return hmac.new(self.derive("unique"), material.encode(), hashlib.sha256).hexdigest()

    def seat(self, form_id: str, choice: str) -> str:
        """What the seat count is keyed on: which session someone chose is itself sensitive."""
        return self._hash(f"{form_id}\x00capacity\x00{choice}")

    def one_response(self, form_id: str, scope: str, value: str) -> str:
        """The key of "one response per code": the code itself is never stored."""
        return self._hash(f"{form_id}\x00{scope}\x00{value.strip().upper()}")

    def version(self, form_id: str, facts: str) -> str:
        """The fingerprint of what participants are told about a session: keyed, because the
        facts are public (the agenda) and a plain hash would name the session of a seat key."""
        return self._hash(f"{form_id}\x00version\x00{facts}")

    def invitation(self, code: str) -> str:
        """The stored hash of a normalised invitation code."""
        return self._hash(f"spiegel-invite\x00{code}")

    def invitee(self, evaluation: str, address: str) -> str:
        """Who was invited for an evaluation, as a keyed hash of the normalised address: one
        person gets one code (wiped when the evaluation closes)."""
        return self._hash(f"spiegel-invitee\x00{evaluation}\x00{address}")

    @property
    def loaded(self) -> bool:
        """The master secret has been read (no database round trip is needed any more)."""
        return "_master" in self.__dict__

    def link(self) -> bytes:
        """The key that signs cancel links and hashes contact details and client addresses
        (``spiegel.signups.prepare``)."""
        return self.derive("link")
