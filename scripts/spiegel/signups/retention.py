"""Retention: what is past its form's retention period goes, audited. One function for both the
`spiegel purge` command (cron, serverless) and the serve process (at start-up and once a day), so
the privacy statement's "Na de bewaartermijn verwijderen wij uw gegevens automatisch" is kept
whichever way the endpoint runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from spiegel.db.base import Store
from spiegel.db.evaluations import EvaluationDB
from spiegel.signups import invitations

SERVE_ACTOR = "spiegel serve"  # the audit log's name for the serve process's own purge


def cutoffs(forms: Mapping[str, Any], at: dt.datetime) -> dict[str, dt.datetime]:
    """Per form: rows created before this moment are past their retention period."""
    return {f.id: at - dt.timedelta(days=int(f.privacy["retention_days"])) for f in forms.values()}


def purge(store: Store, forms: Mapping[str, Any], actor: str, at: dt.datetime) -> dict[str, int]:
    """Delete every row past its retention period; one audit entry per form that lost rows.
    Also: what was kept for the invitations of a groepsevaluatie that closed (addresses for the
    reminder, undelivered codes) is wiped, and edited debrief comments go with the answers."""
    limits = cutoffs(forms, at)
    deleted = store.purge(limits)
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
