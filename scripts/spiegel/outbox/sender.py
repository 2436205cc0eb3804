"""The sender: delivers outbox rows through an SMTP relay, or writes them as .eml files.

Delivery is at least once, with a window as small as SMTP allows: a row is marked sent in its own
commit right after the relay has accepted the message (250 after DATA). Only a crash between those
two moments (one database commit, about a millisecond) sends a message again, after its lease
(SPIEGEL_MAIL_LEASE_SECONDS) runs out; the copy has the same Message-ID, which mail programs use
to show it once. In the .eml mode a message is a file named after its row, so a resend replaces
it: exactly once. A relay that is down, or answers 4xx, means: try again later (backoff from
SPIEGEL_MAIL_RETRY_SECONDS, doubling, at most an hour; after MAX_ATTEMPTS the row is FAILED and
`spiegel outbox` lists it). A 5xx answer (address refused) fails the row at once.

Runs inside ``python -m spiegel.serve`` (a thread, woken after each sign-up) and as
``spiegel outbox send`` (cron, serverless).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from spiegel import clock
from spiegel.content.sessions import CANCELLED
from spiegel.db.base import (
    CANCELLATION,
    CONFIRMED,
    DIGEST,
    FAILED,
    FORGET_ON_DELIVERY,
    LETTER,
    MANUAL,
    MAX_ATTEMPTS,
    NOTICE,
    RECEIVED,
    REPEAT,
    SESSION_CANCELLED,
    SESSION_CHANGED,
    OutboxRow,
    Store,
    backoff,
    now,
)
from spiegel.mailsettings import MailSettings
from spiegel.outbox.messages import (
    WITH_ICS,
    Calendar,
    Letter,
    build_message,
    invitation_letter,
    session_letter,
)
from spiegel.security.cipher import FieldCipher, KeyMismatch, is_sealed
from spiegel.security.files import private_dir, write_private
from spiegel.signups import changes, invitations
from spiegel.signups.letters import LetterText, greeting
from spiegel.signups.prepare import calendar_uid, cancel_url, email_field
from spiegel.signups.registry import Registry

log = logging.getLogger("spiegel.sender")
NO_ADDRESS = "geen e-mailadres: bel deze persoon"
NOT_ONE_ADDRESS = "het bewaarde adres is niet één gewoon e-mailadres: bel de persoon"  # why a row waits on the call list
# shown to staff under "Waarom niet bezorgd" (and by `spiegel outbox`, `invite --status`)
NO_RELAY = (
    "er is geen mailserver ingesteld (SPIEGEL_SMTP_URL). Een uitnodiging wordt nooit als bestand"
    " bewaard. Laat de beheerder de mailserver instellen en stuur de uitnodiging dan opnieuw"
)
CLOSED = (
    "de evaluatie is gesloten, dus deze uitnodiging gaat niet meer weg. Opnieuw versturen kan"
    " pas als de evaluatie weer open staat (open: true in groepsevaluatie.yaml)"
)


@dataclass(frozen=True)
class Prepared:
    letter: Letter | None  # None: nothing to send (an earlier message said it already)
    to: str | None
    told: tuple[str, int] | None = None  # (sign-up, version of its session it describes)
    skip: bool = False


class Permanent(Exception):
    """The message can never be delivered as it is (address refused, sign-up removed)."""


class Transport(Protocol):
    def send(self, msg: EmailMessage, mid: str, to: str) -> None: ...
    def close(self) -> None: ...


class EmlFolder:
    """No relay (development): each message becomes ``<row id>.eml``, written atomically. It
    keeps a copy of everything it "sends", so invitations never come here (``keeps_copies``):
    a folder of them would be the code list nobody may hold (issue 19)."""

    keeps_copies = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, msg: EmailMessage, mid: str, to: str) -> None:
        write_private(private_dir(self.folder) / f"{mid}.eml", msg.as_bytes())

    def close(self) -> None:
        return None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class SmtpRelay:
    """smtp:// (STARTTLS when the relay offers it) or smtps:// (TLS from the start), with AUTH."""

    keeps_copies = False

    def __init__(self, url: str, timeout: float = 30) -> None:
        self.url = urlsplit(url)
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        u = self.url
        host = u.hostname or "localhost"
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if u.scheme == "smtps":
            conn = smtplib.SMTP_SSL(host, u.port or 465, timeout=self.timeout, context=context)
            secure = True
        else:
            conn = smtplib.SMTP(host, u.port or 587, timeout=self.timeout)
            conn.ehlo()
            secure = conn.has_extn("starttls")
            if secure:
                conn.starttls(context=context)
                conn.ehlo()
        if u.username:
            if not secure and not _loopback(host):
                conn.close()
                raise Permanent(
                    "de mailserver biedt geen versleuteling (TLS), dus wij sturen het wachtwoord"
                    " niet mee: stel een mailserver met STARTTLS of smtps:// in"
                )
            conn.login(unquote(u.username), unquote(u.password or ""))
        return conn

    def send(self, msg: EmailMessage, mid: str, to: str) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            # the envelope names the one checked address, never what the headers might parse to
            self._conn.send_message(msg, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            # only the code: the relay's text echoes the address ("550 <a@b>: User unknown")
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise Permanent(
                f"de mailserver weigert dit adres (SMTP {'/'.join(map(str, codes))}): controleer het"
                " adres of bel de persoon"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise Permanent(
                    f"de mailserver weigert dit bericht (SMTP {exc.smtp_code}): vraag de beheerder"
                    " van de mailserver waarom"
                ) from exc
            self.reset()
            raise
        except (OSError, smtplib.SMTPException):
            self.reset()
            raise

    def reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


def transport_for(mail: MailSettings) -> Transport:
    return SmtpRelay(mail.smtp_url) if mail.smtp_url else EmlFolder(mail.outbox_dir)


def plain(payload: dict[str, Any], cipher: FieldCipher | None) -> dict[str, str]:
    """A stored payload opened (the one place the sender reads it); Permanent when it cannot be."""
    if not is_sealed(payload):
        return {k: str(v) for k, v in payload.items()}
    if cipher is None:
        raise Permanent(
            "de aanmelding is versleuteld en SPIEGEL_ENCRYPTION_KEY is niet ingesteld: stel de sleutel in"
        )
    try:
        return cipher.open(payload)
    except KeyMismatch as exc:
        raise Permanent(
            "geen van de ingestelde sleutels opent deze aanmelding: zet de oude sleutel terug in"
            " SPIEGEL_ENCRYPTION_KEY"
        ) from exc


def one_address(to: str) -> str:
    """``to`` if it is exactly one plain addr-spec that round-trips through ``Address`` (no
    display name, no RFC 2047 encoded word, no list, no line break); Permanent otherwise."""
    if "=?" in to or any(c in to for c in ',;<>\r\n"()') or to != to.strip():
        raise Permanent(NOT_ONE_ADDRESS)
    try:
        parsed = Address(addr_spec=to)
    except (ValueError, IndexError, TypeError) as exc:
        raise Permanent(NOT_ONE_ADDRESS) from exc
    if parsed.addr_spec != to or not parsed.username or not parsed.domain:
        raise Permanent(NOT_ONE_ADDRESS)
    return to


def transport_error(exc: BaseException) -> str:
    """What is kept of a relay error: its class and SMTP code, never the relay's own text."""
    code = getattr(exc, "smtp_code", None)
    what = f"{type(exc).__name__}" + (f", SMTP {code}" if code else "")
    return f"de mailserver nam het bericht niet aan ({what}); wij proberen het later opnieuw"


class Sender:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        mail: MailSettings,
        cipher: FieldCipher | None,
        link_key: bytes,
        transport: Transport | None = None,
        lease: dt.timedelta = dt.timedelta(seconds=120),
    ) -> None:
        self.store = store
        self.registry = registry
        self.mail = mail
        self.cipher = cipher
        self.link_key = link_key
        self.transport = transport or transport_for(mail)
        self.lease = lease

    def compose(self, row: OutboxRow) -> tuple[Letter | None, str | None]:
        """(what to say, to whom); the address comes from the sign-up, opened only here."""
        ready = self.prepare(row)
        return ready.letter, ready.to

    def prepare(self, row: OutboxRow) -> Prepared:
        """The message of a row, its address, and which version of the session it tells."""
        if row.kind in FORGET_ON_DELIVERY:
            return Prepared(*self._invitation(row))
        if row.submission_id is None:
            if (
                row.kind in (DIGEST, NOTICE) and row.recipient
            ):  # no personal data, configured address
                text = LetterText.from_json(row.data)
                return Prepared(Letter(text.subject, text.paragraphs), row.recipient)
            raise Permanent(f"berichtsoort {row.kind} zonder aanmelding bestaat niet")
        sub = self.store.submission(row.submission_id)
        if sub is None or sub.capacity_key is None:
            raise Permanent("de aanmelding bestaat niet meer (afgemeld of gewist)")
        form = self.registry.forms().get(sub.form_id)
        if form is None:
            raise Permanent("het formulier bestaat niet meer in forms/")
        values = plain(sub.payload, self.cipher)
        field = email_field(form)
        to = values.get(field) if field else None
        if row.kind == LETTER:  # the text was fixed by `spiegel letter`; only the name is added
            text = LetterText.from_json(row.data)
            return Prepared(
                Letter(text.subject, (greeting(values.get("naam", "")), *text.paragraphs)),
                to or None,
            )
        today = clock.today(self.registry.settings.today)
        now = changes.current(
            self.store, self.registry, self.cipher, sub.form_id, sub.capacity_key, today
        )
        if now is None:
            raise Permanent("de bijeenkomst staat niet meer in de inhoud")
        session, seq = now.session, now.seq
        kind = row.kind
        called_off = session.get("status") == CANCELLED
        if kind in (SESSION_CHANGED, SESSION_CANCELLED) or (called_off and kind != CANCELLATION):
            # what the person hears is what the session is now: called off, or changed
            kind = SESSION_CANCELLED if called_off else SESSION_CHANGED
            told_already = sub.told_seq is not None and sub.told_seq >= seq
            if row.kind in (SESSION_CHANGED, SESSION_CANCELLED) and told_already:
                return Prepared(None, to or None, skip=True)  # an earlier message told them
        previous = None
        if kind == SESSION_CHANGED and sub.told_seq is not None:
            before = self.store.session_version(sub.capacity_key, sub.told_seq)
            previous = changes.opened(before, self.cipher) if before else None
        held = row.data if kind == CANCELLATION else sub.status  # the own cancel: before it
        seat = held in (CONFIRMED, RECEIVED)  # an appointment in their calendar
        standing = {CONFIRMED: "seat", RECEIVED: "extra"}.get(held, "waiting")
        public = self.mail.public_address()  # ConfigError rather than a link to nowhere
        site = self.registry.settings.site_url or public
        page = site + (
            "/vvg/" if session.get("programme") == "vvg" else "/spiegelbijeenkomst/agenda/"
        )
        uid = calendar_uid(self.link_key, sub.id, session["id"], site)
        calendar = None
        if kind in WITH_ICS and seat:
            calendar = Calendar(uid, seq)
        elif kind == SESSION_CANCELLED and seat:
            calendar = Calendar(uid, seq, "CANCEL")
        elif kind == CANCELLATION and seat:
            calendar = Calendar(uid, seq + 1, "CANCEL")  # their own: one step past the session's
        letter = session_letter(
            kind,
            name=values.get("naam", ""),
            session=session,
            org=self.registry.organisation(),
            cancel_link=cancel_url(public, self.link_key, sub.id),
            agenda_url=page + "#" + session["id"],
            calendar=calendar,
            previous=previous,
            seat=seat,
            signup=values,
            practical=self.registry.practical(),
            standing=standing,
        )
        told = (sub.id, seq) if kind != CANCELLATION else None
        return Prepared(letter, to or None, told)

    def _invitation(self, row: OutboxRow) -> tuple[Letter, str | None]:
        """A groepsevaluatie invitation or reminder: address and code sealed in the row."""
        if not row.data:
            raise Permanent("de uitnodiging is gewist: de evaluatie is gesloten")
        values = plain(json.loads(row.data), self.cipher)
        site = (self.registry.settings.site_url or self.mail.public_address()).rstrip("/")
        forms = self.registry.forms()
        form = forms.get(invitations.FORM)
        taking = invitations.open_evaluations(forms)
        if taking is not None and values.get("evaluatie") not in taking:
            raise Permanent(CLOSED)
        link = f"{site}{form.url if form else '/groepsevaluatie/vragenlijst/'}"
        letter = invitation_letter(
            row.kind,
            values,
            self.registry.organisation(),
            link,
            f"{site}/groepsevaluatie/resultaten/",
        )
        return letter, values.get("aan") or None

    def run_once(self, limit: int = 50) -> int:
        """Deliver what is due; returns the number of rows handled (sent, retried or failed)."""
        rows = self.store.claim_outbox(limit, self.lease)
        blanked: list[str] = []  # invitations marked sent: their address and code blanked
        try:
            return self._deliver(rows, blanked)
        finally:
            # overwrite what the blanked invitations left behind (SQLite WAL, PostgreSQL dead
            # rows), in the outbox alone. Nothing blanked (the relay was down, every retry):
            # no wipe, unless an earlier one is owed (wipe_freed(0) tries that again).
            if any(r.kind in FORGET_ON_DELIVERY for r in rows):
                self.store.wipe_freed(len(blanked), ("outbox",))

    def _deliver(self, rows: list[OutboxRow], blanked: list[str]) -> int:
        """``blanked`` gets the ids of the invitations marked sent (mark_sent blanks them)."""
        for i, row in enumerate(rows):
            try:
                ready = self.prepare(row)
                letter, to = ready.letter, ready.to
                if letter is None or (to is None and row.kind == REPEAT):
                    # nothing new to say (an earlier message told them), or a repeat by phone
                    # (the first sign-up is on the call list already)
                    self.store.mark_sent(row.id)
                    if row.kind in FORGET_ON_DELIVERY:
                        blanked.append(row.id)
                    continue
                if to is None:
                    self.store.mark_failed(row.id, NO_ADDRESS, None, MANUAL, ready.told)
                    continue
                if row.kind in FORGET_ON_DELIVERY and getattr(
                    self.transport, "keeps_copies", False
                ):
                    raise Permanent(NO_RELAY)
                to = one_address(to)
                msg = build_message(letter, to=to, sender=self.mail.mail_from, message_id=row.id)
                self.transport.send(msg, row.id, to)
            except Permanent as exc:
                log.warning("outbox %s %s failed: %s", row.id, row.kind, exc)
                self.store.mark_failed(row.id, str(exc), None, FAILED)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # the relay is down or busy: this row and the rest of the batch wait
                for later in rows[i:]:
                    self._retry(later, transport_error(exc))
                return len(rows)
            except Exception as exc:  # noqa: BLE001 - one bad row must never hold the queue
                # Anything else (a header that cannot be built, a template error) fails this
                # message alone, with a reason that holds no personal data; the others go on.
                reason = f"het bericht kon niet worden gemaakt ({type(exc).__name__}): meld dit aan de ontwikkelaars"
                log.error("outbox %s %s failed: %s", row.id, row.kind, reason)
                self.store.mark_failed(row.id, reason, None, FAILED)
                continue
            self.store.mark_sent(row.id, ready.told)  # right after the 250: one commit
            if row.kind in FORGET_ON_DELIVERY:
                blanked.append(row.id)
        return len(rows)

    def _retry(self, row: OutboxRow, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.store.mark_failed(row.id, error, None, FAILED)
            return
        wait = backoff(attempts) * (self.mail.retry_seconds / 30)
        self.store.mark_failed(row.id, error, now() + wait, "pending")

    def sync_sessions(self) -> int:
        """Look for sessions that changed in the content and queue their messages."""
        today = clock.today(self.registry.settings.today)
        return changes.sync(self.store, self.registry, self.cipher, today)

    def run_forever(self, stop: threading.Event, wake: threading.Event, poll: float = 2.0) -> None:
        """The serve process's sender thread: delivers, then sleeps until woken or ``poll`` passes.
        After each reload of the content it first looks for sessions that changed."""
        seen = -1
        while not stop.is_set():
            try:
                self.registry.forms()  # reloads when the files changed (at most every 2 s)
                if self.registry.generation != seen:
                    seen = self.registry.generation
                    self.sync_sessions()
            except Exception:
                log.exception("looking for changed sessions failed; trying again later")
                seen = -1
            try:
                handled = self.run_once()
            except Exception:
                log.exception("outbox sender failed; trying again shortly")
                handled = 0
            if not handled:
                wake.wait(poll)
                wake.clear()
        self.transport.close()
