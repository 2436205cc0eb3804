"""A JSON snapshot of everything the endpoint needs from ``forms/`` and ``content/``.

``spiegel snapshot > forms.json`` at deploy time; ``SPIEGEL_SNAPSHOT=forms.json`` makes the endpoint
start from it without parsing or validating YAML (serverless cold start). Loading uses only the
standard library and ``formmodel``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .formmodel import Form, form_from_dict, form_to_dict

VERSION = 1


@dataclass(frozen=True)
class Definitions:
    forms: dict[str, Form]
    site_name: str
    codes_required: frozenset[str]  # evaluations whose questionnaire needs an invitation code


def from_sources(content_dir: Path, forms_dir: Path) -> Definitions:
    from .content import load_parts
    from .forms import load_forms

    parts = load_parts(content_dir, ("site", "sessions", "groepsevaluatie"))
    forms = load_forms(forms_dir, parts)
    codes = frozenset(e["id"] for e in parts["groepsevaluatie"]["evaluations"] if e["uses_codes"])
    return Definitions(forms, str(parts["site"]["site_name"]), codes)


def dump(defs: Definitions) -> str:
    data = {
        "version": VERSION,
        "site_name": defs.site_name,
        "codes_required": sorted(defs.codes_required),
        "forms": [form_to_dict(f) for f in defs.forms.values()],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def load(path: Path) -> Definitions:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != VERSION:
        raise ValueError(
            f"{path}: snapshot version {data.get('version')!r}, expected {VERSION}; run `spiegel snapshot` again"
        )
    forms = {d["id"]: form_from_dict(d) for d in data["forms"]}
    return Definitions(forms, data["site_name"], frozenset(data["codes_required"]))
