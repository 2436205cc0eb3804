"""Logging in and out: the provider's code flow (PKCE, state, nonce), or on a developer's own
machine without a provider, a one-time link printed in the terminal (loopback only)."""

from __future__ import annotations

import hmac
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spiegel.db.base import now
from spiegel.db.beheer import StaffSession
from spiegel.security import sessions
from spiegel.security.oidc import LoginFailed, spiegel_roles
from spiegel.web.beheer.core import (
    HEADERS,
    PRIVACY,
    beheer,
    current,
    is_loopback,
    post_allowed,
    redirect_uri,
    refused,
    render,
    start_login,
)

log = logging.getLogger("spiegel.beheer")
DEV_SUBJECT = "ontwikkelaar"


def _message(request: Request, status: int, title: str, text: str) -> Response:
    return render(request, "message.html.j2", status, title=title, text=text)


async def login(request: Request) -> Response:
    """GET /beheer/inloggen: to the provider (code_challenge, state, nonce), or the dev page."""
    return await start_login(request)


async def callback(request: Request) -> Response:
    """GET /beheer/inloggen/terug?code=...&state=...: check, exchange, start a session."""
    b = beheer(request)
    state = request.query_params.get("state", "")
    code = request.query_params.get("code", "")
    cookie = request.cookies.get(sessions.LOGIN_COOKIE, "")
    failed = _message(
        request,
        400,
        "Inloggen is niet gelukt",
        "Het inloggen is niet gelukt of duurde te lang. Begin opnieuw via Inloggen.",
    )
    if b.oidc is None or not state or not code or not sessions.csrf_ok(cookie, state):
        return failed
    pending = await run_in_threadpool(b.db.take_login, state, now() - sessions.LOGIN_WAIT)
    if pending is None:
        return failed
    nonce, verifier = pending
    try:
        claims = await run_in_threadpool(
            b.oidc.finish, code, verifier, nonce, redirect_uri(request)
        )
    except LoginFailed as exc:
        log.warning("login refused: %s", exc)
        return failed
    roles = spiegel_roles(claims, b.settings.roles_claim, b.settings.roles)
    name = str(claims.get("name") or claims.get("preferred_username") or claims["sub"])
    resp = await _start_session(request, str(claims["sub"]), name, roles)
    resp.delete_cookie(sessions.LOGIN_COOKIE, path="/beheer")
    return resp


async def _start_session(
    request: Request, subject: str, name: str, roles: tuple[str, ...]
) -> Response:
    b = beheer(request)
    sid, moment = sessions.new_secret(), now()
    staff = StaffSession(
        sessions.hash_id(sid), subject, name, roles, sessions.new_secret(), moment, moment
    )
    await run_in_threadpool(b.db.add_session, staff)
    # sessions past their timeouts are refused on every request; here their rows go too
    await run_in_threadpool(
        b.db.end_stale_sessions, moment - sessions.ABSOLUTE, moment - sessions.IDLE
    )
    resp = RedirectResponse("/beheer/", 303, headers=HEADERS)
    resp.set_cookie(
        sessions.SECURE_COOKIE if b.settings.production else sessions.COOKIE,
        sid,
        path="/",
        httponly=True,
        samesite="lax",  # Strict would drop the cookie on the way back from the provider
        secure=b.settings.production,
    )
    return resp


async def dev_login(request: Request) -> Response:
    """GET /beheer/dev/<token>: the one-time link from the terminal (no provider configured)."""
    b = beheer(request)
    token = request.path_params["token"]
    if (
        b.oidc is not None
        or b.settings.production
        or not b.dev_token
        or not is_loopback(request)
        or not hmac.compare_digest(b.dev_token[0].encode(), token.encode("utf-8", "replace"))
    ):
        return _message(
            request,
            403,
            "Deze link werkt niet",
            "Deze inloglink is al gebruikt of klopt niet."
            " Kijk in het venster van ./scripts/serve voor een nieuwe link.",
        )
    b.dev_token[:] = [sessions.new_secret()]
    announce_dev_link(request.app)
    forms = request.app.state.registry.forms()
    roles = (*(f for f in forms if f != "groepsevaluatie"), PRIVACY)
    return await _start_session(request, DEV_SUBJECT, "Ontwikkelaar (lokaal)", roles)


def announce_dev_link(app: object) -> None:
    b = app.state.beheer  # type: ignore[attr-defined]
    if b.dev_token:
        b.announce(
            "spiegel: beheer zonder inlogdienst (alleen op deze computer), eenmalige link:"
            f" {b.base_url}/beheer/dev/{b.dev_token[0]}"
        )


async def logout(request: Request) -> Response:
    """POST /beheer/uitloggen: the session ends on the server, the cookie goes."""
    b = beheer(request)
    staff, id_hash = await current(request)
    if staff is None or id_hash is None or await post_allowed(request, staff) is None:
        return refused(request, staff)
    await run_in_threadpool(b.db.end_session, id_hash)
    resp = _message(
        request,
        200,
        "U bent uitgelogd",
        "U bent uitgelogd. Sluit het venster als u op een gedeelde computer werkt.",
    )
    resp.delete_cookie(
        sessions.SECURE_COOKIE if b.settings.production else sessions.COOKIE, path="/"
    )
    return resp
