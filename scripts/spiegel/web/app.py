"""``create_app(services)``: the Starlette app of the form endpoint.

POST /api/forms/<form-id>   urlencoded (plain HTML form) or JSON
GET  /api/forms             the forms and their pages
GET  /api/health            liveness + database check
GET  /api/openapi.json      OpenAPI 3.1, generated from the form definitions
GET  /api/sessions          seats left per session (counts only; cacheable for a minute)
GET  /api/afmelden/<token>  "Wilt u zich afmelden?" (changes nothing); POST cancels

The endpoints are in ``routes/``; this module only wires them to their dependencies (the
process's ``Services``), which live on ``app.state``.
"""

from __future__ import annotations

import logging
import threading

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from spiegel.db.base import StoreUnavailable
from spiegel.db.threads import Slots, for_reads, for_store
from spiegel.services import Services
from spiegel.web.clients import site_origins
from spiegel.web.ratelimit import RateLimiter
from spiegel.web.routes import forms as handlers
from spiegel.web.routes import sessions as availability

log = logging.getLogger("spiegel.endpoint")


async def cancel_link(request: Request) -> Response:
    """The cancel link's pages import the HTML page code on their first use: a serverless
    container that only takes sign-ups never loads it (cold start)."""
    from spiegel.web.routes import cancel

    return await cancel.link(request)


ROUTES = [
    Route("/api/health", handlers.health),
    Route("/api/openapi.json", handlers.openapi),
    Route("/api/forms", handlers.list_forms),
    Route("/api/forms/{form_id}", handlers.submit, methods=["POST"]),
    Route("/api/sessions", availability.sessions),
    # one route for both methods: two routes on one path answered OPTIONS (and PUT, ...) with the
    # first one's "Allow: GET, HEAD", as if POST did not work (issue 20)
    Route("/api/afmelden/{token}", cancel_link, methods=["GET", "POST"]),
]


def create_app(services: Services, outbox_wake: threading.Event | None = None) -> Starlette:
    """``outbox_wake``: set after each change that wrote a message (the serve process's sender)."""
    settings = services.config
    app = Starlette(
        routes=ROUTES,
        exception_handlers={
            HTTPException: handlers.http_error,
            StoreUnavailable: handlers.store_unavailable,
            Exception: handlers.server_error,
        },
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["content-type"],
                max_age=600,
            )
        ],
    )
    # No trailing-slash redirect: Starlette builds it from the Host header (an open redirect that
    # re-sends the POST body to any host); /api/forms/x/ is a plain 404.
    app.router.redirect_slashes = False
    app.state.services = services
    app.state.settings = settings
    app.state.origins = site_origins(settings.site_url, settings.allowed_origins)
    app.state.store = services.store
    app.state.registry = services.registry
    app.state.clock = services.clock
    app.state.limiter = RateLimiter(settings.rate_limit)
    app.state.write_slots = for_store(services.store, 32)  # SQLite: one thread
    # reads never queue behind SQLite's writer (WAL); PostgreSQL: the same threads
    app.state.read_slots = for_reads(services.store, app.state.write_slots)
    app.state.health_slots = Slots(2)
    app.state.cipher = services.cipher
    app.state.mail = settings.mail
    app.state.outbox_wake = outbox_wake
    # computed on first use (without an encryption key it reads a secret from the database)
    app.state.link_key = services.keys.link
    from spiegel.web.beheer import mount_beheer  # the back office, /beheer/ (issue 18)

    mount_beheer(app)
    return app
