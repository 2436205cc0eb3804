"""A sign-up received by phone or on paper, entered for someone: the public form's own steps
(validate_submission, Registry.prepare, enrich, Store.submit), so the same seat count, waiting
list and messages (an e-mail when an address is given, else the call list)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from spiegel.db.base import CONFIRMED, RECEIVED, StoreUnavailable
from spiegel.db.beheer import StaffSession
from spiegel.forms.model import Form, validate_submission
from spiegel.signups.prepare import enrich
from spiegel.web.beheer.core import (
    log,
    no_access,
    post_allowed,
    refused,
    render,
    role_from_path,
    staff_page,
    today,
)
from spiegel.web.beheer.signups import _back, find_session, session_form


def _new_form(
    request: Request,
    staff: StaffSession,
    form: Form,
    session: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, list[str]],
    status: int = 200,
) -> Response:
    from spiegel.forms.html import render_form

    action = f"/beheer/aanmeldingen/{form.id}/{session['id']}/nieuw"
    html = render_form(
        form,
        action=action,
        today=today(),
        values={**values, form.capacity_field or "": session["id"]},
        errors=errors,
    )
    html = html.replace(
        'accept-charset="utf-8">',
        f'accept-charset="utf-8"><input type="hidden" name="csrf" value="{staff.csrf}">',
        1,
    )
    return render(
        request,
        "signup_new.html.j2",
        status,
        staff=staff,
        form=form,
        session=session,
        form_html=html,
    )


@staff_page(role_from_path)
async def new_signup(request: Request, staff: StaffSession) -> Response:
    """GET: the form, to fill in for someone on the phone; POST: the public form's steps."""
    form = session_form(request)
    session = find_session(request, form) if form else None
    if form is None or session is None:
        return no_access(request, staff)
    if request.method == "GET":
        return _new_form(request, staff, form, session, {}, {})
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    data = {k: v for k, v in data.items() if k not in ("_hp", "_t")}
    data[form.capacity_field or ""] = session["id"]
    state = request.app.state
    clean, errors = validate_submission(form, data, today())
    sub = None
    if not errors:
        sub, errors = state.registry.prepare(form, clean, state.cipher)
    if errors or sub is None:
        shown = {k: v for k, v in data.items() if isinstance(v, str)}
        return _new_form(request, staff, form, session, shown, errors, 422)
    key = await run_in_threadpool(state.link_key)
    sub = enrich(sub, form, clean, key)
    try:
        receipt = await run_in_threadpool(state.store.submit, sub)
    except StoreUnavailable:
        return render(
            request,
            "message.html.j2",
            503,
            staff=staff,
            title="Even niet beschikbaar",
            text="De aanmelding kon niet worden opgeslagen. Probeer het zo opnieuw.",
        )
    if state.outbox_wake is not None:
        state.outbox_wake.set()
    what = "op de wachtlijst" if receipt.status not in (CONFIRMED, RECEIVED) else "aangemeld"
    if receipt.repeat:
        what = "was al aangemeld"
    await log(
        request,
        staff,
        form.id,
        f"aanmelding {receipt.id}",
        "toegevoegd (telefoon of papier)",
        receipt.status,
    )
    return _back(form, session, what)
