"""Sessions that change: what the content says now against what each participant was told.

``sync`` looks at every session of every form with seats, from today on. When what participants
are told (``content.sessions.FACTS``: date, arrival, times, place, called off and why) differs
from the latest recorded version, it records the new version and queues, in the same transaction,
a "gaat niet door" (``SESSION_CANCELLED``) or "gewijzigd" (``SESSION_CHANGED``) message for every
open sign-up told an older one (``db/versions.py``): once per change per person, whichever
process runs it and however often. A session whose block vanished from the content while people
were signed up (the check refuses that; a hand-made snapshot might not) counts as called off.

Where it runs: the serve process (after every reload of the content, and in its hourly
housekeeping), ``spiegel outbox send`` (cron), a scheduled Lambda event
(``web/lambda_handler.py``), and the sender before it renders a session message (``current``),
so no message goes out with details the versions do not know.

A session dated in the past is left alone: nobody is told anything about what is over.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spiegel.content.sessions import CANCELLED, FACTS
from spiegel.db.base import SESSION_CANCELLED, SESSION_CHANGED, Store

if TYPE_CHECKING:
    from spiegel.db.versions import Version
    from spiegel.security.cipher import FieldCipher
    from spiegel.signups.registry import Registry

log = logging.getLogger("spiegel.sessions")
# kept with each version besides the facts, so a message can still be written when the
# session's block is gone from the content
LABELS = ("id", "programme", "department", "audience")


def told_facts(session: dict[str, str]) -> dict[str, str]:
    return {k: session.get(k, "") or "" for k in FACTS}


def _record(session: dict[str, str]) -> dict[str, str]:
    return {**told_facts(session), **{k: session.get(k, "") or "" for k in LABELS}}


def fingerprint(registry: Registry, form_id: str, session: dict[str, str]) -> str:
    text = json.dumps(told_facts(session), sort_keys=True, ensure_ascii=False)
    return registry.keys.version(form_id, text)


def opened(version: Version, cipher: FieldCipher | None) -> dict[str, str]:
    """A version's recorded details (sealed with the key when one is set)."""
    from spiegel.security.cipher import is_sealed

    if not is_sealed(version.facts):
        return dict(version.facts)
    if cipher is None:
        raise ValueError("session details are sealed and SPIEGEL_ENCRYPTION_KEY is not set")
    return cipher.open(version.facts)


def _kind(new: dict[str, str], old: dict[str, str] | None) -> str | None:
    called_off = new.get("status") == CANCELLED
    if called_off and old is not None and old.get("status") == CANCELLED:
        return None  # the reason was edited: everyone heard already
    return SESSION_CANCELLED if called_off else SESSION_CHANGED


@dataclass(frozen=True)
class Current:
    """The version of a session a message describes now, and the details to write."""

    seq: int
    session: dict[str, str]


def advance(
    store: Store,
    registry: Registry,
    cipher: FieldCipher | None,
    form_id: str,
    key: str,
    session: dict[str, str],
    latest: Version | None,
) -> tuple[int, int, bool]:
    """Record ``session`` as the latest version when it differs: (seq, queued, stale)."""
    fp = fingerprint(registry, form_id, session)
    if latest is not None and latest.fingerprint == fp:
        return latest.seq, 0, False
    old = opened(latest, cipher) if latest is not None else None
    record = _record(session)
    sealed = cipher.seal(record) if cipher else record
    result = store.advance(form_id, key, fp, sealed, registry.content_time(), _kind(session, old))
    if result.stale:
        log.warning(
            "form %s: a session changed in newer content elsewhere; this instance's content is"
            " older and does not override it (pull or deploy the new content)",
            form_id,
        )
    return result.seq, result.queued, result.stale


def sync(store: Store, registry: Registry, cipher: FieldCipher | None, today: dt.date) -> int:
    """Record every changed session and queue the messages; returns how many were queued."""
    queued = 0
    for form in registry.forms().values():
        if not form.capacity_field:
            continue
        recorded = store.latest_versions(form.id)
        current = registry.seat_choices(form)
        for key, choice in current.items():
            session = registry.session(choice.value)
            if session is None or dt.date.fromisoformat(session["date"]) < today:
                continue
            queued += advance(store, registry, cipher, form.id, key, session, recorded.get(key))[1]
        for key, version in recorded.items():
            if key in current:
                continue
            old = opened(version, cipher)
            if old.get("status") == CANCELLED or dt.date.fromisoformat(old["date"]) < today:
                continue
            gone = {**old, "status": CANCELLED, "reden": ""}
            queued += advance(store, registry, cipher, form.id, key, gone, version)[1]
    return queued


def current(
    store: Store,
    registry: Registry,
    cipher: FieldCipher | None,
    form_id: str,
    key: str,
    today: dt.date,
) -> Current | None:
    """What a message about this session says now, and its version (the sender's view).

    The content's details when they are the latest version (recorded first if they are new);
    the recorded ones when this instance's content is older, or the block is gone; None when
    the session is unknown altogether."""
    seat = registry.seat(form_id, key)
    latest = store.session_version(key)
    if seat is not None:
        session = seat[1]
        if dt.date.fromisoformat(session["date"]) < today:
            return Current(latest.seq if latest else 0, session)
        seq, _, stale = advance(store, registry, cipher, form_id, key, session, latest)
        if not stale:
            return Current(seq, session)
        latest = store.session_version(key)
    if latest is None:
        return None
    return Current(latest.seq, opened(latest, cipher))
