"""A closed evaluation's results in the back office: a preview of exactly what would be
published (read from the database, disclosure applied), and the files to commit. Making the
files records the publication in the database's ledger first, as ``spiegel results`` does."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from spiegel.db.beheer import StaffSession
from spiegel.db.evaluations import EvaluationDB
from spiegel.signups import publication
from spiegel.web.beheer.core import HEADERS, log, post_allowed, refused, render, staff_page, today
from spiegel.web.beheer.invitations import ROLE, content_of, role


def _evaluation(request: Request, content: Any) -> dict[str, Any] | None:
    ev = request.path_params["ev"]
    return next((e for e in content.groepsevaluatie["evaluations"] if e["id"] == ev), None)


def _preview(request: Request) -> dict[str, Any] | None:
    state = request.app.state
    content = content_of(request)
    ev = _evaluation(request, content)
    if ev is None:
        return None
    ge = content.groepsevaluatie
    context: dict[str, Any] = {"ev": ev, "errors": [], "result": None}
    if ev["open"]:
        return context
    result, errors = publication.preview(state.store, state.cipher, content, ev["id"], today())
    context["errors"] = errors
    if result is not None:
        rows = [r for r in result.statements if r["evaluatie"] == ev["id"]]
        context.update(
            result=result,
            shown_groups=list(dict.fromkeys(r["respondentgroep"] for r in rows)),
            statements=ge["statements"],
            cells={(r["stelling"], r["respondentgroep"]): r for r in rows},
            themes=[r for r in result.themes if r["evaluatie"] == ev["id"]],
            theme_names=ge["themes"],
            left_out=publication.left_out(state.store, result, ev["id"]),
            group_names={g["id"]: g["name"] for g in ge["respondent_groups"]}
            | {"anderen": "Anderen"},
        )
    chain = EvaluationDB(state.store).publications().get(ev["id"], [])
    context["versions"] = [v for v, _ in chain]
    return context


@staff_page(role)
async def preview(request: Request, staff: StaffSession) -> Response:
    context = await run_in_threadpool(_preview, request)
    if context is None:
        return refused(request, staff)
    ev = context.pop("ev")
    await log(request, staff, ROLE, f"uitkomsten {ev['id']}", "voorbeeld bekeken")
    return render(request, "outcomes.html.j2", staff=staff, ev=ev, **context)


def _files(request: Request) -> tuple[bytes | None, list[str], list[str]]:
    """Stage, check, record in the database, zip; nothing of it stays on the server."""
    state = request.app.state
    content = content_of(request)
    ev = _evaluation(request, content)
    if ev is None:
        return None, ["onbekende evaluatie"], []
    current = state.settings.content_dir / "results"
    run = publication.stage(state.store, state.cipher, content, [ev["id"]], current, today=today())
    if run.staged is None:
        return None, run.outcome.errors, run.outcome.notes
    try:
        publication.record(state.store, run)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(run.staged.iterdir()):
                z.write(path, f"content/results/{path.name}")
        return buf.getvalue(), [], run.outcome.notes
    finally:
        publication.discard(run)


@staff_page(role)
async def download(request: Request, staff: StaffSession) -> Response:
    """POST: the checked package (recorded in the ledger) as a zip to commit."""
    data = await post_allowed(request, staff)
    if data is None:
        return refused(request, staff)
    archive, errors, notes = await run_in_threadpool(_files, request)
    ev = request.path_params["ev"]
    if archive is None:
        context = await run_in_threadpool(_preview, request)
        if context is None:
            return refused(request, staff)
        context["errors"] = errors + notes
        return render(request, "outcomes.html.j2", 422, staff=staff, **context)
    await log(request, staff, ROLE, f"uitkomsten {ev}", "bestanden gemaakt", "; ".join(notes))
    headers = dict(HEADERS) | {"content-disposition": f'attachment; filename="resultaten-{ev}.zip"'}
    return Response(archive, 200, media_type="application/zip", headers=headers)
