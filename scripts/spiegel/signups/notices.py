"""A notice to the programme's coordinator for every new request on a form without seats.

The pages promise an answer ("binnen 72 uur neemt een peer supporter contact met u op", "de
coördinator reageert binnen twee weken"): that promise needs a person who knows a request came in.
Sign-ups for sessions are covered by the daily digest; the anonymous questionnaire needs nobody.

The notice holds no name, address or answer (the export holds those), only which form and when.
One notice per request, however often and by however many processes this runs: the outbox row
carries the key ``notice:<submission id>``, which the database keeps unique. Runs every minute in
the serve process and in ``spiegel outbox send`` (cron, serverless).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from spiegel.clock import ZONE
from spiegel.db.base import NOTICE, Store
from spiegel.forms.model import Form
from spiegel.signups.letters import LetterText
from spiegel.signups.registry import Registry

LOOK_BACK = dt.timedelta(days=2)  # a new deployment does not mail about old requests


def needs_notice(form: Form) -> bool:
    return not form.capacity_field and not form.anonymous


def recipient(form: Form, coordinator: str, per_form: Mapping[str, str]) -> str:
    """``SPIEGEL_NOTIFY_<FORM>`` (e.g. SPIEGEL_NOTIFY_COLLEGIALE_ONDERSTEUNING), else the coordinator."""
    return per_form.get(form.id, "") or coordinator


def notice_text(form: Form, received: dt.datetime, organisation: str) -> LetterText:
    at = received.astimezone(ZONE).strftime("%d-%m-%Y om %H:%M")
    return LetterText(
        "Nieuwe aanvraag via Spiegel",
        (
            f"Er is een nieuwe aanvraag binnengekomen via het formulier '{form.title}' ({at}).",
            "Neem contact op zoals de site belooft. De gegevens van de aanvrager staan niet in"
            f" deze e-mail. U vindt ze met: spiegel export {form.id}",
            f"Met vriendelijke groet,\n{organisation or 'Spiegel'}",
        ),
    )


def queue_notices(
    store: Store,
    registry: Registry,
    coordinator: str,
    per_form: Mapping[str, str],
    now: dt.datetime,
) -> int:
    """Queue a notice for every request of the last two days that has none yet; returns how many."""
    added = 0
    org = str(registry.organisation().get("name", ""))
    for form in registry.forms().values():
        to = recipient(form, coordinator, per_form)
        if not needs_notice(form) or not to:
            continue
        for row in store.rows(form.id):  # ids and times only; payloads stay closed
            if row.created_at < now - LOOK_BACK:
                continue
            text = notice_text(form, row.created_at, org)
            added += store.enqueue(NOTICE, None, to, text.to_json(), once=f"notice:{row.id}")
    return added
