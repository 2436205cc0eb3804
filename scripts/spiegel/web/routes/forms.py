"""The endpoints, as plain functions of the request; what they need is on ``request.app.state``
(``settings``, ``store``, ``registry``, ``limiter``, ``cipher``), set up by ``create_app``.

Form contents are never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from spiegel.clock import ZONE
from spiegel.db.base import (
    CONFIRMED,
    CapReached,
    DuplicateError,
    StoreUnavailable,
    Submission,
    new_id,
)
from spiegel.forms.model import Form, validate_submission
from spiegel.signups.prepare import email_field, enrich, recipient_cap, signup_cap
from spiegel.signups.registry import CODE_REFUSED
from spiegel.web.body import (
    FORM_TYPES,
    BadFraming,
    TooLarge,
    TooSlow,
    check_framing,
    content_kind,
    is_bot,
    parse,
    read_body,
)
from spiegel.web.clients import client_address
from spiegel.web.clients import origin_allowed as _origin_allowed
from spiegel.web.replies import accepted, invalid, json_reply, message

log = logging.getLogger("spiegel.endpoint")


def client_id(request: Request) -> str:
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        request.app.state.settings.trust_proxy,
    )


def origin_allowed(request: Request) -> bool:
    return _origin_allowed(request.headers.get("origin"), request.app.state.origins)


async def submit(request: Request) -> Response:
    """POST /api/forms/{form_id}: validate, store, answer (201/303, or 4xx/503 with a reason)."""
    state = request.app.state
    ctype, kind = content_kind(request)
    form = state.registry.forms().get(request.path_params["form_id"])
    refused = _refuse_early(request, kind, ctype, form)
    if refused is not None or form is None:
        return refused or message(request, kind, 404, *NOT_FOUND)
    data = await _read(request, kind, form)
    if isinstance(data, Response):
        return data
    day = state.clock.today()
    clean, errors = validate_submission(form, data, day)
    sub = None
    if not errors:
        sub, errors = state.registry.prepare(form, clean, state.cipher)
    if errors or sub is None:
        return invalid(request, kind, form, data, errors, day)
    # a bot (the trap filled, or sent too fast) gets what a person with the same answers gets:
    # the same errors, or the normal success, with nothing stored (the OpenAPI document says so)
    if is_bot(data, state.settings.min_fill_seconds):
        log.info("submission form=%s dropped=bot", form.id)
        return accepted(request, kind, form, new_id(), CONFIRMED)
    sub = await _capped(request, form, clean, sub, day)
    try:
        # SQLite: committed with the sign-ups waiting beside it (one fsync), before the answer
        receipt = await state.write_slots.run_many(state.store.submit_many, sub)
    except CapReached:
        # the cap is per calendar day: "morgen" is when it opens again, and so says the header
        return message(request, kind, 429, *TOO_MANY, retry_after=seconds_until_midnight())
    except DuplicateError:
        errors = {form.unique_field or "_form": [CODE_REFUSED]}
        return invalid(request, kind, form, data, errors, day)
    except StoreUnavailable as exc:
        log.error("submission form=%s store unavailable: %s", form.id, exc)
        return message(request, kind, 503, *UNAVAILABLE, retry_after=RETRY_AFTER)
    log.info("submission form=%s status=%s", form.id, receipt.status)
    if state.outbox_wake is not None and sub.notify:  # a repeat writes a message too
        state.outbox_wake.set()
    return accepted(request, kind, form, receipt.id, receipt.status)


async def _capped(
    request: Request, form: Form, clean: dict[str, str], sub: Submission, day: dt.date
) -> Submission:
    """The sign-up with what the store counts in its own transaction: seats and contact keys
    for a session, the client's daily cap on every form but the anonymous questionnaire (its
    codes limit it, and a department answers from one address), and the address's daily cap
    when a message will go to it."""
    state = request.app.state
    if form.anonymous:
        return sub
    keys = state.services.keys  # the first call may read the secret from the database
    key = keys.link() if keys.loaded else await state.write_slots.run(keys.link)
    if sub.capacity_key is not None:
        sub = enrich(sub, form, clean, key)
    if state.mail.signups_per_day:
        cap = signup_cap(key, client_id(request), day, state.mail.signups_per_day, form.id)
        sub = sub._replace(signup_cap=cap)
    if sub.notify and state.mail.mails_per_address:
        address = clean.get(email_field(form) or "", "")
        if address:
            cap = recipient_cap(key, address, day, state.mail.mails_per_address)
            sub = sub._replace(recipient_cap=cap)
    return sub


def _refuse_early(request: Request, kind: str, ctype: str, form: Form | None) -> Response | None:
    """The answer for a request refused before its body is read, in this order: framing, unknown
    form, rate limit, content type, origin. None: go on."""
    try:
        check_framing(request)
    except BadFraming:
        msg = "Dit verzoek is niet goed opgebouwd (Content-Length en Transfer-Encoding)."
        return _closing(message(request, kind, 400, msg, "Niet goed verstuurd", msg))
    if form is None:
        return message(request, kind, 404, *NOT_FOUND)
    if not request.app.state.limiter.allow(client_id(request)):
        return message(request, kind, 429, *RATE_LIMITED, retry_after=60)
    if ctype not in FORM_TYPES:
        return message(request, kind, 415, *UNSUPPORTED)
    if not origin_allowed(request):
        msg = "Dit formulier mag niet vanaf een andere website worden verstuurd."
        return message(request, kind, 403, msg, "Niet toegestaan", msg)
    return None


async def _read(request: Request, kind: str, form: Form) -> dict[str, Any] | Response:
    """The parsed body, or the answer when it is too large, too slow or unreadable."""
    settings = request.app.state.settings
    try:
        return parse(kind, await read_body(request, settings.max_body, settings.body_seconds))
    except TooLarge:
        too_large = f"Het formulier is te groot (meer dan {settings.max_body} bytes)."
        return _closing(message(request, kind, 413, too_large, *TOO_LARGE))
    except TooSlow:
        msg = "Het formulier kwam niet op tijd binnen. Verstuur het opnieuw."
        return _closing(message(request, kind, 408, msg, "Niet op tijd ontvangen", msg))
    except (ValueError, UnicodeDecodeError):
        errors = {"_form": ["De gegevens konden niet worden gelezen."]}
        return invalid(request, kind, form, {}, errors, request.app.state.clock.today())


def _closing(resp: Response) -> Response:
    """The rest of the body may still be on its way: this connection is not reused."""
    resp.headers["connection"] = "close"
    return resp


NOT_FOUND = ("Dit formulier bestaat niet.", "Niet gevonden", "Dit formulier bestaat niet.")
RATE_LIMITED = (
    "Te veel verzoeken. Probeer het over een minuut opnieuw.",
    "Even geduld",
    "U heeft veel formulieren kort na elkaar verstuurd. Probeer het over een minuut opnieuw.",
)
UNSUPPORTED = (
    "Stuur het formulier als application/x-www-form-urlencoded of application/json.",
    "Formaat niet ondersteund",
    "Dit soort gegevens kunnen we niet ontvangen.",
)
TOO_LARGE = (
    "Te veel tekst",
    "U heeft meer tekst ingevuld dan wij kunnen ontvangen. Maak uw antwoorden korter.",
)


TOO_MANY = (
    "Vanaf dit adres zijn vandaag al veel aanmeldingen verstuurd. Probeer het morgen opnieuw.",
    "Te veel aanmeldingen",
    "Vanaf dit adres zijn vandaag al veel aanmeldingen verstuurd. Probeer het morgen"
    " opnieuw, of bel ons als u zich toch wilt aanmelden.",
)
UNAVAILABLE = (
    "Wij kunnen uw formulier nu niet opslaan. Probeer het over een paar minuten opnieuw.",
    "Even niet beschikbaar",
    "Wij kunnen uw formulier nu niet opslaan. Er is niets bewaard. Probeer het over een paar"
    " minuten opnieuw.",
)
RETRY_AFTER = 30


async def http_error(request: Request, exc: Exception) -> Response:
    """Framework errors (unknown path 404, wrong method 405) in the same form as ours."""
    status = getattr(exc, "status_code", 400)
    text = {404: "Deze pagina bestaat niet.", 405: "Deze methode kan hier niet."}.get(
        status, "Dit verzoek kunnen we niet verwerken."
    )
    resp = json_reply({"error": text}, status)
    for name, value in (getattr(exc, "headers", None) or {}).items():
        resp.headers[name] = value
    return resp


async def store_unavailable(request: Request, exc: Exception) -> Response:
    log.error("store unavailable path=%s: %s", request.url.path, exc)
    return message(request, content_kind(request)[1], 503, *UNAVAILABLE, retry_after=RETRY_AFTER)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error path=%s", request.url.path)
    return json_reply({"error": "Er ging iets mis. Probeer het later opnieuw."}, 500)


async def list_forms(request: Request) -> Response:
    """GET /api/forms: the forms, their pages and field names."""
    state = request.app.state
    forms = [
        {
            "id": f.id,
            "title": f.title,
            "page": state.settings.site_url + f.url,
            "fields": [x.name for x in f.fields],
        }
        for f in state.registry.forms().values()
    ]
    return json_reply({"forms": forms})


async def health(request: Request) -> Response:
    """GET /api/health: 200 when the database answers, 503 when it does not."""
    state = request.app.state
    try:
        await state.health_slots.run(state.store.ping)
    except StoreUnavailable as exc:
        log.error("health: store unavailable: %s", exc)
        resp = json_reply({"status": "unavailable", "store": state.store.kind}, 503)
        resp.headers["retry-after"] = str(RETRY_AFTER)
        return resp
    return json_reply(
        {"status": "ok", "store": state.store.kind, "forms": len(state.registry.forms())}
    )


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json: OpenAPI 3.1, generated from the form definitions."""
    from spiegel.web.openapi import openapi_document

    registry = request.app.state.registry
    return json_reply(
        openapi_document(
            registry.forms(), request.app.state.clock.today(), registry.codes_required()
        )
    )


def seconds_until_midnight(now: dt.datetime | None = None) -> int:
    """Seconds from ``now`` until the next day begins in Amsterdam (the daily cap's day)."""
    local = (now or dt.datetime.now(ZONE)).astimezone(ZONE)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=ZONE)
    return max(1, int((midnight - local).total_seconds()))
