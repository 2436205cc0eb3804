"""Answers given with an invitation code wait in the ballot box until enough of them are there,
then move into the answer table in one shuffled batch of their own (issue 19): no time, order or
transaction ties an answer to the code that was used for it. Run by serve's housekeeping, by
``spiegel ballots`` (cron, serverless) and before ``spiegel results``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spiegel.db.base import Store
from spiegel.security.cipher import FieldCipher

BALLOT_BATCH = 10  # answers move from the ballot box only when at least this many wait


def reseal_with(cipher: FieldCipher | None) -> Callable[[Any], Any] | None:
    """A fresh ciphertext for each moved answer, so not even the token's time is carried over."""
    return (lambda p: cipher.seal(cipher.open(p))) if cipher else None


def move(store: Store, cipher: FieldCipher | None, everything: bool = False) -> int:
    """Move the waiting answers when a batch is full (``everything``: after the closing)."""
    return store.move_ballots(1 if everything else BALLOT_BATCH, reseal_with(cipher))
