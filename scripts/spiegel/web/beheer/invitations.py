"""The groepsevaluatie in the back office, for the role ``groepsevaluatie``: invitations by
e-mail (Spiegel sends a code to each address; nobody sees a code), slips on paper (shown once),
the reminder, and the invitations the relay did not take (sent again, to a corrected address if
need be). Counts only, never which code went where. Results and comments: ``outcomes.py``,
``debrief.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spiegel.db.beheer import StaffSession
from spiegel.signups import invitations
from spiegel.web.beheer.core import HEADERS, log, post_allowed, refused, render, staff_page, today

ROLE = invitations.FORM  # the role is the questionnaire's form id


def role(request: Request) -> str:
    return ROLE


def content_of(request: Request) -> Any:
    from spiegel.content.model import load_content

    return load_content(request.app.state.settings.content_dir)


def back(done: str, path: str = "/beheer/groepsevaluatie") -> Response:
    return RedirectResponse(f"{path}?klaar={quote(done)}", 303, headers=HEADERS)


async def _page(request: Request, staff: StaffSession, status: int = 200, **extra: Any) -> Response:
    state = request.app.state
    content = await run_in_threadpool(content_of, request)
    ge = content.groepsevaluatie
    counts = await run_in_threadpool(invitations.overview, state.store)
    return render(
        request,
        "groepsevaluatie.html.j2",
        status,
        staff=staff,
        evaluations=ge["evaluations"],
        groups=ge["respondent_groups"],
        counts=counts,
        today=today(),
        errors=extra.pop("errors", []),
        entered=extra.pop("entered", {}),
        done=request.query_params.get("klaar", ""),
        **extra,
    )


@staff_page(role)
async def overview(request: Request, staff: StaffSession) -> Response:
    return await _page(request, staff)


def _target(request: Request, data: dict[str, Any]) -> tuple[Any, list[str]]:
    deadline, errors = None, []
    if data.get("tot"):
        try:
            deadline = dt.date.fromisoformat(str(data["tot"]))
        except ValueError:
            errors.append("Invullen kan tot en met: vul een datum in, bijvoorbeeld 31-12-2026")
    ge = content_of(request).groepsevaluatie
    found, problems = invitations.target(
        ge, str(data.get("evaluatie", "")), str(data.get("groep", "")), deadline, today()
    )
    return found, errors + problems


@staff_page(role)
async def invite(request: Request, staff: StaffSession) -> Response:
    """POST evaluatie, groep, tot, adressen: one e-mail with its own code per address."""
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    t, errors = await run_in_threadpool(_target, request, data)
    addresses, problems = invitations.parse_addresses(str(data.get("adressen", "")))
    errors += problems
    state = request.app.state
    if not errors:
        errors = await run_in_threadpool(
            invitations.invite, state.store, state.services.keys, state.cipher, t, addresses
        )
    if errors:
        entered = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        return await _page(request, staff, 422, errors=errors, entered=entered)
    if state.outbox_wake is not None:
        state.outbox_wake.set()
    what = f"uitnodigingen {t.evaluation} / {t.group}"
    await log(request, staff, ROLE, what, "per e-mail verstuurd", f"{len(addresses)} adressen")
    return back(f"{len(addresses)} uitnodigingen worden verstuurd, elk met een eigen code")


@staff_page(role)
async def slips(request: Request, staff: StaffSession) -> Response:
    """POST evaluatie, groep, tot, aantal: a page of slips to print, the codes only there."""
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    t, errors = await run_in_threadpool(_target, request, data)
    count = int(data["aantal"]) if str(data.get("aantal", "")).isdigit() else 0
    codes: list[str] = []
    deadline = None
    if not errors:
        state = request.app.state
        codes, deadline, errors = await run_in_threadpool(
            invitations.paper_codes, state.store, state.services.keys, t, count
        )
    if errors or deadline is None:
        entered = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        return await _page(request, staff, 422, errors=errors, entered=entered)
    base = request.app.state.settings.site_url or request.app.state.mail.public_url
    link = f"{base.rstrip('/')}/groepsevaluatie/vragenlijst/"
    sheet = invitations.slips_html(codes, t, deadline, link, standalone=False)
    what = f"uitnodigingen {t.evaluation} / {t.group}"
    await log(request, staff, ROLE, what, "strookjes gemaakt", f"{len(codes)} codes op papier")
    return render(request, "slips.html.j2", staff=staff, t=t, sheet=Markup(sheet), count=len(codes))  # noqa: S704 (autoescaped by its own template)


@staff_page(role)
async def remind(request: Request, staff: StaffSession) -> Response:
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    t, errors = await run_in_threadpool(_target, request, data)
    if errors:
        return await _page(request, staff, 422, errors=errors)
    state = request.app.state
    queued, problem = await run_in_threadpool(
        invitations.remind, state.store, state.cipher, t, today()
    )
    if problem:
        return await _page(request, staff, 422, errors=[problem])
    if state.outbox_wake is not None:
        state.outbox_wake.set()
    what = f"uitnodigingen {t.evaluation} / {t.group}"
    await log(request, staff, ROLE, what, "herinnering verstuurd", f"{queued} adressen")
    return back(f"de herinnering gaat naar {queued} adressen van de groep")


def _group(request: Request) -> tuple[str, str] | None:
    ev, group = request.path_params["ev"], request.path_params["group"]
    ge = content_of(request).groepsevaluatie
    known = {e["id"] for e in ge["evaluations"]}, {g["id"] for g in ge["respondent_groups"]}
    return (ev, group) if ev in known[0] and group in known[1] else None


async def _undelivered_page(
    request: Request, staff: StaffSession, ev: str, group: str, status: int = 200, error: str = ""
) -> Response:
    state = request.app.state
    items = await run_in_threadpool(invitations.undelivered, state.store, state.cipher, ev, group)
    await log(request, staff, ROLE, f"niet bezorgd {ev} / {group}", "bekeken", f"{len(items)}")
    return render(
        request,
        "undelivered.html.j2",
        status,
        staff=staff,
        ev=ev,
        group=group,
        items=items,
        error=error,
        done=request.query_params.get("klaar", ""),
    )


@staff_page(role)
async def undelivered(request: Request, staff: StaffSession) -> Response:
    found = await run_in_threadpool(_group, request)
    if found is None:
        return refused(request, staff)
    return await _undelivered_page(request, staff, *found)


@staff_page(role)
async def resend(request: Request, staff: StaffSession) -> Response:
    """POST id, adres (empty: the same address): the same code, sent once more."""
    found = await run_in_threadpool(_group, request)
    data = await post_allowed(request, staff)
    if found is None or data is None:
        return refused(request, staff)
    ev, group = found
    state = request.app.state
    problem = await run_in_threadpool(
        invitations.resend,
        state.store,
        state.services.keys,
        state.cipher,
        ev,
        group,
        str(data.get("id", "")),
        str(data.get("adres", "")),
    )
    if problem:
        # the page itself, not a redirect: the problem may name the address that was typed,
        # and an address belongs in no URL (access logs, browser history)
        return await _undelivered_page(request, staff, ev, group, 422, problem)
    path = f"/beheer/groepsevaluatie/{ev}/{group}/niet-bezorgd"
    if state.outbox_wake is not None:
        state.outbox_wake.set()
    corrected = "naar een verbeterd adres" if data.get("adres") else "naar hetzelfde adres"
    await log(
        request, staff, ROLE, f"niet bezorgd {ev} / {group}", f"opnieuw verstuurd, {corrected}"
    )
    return back(f"de uitnodiging wordt opnieuw verstuurd, {corrected}", path)
