"""The coordinators' back office under /beheer/, behind the organisation's own login.

``mount_beheer(app)`` is the one call in ``create_app``: it reads SPIEGEL_OIDC_* / SPIEGEL_ROLES
(a mistake stops start-up, as every other configuration mistake does) and mounts /beheer/. Its
routes are made on the first request under /beheer/, and nothing here imports Jinja2 or Authlib
until a page is rendered or someone logs in: a serverless container that only takes sign-ups
pays nothing for the back office at its cold start.
"""

from __future__ import annotations

import functools
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from spiegel.config import BeheerSettings, beheer_from_env

if TYPE_CHECKING:
    from spiegel.db.beheer import BeheerDB
    from spiegel.security.oidc import OidcClient

log = logging.getLogger("spiegel.beheer")


class Beheer:
    """On ``app.state.beheer``: what the back office needs beside the endpoint's state. The
    database layer and the OpenID client are made on first use (cold start)."""

    def __init__(
        self,
        settings: BeheerSettings,
        store: Any,
        announce: Callable[[str], None] = print,
        base_url: str = "",  # where the development link points (the serve address)
    ) -> None:
        self.settings, self.store, self.announce, self.base_url = (
            settings,
            store,
            announce,
            base_url,
        )
        self.dev_token: list[str] = []  # the one-time development login

    @functools.cached_property
    def db(self) -> BeheerDB:
        from spiegel.db.beheer import BeheerDB

        return BeheerDB(self.store)

    @functools.cached_property
    def oidc(self) -> OidcClient | None:
        if not self.settings.issuer:
            return None
        from spiegel.security.oidc import OidcClient

        s = self.settings
        return OidcClient(s.issuer, s.client_id, s.client_secret, s.roles_claim)


HEADERS = {"cache-control": "no-store", "content-security-policy": "default-src 'none'"}


def lazy(target: str) -> Callable[[Request], Awaitable[Response]]:
    """``"module.function"`` in this package, imported on its first request: the back office
    adds nothing to the endpoint's cold start."""
    module, name = target.split(".")

    async def endpoint(request: Request) -> Response:
        handler = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        response: Response = await handler(request)
        return response

    endpoint.__name__ = name
    return endpoint


def routes() -> list[BaseRoute]:
    s = "/aanmeldingen/{form_id}/{session}"
    g = "/groepsevaluatie/{ev}/nabespreking"
    post, both = ["POST"], ["GET", "POST"]
    table = [
        ("/", "home.home", None),
        ("/stijl.css", "home.stylesheet", None),
        ("/inloggen", "auth.login", None),
        ("/inloggen/terug", "auth.callback", None),
        ("/uitloggen", "auth.logout", post),
        ("/dev/{token}", "auth.dev_login", None),
        ("/aanmeldingen/{form_id}", "signups.overview", None),
        (s, "signups.session_page", None),
        (s + "/excel", "signups.excel", None),
        (s + "/nieuw", "phone.new_signup", both),
        (s + "/afmelden", "signups.cancel_for", post),
        (s + "/aanwezig", "signups.attendance", post),
        (s + "/gebeld", "calls.called", post),
        (s + "/brief", "letter.preview", None),
        (s + "/brief/adres", "letter.address", post),
        (s + "/brief/versturen", "letter.send", post),
        ("/verzoeken/{form_id}", "inbox.inbox", None),
        ("/verzoeken/{form_id}/wijzigen", "inbox.change", post),
        ("/groepsevaluatie", "invitations.overview", None),
        ("/groepsevaluatie/uitnodigen", "invitations.invite", post),
        ("/groepsevaluatie/strookjes", "invitations.slips", post),
        ("/groepsevaluatie/herinneren", "invitations.remind", post),
        ("/groepsevaluatie/{ev}/{group}/niet-bezorgd", "invitations.undelivered", None),
        ("/groepsevaluatie/{ev}/{group}/opnieuw", "invitations.resend", post),
        ("/groepsevaluatie/{ev}/uitkomsten", "outcomes.preview", None),
        ("/groepsevaluatie/{ev}/uitkomsten/bestanden", "outcomes.download", post),
        ("/groepsevaluatie/{ev}/nabespreking", "debrief.overview", None),
        ("/groepsevaluatie/{ev}/nabespreking/afdrukken", "debrief.printable", None),
        (g + "/{group}/{theme}", "debrief.edit", both),
        (g + "/{group}/{theme}/opnieuw", "debrief.reset", post),
        ("/privacy/logboek", "privacy.access_log", None),
        ("/privacy/avg", "privacy.search", both),
        ("/privacy/avg/download", "privacy.download", post),
        ("/privacy/avg/wissen", "privacy.erase", post),
    ]
    return [Route(path, lazy(target), methods=methods) for path, target, methods in table]


class LazyRouter:
    """The back office's router, made on the first request under /beheer/: its 34 routes (a
    regular expression each) took about 2 ms of every cold start, and most serverless
    containers only ever take sign-ups."""

    def __init__(self) -> None:
        self._router: Router | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._router is None:
            self._router = Router(routes=routes())
        await self._router(scope, receive, send)


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
    if getattr(app.state.settings, "production", False) and not settings.production:
        settings = settings._replace(production=True)  # either says production
    if not settings.enabled:
        log.warning("SPIEGEL_ENV=production without SPIEGEL_OIDC_ISSUER: /beheer/ is switched off")
        app.router.routes.append(
            Mount("/beheer", routes=[Route("/{rest:path}", switched_off, methods=["GET", "POST"])])
        )
        return None
    b = Beheer(settings, app.state.store, announce=announce or _stderr)
    if not settings.issuer:
        from spiegel.security.sessions import new_secret  # development login only

        b.dev_token.append(new_secret())
        b.base_url = settings.public_url or getattr(app.state.mail, "public_url", "")
    app.state.beheer = b
    app.router.routes.append(Mount("/beheer", app=LazyRouter()))
    if b.dev_token:
        b.announce(
            "spiegel: beheer zonder inlogdienst (alleen op deze computer), eenmalige link:"
            f" {b.base_url}/beheer/dev/{b.dev_token[0]}"
        )
    return b


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
