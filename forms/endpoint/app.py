"""The HTTP edge: ``create_app(settings)`` returns the Starlette app.

POST /api/forms/<form-id>   urlencoded (plain HTML form) or JSON
GET  /api/forms             the forms and their pages
GET  /api/health            liveness + database check
GET  /api/openapi.json      OpenAPI 3.1, generated from the form definitions

Form contents are never logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from spiegel.formmodel import ELAPSED, HONEYPOT, Form, validate_submission
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .ratelimit import RateLimiter
from .registry import Registry
from .settings import Settings
from .store import (
    CONFIRMED,
    WAITLIST,
    DuplicateError,
    Store,
    StoreUnavailable,
    new_id,
    open_store,
)

log = logging.getLogger("spiegel.endpoint")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https:; "
    "base-uri 'none'; frame-ancestors 'none'",
}
FORM_TYPES = {"application/x-www-form-urlencoded": "html", "application/json": "json"}
DRAIN_LIMIT = 16 * 1024 * 1024


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """Read at most ``limit`` bytes. Past that, drain (bounded) so the client sees a 413, not a reset."""
    declared = request.headers.get("content-length", "")
    body = bytearray()
    too_large = declared.isdigit() and int(declared) > limit
    drained = 0
    async for chunk in request.stream():
        if too_large:
            drained += len(chunk)
            if drained > DRAIN_LIMIT:
                break
            continue
        body += chunk
        if len(body) > limit:
            too_large = True
            drained = len(body)
            body.clear()
    if too_large:
        raise _TooLarge()
    return bytes(body)


def _parse(kind: str, body: bytes) -> dict[str, Any]:
    text = body.decode("utf-8")  # UnicodeDecodeError -> caller
    if kind == "json":
        data = json.loads(text) if text.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data
    parsed = parse_qs(text, keep_blank_values=True, max_num_fields=300)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def _is_bot(data: Mapping[str, Any], min_fill: float) -> bool:
    trap = data.get(HONEYPOT)
    if trap not in (None, ""):
        return True
    elapsed = data.get(ELAPSED)
    if elapsed in (None, ""):
        return False  # no JavaScript: nothing measured, nothing to hold against a person
    try:
        return float(str(elapsed)) < min_fill * 1000
    except ValueError:
        return True


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    store = store or open_store(settings.database_url)
    store.migrate()
    registry = Registry(settings)
    limiter = RateLimiter(settings.rate_limit)
    cipher = None
    if settings.encryption_key:
        from .crypto import FieldCipher

        cipher = FieldCipher(settings.encryption_key)
    elif registry.has_special_category():
        log.warning(
            "SPIEGEL_ENCRYPTION_KEY is not set: personal fields are stored unencrypted (development)"
        )

    def respond(kind: str, status: int, payload: dict[str, Any], title: str, text: str) -> Response:
        if kind == "json":
            return JSONResponse(payload, status, headers=SECURITY_HEADERS)
        from .pages import message_page  # HTML pages only when needed: cold start

        html = message_page(title, text, registry.site_name(), settings.site_url)
        return HTMLResponse(html, status, headers=SECURITY_HEADERS)

    def client_id(request: Request) -> str:
        if settings.trust_proxy:
            forwarded = request.headers.get("x-forwarded-for", "")
            if forwarded:
                return forwarded.split(",")[0].strip()
        return request.client.host if request.client else "unknown"

    def origin_allowed(request: Request) -> bool:
        origin = request.headers.get("origin")
        if not origin or origin == "null":
            return True
        if origin.rstrip("/") in settings.allowed_origins:
            return True
        return urlsplit(origin).netloc == request.headers.get("host", "")

    def success(kind: str, form: Form, sid: str, status: str) -> Response:
        if kind == "json":
            body: dict[str, Any] = {"id": sid}
            if form.capacity_field:
                body["status"] = status
            return JSONResponse(body, 201, headers=SECURITY_HEADERS)
        target = form.waitlist_url if status == WAITLIST else form.thanks_url
        return RedirectResponse(settings.site_url + target, 303, headers=SECURITY_HEADERS)

    async def submit(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        kind = FORM_TYPES.get(
            ctype, "json" if "json" in request.headers.get("accept", "") else "html"
        )
        form = registry.forms().get(request.path_params["form_id"])
        if form is None:
            return respond(
                kind,
                404,
                {"error": "Dit formulier bestaat niet."},
                "Niet gevonden",
                "Dit formulier bestaat niet.",
            )
        if not limiter.allow(client_id(request)):
            resp = respond(
                kind,
                429,
                {"error": "Te veel verzoeken. Probeer het over een minuut opnieuw."},
                "Even geduld",
                "U heeft veel formulieren kort na elkaar verstuurd. Probeer het over een minuut opnieuw.",
            )
            resp.headers["retry-after"] = "60"
            return resp
        if ctype not in FORM_TYPES:
            return respond(
                kind,
                415,
                {
                    "error": "Stuur het formulier als application/x-www-form-urlencoded of application/json."
                },
                "Formaat niet ondersteund",
                "Dit soort gegevens kunnen we niet ontvangen.",
            )
        if not origin_allowed(request):
            return respond(
                kind,
                403,
                {"error": "Dit formulier mag niet vanaf een andere website worden verstuurd."},
                "Niet toegestaan",
                "Dit formulier mag niet vanaf een andere website worden verstuurd.",
            )
        try:
            body = await _read_body(request, settings.max_body)
        except _TooLarge:
            return respond(
                kind,
                413,
                {"error": f"Het formulier is te groot (meer dan {settings.max_body} bytes)."},
                "Te veel tekst",
                "U heeft meer tekst ingevuld dan wij kunnen ontvangen. Maak uw antwoorden korter.",
            )
        try:
            data = _parse(kind, body)
        except (ValueError, UnicodeDecodeError):
            msg = "De gegevens konden niet worden gelezen."
            return respond(kind, 422, {"errors": {"_form": [msg]}}, "Controleer uw antwoorden", msg)
        if _is_bot(data, settings.min_fill_seconds):
            log.info("submission form=%s dropped=bot", form.id)
            return success(kind, form, new_id(), CONFIRMED)
        day = today()
        clean, errors = validate_submission(form, data, day)
        sub = None
        if not errors:
            sub, errors = registry.prepare(form, clean, cipher)
        if errors or sub is None:
            return invalid(kind, form, data, errors, day, request.url.path)
        try:
            receipt = await run_in_threadpool(store.submit, sub)
        except DuplicateError:
            errors = {
                form.unique_field or "_form": ["Met deze code is de vragenlijst al ingevuld."]
            }
            return invalid(kind, form, data, errors, day, request.url.path)
        except StoreUnavailable:
            log.error("submission form=%s store unavailable", form.id)
            resp = respond(
                kind,
                503,
                {"error": "Wij kunnen uw formulier nu niet opslaan. Probeer het later opnieuw."},
                "Even niet beschikbaar",
                "Wij kunnen uw formulier nu niet opslaan. Er is niets bewaard. Probeer het later opnieuw.",
            )
            resp.headers["retry-after"] = "30"
            return resp
        log.info("submission form=%s status=%s", form.id, receipt.status)
        return success(kind, form, receipt.id, receipt.status)

    def invalid(
        kind: str,
        form: Form,
        data: Mapping[str, Any],
        errors: dict[str, list[str]],
        day: dt.date,
        action: str,
    ) -> Response:
        if kind == "json":
            return JSONResponse({"errors": errors}, 422, headers=SECURITY_HEADERS)
        from .pages import error_page

        values = {k: v for k, v in data.items() if isinstance(v, str) and k in form.by_name}
        html = error_page(
            form,
            values,
            errors,
            action=action,
            site_name=registry.site_name(),
            site_url=settings.site_url,
            today=day,
        )
        return HTMLResponse(html, 422, headers=SECURITY_HEADERS)

    async def list_forms(request: Request) -> Response:
        forms = [
            {
                "id": f.id,
                "title": f.title,
                "page": settings.site_url + f.url,
                "fields": [x.name for x in f.fields],
            }
            for f in registry.forms().values()
        ]
        return JSONResponse({"forms": forms}, headers=SECURITY_HEADERS)

    async def health(request: Request) -> Response:
        try:
            await run_in_threadpool(store.ping)
        except StoreUnavailable:
            return JSONResponse(
                {"status": "unavailable", "store": store.kind}, 503, headers=SECURITY_HEADERS
            )
        return JSONResponse(
            {"status": "ok", "store": store.kind, "forms": len(registry.forms())},
            headers=SECURITY_HEADERS,
        )

    async def openapi(request: Request) -> Response:
        from .openapi import openapi_document

        return JSONResponse(openapi_document(registry.forms()), headers=SECURITY_HEADERS)

    app = Starlette(
        routes=[
            Route("/api/health", health),
            Route("/api/openapi.json", openapi),
            Route("/api/forms", list_forms),
            Route("/api/forms/{form_id}", submit, methods=["POST"]),
        ],
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
    app.state.store = store
    app.state.registry = registry
    return app
