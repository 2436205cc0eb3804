"""The feedback letter of a past session from the back office: preview, then send once to everyone
marked present: by e-mail through the outbox, or printed on A4 with the postal address entered
for them (the address is deleted when their letter is made)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spiegel.db.base import CONFIRMED, LETTER, RECEIVED
from spiegel.db.beheer import StaffSession
from spiegel.forms.model import Form
from spiegel.signups.letters import LetterText, greeting, letter_text, session_actions
from spiegel.signups.prepare import email_field
from spiegel.web.beheer.core import (
    HEADERS,
    beheer,
    log,
    no_access,
    post_allowed,
    refused,
    render,
    role_from_path,
    staff_page,
    today,
)
from spiegel.web.beheer.signups import _people, find_session, session_form


def _text(request: Request, session_id: str) -> LetterText | None:
    from spiegel.content.model import load_content

    settings = request.app.state.settings
    content = load_content(settings.content_dir)
    session = next((s for s in content.sessions["sessions"] if s["id"] == session_id), None)
    actions = session_actions(content.actions["actions"], session_id)
    if session is None or not actions:
        return None
    org = content.site["organisation"]
    return letter_text(session, actions, org, str(content.site.get("site_url") or ""))


async def _context(request: Request, form: Form, session: dict[str, Any]) -> dict[str, Any]:
    b, cipher = beheer(request), request.app.state.cipher
    people, _, marks = await _people(request, form, session)
    present = [p for p in people if p.status in (CONFIRMED, RECEIVED) and marks.get(p.id)]
    ids = [p.id for p in present]
    stored = await run_in_threadpool(b.db.addresses, ids)
    addresses = {k: cipher.decrypt(v) if cipher else v for k, v in stored.items()}
    sent = await run_in_threadpool(b.db.letters, [p.id for p in people])
    mail = email_field(form) or "email"
    return {
        "present": present,
        "addresses": addresses,
        "sent": sent,
        "mail": mail,
        "people": people,
        "unmarked": [p for p in people if p.id not in marks and p.status in (CONFIRMED, RECEIVED)],
    }


def _allowed(request: Request) -> tuple[Form | None, dict[str, Any] | None]:
    form = session_form(request)
    session = find_session(request, form) if form else None
    # no letter before the session, and none for a session that was called off: nobody was there
    if session is not None and (session["date"] > today() or session["cancelled"]):
        return form, None
    return form, session


@staff_page(role_from_path)
async def preview(request: Request, staff: StaffSession) -> Response:
    form, session = _allowed(request)
    if form is None or session is None:
        return no_access(request, staff)
    text = await run_in_threadpool(_text, request, session["id"])
    ctx = await _context(request, form, session)
    await log(
        request,
        staff,
        form.id,
        f"brief {session['id']}",
        "bekeken",
        f"{len(ctx['present'])} aanwezig",
    )
    return render(
        request,
        "letter.html.j2",
        staff=staff,
        form=form,
        session=session,
        text=text,
        done=request.query_params.get("klaar", ""),
        **ctx,
    )


@staff_page(role_from_path)
async def address(request: Request, staff: StaffSession) -> Response:
    """POST id + adres: the postal address of someone present without an e-mail address."""
    form, session = _allowed(request)
    data = await post_allowed(request, staff)
    if form is None or session is None or data is None:
        return refused(request, staff)
    ctx = await _context(request, form, session)
    sid, text = str(data.get("id", "")), str(data.get("adres", "")).strip()
    if sid not in {p.id for p in ctx["present"]} or not text or len(text) > 300:
        return refused(request, staff)
    cipher = request.app.state.cipher
    stored = cipher.encrypt(text) if cipher else text
    await run_in_threadpool(beheer(request).db.set_address, sid, stored, dt.datetime.now(dt.UTC))
    await log(request, staff, form.id, f"aanmelding {sid}", "postadres ingevuld")
    return _to_letter(form, session, "adres opgeslagen")


def _to_letter(form: Form, session: dict[str, Any], done: str) -> Response:
    url = f"/beheer/aanmeldingen/{form.id}/{session['id']}/brief?klaar={quote(done)}"
    return RedirectResponse(url, 303, headers=HEADERS)


@staff_page(role_from_path)
async def send(request: Request, staff: StaffSession) -> Response:
    """POST: each present person's letter, once: e-mail via the outbox, or a page to print."""
    form, session = _allowed(request)
    data = await post_allowed(request, staff)
    if form is None or session is None or data is None:
        return refused(request, staff)
    text = await run_in_threadpool(_text, request, session["id"])
    if text is None:
        return refused(request, staff)
    state, b = request.app.state, beheer(request)
    ctx = await _context(request, form, session)
    mailed, printed = 0, []
    moment = dt.datetime.now(dt.UTC)
    for p in ctx["present"]:
        if p.id in ctx["sent"]:
            continue
        if p.values.get(ctx["mail"]):
            await run_in_threadpool(state.store.enqueue, LETTER, p.id, None, text.to_json())
            await run_in_threadpool(
                b.db.letter_sent, p.id, session["id"], "e-mail", staff.name, moment
            )
            mailed += 1
        elif p.id in ctx["addresses"]:
            printed.append((p, ctx["addresses"][p.id]))
            await run_in_threadpool(
                b.db.letter_sent, p.id, session["id"], "post", staff.name, moment
            )
    if state.outbox_wake is not None and mailed:
        state.outbox_wake.set()
    await log(
        request,
        staff,
        form.id,
        f"brief {session['id']}",
        "verstuurd",
        f"{mailed} per e-mail, {len(printed)} per post",
    )
    if not printed:
        return _to_letter(form, session, f"{mailed} brieven per e-mail klaargezet")
    org = state.registry.organisation()
    letters = [
        {
            "name": p.values.get("naam", ""),
            "address": addr,
            "greeting": greeting(p.values.get("naam", "")),
        }
        for p, addr in printed
    ]
    return render(
        request,
        "letter_print.html.j2",
        staff=staff,
        text=text,
        letters=letters,
        org=org,
        day=today(),
        mailed=mailed,
        form=form,
        session=session,
    )
