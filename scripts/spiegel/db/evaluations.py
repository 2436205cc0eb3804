"""The groepsevaluatie's own tables (migration 9), on either store: invitations sent by e-mail
or handed out on paper, the reminder, the publication ledger and the edited comments.

Like ``beheer.py`` it uses two things of the store only, its dialect's transaction and its
parameter mark, so the SQL is written once. Nothing here sees a code or an address in the clear:
the caller seals them (``security/cipher.py``) before they come here, and only a keyed hash of
each code goes into ``invitations``.

What ties one row to another is avoided on purpose (issue 19): the codes of a batch go into
``invitations`` in an order shuffled apart from the order of the messages and of the addresses
kept for the reminder, all in one transaction (on PostgreSQL one ``xmin`` for the lot), so no
row order, time or transaction pairs a code with the message or address it went to.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from spiegel.db.base import FAILED, INVITATION, INVITATION_REMINDER, PENDING, Store, new_id, now

_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True)
class GroupRow:
    deadline: dt.date
    paper: int
    reminded_on: dt.date | None
    closed_on: dt.date | None


def _day(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


class EvaluationDB:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect: Any = store.dialect  # type: ignore[attr-defined]
        self.p: str = self.dialect.mark

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self.dialect.transaction() as conn:
            yield conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.p)

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self.dialect.read() as conn:
            return list(conn.execute(self._sql(sql), args).fetchall())

    # ------------------------------------------------------------------ invitations

    def _group(self, conn: Any, ev: str, group: str, deadline: dt.date | None, paper: int) -> None:
        """The group's row: created with the deadline, the deadline moved when given again.
        New invitations into a group closed before (its evaluation was reopened) open it again:
        what they keep must be wiped when the evaluation closes once more (``still_kept``)."""
        row = conn.execute(
            self._sql(
                "SELECT deadline FROM invitation_groups WHERE evaluation = ? AND respondent_group = ?"
            ),
            (ev, group),
        ).fetchone()
        if row is None:
            if deadline is None:
                raise ValueError("a first invitation of a group needs a deadline")
            conn.execute(
                self._sql(
                    "INSERT INTO invitation_groups (evaluation, respondent_group, deadline, paper)"
                    " VALUES (?, ?, ?, ?)"
                ),
                (ev, group, deadline.isoformat(), paper),
            )
            return
        conn.execute(
            self._sql(
                "UPDATE invitation_groups SET deadline = coalesce(?, deadline), paper = paper + ?,"
                " closed_on = NULL WHERE evaluation = ? AND respondent_group = ?"
            ),
            (deadline.isoformat() if deadline else None, paper, ev, group),
        )

    def _codes(self, conn: Any, ev: str, group: str, code_keys: list[str]) -> None:
        keys = list(code_keys)
        _shuffle(keys)  # apart from the order of the messages and the addresses
        day = now().replace(hour=0, minute=0, second=0)  # no time that matches a message's
        conn.cursor().executemany(
            self._sql(
                "INSERT INTO invitations (code_key, evaluation, respondent_group, created_at)"
                " VALUES (?, ?, ?, ?)"
            ),
            [(k, ev, group, self.dialect.time(day)) for k in keys],
        )

    def _mails(self, conn: Any, ev: str, group: str, kind: str, sealed: list[str]) -> list[str]:
        stamp = self.dialect.time(now())
        ids = [new_id() for _ in sealed]
        rows = list(zip(ids, sealed, strict=True))
        _shuffle(rows)
        conn.cursor().executemany(
            self._sql(
                "INSERT INTO outbox (id, created_at, kind, submission_id, recipient, data,"
                " next_attempt_at) VALUES (?, ?, ?, NULL, NULL, ?, ?)"
            ),
            [(mid, stamp, kind, data, stamp) for mid, data in rows],
        )
        conn.cursor().executemany(
            self._sql(
                "INSERT INTO invitation_mail (outbox_id, evaluation, respondent_group)"
                " VALUES (?, ?, ?)"
            ),
            [(mid, ev, group) for mid, _ in rows],
        )
        return ids

    def issue_by_mail(
        self,
        ev: str,
        group: str,
        deadline: dt.date | None,
        code_keys: list[str],
        messages: list[str],
        addresses: list[tuple[str, str]],
    ) -> None:
        """One batch, one transaction: the codes (keyed hashes), one outbox message per address
        (``messages``: sealed address and code), and ``addresses`` (keyed hash, sealed address)
        for the reminder. A person invited before for this evaluation: DuplicateError."""
        kept = list(addresses)
        _shuffle(kept)
        with self._tx() as conn:
            self._group(conn, ev, group, deadline, 0)
            self._codes(conn, ev, group, code_keys)
            self._mails(conn, ev, group, INVITATION, messages)
            conn.cursor().executemany(
                self._sql(
                    "INSERT INTO invitation_addresses (id, evaluation, respondent_group,"
                    " address_key, address) VALUES (?, ?, ?, ?, ?)"
                ),
                [(new_id(), ev, group, key, sealed) for key, sealed in kept],
            )

    def issue_on_paper(
        self, ev: str, group: str, deadline: dt.date | None, code_keys: list[str]
    ) -> None:
        with self._tx() as conn:
            self._group(conn, ev, group, deadline, len(code_keys))
            self._codes(conn, ev, group, code_keys)

    def known_addresses(self, ev: str) -> set[str]:
        """The keyed hashes of the addresses invited for ``ev`` (until it closes)."""
        rows = self._all("SELECT address_key FROM invitation_addresses WHERE evaluation = ?", (ev,))
        return {r[0] for r in rows}

    def groups(self) -> dict[tuple[str, str], GroupRow]:
        rows = self._all(
            "SELECT evaluation, respondent_group, deadline, paper, reminded_on, closed_on"
            " FROM invitation_groups"
        )
        return {
            (r[0], r[1]): GroupRow(dt.date.fromisoformat(r[2]), int(r[3]), _day(r[4]), _day(r[5]))
            for r in rows
        }

    def mail_counts(self) -> dict[tuple[str, str, str], dict[str, int]]:
        """(evaluation, group, kind) -> status -> number of messages."""
        rows = self._all(
            "SELECT m.evaluation, m.respondent_group, o.kind, o.status, count(*)"
            " FROM invitation_mail m JOIN outbox o ON o.id = m.outbox_id"
            " GROUP BY m.evaluation, m.respondent_group, o.kind, o.status"
        )
        out: dict[tuple[str, str, str], dict[str, int]] = {}
        for ev, group, kind, status, n in rows:
            out.setdefault((ev, group, kind), {})[status] = int(n)
        return out

    def undelivered(self, ev: str, group: str) -> list[tuple[str, str, str]]:
        """(message id, sealed data, reason) of the invitations the relay did not take."""
        rows = self._all(
            "SELECT o.id, o.data, coalesce(o.last_error, '') FROM outbox o"
            " JOIN invitation_mail m ON m.outbox_id = o.id WHERE m.evaluation = ?"
            " AND m.respondent_group = ? AND o.kind = ? AND o.status = ? AND o.data <> ''"
            " ORDER BY o.id",
            (ev, group, INVITATION, FAILED),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def waiting(self, ev: str, group: str) -> int:
        """The invitations of the group still to be sent (new, or waiting for a retry)."""
        rows = self._all(
            "SELECT count(*) FROM outbox o JOIN invitation_mail m ON m.outbox_id = o.id"
            " WHERE m.evaluation = ? AND m.respondent_group = ? AND o.kind = ? AND o.status = ?",
            (ev, group, INVITATION, PENDING),
        )
        return int(rows[0][0])

    def resend(
        self,
        mid: str,
        data: str | None,
        address: tuple[str, str] | None,
        wrong: str | None = None,
    ) -> bool:
        """Send a message that failed once more (``data``: with a corrected address, whose
        keyed hash and sealed form ``address`` are kept for the reminder; ``wrong``: the keyed
        hash of the address it replaces, whose row goes in the same transaction)."""
        stamp = self.dialect.time(now())
        with self._tx() as conn:
            row = conn.execute(
                self._sql(
                    "SELECT m.evaluation, m.respondent_group FROM outbox o JOIN invitation_mail m"
                    " ON m.outbox_id = o.id WHERE o.id = ? AND o.kind = ? AND o.status = ?"
                    " AND o.data <> ''"
                ),
                (mid, INVITATION, FAILED),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                self._sql(
                    "UPDATE outbox SET status = ?, attempts = 0, last_error = NULL,"
                    " next_attempt_at = ?, claimed_until = NULL, data = coalesce(?, data)"
                    " WHERE id = ?"
                ),
                (PENDING, stamp, data, mid),
            )
            if wrong is not None:  # the reminder must not go to the address that bounced
                conn.execute(
                    self._sql(
                        "DELETE FROM invitation_addresses WHERE evaluation = ? AND address_key = ?"
                    ),
                    (row[0], wrong),
                )
            if address is not None:
                conn.execute(
                    self._sql(
                        "INSERT INTO invitation_addresses (id, evaluation, respondent_group,"
                        " address_key, address) VALUES (?, ?, ?, ?, ?)"
                    ),
                    (new_id(), row[0], row[1], *address),
                )
        if data is not None:  # what the corrected message and address replaced: overwritten
            self.dialect.after_purge(1, ("outbox", "invitation_addresses"))
        return True

    def reminder_addresses(self, ev: str, group: str) -> list[str]:
        rows = self._all(
            "SELECT address FROM invitation_addresses WHERE evaluation = ?"
            " AND respondent_group = ? AND address <> ''",
            (ev, group),
        )
        return [r[0] for r in rows]

    def queue_reminder(self, ev: str, group: str, messages: list[str], today: dt.date) -> int:
        """The reminder messages, once per group; the sealed addresses are wiped in the same
        transaction (their keyed hashes stay until the evaluation closes: no second code for
        one person). 0 when the group had its reminder already, or is closed."""
        with self._tx() as conn:
            done = conn.execute(
                self._sql(
                    "UPDATE invitation_groups SET reminded_on = ? WHERE evaluation = ?"
                    " AND respondent_group = ? AND reminded_on IS NULL AND closed_on IS NULL"
                ),
                (today.isoformat(), ev, group),
            ).rowcount
            if done != 1:
                return 0
            self._mails(conn, ev, group, INVITATION_REMINDER, messages)
            conn.execute(
                self._sql(
                    "UPDATE invitation_addresses SET address = '' WHERE evaluation = ?"
                    " AND respondent_group = ?"
                ),
                (ev, group),
            )
        self.dialect.after_purge(len(messages) or 1)
        return len(messages)

    def close(self, ev: str, today: dt.date) -> int:
        """The evaluation closed: every address and code still kept for it is wiped (messages
        not delivered stay "failed", without their content), the groups are marked closed."""
        with self._tx() as conn:
            wiped = conn.execute(
                self._sql(
                    "UPDATE outbox SET data = '', status = ?, claimed_until = NULL,"
                    " last_error = 'niet verstuurd: de evaluatie is gesloten' WHERE id IN"
                    " (SELECT outbox_id FROM invitation_mail WHERE evaluation = ?)"
                    " AND status IN (?, ?)"
                ),
                (FAILED, ev, PENDING, FAILED),
            ).rowcount
            wiped += conn.execute(
                self._sql("DELETE FROM invitation_addresses WHERE evaluation = ?"), (ev,)
            ).rowcount
            conn.execute(
                self._sql(
                    "UPDATE invitation_groups SET closed_on = ? WHERE evaluation = ?"
                    " AND closed_on IS NULL"
                ),
                (today.isoformat(), ev),
            )
        self.dialect.after_purge(max(int(wiped), 0) or 1)
        return int(wiped)

    def still_kept(self) -> set[str]:
        """Evaluations for which something is kept until they close."""
        rows = self._all("SELECT evaluation FROM invitation_groups WHERE closed_on IS NULL")
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ the ledger

    def publications(self) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
        """Per evaluation, every recorded version in order: (ledger figures, sums)."""
        rows = self._all(
            "SELECT evaluation, version, figures, sums FROM publications"
            " ORDER BY evaluation, version"
        )
        out: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for ev, _, figures, sums in rows:
            out.setdefault(ev, []).append((json.loads(figures), json.loads(sums)))
        return out

    def record(self, ev: str, version: int, figures: dict[str, Any], sums: dict[str, Any]) -> None:
        """Append one version; a version recorded already (a race) is a DuplicateError."""
        with self._tx() as conn:
            conn.execute(
                self._sql(
                    "INSERT INTO publications (evaluation, version, figures, sums, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?)"
                ),
                (
                    ev,
                    version,
                    json.dumps(figures, sort_keys=True, ensure_ascii=False),
                    json.dumps(sums, sort_keys=True),
                    now().isoformat(),
                ),
            )

    # ------------------------------------------------------------------ what was shown

    def seen(self, ev: str) -> tuple[dict[str, Any] | None, dict[str, int]]:
        """The figures of the last preview (or publication) of ``ev`` and n per group shown in
        it or in the debrief; (None, {}) when nothing was shown yet."""
        rows = self._all("SELECT figures, group_n FROM evaluation_seen WHERE evaluation = ?", (ev,))
        if not rows:
            return None, {}
        figures, groups = rows[0]
        return (json.loads(figures) if figures else None), {
            str(g): int(n) for g, n in json.loads(groups).items()
        }

    def record_seen(self, ev: str, figures: dict[str, Any] | None, groups: dict[str, int]) -> None:
        """What was just shown: ``figures`` (None: keep the earlier ones) and n of the groups
        shown (added to those shown before)."""
        with self._tx() as conn:
            row = conn.execute(
                self._sql("SELECT figures, group_n FROM evaluation_seen WHERE evaluation = ?"),
                (ev,),
            ).fetchone()
            kept = (row[0], json.loads(row[1])) if row else ("", {})
            text = json.dumps(figures, sort_keys=True) if figures is not None else kept[0]
            merged = json.dumps(kept[1] | groups, sort_keys=True)
            conn.execute(
                self._sql(
                    "INSERT INTO evaluation_seen (evaluation, figures, group_n, seen_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (evaluation) DO UPDATE SET"
                    " figures = excluded.figures, group_n = excluded.group_n,"
                    " seen_at = excluded.seen_at"
                ),
                (ev, text, merged, now().isoformat()),
            )

    # ------------------------------------------------------------------ the debrief

    def debrief(self, ev: str) -> dict[tuple[str, str], tuple[str, str, str]]:
        """(group, theme) -> (sealed edited text, edited by, when)."""
        rows = self._all(
            "SELECT respondent_group, theme, body, edited_by, edited_at FROM debrief_texts"
            " WHERE evaluation = ?",
            (ev,),
        )
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}

    def save_debrief(self, ev: str, group: str, theme: str, body: str, by: str) -> None:
        with self._tx() as conn:
            conn.execute(
                self._sql(
                    "DELETE FROM debrief_texts WHERE evaluation = ? AND respondent_group = ?"
                    " AND theme = ?"
                ),
                (ev, group, theme),
            )
            conn.execute(
                self._sql(
                    "INSERT INTO debrief_texts (evaluation, respondent_group, theme, body,"
                    " edited_by, edited_at) VALUES (?, ?, ?, ?, ?, ?)"
                ),
                (ev, group, theme, body, by, now().isoformat()),
            )

    def drop_debrief(self, ev: str, group: str, theme: str) -> None:
        with self._tx() as conn:
            conn.execute(
                self._sql(
                    "DELETE FROM debrief_texts WHERE evaluation = ? AND respondent_group = ?"
                    " AND theme = ?"
                ),
                (ev, group, theme),
            )
        self.dialect.after_purge(1)

    def purge_debrief(self, before: dt.datetime) -> int:
        """Edited comments go when the answers they came from do (the form's retention)."""
        with self._tx() as conn:
            gone = int(
                conn.execute(
                    self._sql("DELETE FROM debrief_texts WHERE edited_at < ?"),
                    (before.astimezone(dt.UTC).isoformat(),),
                ).rowcount
            )
        self.dialect.after_purge(gone)
        return gone
