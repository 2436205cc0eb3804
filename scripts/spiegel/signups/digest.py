"""The coordinator's daily digest: counts per coming session and the state of the outbox.

Counts only, never a name, address or answer (the export holds those): the mail may sit in a
shared inbox. Sent to ``SPIEGEL_COORDINATOR_EMAIL`` once per day, however many processes try:
the outbox row carries the key ``digest:<day>``, which the database keeps unique. The serve
process queues it every day from ``SPIEGEL_DIGEST_HOUR`` (Europe/Amsterdam); cron or a
serverless schedule runs ``spiegel digest`` instead.
"""

from __future__ import annotations

import datetime as dt

from spiegel.content.calendar import datum
from spiegel.db.base import (
    CANCELLED,
    CONFIRMED,
    DIGEST,
    FAILED,
    LETTER,
    MANUAL,
    PENDING,
    RECEIVED,
    SENT,
    WAITLIST,
    Store,
)
from spiegel.security.cipher import FieldCipher
from spiegel.signups.letters import LetterText
from spiegel.signups.registry import Registry


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


LETTER_GRACE = dt.timedelta(days=14)  # reminded until two weeks past the promised date


def letters_due(store: Store, registry: Registry, today: dt.date) -> list[str]:
    """Past sessions whose feedback letter the leaflet promised (``letter_weeks``) and nobody
    has sent yet: no letter queued or sent by e-mail, none recorded in the back office. Counts
    and dates only; from the day after the session until two weeks past the promised date."""
    from spiegel.db.beheer import BeheerDB  # the back office's table of letters sent

    mailed = {
        r.submission_id
        for r in store.outbox((PENDING, SENT, FAILED, MANUAL))
        if r.kind == LETTER and r.submission_id
    }
    out: list[str] = []
    for form in registry.forms().values():
        for key, choice in registry.seat_choices(form).items():
            found = registry.seat(form.id, key)
            if found is None or choice.cancelled or not found[1].get("letter_by"):
                continue
            held = dt.date.fromisoformat(found[1]["date"])
            due = dt.date.fromisoformat(found[1]["letter_by"])
            if not held < today <= due + LETTER_GRACE:
                continue
            came = [
                r.id
                for r in store.rows(form.id)
                if r.capacity_key == key and r.status in (CONFIRMED, RECEIVED)
            ]
            if not came or mailed.intersection(came) or BeheerDB(store).letters(came):
                continue
            late = " (te laat)" if today > due else ""
            out.append(
                f"{choice.label}: de brief aan {_n(len(came), 'deelnemer', 'deelnemers')} is nog"
                f" niet verstuurd; beloofd uiterlijk {datum(due)}{late}."
            )
    return out


def digest_text(
    store: Store,
    registry: Registry,
    cipher: FieldCipher | None,
    today: dt.date,
    now: dt.datetime,
    beheer_url: str = "",
) -> LetterText:
    """``beheer_url``: the back office's address (``<public url>/beheer/``); staff are pointed
    there instead of at commands when it is known."""
    since = now - dt.timedelta(days=1)
    org = registry.organisation()
    lines: list[str] = []
    for form in registry.forms().values():
        seats = registry.seat_choices(form)
        if not seats:
            continue
        tally: dict[str, dict[str, int]] = {k: {} for k in seats}
        for row in store.rows(form.id):  # statuses and times only; payloads stay closed
            counts = tally.get(row.capacity_key or "")
            if counts is None:
                continue
            counts[row.status] = counts.get(row.status, 0) + 1
            if row.created_at >= since:
                counts["new"] = counts.get("new", 0) + 1
        for key, choice in seats.items():
            session = registry.seat(form.id, key)
            if session is None or dt.date.fromisoformat(session[1]["date"]) < today:
                continue
            c = tally[key]
            taken = c.get(CONFIRMED, 0)
            if choice.cancelled:  # everyone signed up hears it from the outbox (issue 21)
                lines.append(
                    f"{choice.label}: gaat niet door; {taken} bevestigd, die bericht krijgen."
                )
                continue
            line = f"{choice.label}: {taken} van de {choice.capacity} plaatsen bezet"
            if choice.capacity is not None:
                line += f", {max(choice.capacity - taken, 0)} vrij"
            line += (
                f"; {_n(c.get(RECEIVED, 0), 'partner of mantelzorger', 'partners of mantelzorgers')}"
                " extra"
                f"; wachtlijst: {c.get(WAITLIST, 0)}"
                f"; afgemeld: {c.get(CANCELLED, 0)}"
                f"; nieuw sinds gisteren: {c.get('new', 0)}."
            )
            lines.append(line)
    pending, failed, manual = (len(store.outbox((s,))) for s in (PENDING, FAILED, MANUAL))
    where = (
        f"Hun telefoonnummer staat bij de bijeenkomst in de beheeromgeving: {beheer_url}"
        if beheer_url
        else "`spiegel outbox` laat zien welke berichten het zijn."
    )
    outbox = (
        f"E-mails: {pending} wachten op verzending, {failed} konden niet worden bezorgd. "
        f"{_n(manual, 'bericht is', 'berichten zijn')} voor iemand zonder e-mailadres: bel deze"
        f" mensen. {where}"
    )
    names = (
        f"Namen en gegevens ziet u na het inloggen in de beheeromgeving: {beheer_url}"
        if beheer_url
        else "Namen en gegevens staan in de export: spiegel export spiegelbijeenkomst."
    )
    who = org.get("name") or "Spiegel"
    due = letters_due(store, registry, today)
    return LetterText(
        f"Dagoverzicht aanmeldingen {datum(today)}",
        (
            f"Dagoverzicht van {who}, {datum(today)}. Hierin staan alleen aantallen. {names}",
            "\n".join(lines) if lines else "Er staan geen bijeenkomsten meer in de agenda.",
            *(["Brieven na de bijeenkomst:\n" + "\n".join(due)] if due else []),
            outbox,
        ),
    )


def queue_digest(
    store: Store,
    registry: Registry,
    cipher: FieldCipher | None,
    to: str,
    today: dt.date,
    now: dt.datetime,
    beheer_url: str = "",
) -> bool:
    """Queue today's digest; False when it was queued already today (by any process)."""
    text = digest_text(store, registry, cipher, today, now, beheer_url)
    return store.enqueue(DIGEST, None, to, text.to_json(), once=f"digest:{today.isoformat()}")
