"""Results only from the database (issue 19): the closed evaluation's answers read where they
are, aggregated, checked and published against the database's ledger. One path for
``spiegel results EVALUATIE`` and the back office; there is no raw file of answers to feed it.

Before anything is read, the last answers leave the ballot box (they are all in once the
evaluation is closed) and whatever was kept for the invitations of a closed evaluation is wiped.
The package is made in a staging folder next to ``content/results``, checked there (frictionless
and the build's own audit), then its new versions go into the database's ledger and only then
does the folder take the place of ``content/results`` (the command) or become a download (the
back office). Comments are never read here: ``toelichting*`` is dropped on reading.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spiegel.content.model import Content
from spiegel.content.schema import ContentError
from spiegel.db.base import Store
from spiegel.db.evaluations import EvaluationDB
from spiegel.results.package import (
    ResultsBuild,
    build_results,
    check_with_frictionless,
    configured_k,
    load_published,
    swap_in,
)
from spiegel.results.publish import Outcome, publish
from spiegel.security.cipher import FieldCipher
from spiegel.signups import ballots, invitations
from spiegel.signups.export import Unreadable, open_payload

FORM = "groepsevaluatie"


def answers(
    store: Store, cipher: FieldCipher | None, evaluations: Iterable[str]
) -> tuple[list[dict[str, str]], int]:
    """The stored answers of these evaluations, shuffled, without comments; and how many rows
    no configured key opens."""
    wanted, out, unreadable = set(evaluations), [], 0
    for row in store.rows(FORM, shuffled=True):
        try:
            values = open_payload(row, cipher)
        except Unreadable:
            unreadable += 1
            continue
        if values.get("evaluatie") in wanted:
            out.append({k: v for k, v in values.items() if not k.startswith("toelichting")})
    return out, unreadable


def closed_problems(content: Content, evaluations: list[str]) -> list[str]:
    known = {e["id"]: e for e in content.groepsevaluatie["evaluations"]}
    out = []
    for ev in evaluations:
        if ev not in known:
            out.append(f"{ev}: onbekende evaluatie; kies uit: {', '.join(known)}")
        elif known[ev]["open"]:
            out.append(
                f"{ev} staat nog op open: true in content/groepsevaluatie.yaml; zet open: false"
                " als de vragenlijst is gesloten en publiceer dan"
            )
    return out


def gather(
    store: Store,
    cipher: FieldCipher | None,
    content: Content,
    evaluations: list[str],
    today: dt.date,
) -> tuple[ResultsBuild | None, list[str]]:
    """The closed evaluations' figures, from the database; (None, problems) when it cannot."""
    if problems := closed_problems(content, evaluations):
        return None, problems
    ballots.move(store, cipher, everything=True)  # closed: every waiting answer goes in
    still_open = [e["id"] for e in content.groepsevaluatie["evaluations"] if e["open"]]
    invitations.close_finished(store, still_open, today)
    found, unreadable = answers(store, cipher, evaluations)
    if unreadable:
        return None, [
            f"{unreadable} opgeslagen antwoord(en) kan ik niet openen: controleer"
            " SPIEGEL_ENCRYPTION_KEY (alle sleutels, nieuwste eerst); er is niets gepubliceerd"
        ]
    result = build_results(found, content, configured_k(content))
    if result.error_count:
        more = result.error_count - len(result.errors)
        return None, result.errors + ([f"... en nog {more}"] if more > 0 else [])
    return result, []


@dataclass
class Publication:
    result: ResultsBuild | None = None
    outcome: Outcome = field(default_factory=Outcome)
    staged: Path | None = None  # the checked package, before it takes its place


def stage(
    store: Store,
    cipher: FieldCipher | None,
    content: Content,
    evaluations: list[str],
    current: Path,
    replace: bool = False,
    reason: str = "",
    today: dt.date | None = None,
) -> Publication:
    """Make and check the package in a staging folder beside ``current`` (content/results),
    starting from a copy of it; nothing is recorded yet. The caller ``commit``s or discards."""
    day = today or dt.date.today()
    result, problems = gather(store, cipher, content, evaluations, day)
    run = Publication(result)
    if result is None:
        run.outcome.errors = problems
        return run
    current.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".results-staging-", dir=current.parent))
    staged = folder / "results"
    if current.exists():
        shutil.copytree(current, staged)
    run.outcome = publish(
        result,
        staged,
        content,
        store.invited_counts(),
        replace,
        reason,
        day,
        used=store.used_counts(),
        frozen_k=store.frozen_k(),
        recorded=EvaluationDB(store).publications(),
    )
    if not run.outcome.errors and staged.exists():
        problems = check_with_frictionless(staged)
        try:
            load_published(staged, content, "content/results")
        except ContentError as exc:
            problems += [str(i) for i in exc.issues]
        run.outcome.errors += [f"het pakket haalt de controle niet: {p}" for p in problems]
    if run.outcome.errors or not staged.exists():
        shutil.rmtree(folder, ignore_errors=True)
        return run
    run.staged = staged
    return run


def record(store: Store, run: Publication) -> None:
    """The new versions into the database's ledger (before the files leave this step)."""
    db = EvaluationDB(store)
    for ev, number, figures, sums in run.outcome.versions:
        db.record(ev, number, figures, sums)


def commit(store: Store, run: Publication, out_dir: Path) -> None:
    """Record, then put the checked package in place of ``out_dir``."""
    assert run.staged is not None
    record(store, run)
    swap_in(run.staged, out_dir)
    shutil.rmtree(run.staged.parent, ignore_errors=True)


def discard(run: Publication) -> None:
    if run.staged is not None:
        shutil.rmtree(run.staged.parent, ignore_errors=True)
        run.staged = None
