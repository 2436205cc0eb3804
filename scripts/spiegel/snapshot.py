"""A JSON snapshot of everything the endpoint needs from ``forms/`` and ``content/``.

``spiegel snapshot > forms.json`` at deploy time; ``SPIEGEL_SNAPSHOT=forms.json`` makes the endpoint
start from it without parsing or validating YAML (serverless cold start). Loading uses only the
standard library and ``formmodel``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

from spiegel.forms.model import Form, form_from_dict, form_to_dict

VERSION = 3
SESSION_KEYS = (
    "id",
    "programme",
    "date",
    "welkom_vanaf",
    "start",
    "end",
    "location",
    "department",
    "audience",
    "status",
    "reden",
)


class Definitions(NamedTuple):  # not a dataclass: cheaper to define at a cold start
    forms: dict[str, Form]
    site_name: str
    codes_required: frozenset[str]  # evaluations whose questionnaire needs an invitation code
    # what the e-mails need: session details (date as ISO text), of every programme with dates
    sessions: dict[str, dict[str, str]]
    organisation: dict[str, Any]  # site.yaml organisation
    # the leaflet's practical texts the confirmation repeats (room access, travel costs...)
    practical: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def sessions_of(
    sessions: list[dict[str, Any]], leaflet: dict[str, Any] | None = None
) -> dict[str, dict[str, str]]:
    out = {str(s["id"]): {k: _text(s.get(k)) for k in SESSION_KEYS} for s in sessions}
    if leaflet is not None:  # the room's access: the session's own text, else the leaflet's
        from spiegel.content.model import session_access  # YAML side only: not at cold start

        for s in sessions:
            # the leaflet's room is a mirror meeting's; a VVG date says only what it says itself
            mirror = (s.get("programme") or "spiegelbijeenkomst") == "spiegelbijeenkomst"
            text = session_access(s, leaflet) if mirror else str(s.get("access") or "")
            if text:
                out[str(s["id"])]["access"] = " ".join(text.split())
            if mirror and leaflet.get("letter_weeks") and hasattr(s.get("date"), "isoformat"):
                # the leaflet's promise: the letter within letter_weeks (the digest reminds staff)
                due = s["date"] + dt.timedelta(weeks=int(leaflet["letter_weeks"]))
                out[str(s["id"])]["letter_by"] = due.isoformat()
    return out


def practical_of(leaflet: dict[str, Any]) -> dict[str, str]:
    """The practical texts of the leaflet that every confirmation repeats."""
    from spiegel.content.model import PRACTICAL_TEXTS

    return {k: str(leaflet["practical"][k]) for k in PRACTICAL_TEXTS}


def from_sources(content_dir: Path, forms_dir: Path) -> Definitions:
    """The definitions from the YAML, through the one project loader (``spiegel.project``)."""
    from spiegel.project import load_project

    project = load_project(content_dir, forms_dir, published=False)
    content = project.content
    # every evaluation needs an issued invitation code: results are published only from those
    codes = frozenset(e["id"] for e in content.groepsevaluatie["evaluations"])
    return Definitions(
        project.forms,
        str(content.site["site_name"]),
        codes,
        sessions_of(content.all_sessions(), content.leaflet),
        dict(content.site["organisation"]),
        practical_of(content.leaflet),
    )


def dump(defs: Definitions) -> str:
    data = {
        "version": VERSION,
        "site_name": defs.site_name,
        "codes_required": sorted(defs.codes_required),
        "forms": [form_to_dict(f) for f in defs.forms.values()],
        "sessions": defs.sessions,
        "organisation": defs.organisation,
        "practical": defs.practical,
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def load(path: Path) -> Definitions:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != VERSION:
        raise ValueError(
            f"{path}: snapshot version {data.get('version')!r}, expected {VERSION}; run `spiegel snapshot` again"
        )
    forms = {d["id"]: form_from_dict(d) for d in data["forms"]}
    return Definitions(
        forms,
        data["site_name"],
        frozenset(data["codes_required"]),
        data["sessions"],
        data.get("organisation") or {},
        data.get("practical") or {},
    )
