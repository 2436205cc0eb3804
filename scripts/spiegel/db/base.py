"""The storage interface (implemented once, in sql.py, over a dialect), its constants and rows.

A submission is acknowledged only after its transaction has committed. Capacity (seats per
session) is checked and the row inserted in one write transaction, so concurrent sign-ups can
never overbook. Schema changes are numbered migrations, applied at start-up or by `spiegel migrate`.

The rows are NamedTuples (immutable, ``row._replace(...)`` for a changed copy): a frozen dataclass
took about 0.6 ms to define, five of them 3 ms of a serverless cold start.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol

CONFIRMED, WAITLIST, RECEIVED, CANCELLED = "confirmed", "waitlist", "received", "cancelled"
# Outbox rows: waiting to be sent, sent, given up after retries, or for staff to handle by phone
# (the person left no e-mail address).
PENDING, SENT, FAILED, MANUAL = "pending", "sent", "failed", "manual"
# Message kinds. A sign-up gets CONFIRMATION or WAITLIST_MSG in its own transaction; a cancel gets
# CANCELLATION and the promoted person PROMOTION in the cancel's transaction.
CONFIRMATION, WAITLIST_MSG, CANCELLATION, PROMOTION = (
    "confirmation",
    "waitlist",
    "cancellation",
    "promotion",
)
REMINDER, LETTER, DIGEST = "reminder", "letter", "digest"
NOTICE = "notice"  # to a coordinator: a new request came in (no personal data)
# to the address of an earlier sign-up, when the same person signs up for it again: only they
# learn that it was a repeat (the web answer looks like a new sign-up's, issue 20 #1)
REPEAT = "repeat"
# issue 21: the session was called off, or moved (date, time, place): to everyone told before
SESSION_CANCELLED, SESSION_CHANGED = "session_cancelled", "session_changed"
ONCE_KINDS = (REMINDER, LETTER)  # at most one per sign-up, however often the command runs
# A groepsevaluatie invitation (its code by e-mail) and the reminder to a group (issue 19): the
# address and code are sealed in the row's data until the relay took the message, then wiped.
INVITATION, INVITATION_REMINDER = "invitation", "invitation_reminder"
FORGET_ON_DELIVERY = (INVITATION, INVITATION_REMINDER)
# The longest a request waits for the database (a lock, a statement, a connection); then 503.
WAIT_SECONDS = 5.0


class DuplicateError(Exception):
    """The unique key (e.g. an invitation code) was used before."""


class CapReached(Exception):
    """This client sent its daily number of sign-ups already; nothing was stored."""


class StoreUnavailable(Exception):
    """The database cannot be reached, cannot take writes or did not answer in time; nothing
    was stored."""


class Submission(NamedTuple):
    form_id: str
    payload: dict[str, str]
    capacity_key: str | None = None
    capacity: int | None = None
    unique_key: str | None = None
    # keyed hashes of the e-mail address / phone number: one person, one seat per session
    contact_keys: tuple[str, ...] = ()
    may_promote: bool = False  # agreed to be moved up from the waiting list
    notify: bool = False  # write a confirmation / waiting-list message to the outbox
    invitation: tuple[str, str, str] | None = None  # (code key, evaluation, group) to use up
    # (keyed hash of client and day, the day, the limit): counted in the sign-up's transaction
    signup_cap: tuple[str, str, int] | None = None
    # the same for the address mail would go to (keyed hash of the normalised address and the
    # day): one address cannot be mailed more than this a day, from any client, across forms
    recipient_cap: tuple[str, str, int] | None = None


class Receipt(NamedTuple):
    id: str
    status: str
    # the same person signed up for this session before: nothing was added, ``id`` is a fresh
    # one that names nothing, ``status`` what a new sign-up would have got; they hear by e-mail
    repeat: bool = False


class CancelResult(NamedTuple):
    before: str  # the status before cancelling (CANCELLED: it was cancelled already)
    promoted: tuple[str, ...] = ()  # submissions moved up from the waiting list


class OutboxRow(NamedTuple):
    id: str
    kind: str
    submission_id: str | None
    recipient: str | None  # only for messages not tied to a sign-up (digest); else from the sign-up
    data: str  # extra content (JSON; encrypted when a key is set)
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    last_error: str | None


class StoredRow(NamedTuple):
    id: str
    form_id: str
    created_at: dt.datetime
    status: str
    payload: dict[str, str]
    capacity_key: str | None = None
    told_seq: int | None = None  # the version of its session the person was last told


class Version(NamedTuple):
    seq: int
    fingerprint: str
    facts: dict[str, str]  # sealed when a key is set: open with the cipher
    content_at: dt.datetime


class Advance(NamedTuple):
    seq: int  # the version now latest
    queued: int = 0  # messages queued for people told an older version
    stale: bool = False  # this instance's content is older than the latest version's


class Store(Protocol):
    kind: str

    def migrate(self) -> int: ...
    def submit(self, sub: Submission) -> Receipt: ...
    def submit_many(self, subs: Sequence[Submission]) -> list[Receipt | Exception]: ...
    def rows(self, form_id: str, shuffled: bool = False) -> Iterator[StoredRow]: ...
    def ballots_waiting(self) -> int: ...
    def move_ballots(
        self,
        at_least: int = 1,
        reseal: Callable[[dict[str, str]], dict[str, str]] | None = None,
        closed: Callable[[dict[str, str]], bool] | None = None,
    ) -> int: ...
    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int: ...
    def purge(
        self,
        cutoffs: dict[str, dt.datetime],
        sessions: dict[str, tuple[list[str], list[str]]] | None = None,
    ) -> dict[str, int]: ...
    def replace_payload(
        self, row_id: str, payload: dict[str, str], capacity_key: str | None
    ) -> None:
        """Re-encrypted values of one row (``spiegel rekey``); the seat key only when given."""

    def audit(self, actor: str, action: str, form_id: str, detail: str) -> None: ...
    def audit_log(self) -> list[dict[str, Any]]: ...
    def invited_counts(self) -> dict[str, dict[str, int]]: ...
    def used_counts(self) -> dict[str, dict[str, int]]: ...
    def freeze_k(self, evaluation: str, k: int) -> int: ...
    def frozen_k(self) -> dict[str, int]: ...
    def ping(self) -> None: ...
    # sign-ups: cancel, availability
    def submission(self, sid: str) -> StoredRow | None: ...
    def cancel(self, sid: str, capacity: int | None) -> CancelResult | None: ...
    def session_counts(self, form_id: str) -> dict[str, tuple[int, int]]: ...
    # the outbox (see db/outbox.py; sent by outbox/sender.py)
    def enqueue(
        self,
        kind: str,
        submission_id: str | None,
        recipient: str | None = None,
        data: str = "",
        once: str | None = None,
    ) -> bool:
        """Add a message; False when it was there already (a reminder or letter for this
        sign-up, or another message with the same ``once`` key, e.g. ``digest:2026-11-23``)."""

    def claim_outbox(self, limit: int, lease: dt.timedelta) -> list[OutboxRow]: ...
    def mark_sent(self, mid: str, told: tuple[str, int] | None = None) -> None: ...
    def mark_failed(
        self,
        mid: str,
        error: str,
        retry_at: dt.datetime | None,
        status: str,
        told: tuple[str, int] | None = None,
    ) -> None: ...
    def outbox(self, statuses: tuple[str, ...]) -> list[OutboxRow]: ...
    def secret(self, name: str) -> str: ...
    def wipe_freed(self, changed: int, tables: tuple[str, ...] | None = None) -> None:
        """Overwrite what deleted or blanked rows left behind (as after a purge); ``tables``:
        only these changed (None: every table a purge touches)."""

    # sessions that change (db/versions.py)
    def latest_versions(self, form_id: str) -> dict[str, Version]: ...
    def session_version(self, key: str, seq: int | None = None) -> Version | None: ...
    def advance(
        self,
        form_id: str,
        key: str,
        fingerprint: str,
        facts: dict[str, str],
        content_at: dt.datetime,
        kind: str | None,
    ) -> Advance: ...
    def close(self) -> None: ...


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: 30 s, 1, 2, 4 ... minutes, at most an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


MAX_ATTEMPTS = 12  # about seven hours of retries, then FAILED (listed by `spiegel outbox`)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def new_id() -> str:
    return uuid.uuid4().hex
