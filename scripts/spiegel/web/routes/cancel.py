"""The personal cancel link from the e-mails: ``/api/afmelden/<token>``.

GET only shows "Wilt u zich afmelden?" and changes nothing (mail scanners follow links); the
button on that page POSTs, which cancels, frees the seat and moves the first person on the
waiting list who agreed to it up, all in one transaction (see the stores' ``cancel``).
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from spiegel.content.calendar import datum
from spiegel.db.base import CANCELLED, RECEIVED, WAITLIST, StoredRow, StoreUnavailable
from spiegel.signups.prepare import check_token
from spiegel.web.pages import page
from spiegel.web.replies import SECURITY_HEADERS
from spiegel.web.routes.forms import origin_allowed

log = logging.getLogger("spiegel.endpoint")


def _reply(request: Request, status: int, title: str, body: str) -> Response:
    state = request.app.state
    site = state.settings.site_url
    html = page(
        title,
        f"<h1>{escape(title)}</h1>{body}",
        state.registry.site_name(),
        site + "/",
        state.registry.organisation(),  # the header's name and the "Vragen?" line with tel:/mailto:
    )
    return HTMLResponse(html, status, headers=SECURITY_HEADERS)


def _what(request: Request, row: StoredRow) -> str:
    state = request.app.state
    seat = state.registry.seat(row.form_id, row.capacity_key)
    if seat is None:
        return ""
    session = seat[1]
    day = datum(dt.date.fromisoformat(session["date"]))
    noun = "het verwonder- en verbetergesprek" if session.get("programme") == "vvg" else ""
    return (
        f"<p>Het gaat om {noun or 'de spiegelbijeenkomst'} van {escape(day)}, van"
        f" {escape(session['start'])} tot {escape(session['end'])} uur.</p>"
    )


def _over(request: Request, row: StoredRow) -> Response | None:
    """The session was called off, or is over: nothing to cancel, and the page says so (no
    "uw plek komt vrij" for a place in a session that will not be held)."""
    state = request.app.state
    seat = state.registry.seat(row.form_id, row.capacity_key)
    if seat is None:
        return None
    choice, session = seat
    word = "dit gesprek" if session.get("programme") == "vvg" else "deze bijeenkomst"
    if choice.cancelled:
        reason = session.get("reden") or ""
        title = f"{word.capitalize()} gaat niet door"
        body = f"<p>{escape(reason + ' ' if reason else '')}U hoeft zich niet af te melden.</p>"
    elif dt.date.fromisoformat(session["date"]) < state.clock.today():
        title = f"{word.capitalize()} is al geweest"
        body = "<p>U hoeft zich niet meer af te melden.</p>"
    else:
        return None
    return _reply(request, 200, title, f"{_what(request, row)}{body}")


async def _find(request: Request) -> tuple[str | None, StoredRow | None]:
    state = request.app.state
    # the first call may write the secret (no encryption key): on the writer; then a hash
    loaded = state.services.keys.loaded
    key = state.link_key() if loaded else await state.write_slots.run(state.link_key)
    sid = check_token(key, request.path_params["token"])
    if sid is None:
        return None, None
    return sid, await state.read_slots.run(state.store.submission, sid)


def _not_found(request: Request) -> Response:
    return _reply(
        request,
        404,
        "Deze link werkt niet",
        "<p>Wij kunnen geen aanmelding vinden bij deze link. Kopieer de hele link uit de e-mail"
        " en probeer het opnieuw.</p>",
    )


def _unavailable(request: Request) -> Response:
    resp = _reply(
        request,
        503,
        "Even niet beschikbaar",
        "<p>Wij kunnen uw afmelding nu niet verwerken. Er is niets veranderd. "
        "Probeer het over een paar minuten opnieuw.</p>",
    )
    resp.headers["retry-after"] = "30"
    return resp


def _already(request: Request, row: StoredRow) -> Response:
    return _reply(
        request,
        200,
        "U bent al afgemeld",
        f"<p>U bent al afgemeld. U hoeft niets meer te doen.</p>{_what(request, row)}",
    )


async def link(request: Request) -> Response:
    """The cancel link: GET asks, POST cancels."""
    return await (cancel(request) if request.method == "POST" else confirm_page(request))


async def confirm_page(request: Request) -> Response:
    """GET: the question, with a button. Changes nothing."""
    try:
        _, row = await _find(request)
    except StoreUnavailable:
        return _unavailable(request)
    if row is None:
        return _not_found(request)
    if row.status == CANCELLED:
        return _already(request, row)
    over = _over(request, row)
    if over is not None:
        return over
    body = (
        f"{_what(request, row)}<p>{_standing(row.status)}</p>"
        f'<form method="post" action="{escape(request.url.path)}">'
        '<button type="submit">Ja, meld mij af</button></form>'
        f'<p><a href="{escape(request.app.state.settings.site_url + "/")}">'
        "Nee, ik blijf aangemeld</a></p>"
    )
    resp = _reply(request, 200, "Wilt u zich afmelden?", body)
    # With "no-referrer" a browser sends "Origin: null" on the form's POST, which the origin check
    # refuses; "same-origin" sends our own origin to ourselves and nothing to other hosts.
    resp.headers["referrer-policy"] = "same-origin"
    return resp


async def cancel(request: Request) -> Response:
    """POST: cancel; the first consenting person on the waiting list gets the seat."""
    state = request.app.state
    if not origin_allowed(request):
        return _reply(request, 403, "Niet toegestaan", "<p>Gebruik de link uit uw e-mail.</p>")
    try:
        sid, row = await _find(request)
        if sid is None or row is None:
            return _not_found(request)
        if row.status != CANCELLED and (over := _over(request, row)) is not None:
            return over  # nothing changes: the page says why
        seat = state.registry.seat(row.form_id, row.capacity_key)
        # no one moves up into a session that was called off
        capacity = seat[0].capacity if seat and not seat[0].cancelled else None
        result = await state.write_slots.run(state.store.cancel, sid, capacity)
    except StoreUnavailable:
        return _unavailable(request)
    if result is None:
        return _not_found(request)
    if result.before == CANCELLED:
        return _already(request, row)
    log.info("cancel form=%s was=%s promoted=%d", row.form_id, result.before, len(result.promoted))
    if state.outbox_wake is not None:
        state.outbox_wake.set()
    return _reply(
        request,
        200,
        "U bent afgemeld",
        f"{_what(request, row)}<p>{_cancelled(result.before, bool(result.promoted))}</p>"
        f'<p><a href="{escape(state.settings.site_url + "/")}">Naar de startpagina</a></p>',
    )


def _standing(status: str) -> str:
    """The question on the cancel page, true for where the person stands."""
    if status == WAITLIST:
        return (
            "U staat op de wachtlijst. Wilt u zich afmelden? Dan haalt u uw naam van de wachtlijst."
        )
    if status == RECEIVED:  # a partner, carer or trainer: along, without taking a place
        return "U bent aangemeld. Wilt u zich afmelden?"
    return "U heeft een plek. Wilt u zich afmelden? Dan komt uw plek vrij voor iemand anders."


def _cancelled(before: str, promoted: bool) -> str:
    """What happened, and only that: a seat goes to someone only when someone got it."""
    if before == WAITLIST:
        seat = "Uw naam staat niet meer op de wachtlijst."
    elif before == RECEIVED:  # no place that counts: nobody gets one, nothing is free
        return "U bent afgemeld. U krijgt hierover nog een e-mail."
    elif promoted:
        seat = "Iemand van de wachtlijst krijgt nu uw plek."
    else:
        seat = "Uw plek is weer vrij."
    # the cancel link is only ever sent by e-mail: the person has an address for the message
    return f"U bent afgemeld. {seat} U krijgt hierover nog een e-mail."
