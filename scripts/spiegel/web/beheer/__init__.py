"""The coordinators' back office under /beheer/, behind the organisation's own login.

``mount_beheer(app)`` is the one call in ``create_app``: it reads SPIEGEL_OIDC_* / SPIEGEL_ROLES,
and adds the routes. Nothing here imports Jinja2 or Authlib until a page is rendered or someone
logs in, so the endpoint's cold start stays as it was.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from spiegel.config import BeheerSettings, beheer_from_env
from spiegel.db.beheer import BeheerDB, StaffSession
from spiegel.security import sessions
from spiegel.security.oidc import OidcClient
from spiegel.web.beheer import auth, inbox, letter, privacy, signups
from spiegel.web.beheer.core import HEADERS, PRIVACY, Beheer, render, staff_page

log = logging.getLogger("spiegel.beheer")
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
        request_forms=[f for f in mine if inbox.is_request_form(f)],
        privacy=PRIVACY in staff.roles,
    )


async def stylesheet(request: Request) -> Response:
    return FileResponse(
        STATIC / "beheer.css",
        media_type="text/css",
        headers={"cache-control": "max-age=3600", "x-content-type-options": "nosniff"},
    )


def routes() -> list[BaseRoute]:
    s = "/aanmeldingen/{form_id}/{session}"
    return [
        Route("/", home),
        Route("/stijl.css", stylesheet),
        Route("/inloggen", auth.login),
        Route("/inloggen/terug", auth.callback),
        Route("/uitloggen", auth.logout, methods=["POST"]),
        Route("/dev/{token}", auth.dev_login),
        Route("/aanmeldingen/{form_id}", signups.overview),
        Route(s, signups.session_page),
        Route(s + "/excel", signups.excel),
        Route(s + "/nieuw", signups.new_signup, methods=["GET", "POST"]),
        Route(s + "/afmelden", signups.cancel_for, methods=["POST"]),
        Route(s + "/aanwezig", signups.attendance, methods=["POST"]),
        Route(s + "/brief", letter.preview),
        Route(s + "/brief/adres", letter.address, methods=["POST"]),
        Route(s + "/brief/versturen", letter.send, methods=["POST"]),
        Route("/verzoeken/{form_id}", inbox.inbox),
        Route("/verzoeken/{form_id}/wijzigen", inbox.change, methods=["POST"]),
        Route("/privacy/logboek", privacy.access_log),
        Route("/privacy/avg", privacy.search, methods=["GET", "POST"]),
        Route("/privacy/avg/download", privacy.download, methods=["POST"]),
        Route("/privacy/avg/wissen", privacy.erase, methods=["POST"]),
    ]


async def switched_off(request: Request) -> Response:
    html = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Beheer staat uit'
        "</title></head><body><main><h1>Beheer staat uit</h1><p>De beheeromgeving werkt alleen"
        " met de inlogdienst van de organisatie (SPIEGEL_OIDC_ISSUER).</p></main></body></html>"
    )
    return HTMLResponse(html, 503, headers=HEADERS)


def mount_beheer(
    app: Starlette,
    settings: BeheerSettings | None = None,
    announce: Callable[[str], None] | None = None,
) -> Beheer | None:
    """Add /beheer/ to the endpoint's app (after ``app.state.store`` and friends are set).

    Production without SPIEGEL_OIDC_ISSUER: every /beheer/ page answers 503, nothing else runs.
    Development without it: a one-time login link on loopback, printed by ``announce``.
    """
    settings = settings or beheer_from_env()
    if not settings.enabled:
        log.warning("SPIEGEL_ENV=production without SPIEGEL_OIDC_ISSUER: /beheer/ is switched off")
        app.router.routes.append(
            Mount("/beheer", routes=[Route("/{rest:path}", switched_off, methods=["GET", "POST"])])
        )
        return None
    oidc = None
    if settings.issuer:
        redirect = settings.public_url + "/beheer/inloggen/terug"
        oidc = OidcClient(settings.issuer, settings.client_id, settings.client_secret, redirect)
    b = Beheer(settings, BeheerDB(app.state.store), oidc, announce=announce or _stderr)
    if oidc is None:
        b.dev_token.append(sessions.new_secret())
        b.base_url = settings.public_url or getattr(app.state.mail, "public_url", "")
    app.state.beheer = b
    app.router.routes.append(Mount("/beheer", routes=routes()))
    if oidc is None:
        auth.announce_dev_link(app)
    return b


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
