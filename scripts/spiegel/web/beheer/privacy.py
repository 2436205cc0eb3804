"""The privacy role: the access log, and AVG requests (inzage, verwijdering) for one person found
by e-mail address or phone number across every form through keyed lookup hashes.

The search value travels in a POST body, never in a URL; each step is in the access log.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from spiegel.db.beheer import StaffSession
from spiegel.signups import lookup
from spiegel.signups.export import Unreadable, open_payload
from spiegel.signups.sessionlist import columns, dutch_values
from spiegel.web.beheer.core import (
    HEADERS,
    PRIVACY,
    beheer,
    log,
    post_allowed,
    refused,
    render,
    staff_page,
)


def _privacy(request: Request) -> str:
    return PRIVACY


@staff_page(_privacy)
async def access_log(request: Request, staff: StaffSession) -> Response:
    entries = await run_in_threadpool(beheer(request).db.access_log, 500)
    await log(request, staff, PRIVACY, "logboek", "bekeken")
    return render(request, "accesslog.html.j2", staff=staff, entries=entries)


def index_all(request: Request) -> None:
    """Give every stored submission with a contact its lookup keys (once per submission)."""
    state, db = request.app.state, beheer(request).db
    key = state.link_key()
    for form in state.registry.forms().values():
        rows = list(state.store.rows(form.id))
        todo = set(db.unindexed([r.id for r in rows]))
        for r in rows:
            if r.id not in todo:
                continue
            try:
                values = open_payload(r, state.cipher)
            except Unreadable:
                continue
            db.add_lookups(r.id, lookup.contact_keys(form, values, state.cipher, key))


def find_person(request: Request, value: str) -> list[dict[str, Any]]:
    """Everything stored about one person: per submission its form, status and values."""
    state, db = request.app.state, beheer(request).db
    norm = lookup.normalise(value)
    if not norm:
        return []
    index_all(request)
    ids = set(db.find(lookup.lookup_key(state.cipher, state.link_key(), norm)))
    out = []
    for form in state.registry.forms().values():
        for r in state.store.rows(form.id):
            if r.id not in ids:
                continue
            try:
                values = dutch_values(form, open_payload(r, state.cipher))
            except Unreadable:
                values = {}
            out.append(
                {
                    "id": r.id,
                    "form": form.title,
                    "form_id": form.id,
                    "at": r.created_at,
                    "status": r.status,
                    "fields": [(h, values.get(n, "")) for n, h in columns(form)],
                }
            )
    return out


@staff_page(_privacy)
async def search(request: Request, staff: StaffSession) -> Response:
    """GET: the search form; POST zoek=...: the results (and download / erase buttons)."""
    if request.method == "GET":
        return render(request, "avg.html.j2", staff=staff, query="", found=None)
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    query = str(data.get("zoek", "")).strip()[:200]
    found = await run_in_threadpool(find_person, request, query)
    await log(
        request, staff, PRIVACY, "AVG-verzoek", "gezocht en bekeken", f"{len(found)} gegevens"
    )
    return render(
        request, "avg.html.j2", staff=staff, query=query, found=found, done=data.get("klaar", "")
    )


@staff_page(_privacy)
async def download(request: Request, staff: StaffSession) -> Response:
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    query = str(data.get("zoek", "")).strip()[:200]
    found = await run_in_threadpool(find_person, request, query)
    kind = "JSON" if data.get("formaat") == "json" else "pagina"
    await log(request, staff, PRIVACY, "AVG-verzoek", f"download {kind}", f"{len(found)} gegevens")
    if kind == "pagina":
        return render(request, "avg_print.html.j2", staff=staff, found=found)
    body = json.dumps(
        [
            {
                "formulier": f["form"],
                "ingediend": f["at"].isoformat(),
                "status": f["status"],
                "gegevens": dict(f["fields"]),
            }
            for f in found
        ],
        ensure_ascii=False,
        indent=2,
    )
    return Response(
        body,
        headers={
            **HEADERS,
            "content-type": "application/json; charset=utf-8",
            "content-disposition": 'attachment; filename="inzage.json"',
        },
    )


@staff_page(_privacy)
async def erase(request: Request, staff: StaffSession) -> Response:
    """POST zoek + bevestig=ja: delete every submission found, with its queued messages."""
    data = await post_allowed(request, staff)
    if data is None or data.get("bevestig") != "ja":
        return refused(request, staff)
    query = str(data.get("zoek", "")).strip()[:200]
    found = await run_in_threadpool(find_person, request, query)
    db = beheer(request).db
    for f in found:
        await run_in_threadpool(db.erase, f["id"])
        await log(request, staff, PRIVACY, f"aanmelding {f['id']}", "gewist (AVG)", f["form_id"])
    return render(
        request,
        "avg.html.j2",
        staff=staff,
        query="",
        found=None,
        done=f"{len(found)} gegevens gewist, met de berichten die nog klaarstonden",
    )


__all__ = ["HEADERS"]
