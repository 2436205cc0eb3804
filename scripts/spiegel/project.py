"""The one project loader: ``content/`` and ``forms/`` read, validated and checked together.

Used by the site build (``site/plugin.py``), ``spiegel check`` and ``spiegel snapshot`` (and so by
the endpoint when it starts without a snapshot): one set of rules, one order. Every problem in
every file is collected before anything is given up, and raised once as a ``ContentError`` with
the Dutch messages on ``file:line``.

The forms are checked even when the content has errors, as far as the content they depend on
(``sessions.yaml``, ``groepsevaluatie.yaml``) is sound, so a newcomer sees all mistakes in one go.
The published results (``content/results``) are read when asked for (the build and the check;
the endpoint does not need them, and does not import their code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spiegel.content.examples import Example, examples_in
from spiegel.content.model import Content, load_content, load_parts
from spiegel.content.schema import ContentError, Issue, load_yaml, validate
from spiegel.forms.definitions import FORM, load_forms
from spiegel.forms.model import Form

if TYPE_CHECKING:
    from spiegel.results.package import Published

__all__ = ["Project", "forms_examples", "load_project"]


@dataclass(frozen=True)
class Project:
    """Everything the site and the endpoint are made from, validated."""

    root: Path  # the folder holding content/ and forms/ (labels are relative to it)
    content: Content
    forms: dict[str, Form]
    content_label: str  # "content", as messages name the folder
    forms_label: str
    published: Published | None = None  # None when not asked for
    examples: tuple[Example, ...] = field(default=())  # every # VOORBEELD, content and forms

    @property
    def site(self) -> dict[str, Any]:
        return self.content.site


def load_project(
    content_dir: Path, forms_dir: Path, *, published: bool = True, base_ref: str | None = None
) -> Project:
    """Load and check everything; raise one ContentError listing every problem found.
    ``base_ref``: SPIEGEL_BASE_REF, the default branch the results ledger must extend."""
    content_dir, forms_dir = Path(content_dir), Path(forms_dir)
    root = content_dir.resolve().parent
    label, forms_label = _label(content_dir, root), _label(forms_dir, root)
    issues: list[Issue] = []
    content: Content | None = None
    results: Published | None = None
    try:
        content = load_content(content_dir, label)
    except ContentError as exc:
        issues += exc.issues
    if content is not None:
        issues += _logo_issues(content, content_dir, label)
        if published:
            from spiegel.results.package import load_published

            try:
                results = load_published(content_dir / "results", content, f"{label}/results")
            except ContentError as exc:
                issues += exc.issues
            issues += _ledger_history(content_dir, root, label, base_ref)
    forms, form_issues = _forms(content, content_dir, forms_dir, label, forms_label)
    issues += form_issues
    if issues or content is None:
        raise ContentError(issues)
    examples = tuple(content.examples) + tuple(forms_examples(forms_dir, forms_label))
    return Project(root, content, forms, label, forms_label, results, examples)


def _ledger_history(content_dir: Path, root: Path, label: str, base_ref: str | None) -> list[Issue]:
    """The results ledger extends every committed version of itself (results/history.py)."""
    from spiegel.content.baseline import find_baseline
    from spiegel.results.history import ledger_history
    from spiegel.results.ledger import FILE

    path = content_dir / "results" / FILE
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    return ledger_history(find_baseline(root, base_ref), current, f"{label}/results")


def _forms(
    content: Content | None, content_dir: Path, forms_dir: Path, label: str, forms_label: str
) -> tuple[dict[str, Form], list[Issue]]:
    """The forms, checked against the content they fill in; on their own when that is broken."""
    if content is not None:
        parts: dict[str, Any] | None = {
            "site": content.site,
            "sessions": content.sessions,
            "groepsevaluatie": content.groepsevaluatie,
        }
    else:
        try:
            parts = load_parts(content_dir, ("sessions", "groepsevaluatie"), label)
        except ContentError:
            parts = None  # already reported; check the forms on their own
    if parts is not None:
        try:
            return load_forms(forms_dir, parts, forms_label), []
        except ContentError as exc:
            return {}, exc.issues
    issues: list[Issue] = []
    for path in sorted(forms_dir.glob("*.yaml")):
        name = f"{forms_label}/{path.name}"
        try:
            data, lines = load_yaml(path, name)
        except ContentError as exc:
            issues += exc.issues
            continue
        issues += validate(FORM, data, name, lines)[1]
    return {}, issues


def _logo_issues(content: Content, content_dir: Path, label: str) -> list[Issue]:
    logo = content.site["logo"]
    if not logo or (content_dir / logo).is_file():
        return []
    return [
        Issue(
            f"{label}/site.yaml",
            0,
            "logo",
            f"het bestand {label}/{logo} bestaat niet. Zet het logo in {label}/assets/ of "
            "verbeter de naam, bijvoorbeeld: logo: assets/logo.svg",
        )
    ]


def forms_examples(forms_dir: Path, label_root: str = "forms") -> list[Example]:
    """The ``# VOORBEELD`` values in the form definitions."""
    return [
        e
        for p in sorted(forms_dir.glob("*.yaml"))
        for e in examples_in(p, f"{label_root}/{p.name}", FORM)
    ]


def _label(folder: Path, root: Path) -> str:
    """How messages name a folder: relative to the project root (``content``), else as given."""
    try:
        return folder.resolve().relative_to(root).as_posix()
    except ValueError:
        return folder.as_posix()
