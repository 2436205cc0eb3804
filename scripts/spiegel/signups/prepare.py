"""What a sign-up for a session adds to a submission: the keys that make "one person, one seat"
work, the waiting-list consent, whether to write a message, and the personal cancel link.

Standard library only (hmac, hashlib): this runs on the request path.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from spiegel.db.base import Store, Submission
from spiegel.forms.model import Form
from spiegel.forms.patterns import normalise_email
from spiegel.security.keys import Keys

PROMOTE_FIELD = "doorschuiven"  # the consent "give me a seat when one comes free"
CANCEL_PATH = "/api/afmelden/"


def link_key(encryption_key: str | None, store: Store) -> bytes:
    """The key that signs cancel links and hashes contact details (``Keys.link``)."""
    return Keys.of(encryption_key, store).link()


def _mac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def cancel_token(key: bytes, sid: str) -> str:
    """``<submission id>.<signature>``: the id is random (122 bits), the signature proves we made it."""
    sig = base64.urlsafe_b64encode(_mac(key, "cancel\x00" + sid)[:18]).decode()
    return f"{sid}.{sig}"


def check_token(key: bytes, token: str) -> str | None:
    sid, _, sig = token.partition(".")
    if not sid or len(token) > 100 or not sig or not token.isascii():
        return None  # a real token is ASCII; compare_digest refuses other text with a TypeError
    return sid if hmac.compare_digest(cancel_token(key, sid).encode(), token.encode()) else None


def cancel_url(public_url: str, key: bytes, sid: str) -> str:
    return public_url + CANCEL_PATH + cancel_token(key, sid)


def calendar_uid(key: bytes, sid: str, session_id: str, site: str) -> str:
    """One appointment per sign-up: the same UID in every message about it (so a change or a
    cancel replaces it in the person's calendar), unguessable, never the sign-up's id."""
    from urllib.parse import urlsplit

    tag = _mac(key, "calendar\x00" + sid).hex()[:20]
    host = urlsplit(site).hostname or "spiegel.invalid"
    return f"{session_id}-{tag}@{host}"


def contact_keys(key: bytes, form: Form, session: str, clean: dict[str, str]) -> tuple[str, ...]:
    """Keyed hashes of the e-mail address and phone number, per session: never the clear value.
    The address normalised (plus tags, provider dots), so one person is one person."""
    out = []
    for f in form.fields:
        value = clean.get(f.name, "")
        if f.kind.contact and value:
            value = normalise_email(value) if f.kind.receives_mail else value.strip().lower()
            material = f"contact\x00{form.id}\x00{session}\x00{value}"
            out.append(_mac(key, material).hex())
    return tuple(out)


def recipient_cap(key: bytes, address: str, day: dt.date, limit: int) -> tuple[str, str, int]:
    """What the store counts a message-bearing sign-up under for its address: a keyed hash of
    the normalised address and the day, across forms and clients (issue 20 #8)."""
    material = f"recipient\x00{day.isoformat()}\x00{normalise_email(address)}"
    return _mac(key, material)[:16].hex(), day.isoformat(), limit


def email_field(form: Form) -> str | None:
    return next((f.name for f in form.fields if f.kind.receives_mail), None)


def enrich(sub: Submission, form: Form, clean: dict[str, str], key: bytes) -> Submission:
    """Add contact keys, the waiting-list consent and the wish for a message to a sign-up."""
    if sub.capacity_key is None:
        return sub
    return sub._replace(
        contact_keys=contact_keys(key, form, sub.capacity_key, clean),
        may_promote=clean.get(PROMOTE_FIELD) == "ja",
        # without an e-mail address the outbox lists the message for staff to phone (MANUAL)
        notify=True,
    )


def signup_cap(
    key: bytes, client: str, day: dt.date, limit: int, form_id: str = ""
) -> tuple[str, str, int]:
    """What the store counts a sign-up under: a keyed hash of the client's address, the form
    and the day (never the address itself), the day, and the limit. Counted in the database, so
    every instance shares one count; purge drops the counts after two days."""
    scope = f"{form_id}\x00" if form_id else ""
    material = f"signups\x00{scope}{day.isoformat()}\x00{client}"
    return _mac(key, material)[:16].hex(), day.isoformat(), limit
