"""`spiegel check`: every content and form file validated in about a second, no site build.

The same loaders as the build (one set of rules), every issue at once, printed as plain Dutch
text, as GitHub Actions annotations (``::error file=...,line=...::``) or as a GitLab Code
Quality report, so a mistake shows on its line in the merge request diff.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from spiegel.content.model import load_content, load_parts
from spiegel.content.schema import ContentError, Issue, load_yaml, validate
from spiegel.forms.definitions import FORM, load_forms
from spiegel.results.package import load_published


def check(content_dir: Path, forms_dir: Path) -> list[Issue]:
    """Every problem in ``content/`` and ``forms/``; labels are relative to the project root."""
    root = content_dir.resolve().parent
    label = _label(content_dir, root)
    forms_label = _label(forms_dir, root)
    issues: list[Issue] = []
    content = None
    try:
        content = load_content(content_dir, label)
    except ContentError as exc:
        issues += exc.issues
    if content is not None:
        logo = content.site["logo"]
        if logo and not (content_dir / logo).is_file():
            issues.append(
                Issue(
                    f"{label}/site.yaml",
                    0,
                    "logo",
                    f"het bestand {label}/{logo} bestaat niet. Zet het logo in {label}/assets/ "
                    "of verbeter de naam.",
                )
            )
        try:
            load_published(content_dir / "results", content, f"{label}/results")
        except ContentError as exc:
            issues += exc.issues
    try:
        parts = load_parts(content_dir, ("sessions", "groepsevaluatie"), label)
    except ContentError:
        parts = None  # already reported above; check the forms on their own
    if parts is not None:
        try:
            load_forms(forms_dir, parts, forms_label)
        except ContentError as exc:
            issues += exc.issues
    else:
        for path in sorted(forms_dir.glob("*.yaml")):
            name = f"{forms_label}/{path.name}"
            try:
                data, lines = load_yaml(path, name)
            except ContentError as exc:
                issues += exc.issues
                continue
            issues += validate(FORM, data, name, lines)[1]
    return sorted(set(issues))


def _label(folder: Path, root: Path) -> str:
    try:
        return folder.resolve().relative_to(root).as_posix()
    except ValueError:
        return folder.as_posix()


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
