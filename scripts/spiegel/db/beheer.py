"""The back office's own tables (migration 6), on either store.

Uses two things of the store only: its dialect's transaction and its parameter mark, so the SQL
here is written once for SQLite and PostgreSQL. Times are ISO text in UTC.

``access_log`` is append-only: this module has one INSERT for it and one DELETE, the retention in
``purge_access_log``; nothing updates it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from spiegel.db.base import Store


@dataclass(frozen=True)
class StaffSession:
    id_hash: str
    subject: str
    name: str
    roles: tuple[str, ...]
    csrf: str
    created_at: dt.datetime
    seen_at: dt.datetime


@dataclass(frozen=True)
class Access:
    at: dt.datetime
    subject: str
    name: str
    role: str
    what: str
    action: str
    detail: str


def _t(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _p(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class BeheerDB:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.ph: str = store.dialect.mark  # type: ignore[attr-defined]

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self.store.dialect.transaction() as conn:  # type: ignore[attr-defined]
            yield conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.ph)

    def _all(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        with self._tx() as conn:
            return list(conn.execute(self._sql(sql), tuple(args)).fetchall())

    def _do(self, sql: str, args: Iterable[Any] = ()) -> int:
        with self._tx() as conn:
            return int(conn.execute(self._sql(sql), tuple(args)).rowcount)

    def _marks(self, n: int) -> str:
        return ", ".join(["?"] * n)

    # -- staff sessions and pending logins
    def add_session(self, s: StaffSession) -> None:
        self._do(
            "INSERT INTO beheer_sessions (id_hash, subject, name, roles, csrf, created_at, seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                s.id_hash,
                s.subject,
                s.name,
                json.dumps(s.roles),
                s.csrf,
                _t(s.created_at),
                _t(s.seen_at),
            ),
        )

    def session(self, id_hash: str) -> StaffSession | None:
        found = self._all(
            "SELECT id_hash, subject, name, roles, csrf, created_at, seen_at FROM beheer_sessions"
            " WHERE id_hash = ?",
            (id_hash,),
        )
        if not found:
            return None
        r = found[0]
        return StaffSession(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], _p(r[5]), _p(r[6]))

    def touch_session(self, id_hash: str, now: dt.datetime) -> None:
        self._do("UPDATE beheer_sessions SET seen_at = ? WHERE id_hash = ?", (_t(now), id_hash))

    def end_session(self, id_hash: str) -> None:
        self._do("DELETE FROM beheer_sessions WHERE id_hash = ?", (id_hash,))

    def end_stale_sessions(self, created_before: dt.datetime, seen_before: dt.datetime) -> int:
        return self._do(
            "DELETE FROM beheer_sessions WHERE created_at < ? OR seen_at < ?",
            (_t(created_before), _t(seen_before)),
        )

    def add_login(self, state: str, nonce: str, verifier: str, now: dt.datetime) -> None:
        self._do(
            "INSERT INTO beheer_logins (state, nonce, verifier, created_at) VALUES (?, ?, ?, ?)",
            (state, nonce, verifier, _t(now)),
        )

    def take_login(self, state: str, not_before: dt.datetime) -> tuple[str, str] | None:
        """The nonce and PKCE verifier of a pending login, used up (one time only)."""
        with self._tx() as conn:
            row = conn.execute(
                self._sql("SELECT nonce, verifier, created_at FROM beheer_logins WHERE state = ?"),
                (state,),
            ).fetchone()
            conn.execute(
                self._sql("DELETE FROM beheer_logins WHERE state = ? OR created_at < ?"),
                (state, _t(not_before)),
            )
        if row is None or _p(row[2]) < not_before:
            return None
        return str(row[0]), str(row[1])

    # -- the access log (append-only)
    def log_access(self, a: Access) -> None:
        self._do(
            "INSERT INTO access_log (at, subject, name, role, what, action, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_t(a.at), a.subject, a.name, a.role, a.what, a.action, a.detail),
        )

    def access_log(self, limit: int = 500) -> list[Access]:
        rows = self._all(
            "SELECT at, subject, name, role, what, action, detail FROM access_log"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [Access(_p(r[0]), *r[1:]) for r in rows]

    def purge_access_log(self, before: dt.datetime) -> int:
        """The access log's own retention: the only code path that deletes from it."""
        return self._do("DELETE FROM access_log WHERE at < ?", (_t(before),))

    # -- per sign-up: attendance, postal address, letter sent, request state
    def _by_id(self, sql: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
        if not ids:
            return {}
        rows = self._all(sql.format(marks=self._marks(len(ids))), ids)
        return {r[0]: tuple(r[1:]) for r in rows}

    def set_attendance(self, sid: str, present: bool, by: str, now: dt.datetime) -> None:
        self._do(
            "INSERT INTO attendance (submission_id, present, marked_by, marked_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (submission_id) DO UPDATE SET"
            " present = excluded.present, marked_by = excluded.marked_by,"
            " marked_at = excluded.marked_at",
            (sid, int(present), by, _t(now)),
        )

    def attendance(self, ids: list[str]) -> dict[str, bool]:
        found = self._by_id(
            "SELECT submission_id, present FROM attendance WHERE submission_id IN ({marks})", ids
        )
        return {k: bool(v[0]) for k, v in found.items()}

    def not_for_letter(self) -> set[str]:
        """Sign-ups marked "niet gekomen", and those whose letter the back office sent."""
        rows = self._all(
            "SELECT submission_id FROM attendance WHERE present = 0"
            " UNION SELECT submission_id FROM letters_sent"
        )
        return {str(r[0]) for r in rows}

    def set_address(self, sid: str, address: str, now: dt.datetime) -> None:
        self._do(
            "INSERT INTO postal_addresses (submission_id, address, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (submission_id) DO UPDATE SET address = excluded.address",
            (sid, address, _t(now)),
        )

    def addresses(self, ids: list[str]) -> dict[str, str]:
        found = self._by_id(
            "SELECT submission_id, address FROM postal_addresses WHERE submission_id IN ({marks})",
            ids,
        )
        return {k: str(v[0]) for k, v in found.items()}

    def letter_sent(self, sid: str, session: str, channel: str, by: str, now: dt.datetime) -> bool:
        """Record one sign-up's letter and drop its postal address; False when it had one."""
        with self._tx() as conn:
            cur = conn.execute(
                self._sql(
                    "INSERT INTO letters_sent (submission_id, session, channel, at, by_name)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (submission_id) DO NOTHING"
                ),
                (sid, session, channel, _t(now), by),
            )
            conn.execute(self._sql("DELETE FROM postal_addresses WHERE submission_id = ?"), (sid,))
            return int(cur.rowcount) == 1

    def letters(self, ids: list[str]) -> dict[str, tuple[str, dt.datetime, str]]:
        found = self._by_id(
            "SELECT submission_id, channel, at, by_name FROM letters_sent"
            " WHERE submission_id IN ({marks})",
            ids,
        )
        return {k: (str(v[0]), _p(v[1]), str(v[2])) for k, v in found.items()}

    def set_request_state(self, sid: str, state: str, handler: str, now: dt.datetime) -> None:
        self._do(
            "INSERT INTO request_states (submission_id, state, handler, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (submission_id) DO UPDATE SET"
            " state = excluded.state, handler = excluded.handler,"
            " updated_at = excluded.updated_at",
            (sid, state, handler, _t(now)),
        )

    def request_states(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        found = self._by_id(
            "SELECT submission_id, state, handler FROM request_states"
            " WHERE submission_id IN ({marks})",
            ids,
        )
        return {k: (str(v[0]), str(v[1])) for k, v in found.items()}

    # -- keyed lookup hashes of stored contacts (AVG requests)
    def unindexed(self, ids: list[str]) -> list[str]:
        done = self._by_id(
            "SELECT submission_id, 1 FROM lookup_done WHERE submission_id IN ({marks})", ids
        )
        return [i for i in ids if i not in done]

    def add_lookups(self, sid: str, keys: Iterable[str]) -> None:
        with self._tx() as conn:
            for key in set(keys):
                conn.execute(
                    self._sql(
                        "INSERT INTO lookup_hashes (lookup_key, submission_id) VALUES (?, ?)"
                        " ON CONFLICT DO NOTHING"
                    ),
                    (key, sid),
                )
            conn.execute(
                self._sql(
                    "INSERT INTO lookup_done (submission_id) VALUES (?) ON CONFLICT DO NOTHING"
                ),
                (sid,),
            )

    def find(self, key: str) -> list[str]:
        return [
            str(r[0])
            for r in self._all(
                "SELECT submission_id FROM lookup_hashes WHERE lookup_key = ?", (key,)
            )
        ]

    def erase(self, sid: str) -> int:
        """Delete one submission; its contacts, queued messages and back-office rows go with it
        (ON DELETE CASCADE)."""
        return self._do("DELETE FROM submissions WHERE id = ?", (sid,))
