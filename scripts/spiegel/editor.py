"""JSON Schemas for every content and form file, written from the content model.

The validators in ``content/model.py`` and ``forms/definitions.py`` are the one source of truth;
``spiegel schemas --write`` turns them into ``schemas/*.schema.json`` and puts a
``# yaml-language-server: $schema=...`` first line in each YAML file, so VS Code, github.dev and
GitLab's Web IDE give completion, Dutch hover help and Dutch red underlines while typing (the
shape the YAML language server needs for that is in ``content/editorschema.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spiegel.content.editorschema import editor_schema
from spiegel.content.model import FILES
from spiegel.forms.definitions import FORM

DRAFT = "https://json-schema.org/draft/2020-12/schema"
MODELINE = "# yaml-language-server: $schema="


def schemas() -> dict[str, dict[str, Any]]:
    """``{file name in schemas/: schema}`` for each content file and for the forms."""
    out: dict[str, dict[str, Any]] = {}
    for filename, validator in FILES.values():
        name = filename.removesuffix(".yaml") + ".schema.json"
        out[name] = {"$schema": DRAFT, "title": f"content/{filename}", **editor_schema(validator)}
    out["form.schema.json"] = {"$schema": DRAFT, "title": "forms/*.yaml", **editor_schema(FORM)}
    return out


def targets(root: Path) -> dict[Path, str]:
    """Each YAML file staff edit -> the schema file it points at."""
    out = {
        root / "content" / f: f.removesuffix(".yaml") + ".schema.json" for f, _ in FILES.values()
    }
    out |= {p: "form.schema.json" for p in sorted((root / "forms").glob("*.yaml"))}
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def stale(root: Path) -> list[str]:
    """What ``write`` would change: schema files that differ, YAML files without the modeline."""
    out = []
    for name, schema in schemas().items():
        path = root / "schemas" / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(schema):
            out.append(f"schemas/{name}")
    for path, name in targets(root).items():
        if path.is_file() and not path.read_text(encoding="utf-8").startswith(_line(name)):
            out.append(path.relative_to(root).as_posix())
    return out


def _line(name: str) -> str:
    return f"{MODELINE}../schemas/{name}\n"


def write(root: Path) -> list[str]:
    changed = stale(root)
    (root / "schemas").mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (root / "schemas" / name).write_text(render(schema), encoding="utf-8")
    for path, name in targets(root).items():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if text.startswith(MODELINE):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        path.write_text(_line(name) + text, encoding="utf-8")
    return changed
