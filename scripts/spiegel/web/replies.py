"""Replies of the endpoint: JSON for programs, a small Dutch HTML page for browsers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from spiegel.db.base import WAITLIST
from spiegel.forms.model import Form

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https:; "
    "base-uri 'none'; frame-ancestors 'none'",
}


def json_reply(payload: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status, headers=SECURITY_HEADERS)


def message(
    request: Request,
    kind: str,
    status: int,
    error: str,
    title: str,
    text: str,
    retry_after: int | None = None,
) -> Response:
    """An error or notice: ``{"error": ...}`` for JSON clients, a page for people."""
    resp: Response
    if kind == "json":
        resp = json_reply({"error": error}, status)
    else:
        from spiegel.web.pages import message_page  # HTML only when needed: cold start

        state = request.app.state
        html = message_page(
            title,
            text,
            state.registry.site_name(),
            state.settings.site_url,
            state.registry.organisation(),
        )
        resp = HTMLResponse(html, status, headers=SECURITY_HEADERS)
    if retry_after is not None:
        resp.headers["retry-after"] = str(retry_after)
    return resp


def accepted(request: Request, kind: str, form: Form, sid: str, status: str) -> Response:
    if kind == "json":
        body: dict[str, Any] = {"id": sid}
        if form.capacity_field:
            body["status"] = status
        return json_reply(body, 201)
    target = form.waitlist_url if status == WAITLIST else form.thanks_url
    site_url = request.app.state.settings.site_url
    return RedirectResponse(site_url + target, 303, headers=SECURITY_HEADERS)


def invalid(
    request: Request,
    kind: str,
    form: Form,
    data: Mapping[str, Any],
    errors: dict[str, list[str]],
    day: dt.date,
) -> Response:
    """422: the errors per field; for browsers the form again, filled in, errors on top."""
    if kind == "json":
        return json_reply({"errors": errors}, 422)
    from spiegel.web.pages import error_page

    state = request.app.state
    values = {k: v for k, v in data.items() if isinstance(v, str) and k in form.by_name}
    html = error_page(
        form,
        values,
        errors,
        action=request.url.path,
        site_name=state.registry.site_name(),
        site_url=state.settings.site_url,
        today=day,
        organisation=state.registry.organisation(),
    )
    return HTMLResponse(html, 422, headers=SECURITY_HEADERS)
