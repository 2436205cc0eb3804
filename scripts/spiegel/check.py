"""`spiegel check`: every content and form file validated in about a second, no site build.

The same loader as the build (``spiegel.project``, one set of rules), every issue at once, printed as plain Dutch
text, as GitHub Actions annotations (``::error file=...,line=...::``) or as a GitLab Code
Quality report, so a mistake shows on its line in the merge request diff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from spiegel.content.baseline import Baseline
from spiegel.content.schema import ContentError, Issue
from spiegel.project import load_project


def check(
    content_dir: Path,
    forms_dir: Path,
    baseline: Baseline | None = None,
    today: dt.date | None = None,
) -> list[Issue]:
    """Every problem in ``content/`` and ``forms/``; labels are relative to the project root.
    With ``baseline`` and ``today`` (``spiegel check`` passes SPIEGEL_BASE_REF's and
    SPIEGEL_TODAY's), sessions are compared with the published content too."""
    try:
        load_project(content_dir, forms_dir, baseline=baseline, today=today)
    except ContentError as exc:
        return sorted(set(exc.issues))
    return []


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github(issues: list[Issue]) -> str:
    """GitHub Actions workflow commands: one annotation per issue, on its line of the diff."""
    out = []
    for i in issues:
        where = f"file={_escape(i.file, True)}" + (f",line={i.line}" if i.line else "")
        title = _escape(f"Fout in {i.file}" + (f" op regel {i.line}" if i.line else ""), True)
        message = f"{i.path}: {i.message}" if i.path else i.message
        out.append(f"::error {where},title={title}::{_escape(message)}")
    return "\n".join(out)


def gitlab(issues: list[Issue]) -> str:
    """A GitLab Code Quality report (a JSON list), shown on the lines of the merge request."""
    report = []
    for i in issues:
        description = f"{i.path}: {i.message}" if i.path else i.message
        key = f"{i.file}:{i.line}:{description}".encode()
        report.append(
            {
                "description": description,
                "check_name": "spiegel-inhoud",
                "fingerprint": hashlib.sha256(key).hexdigest(),
                "severity": "major",
                "location": {"path": i.file, "lines": {"begin": max(i.line, 1)}},
            }
        )
    return json.dumps(report, ensure_ascii=False, indent=2)


def text(issues: list[Issue]) -> str:
    if not issues:
        return "Alles in orde: geen fouten gevonden in content/ en forms/."
    count = len(issues)
    head = f"{count} {'fout' if count == 1 else 'fouten'} gevonden. Verbeter de regel(s) hieronder:"
    return "\n".join([head, *(f"  {i}" for i in issues)])
