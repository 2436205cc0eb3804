"""``create_app(settings)``: the Starlette app of the form endpoint.

POST /api/forms/<form-id>   urlencoded (plain HTML form) or JSON
GET  /api/forms             the forms and their pages
GET  /api/health            liveness + database check
GET  /api/openapi.json      OpenAPI 3.1, generated from the form definitions
GET  /api/sessions          seats left per session (counts only; cacheable for a minute)
GET  /api/afmelden/<token>  "Wilt u zich afmelden?" (changes nothing); POST cancels

The endpoints are in ``handlers``; this module only wires them to their dependencies, which
live on ``app.state``.
"""

from __future__ import annotations

import functools
import logging
import threading

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route

from spiegel.config import Settings
from spiegel.db import open_store
from spiegel.db.base import Store, StoreUnavailable
from spiegel.db.threads import Slots
from spiegel.mailsettings import MailSettings
from spiegel.signups.prepare import link_key
from spiegel.signups.registry import Registry
from spiegel.web.clients import site_origins
from spiegel.web.ratelimit import RateLimiter
from spiegel.web.routes import cancel
from spiegel.web.routes import forms as handlers
from spiegel.web.routes import sessions as availability

log = logging.getLogger("spiegel.endpoint")

ROUTES = [
    Route("/api/health", handlers.health),
    Route("/api/openapi.json", handlers.openapi),
    Route("/api/forms", handlers.list_forms),
    Route("/api/forms/{form_id}", handlers.submit, methods=["POST"]),
    Route("/api/sessions", availability.sessions),
    Route("/api/afmelden/{token}", cancel.confirm_page, methods=["GET"]),
    Route("/api/afmelden/{token}", cancel.cancel, methods=["POST"]),
]


def create_app(
    settings: Settings,
    store: Store | None = None,
    mail: MailSettings | None = None,
    outbox_wake: threading.Event | None = None,
) -> Starlette:
    """``outbox_wake``: set after each change that wrote a message (the serve process's sender)."""
    store = store or open_store(settings.database_url)
    store.migrate()
    registry = Registry(settings)
    cipher = None
    if settings.encryption_key:
        from spiegel.security.cipher import FieldCipher

        cipher = FieldCipher(settings.encryption_key)
    elif registry.has_special_category():
        log.warning(
            "SPIEGEL_ENCRYPTION_KEY is not set: personal fields are stored unencrypted (development)"
        )
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
    app.state.settings = settings
    app.state.origins = site_origins(settings.site_url, settings.allowed_origins)
    app.state.store = store
    app.state.registry = registry
    app.state.limiter = RateLimiter(settings.rate_limit)
    app.state.write_slots = Slots(32)
    app.state.health_slots = Slots(2)
    app.state.cipher = cipher
    app.state.mail = mail or MailSettings()
    app.state.outbox_wake = outbox_wake
    app.state.link_key = functools.cache(
        functools.partial(link_key, settings.encryption_key, store)
    )  # computed on first use (without an encryption key it reads a secret from the database)
    from spiegel.web.beheer import mount_beheer  # the back office, /beheer/ (issue 18)

    mount_beheer(app)
    return app
