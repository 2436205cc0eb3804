"""Retention: what is past its form's retention period goes, audited. One function for both the
`spiegel purge` command (cron, serverless) and the serve process (at start-up and once a day), so
the privacy statement's "Na de bewaartermijn verwijderen wij uw gegevens automatisch" is kept
whichever way the endpoint runs.

A sign-up for a session is kept for the form's ``retention_days`` counted from the session's
date, not from the day of the sign-up: someone who signs up half a year ahead still gets the
reminder, the session and the letter after it (``spiegel check`` refuses a retention shorter
than the letter's weeks, ``project.py``). Rows of a session whose date is unknown (its block is
gone) and of forms without sessions count from the day they were sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from spiegel.db.base import Store
from spiegel.db.evaluations import EvaluationDB
from spiegel.signups import invitations

SERVE_ACTOR = "spiegel serve"  # the audit log's name for the serve process's own purge


def cutoffs(forms: Mapping[str, Any], at: dt.datetime) -> dict[str, dt.datetime]:
    """Per form: rows created before this moment are past their retention period (rows of a
    session with a known date go by that date instead, ``session_plan``)."""
    return {f.id: at - dt.timedelta(days=int(f.privacy["retention_days"])) for f in forms.values()}


def delete_on(session_date: dt.date, retention_days: int) -> dt.date:
    """The first day on which the sign-ups of a session held on ``session_date`` are gone."""
    return session_date + dt.timedelta(days=retention_days + 1)


def session_plan(
    forms: Mapping[str, Any], registry: Any, at: dt.datetime
) -> dict[str, tuple[list[str], list[str]]]:
    """Per form with sessions: (seat keys whose retention has ended, seat keys with a date)."""
    from spiegel.clock import ZONE

    today = at.astimezone(ZONE).date()
    plan: dict[str, tuple[list[str], list[str]]] = {}
    for form in forms.values():
        if not form.capacity_field:
            continue
        expired, known = [], []
        days = int(form.privacy["retention_days"])
        for key, choice in registry.seat_choices(form).items():
            session = registry.session(choice.value)
            if session is None:
                continue
            known.append(key)
            if delete_on(dt.date.fromisoformat(session["date"]), days) <= today:
                expired.append(key)
        plan[form.id] = (expired, known)
    return plan


def purge(
    store: Store,
    forms: Mapping[str, Any],
    actor: str,
    at: dt.datetime,
    registry: Any = None,
) -> dict[str, int]:
    """Delete every row past its retention period; one audit entry per form that lost rows.
    ``registry`` (the live definitions) gives the sessions' dates. Also: what was kept for the
    invitations of a groepsevaluatie that closed (addresses for the reminder, undelivered codes)
    is wiped, and edited debrief comments go with the answers."""
    plan = session_plan(forms, registry, at) if registry is not None else None
    limits = cutoffs(forms, at)
    deleted = store.purge(limits, plan)
    for form_id, n in deleted.items():
        if n:
            store.audit(actor, "purge", form_id, f"{n} rows past retention")
    still_open = invitations.open_evaluations(forms)
    if still_open is not None:
        for ev in invitations.close_finished(store, still_open, at.date()):
            store.audit(actor, "purge", invitations.FORM, f"{ev}: invitations closed, wiped")
        gone = EvaluationDB(store).purge_debrief(limits[invitations.FORM])
        if gone:
            store.audit(actor, "purge", invitations.FORM, f"{gone} debrief texts past retention")
    return deleted
