"""Requests (VVG, collegiale ondersteuning, Gluren bij de Buren): an inbox per role with nieuw,
in behandeling (by whom) and afgerond. Closing a request deletes it, as the privacy statement
says; what is left in the access log is who did what, never the request itself."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spiegel.db.base import CANCELLED
from spiegel.db.beheer import StaffSession
from spiegel.forms.model import Form
from spiegel.signups.export import Unreadable, open_payload
from spiegel.signups.sessionlist import columns, dutch_values
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
)

NEW, BUSY = "nieuw", "in behandeling"


def is_request_form(form: Form) -> bool:
    return not form.capacity_field and not form.unique_field and form.id != "groepsevaluatie"


def request_form(request: Request) -> Form | None:
    form = request.app.state.registry.forms().get(request.path_params["form_id"])
    return form if form is not None and is_request_form(form) else None


async def _items(request: Request, form: Form) -> list[dict[str, object]]:
    state = request.app.state
    rows = await run_in_threadpool(lambda: list(state.store.rows(form.id)))
    rows = [r for r in rows if r.status != CANCELLED]
    states = await run_in_threadpool(beheer(request).db.request_states, [r.id for r in rows])
    out = []
    for r in rows:
        try:
            values = dutch_values(form, open_payload(r, state.cipher))
        except Unreadable:
            values = {}
        st, who = states.get(r.id, (NEW, ""))
        out.append({"id": r.id, "at": r.created_at, "values": values, "state": st, "who": who})
    return out


@staff_page(role_from_path)
async def inbox(request: Request, staff: StaffSession) -> Response:
    form = request_form(request)
    if form is None:
        return no_access(request, staff)
    items = await _items(request, form)
    await log(request, staff, form.id, "verzoeken", "bekeken", f"{len(items)} verzoeken")
    return render(
        request,
        "inbox.html.j2",
        staff=staff,
        form=form,
        new=[i for i in items if i["state"] == NEW],
        busy=[i for i in items if i["state"] == BUSY],
        columns=columns(form),
        done=request.query_params.get("klaar", ""),
    )


@staff_page(role_from_path)
async def change(request: Request, staff: StaffSession) -> Response:
    """POST id + actie (oppakken / afronden)."""
    form = request_form(request)
    data = await post_allowed(request, staff)
    if form is None or data is None:
        return refused(request, staff)
    sid, action = str(data.get("id", "")), data.get("actie")
    items = await _items(request, form)
    if sid not in {i["id"] for i in items} or action not in ("oppakken", "afronden"):
        return refused(request, staff)
    db = beheer(request).db
    if action == "oppakken":
        await run_in_threadpool(
            db.set_request_state, sid, BUSY, staff.name, dt.datetime.now(dt.UTC)
        )
        done = "verzoek opgepakt"
    else:
        await run_in_threadpool(db.erase, sid)
        done = "verzoek afgerond en verwijderd"
    await log(request, staff, form.id, f"verzoek {sid}", done)
    return RedirectResponse(
        f"/beheer/verzoeken/{form.id}?klaar={done.replace(' ', '+')}", 303, headers=HEADERS
    )
