"""The storage interface both stores implement, and what they share.

A submission is acknowledged only after its transaction has committed. Capacity (seats per
session) is checked and the row inserted in one write transaction, so concurrent sign-ups can
never overbook. Schema changes are numbered migrations, applied at start-up or by `spiegel migrate`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

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
ONCE_KINDS = (REMINDER, LETTER)  # at most one per sign-up, however often the command runs
# The longest a request waits for the database (a lock, a statement, a connection); then 503.
WAIT_SECONDS = 5.0


class DuplicateError(Exception):
    """The unique key (e.g. an invitation code) was used before."""


class CapReached(Exception):
    """This client sent its daily number of sign-ups already; nothing was stored."""


class StoreUnavailable(Exception):
    """The database cannot be reached, cannot take writes or did not answer in time; nothing
    was stored."""


@dataclass(frozen=True)
class Submission:
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


@dataclass(frozen=True)
class Receipt:
    id: str
    status: str
    repeat: bool = False  # the same person signed up for this session before; nothing was added


@dataclass(frozen=True)
class CancelResult:
    before: str  # the status before cancelling (CANCELLED: it was cancelled already)
    promoted: tuple[str, ...] = ()  # submissions moved up from the waiting list


@dataclass(frozen=True)
class OutboxRow:
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


@dataclass(frozen=True)
class StoredRow:
    id: str
    form_id: str
    created_at: dt.datetime
    status: str
    payload: dict[str, str]
    capacity_key: str | None = None


class Store(Protocol):
    kind: str

    def migrate(self) -> int: ...
    def submit(self, sub: Submission) -> Receipt: ...
    def rows(self, form_id: str) -> Iterator[StoredRow]: ...
    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int: ...
    def purge(self, cutoffs: dict[str, dt.datetime]) -> dict[str, int]: ...
    def replace_payload(
        self, row_id: str, payload: dict[str, str], capacity_key: str | None
    ) -> None:
        """Re-encrypted values of one row (``spiegel rekey``); the seat key only when given."""

    def audit(self, actor: str, action: str, form_id: str, detail: str) -> None: ...
    def audit_log(self) -> list[dict[str, Any]]: ...
    def add_invitations(self, evaluation: str, group: str, keys: list[str]) -> None: ...
    def invited_counts(self) -> dict[str, dict[str, int]]: ...
    def ping(self) -> None: ...
    # sign-ups: cancel, availability
    def submission(self, sid: str) -> StoredRow | None: ...
    def cancel(self, sid: str, capacity: int | None) -> CancelResult | None: ...
    def session_counts(self, form_id: str) -> dict[str, tuple[int, int]]: ...
    # the outbox (see endpoint/sender.py)
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
    def mark_sent(self, mid: str) -> None: ...
    def mark_failed(
        self, mid: str, error: str, retry_at: dt.datetime | None, status: str
    ) -> None: ...
    def outbox(self, statuses: tuple[str, ...]) -> list[OutboxRow]: ...
    def secret(self, name: str) -> str: ...
    def close(self) -> None: ...


def count_query(
    form_id: str, capacity_key: str | None, status: str | None, ph: str
) -> tuple[str, list[str]]:
    """The count of both stores; ``ph`` is the driver's placeholder (``?`` or ``%s``)."""
    # only fixed column names and the placeholder are formatted in; every value is bound
    sql, args = f"SELECT count(*) FROM submissions WHERE form_id = {ph}", [form_id]  # noqa: S608
    for column, value in (("capacity_key", capacity_key), ("status", status)):
        if value is not None:
            sql, args = f"{sql} AND {column} = {ph}", [*args, value]
    return sql, args


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: 30 s, 1, 2, 4 ... minutes, at most an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


MAX_ATTEMPTS = 12  # about seven hours of retries, then FAILED (listed by `spiegel outbox`)


def use_invitation(conn: Any, invitation: tuple[str, str, str], ph: str) -> int:
    """Mark an issued code used, inside the submit transaction; 1 when it was valid and unused."""
    cur = conn.execute(
        f"UPDATE invitations SET used = 1 WHERE code_key = {ph} AND evaluation = {ph}"  # noqa: S608
        f" AND respondent_group = {ph} AND used = 0",
        invitation,
    )
    return int(cur.rowcount)


def count_signup(conn: Any, cap: tuple[str, str, int], ph: str) -> None:
    """One more sign-up from this client today, inside the submit transaction; past the limit
    CapReached, and the transaction (this count with it) rolls back. Shared by every instance."""
    key, day, limit = cap
    (n,) = conn.execute(
        f"INSERT INTO signup_counts (client_day, day, n) VALUES ({ph}, {ph}, 1)"  # noqa: S608
        " ON CONFLICT (client_day) DO UPDATE SET n = signup_counts.n + 1 RETURNING n",
        (key, day),
    ).fetchone()
    if n > limit:
        raise CapReached()


def count_cutoff() -> str:
    """Sign-up counts of days before this one (ISO date) are no longer needed: purge drops them."""
    return (now() - dt.timedelta(days=2)).date().isoformat()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def new_id() -> str:
    return uuid.uuid4().hex
