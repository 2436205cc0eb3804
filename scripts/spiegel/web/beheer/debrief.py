"""Comments for the group's own debrief (``signups/debrief.py``): after the evaluation closed,
per group with at least k answers and per theme, the coordinator edits out what makes someone
recognisable; only the edited text can be shown and printed. Every look is in the access log."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from spiegel.db.beheer import StaffSession
from spiegel.signups import debrief
from spiegel.web.beheer.core import HEADERS, log, post_allowed, refused, render, staff_page
from spiegel.web.beheer.invitations import ROLE, content_of, role


def _load(request: Request) -> dict[str, Any] | None:
    """The closed evaluation of the path and its groups (at least k answers); None if unknown."""
    state = request.app.state
    ge = content_of(request).groepsevaluatie
    ev = next((e for e in ge["evaluations"] if e["id"] == request.path_params["ev"]), None)
    if ev is None:
        return None
    if ev["open"]:
        return {"ev": ev, "ge": ge, "groups": [], "left_out": 0}
    found, left_out = debrief.groups(state.store, state.cipher, ge, ev["id"])
    return {"ev": ev, "ge": ge, "groups": found, "left_out": left_out}


def _pick(loaded: dict[str, Any], request: Request) -> tuple[Any, Any] | None:
    group = next((g for g in loaded["groups"] if g.id == request.path_params["group"]), None)
    theme = (
        next((t for t in group.themes if t.id == request.path_params["theme"]), None)
        if group
        else None
    )
    return (group, theme) if group and theme else None


def _to_list(ev: str, done: str) -> Response:
    url = f"/beheer/groepsevaluatie/{ev}/nabespreking?klaar={quote(done)}"
    return RedirectResponse(url, 303, headers=HEADERS)


@staff_page(role)
async def overview(request: Request, staff: StaffSession) -> Response:
    loaded = await run_in_threadpool(_load, request)
    if loaded is None:
        return refused(request, staff)
    ev = loaded["ev"]
    await log(request, staff, ROLE, f"toelichtingen {ev['id']}", "overzicht bekeken")
    return render(
        request,
        "debrief.html.j2",
        staff=staff,
        ev=ev,
        groups=loaded["groups"],
        left_out=loaded["left_out"],
        done=request.query_params.get("klaar", ""),
    )


@staff_page(role)
async def edit(request: Request, staff: StaffSession) -> Response:
    """GET: the comments of one group and theme, shuffled, and the text to edit; POST tekst."""
    loaded = await run_in_threadpool(_load, request)
    picked = _pick(loaded, request) if loaded else None
    if loaded is None or picked is None:
        return refused(request, staff)
    ev, (group, theme) = loaded["ev"], picked
    what = f"toelichtingen {ev['id']} / {group.id} / {theme.id}"
    error = ""
    if request.method == "POST":
        data = await post_allowed(request, staff)
        if data is None:
            return refused(request, staff)
        state = request.app.state
        problem = await run_in_threadpool(
            debrief.save,
            state.store,
            state.cipher,
            loaded["ge"],
            ev["id"],
            group.id,
            theme.id,
            str(data.get("tekst", "")),
            staff.name,
            [g.id for g in loaded["groups"]],  # just loaded: not a second pass over the answers
        )
        if problem is None:
            await log(request, staff, ROLE, what, "bewerkt")
            return _to_list(ev["id"], f"de bewerkte toelichtingen bij {theme.name} zijn bewaard")
        error = problem
    await log(request, staff, ROLE, what, "bekeken om te bewerken", f"{len(theme.comments)}")
    return render(
        request,
        "debrief_edit.html.j2",
        422 if error else 200,
        staff=staff,
        ev=ev,
        group=group,
        theme=theme,
        draft=debrief.draft(theme),
        error=error,
    )


@staff_page(role)
async def reset(request: Request, staff: StaffSession) -> Response:
    loaded = await run_in_threadpool(_load, request)
    picked = _pick(loaded, request) if loaded else None
    data = await post_allowed(request, staff)
    if loaded is None or picked is None or data is None:
        return refused(request, staff)
    ev, (group, theme) = loaded["ev"], picked
    await run_in_threadpool(debrief.reset, request.app.state.store, ev["id"], group.id, theme.id)
    await log(
        request,
        staff,
        ROLE,
        f"toelichtingen {ev['id']} / {group.id} / {theme.id}",
        "bewerking gewist",
    )
    return _to_list(ev["id"], f"de bewerking bij {theme.name} is gewist")


@staff_page(role)
async def printable(request: Request, staff: StaffSession) -> Response:
    """The edited texts only, per group and theme, to show or print at the debrief."""
    loaded = await run_in_threadpool(_load, request)
    if loaded is None:
        return refused(request, staff)
    ev = loaded["ev"]
    await log(
        request, staff, ROLE, f"toelichtingen {ev['id']}", "bewerkte versie bekeken of afgedrukt"
    )
    return render(request, "debrief_print.html.j2", staff=staff, ev=ev, groups=loaded["groups"])
