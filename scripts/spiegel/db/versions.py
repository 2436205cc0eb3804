"""Sessions that change: their versions, and who was told which one (a mixin of the SQL store).

A version is what participants are told about a session (date, arrival, times, place, called off
or not and why), as the endpoint read it from the content. ``advance`` records a new one when the
content differs from the latest, and in the same transaction queues a message (called off, or
changed) for every open sign-up that was told an older version: once per change per person (the
outbox's once key ``sessie:<sign-up>:<version>``). It runs under the session's own lock, like a
sign-up, so any number of instances may run it at once: the second finds nothing to do. An
instance whose content is older than the latest version's (a host not yet pulled, a container of
the previous deployment) never records a version, so versions cannot flip back and forth.

A sign-up's ``told_seq`` is set when the sender renders a message about its session (in the same
commit that marks the message sent), so a person who signed up after a change, or whose
confirmation had not gone out yet, is never told about a change they did not see.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from spiegel.db.base import SESSION_CANCELLED, SESSION_CHANGED, Advance, Version, now

if TYPE_CHECKING:
    from spiegel.db.dialects import Dialect

OPEN = "('confirmed', 'waitlist', 'received')"


class SessionVersions:
    dialect: Dialect

    def _enqueue(
        self,
        conn: Any,
        kind: str,
        sid: str | None,
        recipient: str | None,
        data: str,
        once: str | None = None,
    ) -> bool:
        raise NotImplementedError  # the outbox mixin's

    def _version(self, r: tuple[Any, ...]) -> Version:
        d = self.dialect
        return Version(int(r[0]), str(r[1]), d.read_json(r[2]), d.read_time(r[3]))

    def latest_versions(self, form_id: str) -> dict[str, Version]:
        """The latest version of every session of a form that has one, by seat key."""
        p = self.dialect.mark
        with self.dialect.read() as conn:
            rows = conn.execute(
                "SELECT capacity_key, seq, fingerprint, facts, content_at FROM session_versions"  # noqa: S608
                f" WHERE form_id = {p} ORDER BY capacity_key, seq",
                (form_id,),
            ).fetchall()
        return {r[0]: self._version(r[1:]) for r in rows}  # the last of each key wins

    def session_version(self, key: str, seq: int | None = None) -> Version | None:
        """The latest version of one session (or version ``seq``); None before the first."""
        p = self.dialect.mark
        where, args = (f" AND seq = {p}", (key, seq)) if seq is not None else ("", (key,))
        with self.dialect.read() as conn:
            r = conn.execute(
                "SELECT seq, fingerprint, facts, content_at FROM session_versions"  # noqa: S608
                f" WHERE capacity_key = {p}{where} ORDER BY seq DESC LIMIT 1",
                args,
            ).fetchone()
        return self._version(r) if r else None

    def advance(
        self,
        form_id: str,
        key: str,
        fingerprint: str,
        facts: dict[str, str],
        content_at: dt.datetime,
        kind: str | None,
    ) -> Advance:
        """Record the content's version of a session when it differs from the latest, and queue
        ``kind`` (None: nobody is told, e.g. a called-off session edited again) for every open
        sign-up told an older version. The first version of a session tells nobody: it is what
        everyone signed up for (sign-ups from before it count as told it), unless it is called
        off: then everyone signed up hears it."""
        d, p = self.dialect, self.dialect.mark
        with d.transaction() as conn:
            d.lock_session(conn, form_id, key)
            r = conn.execute(
                "SELECT seq, fingerprint, facts, content_at FROM session_versions"  # noqa: S608
                f" WHERE capacity_key = {p} ORDER BY seq DESC LIMIT 1{d.row_lock}",
                (key,),
            ).fetchone()
            latest = self._version(r) if r else None
            if latest is not None and latest.fingerprint == fingerprint:
                return Advance(latest.seq)
            if latest is not None and latest.content_at > content_at:
                return Advance(latest.seq, stale=True)
            seq = latest.seq + 1 if latest is not None else 0
            conn.execute(
                "INSERT INTO session_versions (form_id, capacity_key, seq, fingerprint, facts,"  # noqa: S608
                f" content_at, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})",
                (form_id, key, seq, fingerprint, d.json(facts), d.time(content_at), d.time(now())),
            )
            if latest is None and kind != SESSION_CANCELLED:
                conn.execute(
                    f"UPDATE submissions SET told_seq = 0 WHERE form_id = {p}"  # noqa: S608
                    f" AND capacity_key = {p} AND told_seq IS NULL AND status IN {OPEN}",
                    (form_id, key),
                )
                return Advance(seq)
            if kind is None:
                return Advance(seq)
            # called off before any version was recorded (sign-ups from before this code):
            # everyone signed up hears it
            told = "" if latest is None else f" AND told_seq IS NOT NULL AND told_seq < {p}"
            told_rows = conn.execute(
                f"SELECT id FROM submissions WHERE form_id = {p} AND capacity_key = {p}"  # noqa: S608
                f" AND status IN {OPEN}{told} ORDER BY seq",
                (form_id, key, seq) if latest is not None else (form_id, key),
            ).fetchall()
            message = SESSION_CANCELLED if kind == SESSION_CANCELLED else SESSION_CHANGED
            queued = sum(
                self._enqueue(conn, message, sid, None, str(seq), f"sessie:{sid}:{seq}")
                for (sid,) in told_rows
            )
            return Advance(seq, queued)

    def forget_sessions(self, conn: Any, keys: list[str]) -> None:
        """Drop the versions of sessions whose sign-ups were purged (inside the purge)."""
        p = self.dialect.mark
        conn.cursor().executemany(
            f"DELETE FROM session_versions WHERE capacity_key = {p}",  # noqa: S608
            [(k,) for k in keys],
        )
