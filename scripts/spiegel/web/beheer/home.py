"""The back office's start page (what this user's roles open) and its stylesheet."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from spiegel.db.beheer import StaffSession
from spiegel.web.beheer.core import PRIVACY, render, staff_page
from spiegel.web.beheer.inbox import is_request_form

STATIC = Path(__file__).parent / "templates"


@staff_page(lambda request: None)
async def home(request: Request, staff: StaffSession) -> Response:
    forms = request.app.state.registry.forms()
    mine = [forms[r] for r in staff.roles if r in forms]
    return render(
        request,
        "home.html.j2",
        staff=staff,
        session_forms=[f for f in mine if f.capacity_field],
        request_forms=[f for f in mine if is_request_form(f)],
        privacy=PRIVACY in staff.roles,
        evaluations="groepsevaluatie" in staff.roles,
    )


async def stylesheet(request: Request) -> Response:
    return FileResponse(
        STATIC / "beheer.css",
        media_type="text/css",
        headers={"cache-control": "max-age=3600", "x-content-type-options": "nosniff"},
    )
