"""Wiring of the sign-up loop for the commands and the serve process: a ready Sender, the
reminder that enqueues a message N days before each session (idempotent: once per sign-up), and
the serve process's housekeeping (retention purge, changed sessions, reminders, digest)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spiegel.db.base import CONFIRMED, LETTER, RECEIVED, REMINDER, Store
from spiegel.outbox.sender import Permanent, Sender, plain
from spiegel.security.cipher import FieldCipher
from spiegel.security.files import open_private, private_dir
from spiegel.signups import ballots, retention
from spiegel.signups.digest import queue_digest
from spiegel.signups.invitations import open_evaluations
from spiegel.signups.letters import LetterText, printable
from spiegel.signups.notices import queue_notices
from spiegel.signups.prepare import email_field
from spiegel.signups.registry import Registry

if TYPE_CHECKING:
    from spiegel.services import Services

log = logging.getLogger("spiegel.sender")


def make_sender(services: Services, require_address: bool = True, **kw: Any) -> Sender:
    """The process's sender; ConfigError when links in messages would have no address (a
    sender that only lists, ``require_address=False``, fails each such message instead)."""
    mail = services.mail
    if require_address:
        mail.public_address()
    return Sender(
        services.store,
        services.registry,
        mail,
        services.cipher,
        services.keys.link(),
        lease=dt.timedelta(seconds=mail.lease_seconds),
        **kw,
    )


def send_due(services: Services, once: bool = False) -> tuple[int, int]:
    """What ``spiegel outbox send`` and a scheduled Lambda event do: queue the coordinator's
    notices of new requests, look for sessions called off or moved (their messages), then
    deliver what is due. Returns (session messages queued, messages handled)."""
    from spiegel.signups.notices import queue_notices

    sender = make_sender(services)
    mail = services.mail
    link = beheer_url(mail.public_url)
    queue_notices(
        services.store, sender.registry, mail.coordinator, mail.notify, services.clock.now(), link
    )
    changed = sender.sync_sessions()
    total = 0
    try:
        while handled := sender.run_once():
            total += handled
            if once:
                break
    finally:
        sender.transport.close()
    return changed, total


def beheer_url(public_url: str) -> str:
    """Where the digest points staff: the back office on the endpoint's public address."""
    return public_url.rstrip("/") + "/beheer/" if public_url else ""


def remind(store: Store, registry: Registry, days: int, today: dt.date) -> int:
    """Enqueue a reminder for every confirmed sign-up whose session is ``days`` days (or fewer)
    away and still to come; a sign-up gets one reminder however often this runs."""
    added = 0
    for form in registry.forms().values():
        if not form.capacity_field:
            continue
        for row in store.rows(form.id):
            seat = registry.seat(form.id, row.capacity_key)
            if row.status not in (CONFIRMED, RECEIVED) or seat is None or seat[0].cancelled:
                continue
            day = dt.date.fromisoformat(seat[1]["date"])
            if today <= day <= today + dt.timedelta(days=days):
                added += store.enqueue(REMINDER, row.id)
    return added


def start_in_process(
    services: Services,
    tick: float = 3600.0,
    today: Callable[[], dt.date] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> tuple[threading.Event, threading.Event]:
    """The serve process's sender thread, and a housekeeping thread that wakes every ``tick``
    seconds (an hour): the purge of what is past its retention period (at start-up, then once
    per day of ``today()``), the reminders and the coordinator's digest. ``today`` and ``clock``
    (what the purge takes as now) default to the services' clock. Returns (wake, stop)."""
    sender = make_sender(services)
    store, mail, now = services.store, services.mail, services.clock.now
    today, clock = today or services.clock.today, clock or now
    wake, stop = threading.Event(), threading.Event()
    purged_on: list[dt.date] = []  # the day of the last purge that worked

    def housekeeping() -> None:
        while not stop.is_set():
            day = today()
            if not purged_on or purged_on[-1] != day:
                try:
                    registry = sender.registry
                    retention.purge(
                        store, registry.forms(), retention.SERVE_ACTOR, clock(), registry
                    )
                    purged_on[:] = [day]
                except Exception:
                    log.exception("purge failed; trying again at the next tick")
            try:  # answers with codes leave the ballot box once a batch is full (issue 19)
                # a full batch; and the last answers of an evaluation that closed
                ballots.move(store, services.cipher, open_evaluations(sender.registry.forms()))
            except Exception:
                log.exception("moving the ballot box failed; trying again at the next tick")
            try:  # sessions called off or moved: tell who signed up (also after each reload)
                if sender.sync_sessions():
                    wake.set()
            except Exception:
                log.exception("looking for changed sessions failed; trying again at the next tick")
            try:
                woke = remind(store, sender.registry, mail.remind_days, day)
                if mail.coordinator and services.clock.local().hour >= mail.digest_hour:
                    woke += queue_digest(
                        store,
                        sender.registry,
                        sender.cipher,
                        mail.coordinator,
                        day,
                        now(),
                        beheer_url(mail.public_url),
                    )
                if woke:
                    wake.set()
            except Exception:
                log.exception("reminders or digest failed; trying again at the next tick")
            stop.wait(tick)

    def notices() -> None:
        while not stop.is_set():
            try:
                link = beheer_url(mail.public_url)
                if queue_notices(
                    store, sender.registry, mail.coordinator, mail.notify, now(), link
                ):
                    wake.set()
            except Exception:
                log.exception("notices failed; trying again in a minute")
            stop.wait(60)

    threading.Thread(target=sender.run_forever, args=(stop, wake), daemon=True).start()
    threading.Thread(target=housekeeping, daemon=True).start()
    threading.Thread(target=notices, daemon=True).start()
    return wake, stop


@dataclass
class LetterRun:
    mailed: int = 0  # new outbox rows (a sign-up that had its letter already is not counted)
    already: int = 0
    printed: list[Path] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # row ids no configured key opens


def letters(
    store: Store,
    registry: Registry,
    cipher: FieldCipher | None,
    session_id: str,
    text: LetterText,
    out_dir: Path,
    today: dt.date,
    skip: Collection[str] = (),
) -> LetterRun:
    """Queue the letter for every participant with an e-mail address (once per sign-up) and write
    a printable file for everyone else. Participants: confirmed sign-ups of the session, and
    partners and carers who came with them (never the waiting list or who cancelled); ``skip``:
    sign-ups marked "niet gekomen" in the back office, or whose letter it sent already."""
    run = LetterRun()
    for form in registry.forms().values():
        if not form.capacity_field:
            continue
        if session_id not in {c.value for c in form.by_name[form.capacity_field].choices}:
            continue
        key = registry.keys.seat(form.id, session_id)
        field_name = email_field(form)
        folder = out_dir / session_id
        for row in store.rows(form.id):
            if row.capacity_key != key or row.status not in (CONFIRMED, RECEIVED) or row.id in skip:
                continue
            try:
                values = plain(row.payload, cipher)
            except Permanent:
                run.unreadable.append(row.id)
                continue
            if field_name and values.get(field_name):
                if store.enqueue(LETTER, row.id, None, text.to_json()):
                    run.mailed += 1
                else:
                    run.already += 1
                continue
            path = private_dir(folder) / f"brief-{len(run.printed) + 1:02d}.html"
            html = printable(values.get("naam", ""), text, registry.organisation(), today)
            with open_private(path, encoding="utf-8") as fh:  # personal data
                fh.write(html)
            run.printed.append(path)
    return run
