"""``GET /api/sessions``: live availability of the sessions to come, counts only (no personal
data). A session that was called off stays listed until its date, with ``cancelled: true``.

Cacheable for a minute; the agenda page reads it with JavaScript to show "nog 3 plaatsen" or
"vol: wachtlijst". Without JavaScript, the answer to the sign-up form says the truth.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from spiegel.db.base import StoreUnavailable
from spiegel.web.replies import SECURITY_HEADERS


async def sessions(request: Request) -> Response:
    state = request.app.state
    out = []
    today = state.clock.today().isoformat()
    headers = {**SECURITY_HEADERS, "cache-control": "public, max-age=60"}
    try:
        for form in state.registry.forms().values():
            if not form.capacity_field:
                continue
            counts = await state.read_slots.run(state.store.session_counts, form.id)
            # counted per stored seat key: a keyed hash of the session when a key is set
            for key, c in state.registry.seat_choices(form).items():
                session = state.registry.session(c.value)
                if session is None or session["date"] < today:
                    continue  # past sessions are gone from the agenda, and from here
                taken, waiting = counts.get(key, (0, 0))
                free = max((c.capacity or 0) - taken, 0) if c.capacity is not None else None
                if c.cancelled:
                    free = 0
                out.append(
                    {
                        "id": c.value,
                        "form": form.id,
                        "date": session["date"],
                        "capacity": c.capacity,
                        "available": free,
                        "waitlist": waiting,
                        "full": free == 0,
                        "cancelled": c.cancelled,
                    }
                )
    except StoreUnavailable:
        return JSONResponse(
            {"error": "De beschikbaarheid is nu niet op te vragen."},
            503,
            headers={**SECURITY_HEADERS, "retry-after": "30"},
        )
    return JSONResponse({"sessions": out}, headers=headers)
