"""Sign-ups per programme with sessions: the sessions with seats, one session's list, its Excel
download, a sign-up by phone or on paper, cancelling for someone, and attendance afterwards.

A phone sign-up goes through the public form's own steps (validate_submission, Registry.prepare,
enrich, Store.submit): the same seat count, waiting list and messages.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spiegel.db.base import CANCELLED, CONFIRMED, MANUAL, RECEIVED
from spiegel.db.beheer import StaffSession
from spiegel.forms.model import Form
from spiegel.signups.sessionlist import CALL_KINDS, GROUPS, columns, session_people, write_workbook
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


def state_store(request: Request) -> Any:
    return request.app.state.store


def session_form(request: Request) -> Form | None:
    form = request.app.state.registry.forms().get(request.path_params["form_id"])
    return form if form is not None and form.capacity_field else None


def sessions_of(request: Request, form: Form) -> list[dict[str, Any]]:
    """Every session of the form with its date, seats taken and free (counts only)."""
    state = request.app.state
    counts = state.store.session_counts(form.id)
    out = []
    for key, choice in state.registry.seat_choices(form).items():
        seat = state.registry.seat(form.id, key)
        if seat is None:
            continue
        taken, waiting = counts.get(key, (0, 0))
        cap = choice.capacity
        out.append(
            {
                "id": choice.value,
                "label": choice.label,
                "date": dt.date.fromisoformat(seat[1]["date"]),
                "start": seat[1].get("start", ""),
                "end": seat[1].get("end", ""),
                "welkom_vanaf": seat[1].get("welkom_vanaf", "") or seat[1].get("start", ""),
                "location": seat[1].get("location", ""),
                "cancelled": choice.cancelled,
                "reden": seat[1].get("reden", ""),
                "over": cap is not None and taken > cap,
                "taken": taken,
                "free": None if cap is None else max(cap - taken, 0),
                "capacity": cap,
                "waiting": waiting,
            }
        )
    return sorted(out, key=lambda s: s["date"])


def find_session(request: Request, form: Form) -> dict[str, Any] | None:
    sid = request.path_params.get("session")
    return next((s for s in sessions_of(request, form) if s["id"] == sid), None)


@staff_page(role_from_path)
async def overview(request: Request, staff: StaffSession) -> Response:
    form = session_form(request)
    if form is None:
        return no_access(request, staff)
    found = await run_in_threadpool(sessions_of, request, form)
    day = today()
    return render(
        request,
        "sessions.html.j2",
        staff=staff,
        form=form,
        coming=[s for s in found if s["date"] >= day],
        past=[s for s in found if s["date"] < day],
    )


async def _people(request: Request, form: Form, session: dict[str, Any]) -> tuple[Any, ...]:
    state, b = request.app.state, beheer(request)
    rows = await run_in_threadpool(lambda: list(state.store.rows(form.id)))
    people, unreadable = session_people(
        form, session["id"], rows, state.cipher, state.services.keys
    )
    ids = [p.id for p in people]
    marks = await run_in_threadpool(b.db.attendance, ids)
    return people, unreadable, marks


@staff_page(role_from_path)
async def session_page(request: Request, staff: StaffSession) -> Response:
    form = session_form(request)
    session = find_session(request, form) if form else None
    if form is None or session is None:
        return no_access(request, staff)
    people, unreadable, marks = await _people(request, form, session)
    b = beheer(request)
    ids = [p.id for p in people]
    addresses = await run_in_threadpool(b.db.addresses, ids)
    letters = await run_in_threadpool(b.db.letters, ids)
    await log(
        request,
        staff,
        form.id,
        f"bijeenkomst {session['id']}",
        "bekeken",
        f"{len(people)} personen",
    )
    by_id = {p.id: p for p in people}
    manual = await run_in_threadpool(state_store(request).outbox, (MANUAL,))
    calls = [(m, by_id[m.submission_id]) for m in manual if m.submission_id in by_id]
    groups = [(label, [p for p in people if p.status == code]) for code, label in GROUPS]
    return render(
        request,
        "session.html.j2",
        staff=staff,
        form=form,
        session=session,
        groups=groups,
        columns=columns(form),
        marks=marks,
        addresses=addresses,
        letters=letters,
        unreadable=unreadable,
        past=session["date"] <= today(),
        done=request.query_params.get("klaar", ""),
        CANCELLED=CANCELLED,
        calls=calls,
        call_kinds=CALL_KINDS,
    )


@staff_page(role_from_path)
async def excel(request: Request, staff: StaffSession) -> Response:
    form = session_form(request)
    session = find_session(request, form) if form else None
    if form is None or session is None:
        return no_access(request, staff)
    people, _, marks = await _people(request, form, session)
    out = io.BytesIO()
    await run_in_threadpool(
        write_workbook, form, {"date": session["date"]}, session["label"], people, marks, out
    )
    await log(
        request,
        staff,
        form.id,
        f"bijeenkomst {session['id']}",
        "export Excel",
        f"{len(people)} personen",
    )
    return Response(
        out.getvalue(),
        headers={
            **HEADERS,
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "content-disposition": f'attachment; filename="aanmeldingen-{session["id"]}.xlsx"',
        },
    )


def _back(form: Form, session: dict[str, Any], done: str) -> Response:
    from urllib.parse import quote

    url = f"/beheer/aanmeldingen/{form.id}/{session['id']}?klaar={quote(done)}"
    return RedirectResponse(url, 303, headers=HEADERS)


@staff_page(role_from_path)
async def cancel_for(request: Request, staff: StaffSession) -> Response:
    """POST: cancel someone's sign-up; the waiting list moves up as with the cancel link."""
    form = session_form(request)
    session = find_session(request, form) if form else None
    data = await post_allowed(request, staff)
    if form is None or session is None or data is None:
        return refused(request, staff)
    state = request.app.state
    people, _, _ = await _people(request, form, session)
    sid = str(data.get("id", ""))
    if sid not in {p.id for p in people}:
        return refused(request, staff)
    row = await run_in_threadpool(state.store.submission, sid)
    seat = state.registry.seat(form.id, row.capacity_key if row else None)
    # no one moves up into a session that was called off
    capacity = seat[0].capacity if seat and not seat[0].cancelled else None
    result = await run_in_threadpool(state.store.cancel, sid, capacity)
    if state.outbox_wake is not None:
        state.outbox_wake.set()
    moved = len(result.promoted) if result else 0
    await log(
        request,
        staff,
        form.id,
        f"aanmelding {sid}",
        "afgemeld namens de deelnemer",
        f"{moved} doorgeschoven",
    )
    return _back(form, session, f"afgemeld; {moved} van de wachtlijst doorgeschoven")


@staff_page(role_from_path)
async def attendance(request: Request, staff: StaffSession) -> Response:
    """POST: ``aanwezig_<id>`` = ja / nee for each person after the session."""
    form = session_form(request)
    session = find_session(request, form) if form else None
    data = await post_allowed(request, staff)
    if form is None or session is None or data is None or session["date"] > today():
        return refused(request, staff)
    people, _, _ = await _people(request, form, session)
    b = beheer(request)
    marked = 0
    for p in people:
        value = data.get(f"aanwezig_{p.id}")
        if p.status in (CONFIRMED, RECEIVED) and value in ("ja", "nee"):
            await run_in_threadpool(
                b.db.set_attendance, p.id, value == "ja", staff.name, dt.datetime.now(dt.UTC)
            )
            marked += 1
    await log(
        request,
        staff,
        form.id,
        f"bijeenkomst {session['id']}",
        "aanwezigheid vastgelegd",
        f"{marked} personen",
    )
    return _back(form, session, f"aanwezigheid van {marked} personen opgeslagen")
