"""Staff sessions of the back office: an unguessable id in the cookie, only its hash stored.

A database dump therefore holds no usable session. Idle for 30 minutes or 8 hours old: ended.
Every state-changing form carries the session's CSRF token (compared in constant time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=8)
LOGIN_WAIT = dt.timedelta(minutes=10)  # a login started longer ago than this is refused
COOKIE = "spiegel_beheer"
SECURE_COOKIE = "__Host-spiegel_beheer"  # production: Secure, Path=/, no Domain
LOGIN_COOKIE = "spiegel_beheer_login"


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_id(session_id: str) -> str:
    return hashlib.sha256(b"spiegel-beheer-session:" + session_id.encode()).hexdigest()


def alive(created: dt.datetime, seen: dt.datetime, now: dt.datetime) -> bool:
    return now - seen < IDLE and now - created < ABSOLUTE


def csrf_ok(expected: str, given: object) -> bool:
    return (
        isinstance(given, str)
        and given.isascii()
        and hmac.compare_digest(expected.encode(), given.encode())
    )
