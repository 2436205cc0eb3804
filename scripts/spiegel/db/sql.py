"""The store, written once for both databases: sign-up, cancel, promotion, counts, invitations,
purge, audit (and, in outbox.py, the outbox).

Every write is one ``dialect.transaction()``: a sign-up counts the session's seats and inserts
its row in the same transaction, under the dialect's lock (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL a lock on the session), so concurrent sign-ups can never overbook. What differs
between the databases (parameter mark, types, locks, connections, migrations) is the dialect's.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from spiegel.clock import today
from spiegel.db.base import (
    CANCELLATION,
    CANCELLED,
    CONFIRMATION,
    CONFIRMED,
    PROMOTION,
    RECEIVED,
    REPEAT,
    WAITLIST,
    WAITLIST_MSG,
    CancelResult,
    CapReached,
    DuplicateError,
    Receipt,
    StoredRow,
    Submission,
    new_id,
    now,
)
from spiegel.db.dialects import Dialect
from spiegel.db.outbox import Outbox
from spiegel.db.versions import SessionVersions

ROW = "id, form_id, created_at, status, payload, capacity_key, told_seq"
OPEN = "('confirmed', 'waitlist', 'received')"  # a sign-up that holds or awaits a seat


class SQLStore(Outbox, SessionVersions):
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.kind = dialect.kind

    def migrate(self) -> int:
        return self.dialect.migrate()

    def submit(self, sub: Submission) -> Receipt:
        with self.dialect.transaction() as conn:
            return self._submit(conn, sub)

    def submit_many(self, subs: Sequence[Submission]) -> list[Receipt | Exception]:
        """Several sign-ups in one transaction: one commit (one fsync) for all, each in a
        savepoint of its own, so one that fails (a cap, a duplicate, any other error in its own
        part) changes nothing of the others: its savepoint is undone and its error is in the
        list in its place, for its caller alone. When the transaction itself is gone (SQLite
        rolls back on a full disk or an I/O error; a lost PostgreSQL connection) or the commit
        fails, the error is raised for all: none of them is stored, none is acknowledged. The
        SQLite writer thread groups the sign-ups that wait while it commits (``db/threads.py``)."""
        if len(subs) == 1:
            try:
                return [self.submit(subs[0])]
            except (CapReached, DuplicateError) as exc:
                return [exc]
        out: list[Receipt | Exception] = []
        with self.dialect.transaction() as conn:
            for sub in subs:
                try:
                    with self.dialect.savepoint(conn):
                        out.append(self._submit(conn, sub))
                except Exception as exc:  # noqa: BLE001 - this sign-up's answer, raised to its caller
                    if not self.dialect.in_transaction(conn):
                        raise  # the sign-ups before it went with the transaction
                    out.append(exc)
        return out

    def _submit(self, conn: Any, sub: Submission) -> Receipt:
        d, p, sid = self.dialect, self.dialect.mark, new_id()
        # the caps first, before anything is looked up: a repeat counts like any sign-up, so
        # probing whether someone signed up costs the same as signing up (issue 20 #1)
        for cap in (sub.signup_cap, sub.recipient_cap):
            if cap is not None:
                self._count_signup(conn, cap)
        status = RECEIVED  # no seat counted: a form without seats, or a partner
        if sub.capacity_key is not None:
            d.lock_session(conn, sub.form_id, sub.capacity_key)
            if sub.capacity is not None:
                taken = self._confirmed(conn, sub.form_id, sub.capacity_key)
                status = CONFIRMED if taken < sub.capacity else WAITLIST
            earlier = self._earlier(conn, sub) if sub.contact_keys else None
            if earlier and earlier[1] == WAITLIST and status == CONFIRMED:
                # the same person again, waiting while a place is free: the place a new sign-up
                # would get now (so the answer "U heeft een plek" is true), as a move up the
                # waiting list; the answer is a new sign-up's, as below (issue 21)
                conn.execute(
                    f"UPDATE submissions SET status = {p} WHERE id = {p}",  # noqa: S608
                    (CONFIRMED, earlier[0]),
                )
                self._enqueue(conn, PROMOTION, earlier[0], None, "")
                return Receipt(new_id(), status, repeat=True)
            if earlier:
                # the same person again: nothing is added; the answer is the one a new
                # sign-up gets now, with an id that names nothing; the person is told by
                # e-mail, at most once a day per sign-up
                if sub.notify:
                    day = now().date().isoformat()
                    self._enqueue(conn, REPEAT, earlier[0], None, "", f"repeat:{earlier[0]}:{day}")
                return Receipt(new_id(), status, repeat=True)
        if sub.invitation and self._use_invitation(conn, sub.invitation) != 1:
            raise DuplicateError()  # unknown, foreign, mismatching or used code
        if sub.invitation:
            # into the ballot box: the day only, a random key; the receipt names nothing
            conn.execute(
                "INSERT INTO ballot_box (id, form_id, day, status, payload)"  # noqa: S608
                f" VALUES ({p}, {p}, {p}, {p}, {p})",
                (sid, sub.form_id, today().isoformat(), status, d.json(sub.payload)),
            )
            return Receipt(new_id(), status)
        conn.execute(
            "INSERT INTO submissions (id, form_id, created_at, status, capacity_key,"  # noqa: S608
            f" unique_key, payload, seq, may_promote) VALUES ({p}, {p}, {p}, {p}, {p}, {p},"
            f" {p}, {d.next_seq}, {p})",
            (
                sid,
                sub.form_id,
                d.time(now()),
                status,
                sub.capacity_key,
                sub.unique_key,
                d.json(sub.payload),
                sub.may_promote,
            ),
        )
        if sub.contact_keys:
            conn.cursor().executemany(
                "INSERT INTO contacts (contact_key, submission_id)"  # noqa: S608
                f" VALUES ({p}, {p}) ON CONFLICT DO NOTHING",
                [(k, sid) for k in sub.contact_keys],
            )
        if sub.notify:
            kind = WAITLIST_MSG if status == WAITLIST else CONFIRMATION
            self._enqueue(conn, kind, sid, None, "")
        return Receipt(sid, status)

    def ballots_waiting(self) -> int:
        with self.dialect.read() as conn:
            return int(conn.execute("SELECT count(*) FROM ballot_box").fetchone()[0])

    def move_ballots(
        self,
        at_least: int = 1,
        reseal: Callable[[dict[str, str]], dict[str, str]] | None = None,
        closed: Callable[[dict[str, str]], bool] | None = None,
    ) -> int:
        """Move every waiting answer into ``submissions`` when at least ``at_least`` wait: in
        one transaction of its own, in shuffled order, each with a new id, its day as time
        (midnight) and the next seq in that shuffled order. Fewer waiting: only the answers that
        ``closed`` accepts (those of evaluations that no longer take answers, so no batch will
        hide them better), however few. ``reseal`` (the cipher's open and seal) gives each
        payload a new ciphertext, so a copy of the ballot box taken earlier does not match a row
        by its bytes. Then the freed pages are wiped (SQLite: secure_delete and a checkpoint;
        PostgreSQL: VACUUM FULL), as after a purge, and a wipe a reader blocked before is done.
        Returns how many moved."""
        d, p = self.dialect, self.dialect.mark
        with d.transaction() as conn:
            found = conn.execute(
                "SELECT id, form_id, day, status, payload FROM ballot_box"
            ).fetchall()
            if len(found) < at_least:
                found = [r for r in found if closed is not None and closed(d.read_json(r[4]))]
            random.SystemRandom().shuffle(found)
            for _, form_id, day, status, payload in found:
                body = d.read_json(payload)
                conn.execute(
                    "INSERT INTO submissions (id, form_id, created_at, status, capacity_key,"  # noqa: S608
                    f" unique_key, payload, seq, may_promote) VALUES ({p}, {p}, {p}, {p}, NULL,"
                    f" NULL, {p}, {d.next_seq}, {p})",
                    (
                        new_id(),
                        form_id,
                        d.time(dt.datetime.fromisoformat(str(day)).replace(tzinfo=dt.UTC)),
                        status,
                        d.json(reseal(body) if reseal else body),
                        False,
                    ),
                )
            conn.cursor().executemany(
                f"DELETE FROM ballot_box WHERE id = {p}",  # noqa: S608
                [(r[0],) for r in found],
            )
        d.after_purge(len(found))
        return len(found)

    def _earlier(self, conn: Any, sub: Submission) -> tuple[str, str] | None:
        """The same person's open sign-up for this session (by a contact key), if any."""
        p = self.dialect.mark
        marks = ", ".join([p] * len(sub.contact_keys))
        row = conn.execute(
            "SELECT s.id, s.status FROM submissions s JOIN contacts c"  # noqa: S608
            f" ON c.submission_id = s.id WHERE s.form_id = {p} AND s.capacity_key = {p}"
            f" AND s.status IN {OPEN} AND c.contact_key IN ({marks}) ORDER BY s.seq LIMIT 1",
            (sub.form_id, sub.capacity_key, *sub.contact_keys),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def _confirmed(self, conn: Any, form_id: str, key: str) -> int:
        sql, args = count_query(form_id, key, CONFIRMED, self.dialect.mark)
        return int(conn.execute(sql, args).fetchone()[0])

    def _count_signup(self, conn: Any, cap: tuple[str, str, int]) -> None:
        """One more sign-up from this client today, inside the submit transaction; past the
        limit CapReached, and the transaction (this count with it) rolls back. Shared by every
        instance."""
        key, day, limit = cap
        p = self.dialect.mark
        (n,) = conn.execute(
            f"INSERT INTO signup_counts (client_day, day, n) VALUES ({p}, {p}, 1)"  # noqa: S608
            " ON CONFLICT (client_day) DO UPDATE SET n = signup_counts.n + 1 RETURNING n",
            (key, day),
        ).fetchone()
        if n > limit:
            raise CapReached()

    def _use_invitation(self, conn: Any, invitation: tuple[str, str, str]) -> int:
        """Mark an issued code used; 1 when it was valid and unused."""
        p = self.dialect.mark
        cur = conn.execute(
            f"UPDATE invitations SET used = 1 WHERE code_key = {p} AND evaluation = {p}"  # noqa: S608
            f" AND respondent_group = {p} AND used = 0",
            invitation,
        )
        return int(cur.rowcount)

    def cancel(self, sid: str, capacity: int | None) -> CancelResult | None:
        d, p = self.dialect, self.dialect.mark
        with d.transaction() as conn:
            row = conn.execute(
                f"SELECT form_id, capacity_key FROM submissions WHERE id = {p}",  # noqa: S608
                (sid,),
            ).fetchone()
            if row is None:
                return None
            form_id, key = row
            if key is not None:
                d.lock_session(conn, form_id, key)
            (before,) = conn.execute(
                f"SELECT status FROM submissions WHERE id = {p}{d.row_lock}",  # noqa: S608
                (sid,),
            ).fetchone() or (CANCELLED,)
            if before not in (CONFIRMED, WAITLIST, RECEIVED):
                return CancelResult(CANCELLED)
            conn.execute(
                f"UPDATE submissions SET status = {p}, cancelled_at = {p} WHERE id = {p}",  # noqa: S608
                (CANCELLED, d.time(now()), sid),
            )
            # the status before, as data: who held a place gets the calendar entry taken out
            self._enqueue(conn, CANCELLATION, sid, None, before)
            promoted: list[str] = []
            if capacity is not None and key is not None:
                promoted = self._promote(conn, form_id, key, capacity)
            return CancelResult(before, tuple(promoted))

    def _promote(self, conn: Any, form_id: str, key: str, capacity: int) -> list[str]:
        """Move the first who agreed up from the waiting list into the free seats."""
        p = self.dialect.mark
        free = max(capacity - self._confirmed(conn, form_id, key), 0)
        waiting = conn.execute(
            f"SELECT id FROM submissions WHERE form_id = {p} AND capacity_key = {p}"  # noqa: S608
            f" AND status = {p} AND may_promote ORDER BY seq LIMIT {p}",
            (form_id, key, WAITLIST, free),
        ).fetchall()
        for (wid,) in waiting:
            conn.execute(
                f"UPDATE submissions SET status = {p} WHERE id = {p}",  # noqa: S608
                (CONFIRMED, wid),
            )
            self._enqueue(conn, PROMOTION, wid, None, "")
        return [wid for (wid,) in waiting]

    def _stored(self, r: tuple[Any, ...]) -> StoredRow:
        d = self.dialect
        told = int(r[6]) if r[6] is not None else None
        return StoredRow(r[0], r[1], d.read_time(r[2]), r[3], d.read_json(r[4]), r[5], told)

    def submission(self, sid: str) -> StoredRow | None:
        with self.dialect.read() as conn:
            r = conn.execute(
                f"SELECT {ROW} FROM submissions WHERE id = {self.dialect.mark}",  # noqa: S608
                (sid,),
            ).fetchone()
        return self._stored(r) if r else None

    def rows(self, form_id: str, shuffled: bool = False) -> Iterator[StoredRow]:
        with self.dialect.read() as conn:
            found = conn.execute(
                f"SELECT {ROW} FROM submissions WHERE form_id = {self.dialect.mark}"  # noqa: S608
                " ORDER BY seq, created_at, id",
                (form_id,),
            ).fetchall()
        if shuffled:  # anonymous answers: no order that follows arrival, in any copy
            random.SystemRandom().shuffle(found)
        for r in found:
            yield self._stored(r)

    def session_counts(self, form_id: str) -> dict[str, tuple[int, int]]:
        with self.dialect.read() as conn:
            found = conn.execute(
                "SELECT capacity_key, status, count(*) FROM submissions"  # noqa: S608
                f" WHERE form_id = {self.dialect.mark} AND capacity_key IS NOT NULL"
                " AND status IN ('confirmed', 'waitlist') GROUP BY capacity_key, status",
                (form_id,),
            ).fetchall()
        out: dict[str, list[int]] = {}
        for key, status, n in found:
            out.setdefault(key, [0, 0])[0 if status == CONFIRMED else 1] = n
        return {k: (v[0], v[1]) for k, v in out.items()}

    def count(
        self, form_id: str, capacity_key: str | None = None, status: str | None = None
    ) -> int:
        sql, args = count_query(form_id, capacity_key, status, self.dialect.mark)
        with self.dialect.read() as conn:
            return int(conn.execute(sql, args).fetchone()[0])

    def purge(
        self,
        cutoffs: dict[str, dt.datetime],
        sessions: dict[str, tuple[list[str], list[str]]] | None = None,
    ) -> dict[str, int]:
        """Delete what is past its retention. ``cutoffs``: per form, rows signed up before this
        moment. ``sessions``: per session-bound form, (seat keys whose retention, counted from
        the session, has ended; seat keys of every session with a known date): those rows go
        by their session, the cutoff applies only to rows of sessions without a known date."""
        d, p = self.dialect, self.dialect.mark
        out: dict[str, int] = {}
        sessions = sessions or {}
        with d.transaction() as conn:  # the serve process purges while it takes sign-ups
            for form_id, cutoff in cutoffs.items():
                expired, known = sessions.get(form_id, ([], []))
                n = 0
                for key in expired:
                    cur = conn.execute(
                        f"DELETE FROM submissions WHERE form_id = {p} AND capacity_key = {p}",  # noqa: S608
                        (form_id, key),
                    )
                    n += cur.rowcount
                dated = ""
                if known:
                    marks = ", ".join([p] * len(known))
                    dated = f" AND (capacity_key IS NULL OR capacity_key NOT IN ({marks}))"
                cur = conn.execute(
                    f"DELETE FROM submissions WHERE form_id = {p} AND created_at < {p}{dated}",  # noqa: S608
                    (form_id, d.time(cutoff), *known),
                )
                out[form_id] = n + cur.rowcount
                self.forget_sessions(conn, expired)
            # sign-up counts of days before yesterday are no longer needed
            stale = (now() - dt.timedelta(days=2)).date().isoformat()
            conn.execute(f"DELETE FROM signup_counts WHERE day < {p}", (stale,))  # noqa: S608
        d.after_purge(sum(out.values()))
        return out

    def replace_payload(
        self, row_id: str, payload: dict[str, str], capacity_key: str | None
    ) -> None:
        d, p = self.dialect, self.dialect.mark
        with d.transaction() as conn:
            conn.execute(
                f"UPDATE submissions SET payload = {p}, capacity_key = coalesce({p}, capacity_key)"  # noqa: S608
                f" WHERE id = {p}",
                (d.json(payload), capacity_key, row_id),
            )

    def audit(self, actor: str, action: str, form_id: str, detail: str) -> None:
        d, p = self.dialect, self.dialect.mark
        with d.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, form_id, detail)"  # noqa: S608
                f" VALUES ({p}, {p}, {p}, {p}, {p})",
                (d.time(now()), actor, action, form_id, detail),
            )

    def audit_log(self) -> list[dict[str, Any]]:
        with self.dialect.read() as conn:
            found = conn.execute(
                "SELECT at, actor, action, form_id, detail FROM audit_log ORDER BY id"
            ).fetchall()
        names = ("at", "actor", "action", "form_id", "detail")
        return [
            dict(zip(names, (self.dialect.read_time(r[0]).isoformat(), *r[1:]), strict=True))
            for r in found
        ]

    def freeze_k(self, evaluation: str, k: int) -> int:
        """Record k for an evaluation unless one is recorded; return the recorded one."""
        d, p = self.dialect, self.dialect.mark
        with d.transaction() as conn:
            conn.execute(
                "INSERT INTO evaluation_k (evaluation, k, frozen_on)"  # noqa: S608
                f" VALUES ({p}, {p}, {p}) ON CONFLICT (evaluation) DO NOTHING",
                (evaluation, k, today().isoformat()),
            )
            row = conn.execute(
                f"SELECT k FROM evaluation_k WHERE evaluation = {p}",  # noqa: S608
                (evaluation,),
            ).fetchone()
        return int(row[0])

    def frozen_k(self) -> dict[str, int]:
        with self.dialect.read() as conn:
            found = conn.execute("SELECT evaluation, k FROM evaluation_k").fetchall()
        return {ev: int(k) for ev, k in found}

    def used_counts(self) -> dict[str, dict[str, int]]:
        """Codes used per evaluation and group: no group can have more answers than these."""
        return self._invitation_counts(" WHERE used = 1")

    def invited_counts(self) -> dict[str, dict[str, int]]:
        return self._invitation_counts("")

    def _invitation_counts(self, where: str) -> dict[str, dict[str, int]]:
        with self.dialect.read() as conn:
            found = conn.execute(
                f"SELECT evaluation, respondent_group, count(*) FROM invitations{where}"  # noqa: S608
                " GROUP BY evaluation, respondent_group"
            ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for ev, group, n in found:
            out.setdefault(ev, {})[group] = int(n)
        return out

    def ping(self) -> None:
        """Can the database take a write? A test insert larger than a page (new pages must be
        available), rolled back: a read-only database, a full disk or a held lock fails here,
        not only on the next sign-up."""
        d, p = self.dialect, self.dialect.mark
        d.check_health()
        with d.transaction(probe=True) as conn:
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, form_id, detail)"  # noqa: S608
                f" VALUES ({p}, 'health', 'ping', '', {p})",
                (d.time(now()), "x" * 16384),
            )

    def close(self) -> None:
        self.dialect.close()


def count_query(
    form_id: str, capacity_key: str | None, status: str | None, ph: str
) -> tuple[str, list[str]]:
    """A count of sign-ups; ``ph`` is the driver's parameter mark (``?`` or ``%s``)."""
    # only fixed column names and the mark are formatted in; every value is bound
    sql, args = f"SELECT count(*) FROM submissions WHERE form_id = {ph}", [form_id]  # noqa: S608
    for column, value in (("capacity_key", capacity_key), ("status", status)):
        if value is not None:
            sql, args = f"{sql} AND {column} = {ph}", [*args, value]
    return sql, args
