"""What every back-office page shares: the staff session, role checks, CSRF and origin checks,
the access log, and rendering (Jinja2, imported only when a page is rendered).

A handler is wrapped by ``staff_page(role_of)``: without a live session a GET goes to the login
(the provider, with PKCE) and a POST is refused; a session without the role gets "Geen toegang";
a POST without the session's CSRF token or from another origin is refused before anything runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from spiegel.db.base import now
from spiegel.db.beheer import Access, StaffSession
from spiegel.security import sessions
from spiegel.web.beheer import Beheer
from spiegel.web.clients import LOOPBACK, normalise_origin

ZONE = ZoneInfo("Europe/Amsterdam")
TEMPLATES = Path(__file__).parent / "templates"
PRIVACY = "privacy"
HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a form POST says "Origin: null"
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self';"
    " form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
}
Handler = Callable[[Request, StaffSession], Awaitable[Response]]


def beheer(request: Request) -> Beheer:
    b: Beheer = request.app.state.beheer
    return b


@functools.cache
def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from spiegel.content.calendar import datum

    env.filters["datum"] = datum
    env.filters["tijd"] = lambda m: m.astimezone(ZONE).strftime("%d-%m-%Y %H:%M")
    return env


def render(
    request: Request,
    name: str,
    status: int = 200,
    staff: StaffSession | None = None,
    **context: Any,
) -> Response:
    context.setdefault("done", "")
    html = (
        _env()
        .get_template(name)
        .render(
            staff=staff,
            site_name=request.app.state.registry.site_name(),
            roles=role_names(request, staff.roles) if staff else [],
            **context,
        )
    )
    return HTMLResponse(html, status, headers=HEADERS)


def role_names(request: Request, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    forms = request.app.state.registry.forms()
    out = []
    for r in roles:
        if r == PRIVACY:
            out.append((r, "Privacy (functionaris gegevensbescherming)"))
        elif r in forms:
            name = forms[r].title.removeprefix("Aanmelden voor ").removeprefix("een ").strip()
            out.append((r, name[:1].upper() + name[1:]))
    return out


def public_base(request: Request) -> str:
    """The back office's address: configured (production), else where this request came."""
    configured = beheer(request).settings.public_url
    return configured or f"{request.url.scheme}://{request.url.netloc}"


def redirect_uri(request: Request) -> str:
    return public_base(request) + "/beheer/inloggen/terug"


def own_origin(request: Request) -> str | None:
    return normalise_origin(public_base(request))


def is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    return host in LOOPBACK or host.startswith("127.")


async def current(request: Request) -> tuple[StaffSession | None, str | None]:
    """The live session of this request (idle and absolute timeouts enforced), and its id hash."""
    b = beheer(request)
    name = sessions.SECURE_COOKIE if b.settings.production else sessions.COOKIE
    sid = request.cookies.get(name)
    if not sid or len(sid) > 100:
        return None, None
    id_hash = sessions.hash_id(sid)
    found = await run_in_threadpool(b.db.session, id_hash)
    if found is None:
        return None, id_hash
    moment = now()
    if not sessions.alive(found.created_at, found.seen_at, moment):
        await run_in_threadpool(b.db.end_session, id_hash)
        return None, id_hash
    await run_in_threadpool(b.db.touch_session, id_hash, moment)
    return found, id_hash


async def post_allowed(request: Request, staff: StaffSession) -> dict[str, Any] | None:
    """The form fields of a POST from our own page with this session's CSRF token; else None."""
    origin = request.headers.get("origin")
    if origin is None or normalise_origin(origin) != own_origin(request):
        return None
    body = await request.body()
    if len(body) > 64 * 1024:
        return None
    from urllib.parse import parse_qsl

    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return None
    data: dict[str, Any] = {}
    for k, v in pairs:
        data.setdefault(k, []).append(v)
    flat = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    if not sessions.csrf_ok(staff.csrf, flat.pop("csrf", None)):
        return None
    return flat


def refused(request: Request, staff: StaffSession | None = None) -> Response:
    return render(
        request,
        "message.html.j2",
        403,
        staff=staff,
        title="Niet gelukt",
        text="Dit verzoek is geweigerd. Er is niets veranderd. Ga terug naar de pagina,"
        " laad haar opnieuw en probeer het nog eens.",
    )


def no_access(request: Request, staff: StaffSession) -> Response:
    return render(
        request,
        "message.html.j2",
        403,
        staff=staff,
        title="Geen toegang",
        text="U heeft geen toegang tot dit onderdeel. Denkt u dat dit niet klopt? Vraag dan"
        " uw leidinggevende om u de juiste rol te geven.",
    )


def staff_page(role_of: Callable[[Request], str | None]) -> Callable[[Handler], Any]:
    """``role_of(request)``: the role this page needs (a form id or ``privacy``); None: any role."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            staff, _ = await current(request)
            if staff is None:
                if request.method == "GET":
                    return await start_login(request)
                return refused(request)
            if not staff.roles:
                return render(request, "norole.html.j2", 403, staff=staff)
            role = role_of(request)
            if role is not None and role not in staff.roles:
                return no_access(request, staff)
            return await handler(request, staff)

        return endpoint

    return wrap


def role_from_path(request: Request) -> str | None:
    return str(request.path_params.get("form_id", "")) or "-"


async def log(
    request: Request, staff: StaffSession, role: str, what: str, action: str, detail: str = ""
) -> None:
    """One line in the access log (NEN 7513): who, in which role, what, which action, when."""
    entry = Access(now(), staff.subject, staff.name, role, what, action, detail)
    await run_in_threadpool(beheer(request).db.log_access, entry)


def today() -> dt.date:
    return dt.datetime.now(ZONE).date()


async def start_login(request: Request) -> Response:
    """To the provider (code_challenge, state, nonce; the state also in a short-lived cookie),
    or without a provider the page that explains the development login (401)."""
    b = beheer(request)
    if b.oidc is None:
        return render(request, "devlogin.html.j2", 401)
    try:
        started = await run_in_threadpool(b.oidc.start, redirect_uri(request))
    except Exception as exc:
        logging.getLogger("spiegel.beheer").error("login: provider: %s", type(exc).__name__)
        return render(
            request,
            "message.html.j2",
            503,
            title="Inloggen lukt nu niet",
            text="De inlogdienst is niet bereikbaar. Probeer het over een paar minuten opnieuw.",
        )
    await run_in_threadpool(b.db.add_login, started.state, started.nonce, started.verifier, now())
    resp = RedirectResponse(started.url, 303, headers=HEADERS)
    resp.set_cookie(
        sessions.LOGIN_COOKIE,
        started.state,
        max_age=int(sessions.LOGIN_WAIT.total_seconds()),
        path="/beheer",
        httponly=True,
        samesite="lax",
        secure=b.settings.production,
    )
    return resp
