"""Notices to the programme's coordinator about new requests on forms without seats.

The pages promise an answer ("binnen 72 uur neemt een peer supporter contact met u op", "de
coördinator reageert binnen twee weken"): that promise needs a person who knows a request came in.
Sign-ups for sessions are covered by the daily digest; the anonymous questionnaire needs nobody.

A notice holds no name, address or answer, only which form and when. Batched, so that a flood of
requests cannot drown the real ones in mail (issue 20 #6): per form, the day is cut into windows of
``WINDOW``; the first request of a window is announced at once, the rest of that window in one
notice when the window has ended ("3 nieuwe aanvragen ..."). At most two notices per form per
window, however many requests come in. Each notice carries a key the database keeps unique
(``notice:<form>:<window>:first|rest``), so every process may run this as often as it likes: in
the serve process every minute, and in ``spiegel outbox send`` (cron, serverless).
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
WINDOW = dt.timedelta(minutes=30)  # at most two notices per form in this time
GRACE = dt.timedelta(minutes=1)  # a request committed just after its window closed still counts


def needs_notice(form: Form) -> bool:
    return not form.capacity_field and not form.anonymous


def recipient(form: Form, coordinator: str, per_form: Mapping[str, str]) -> str:
    """``SPIEGEL_NOTIFY_<FORM>`` (e.g. SPIEGEL_NOTIFY_COLLEGIALE_ONDERSTEUNING), else the coordinator."""
    return per_form.get(form.id, "") or coordinator


def notice_text(
    form: Form, received: dt.datetime, organisation: str, beheer_url: str = ""
) -> LetterText:
    at = received.astimezone(ZONE).strftime("%d-%m-%Y om %H:%M")
    return LetterText(
        "Nieuwe aanvraag via Spiegel",
        (
            f"Er is een nieuwe aanvraag binnengekomen via het formulier '{form.title}' ({at}).",
            *_closing(form, organisation, beheer_url),
        ),
    )


def batch_text(
    form: Form, count: int, start: dt.datetime, organisation: str, beheer_url: str = ""
) -> LetterText:
    local = start.astimezone(ZONE)
    until = (start + WINDOW).astimezone(ZONE)
    return LetterText(
        f"{count} nieuwe aanvragen via Spiegel",
        (
            f"Op {local:%d-%m-%Y} tussen {local:%H:%M} en {until:%H:%M} uur kwamen er nog"
            f" {count} aanvragen binnen via het formulier '{form.title}'.",
            *_closing(form, organisation, beheer_url),
        ),
    )


def _closing(form: Form, organisation: str, beheer_url: str = "") -> tuple[str, str]:
    where = (
        f"U vindt ze na het inloggen in de beheeromgeving: {beheer_url}verzoeken/{form.id}"
        if beheer_url
        else f"U vindt ze met: spiegel export {form.id}"
    )
    return (
        "Neem contact op zoals de site belooft. De gegevens van de aanvragers staan niet in"
        f" deze e-mail. {where}",
        f"Met vriendelijke groet,\n{organisation or 'Spiegel'}",
    )


def window_of(t: dt.datetime) -> dt.datetime:
    """The start of the window ``t`` falls in (windows aligned to the hour, in UTC)."""
    t = t.astimezone(dt.UTC)
    step = int(WINDOW.total_seconds())
    return dt.datetime.fromtimestamp(int(t.timestamp()) // step * step, dt.UTC)


def queue_notices(
    store: Store,
    registry: Registry,
    coordinator: str,
    per_form: Mapping[str, str],
    now: dt.datetime,
    beheer_url: str = "",
) -> int:
    """Queue the notices that are due for the requests of the last two days; returns how many."""
    added = 0
    org = str(registry.organisation().get("name", ""))
    for form in registry.forms().values():
        to = recipient(form, coordinator, per_form)
        if not needs_notice(form) or not to:
            continue
        windows: dict[dt.datetime, list[dt.datetime]] = {}
        for row in store.rows(form.id):  # ids and times only; payloads stay closed
            if row.created_at >= now - LOOK_BACK:
                windows.setdefault(window_of(row.created_at), []).append(row.created_at)
        for start, times in sorted(windows.items()):
            key = f"notice:{form.id}:{start:%Y%m%dT%H%M}"
            first = notice_text(form, min(times), org, beheer_url)
            added += store.enqueue(NOTICE, None, to, first.to_json(), once=f"{key}:first")
            if len(times) > 1 and now >= start + WINDOW + GRACE:
                rest = batch_text(form, len(times) - 1, start, org, beheer_url)
                added += store.enqueue(NOTICE, None, to, rest.to_json(), once=f"{key}:rest")
    return added
