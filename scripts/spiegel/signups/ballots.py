"""Answers given with an invitation code wait in the ballot box until enough of them are there,
then move into the answer table in one shuffled batch of their own (issue 19): no time, order or
transaction ties an answer to the code that was used for it. Run by serve's housekeeping, by
``spiegel ballots`` (cron, serverless) and before ``spiegel results``."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from spiegel.db.base import Store
from spiegel.security.cipher import FieldCipher, KeyMismatch, is_sealed

BALLOT_BATCH = 10  # answers move from the ballot box only when at least this many wait


def reseal_with(cipher: FieldCipher | None) -> Callable[[Any], Any] | None:
    """A fresh ciphertext for each moved answer, so not even the token's time is carried over."""
    return (lambda p: cipher.seal(cipher.open(p))) if cipher else None


def evaluation_of(payload: dict[str, str], cipher: FieldCipher | None) -> str | None:
    """The evaluation a waiting answer belongs to; None when no configured key opens it."""
    if is_sealed(payload):
        if cipher is None:
            return None
        try:
            payload = cipher.open(payload)
        except KeyMismatch:
            return None
    return payload.get("evaluatie")


def move(store: Store, cipher: FieldCipher | None, open_now: Collection[str] | None = None) -> int:
    """Move the waiting answers when a batch is full. With ``open_now`` (the evaluations that
    still take answers), the answers of every other evaluation move too, however few: no more
    are coming for it. An open evaluation's answers never move in a batch smaller than
    BALLOT_BATCH, whoever looks at another evaluation's results (issue 19)."""
    if open_now is None:
        return store.move_ballots(BALLOT_BATCH, reseal_with(cipher))
    still = set(open_now)

    def closed(payload: dict[str, str]) -> bool:
        ev = evaluation_of(payload, cipher)
        return ev is not None and ev not in still

    return store.move_ballots(BALLOT_BATCH, reseal_with(cipher), closed)
