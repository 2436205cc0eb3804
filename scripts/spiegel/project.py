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

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spiegel.content.examples import Example, examples_in
from spiegel.content.model import FILES, Content, load_content, load_file, load_parts
from spiegel.content.schema import ContentError, Context, Issue, load_yaml, validate
from spiegel.content.sessions import published_issues
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
    content_dir: Path,
    forms_dir: Path,
    *,
    published: bool = True,
    base_ref: str | None = None,
    today: dt.date | None = None,
) -> Project:
    """Load and check everything; raise one ContentError listing every problem found.
    ``base_ref``: SPIEGEL_BASE_REF, the default branch the results ledger must extend. With
    ``today`` (the build and ``spiegel check``; never the endpoint), sessions are compared with
    what is published too (``content/sessions.py``): no new session dated before ``today``, no
    published session deleted before its date."""
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
        if today is not None:  # a published session deleted is told with the rest
            issues += _session_changes(content_dir, root, label, base_ref, today, None)
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
    if content is not None:
        issues += _role_issues(content, forms, label)
        issues += _retention_issues(content, forms, forms_dir)
        if today is not None:
            issues += _session_changes(content_dir, root, label, base_ref, today, content)
    if issues or content is None:
        raise ContentError(issues)
    examples = tuple(content.examples) + tuple(forms_examples(forms_dir, forms_label))
    return Project(root, content, forms, label, forms_label, results, examples)


def _session_changes(
    content_dir: Path,
    root: Path,
    label: str,
    base_ref: str | None,
    today: dt.date,
    content: Content | None,
) -> list[Issue]:
    """Sessions compared with what is published (``content/sessions.py``). Without ``content``
    (another file has a mistake) the two session files are read on their own, so deleting a
    published session is told at once with that mistake; a session file with its own mistakes
    is told those first."""
    from spiegel.content.baseline import find_baseline

    docs: dict[str, Any] = {}
    lines: dict[str, Any] = {}
    for key in ("sessions", "vvg"):
        filename, schema = FILES[key]
        if content is not None:
            data, where = getattr(content, key), content.lines.get(key, {})
        else:
            data, found, where = load_file(content_dir, key, label)
            if found or not isinstance(data, dict):
                return []
        docs[filename], lines[filename] = (data["sessions"], schema), where
    return published_issues(docs, lines, find_baseline(root, base_ref), today, label)


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
            "vvg": content.vvg,
            "groepsevaluatie": content.groepsevaluatie,
        }
    else:
        try:
            parts = load_parts(content_dir, ("sessions", "vvg", "groepsevaluatie"), label)
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


def _role_issues(content: Content, forms: dict[str, Form], label: str) -> list[Issue]:
    """A session's ``rollen`` and ``plaats_voor`` are roles of its programme's form, and at least
    one role it offers takes a seat (or the session would have no limit)."""
    issues: list[Issue] = []
    for key, programme in (("sessions", "spiegelbijeenkomst"), ("vvg", "vvg")):
        form = next(
            (f for f in forms.values() if f.programme == programme and f.capacity_field), None
        )
        ctx = Context(f"{label}/{FILES[key][0]}", content.lines.get(key, {}), schema=FILES[key][1])
        for i, s in enumerate(content.sessions_of(programme)):
            named = [*(s["rollen"] or []), *(s["plaats_voor"] or [])]
            if form is None or not named:
                continue
            if form.role_field is None:
                ctx.error(
                    ("sessions", i, "rollen"),
                    f"het formulier {form.id} vraagt niet als wie iemand komt: haal rollen en"
                    " plaats_voor hier weg.",
                )
                continue
            values = [c.value for c in form.by_name[form.role_field].choices]
            for part in ("rollen", "plaats_voor"):
                for role in s[part] or []:
                    if role not in values:
                        ctx.error(
                            ("sessions", i, part),
                            f"{role!r} is geen rol van het formulier {form.id}. Kies uit: "
                            + ", ".join(values)
                            + f" (of voeg de rol toe in {form.source}).",
                        )
            choice = form.session_choice(s["id"])
            if choice is not None and not any(
                form.takes_seat(choice, c.value) for c in form.session_roles(choice)
            ):
                ctx.error(
                    ("sessions", i, "plaats_voor"),
                    "geen van de rollen van deze bijeenkomst neemt een plaats in, dus er is geen"
                    " grens aan het aantal mensen. Zet bij plaats_voor welke rol meetelt,"
                    " bijvoorbeeld: plaats_voor: [" + (s["rollen"] or values)[0] + "]",
                )
        issues += ctx.issues
    return issues


def _retention_issues(content: Content, forms: dict[str, Form], forms_dir: Path) -> list[Issue]:
    """No data may be deleted before its last promised use: the letter after a session (kept
    ``retention_days`` from the session's date, ``signups/retention.py``), the answer to a
    request (kept from the day it was sent)."""
    issues: list[Issue] = []
    for form in forms.values():
        days = int(form.privacy["retention_days"])
        need, why = 0, ""
        if form.capacity_field and form.programme == "spiegelbijeenkomst":
            weeks = content.leaflet["letter_weeks"]
            need = weeks * 7
            why = (
                f"de brief na de bijeenkomst komt binnen {weeks} weken (letter_weeks in"
                " spiegelbijeenkomst.yaml); dan zijn de gegevens er al niet meer"
            )
        elif not form.capacity_field:
            promised = {
                "gluren": content.gluren["reply_days"],
                "vvg": content.vvg["reply_days"],
                "collegiale-ondersteuning": -(-content.collegiale["first_contact_hours"] // 24),
            }.get(form.programme, 0)
            need = promised
            why = f"wij beloven binnen {promised} dagen te antwoorden; dan is de aanvraag al weg"
        if days >= need:
            continue
        try:
            _, lines = load_yaml(forms_dir / Path(form.source).name, form.source)
        except ContentError:
            lines = {}
        ctx = Context(form.source, lines, schema=FORM)
        ctx.error(
            ("privacy", "retention_days"),
            f"de gegevens worden na {days} dagen verwijderd, maar {why}. Zet retention_days op"
            f" minstens {need}, bijvoorbeeld: retention_days: {max(need, 180)}",
        )
        issues += ctx.issues
    return issues


def _logo_issues(content: Content, content_dir: Path, label: str) -> list[Issue]:
    logo = content.site["logo"]
    if not logo or (content_dir / logo).is_file():
        return []
    return [
        Issue(
            f"{label}/site.yaml",
            content.lines.get("site", {}).get(("logo",), 0),
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
