"""The call list: messages for people who left no e-mail address (the sender marks them
"bellen"); a coordinator phones them and ticks each one off."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from spiegel.db.base import MANUAL
from spiegel.db.beheer import StaffSession
from spiegel.web.beheer.core import log, post_allowed, refused, role_from_path, staff_page
from spiegel.web.beheer.signups import _back, _people, find_session, session_form


@staff_page(role_from_path)
async def called(request: Request, staff: StaffSession) -> Response:
    """POST id (of a message on the call list): phoned, so it is done."""
    form = session_form(request)
    session = find_session(request, form) if form else None
    data = await post_allowed(request, staff)
    if form is None or session is None or data is None:
        return refused(request, staff)
    people, _, _ = await _people(request, form, session)
    ids = {p.id for p in people}
    manual = await run_in_threadpool(request.app.state.store.outbox, (MANUAL,))
    message = next((m for m in manual if m.id == data.get("id") and m.submission_id in ids), None)
    if message is None:
        return refused(request, staff)
    await run_in_threadpool(request.app.state.store.mark_sent, message.id)
    await log(
        request, staff, form.id, f"aanmelding {message.submission_id}", "gebeld", message.kind
    )
    return _back(form, session, "gebeld, van de bellijst gehaald")
