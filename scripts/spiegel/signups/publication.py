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

from spiegel import clock
from spiegel.content.model import Content
from spiegel.content.schema import ContentError
from spiegel.db.base import Store
from spiegel.db.evaluations import EvaluationDB
from spiegel.results import ledger
from spiegel.results.disclosure import Suppression
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


def frozen_problems(store: Store, content: Content, evaluations: list[str]) -> list[str]:
    """Evaluations whose k was frozen at their first code at another value than the content's
    k now: their figures are not even made (a preview at a lowered k would show the groups the
    invitation promised to leave out)."""
    k, frozen = configured_k(content), store.frozen_k()
    return [
        f"{ev}: k={k}, maar bij de eerste code voor deze evaluatie was k={frozen[ev]}; k ligt"
        f" vast zodra de eerste code is uitgegeven (zet disclosure.k terug op {frozen[ev]})"
        for ev in evaluations
        if ev in frozen and frozen[ev] != k
    ]


def over_used(store: Store, found: list[dict[str, str]]) -> list[str]:
    """Groups with more answers than codes used: rows no code gave (copied or inserted in the
    database) would pad the group to k; then nothing is shown, previewed or published."""
    counts: dict[tuple[str, str], int] = {}
    for row in found:
        key = (row.get("evaluatie", ""), row.get("respondentgroep", ""))
        counts[key] = counts.get(key, 0) + 1
    used = store.used_counts()
    return [
        f"{ev}: groep {g} heeft {n} antwoorden maar er zijn {used.get(ev, {}).get(g, 0)} codes"
        " gebruikt: rijen die geen code gaf (dubbele rijen?) worden geweigerd"
        for (ev, g), n in sorted(counts.items())
        if n > used.get(ev, {}).get(g, 0)
    ]


def gather(
    store: Store,
    cipher: FieldCipher | None,
    content: Content,
    evaluations: list[str],
    today: dt.date,
) -> tuple[ResultsBuild | None, list[str]]:
    """The closed evaluations' figures, from the database; (None, problems) when it cannot."""
    if problems := closed_problems(content, evaluations) + frozen_problems(
        store, content, evaluations
    ):
        return None, problems
    still_open = [e["id"] for e in content.groepsevaluatie["evaluations"] if e["open"]]
    ballots.move(store, cipher, still_open)  # closed: every waiting answer of it goes in
    invitations.close_finished(store, still_open, today)
    found, unreadable = answers(store, cipher, evaluations)
    if unreadable:
        return None, [
            f"{unreadable} opgeslagen antwoord(en) kan ik niet openen: controleer"
            " SPIEGEL_ENCRYPTION_KEY (alle sleutels, nieuwste eerst); er is niets gepubliceerd"
        ]
    if problems := over_used(store, found):
        return None, problems
    result = build_results(found, content, configured_k(content))
    if result.error_count:
        more = result.error_count - len(result.errors)
        return None, result.errors + ([f"... en nog {more}"] if more > 0 else [])
    return result, []


def version_of(store: Store, result: ResultsBuild, ev: str) -> ledger.Version:
    """What ``result`` would put in the ledger for ``ev`` (without date and reason)."""
    st = [r for r in result.statements if r["evaluatie"] == ev]
    th = [r for r in result.themes if r["evaluatie"] == ev]
    return ledger.version(ev, st, th, result.k, store.invited_counts().get(ev, {}))


SHOWN_BEFORE = (
    "{ev}: deze cijfers verschillen van wat eerder is getoond of gepubliceerd met minder dan"
    " k antwoorden (was de evaluatie weer open?); het verschil zou laten zien wat die mensen"
    " antwoordden. Pas als elke veranderde groep en cel met minstens k antwoorden groeide, kan"
    " het:"
)


def seen_problems(store: Store, ev: str, v: ledger.Version, published: bool = True) -> list[str]:
    """Why ``v`` may not be shown to whoever saw the evaluation's figures or comments before
    (``published``: also compared with the database's ledger); [] when it may."""
    db = EvaluationDB(store)
    out = ledger.since_seen(*db.seen(ev), v)
    chain = db.publications().get(ev, []) if published else []
    if chain:
        out += [p for p in ledger.since_seen(chain[-1][0], {}, v) if p not in out]
    return [SHOWN_BEFORE.format(ev=ev), *out] if out else []


def preview(
    store: Store, cipher: FieldCipher | None, content: Content, ev: str, today: dt.date
) -> tuple[ResultsBuild | None, list[str]]:
    """The back office's preview: the figures exactly as `spiegel results` would publish them,
    unless they differ from what was shown or published before by fewer than k answers (a
    closed evaluation opened again for one late answer). What is shown is recorded."""
    result, problems = gather(store, cipher, content, [ev], today)
    if result is None:
        return None, problems
    v = version_of(store, result, ev)
    if problems := seen_problems(store, ev, v):
        return None, problems
    EvaluationDB(store).record_seen(ev, v, ledger.shown_groups(v))
    return result, []


def left_out(store: Store, result: ResultsBuild, ev: str) -> list[Suppression]:
    """Every invited group of ``ev`` that is not shown, in the same words, as the ledger has
    it: whether none, one or k-1 answered is not said (for a group of one invitee, that would
    say whether that person answered)."""
    shown = {r["respondentgroep"] for r in result.statements if r["evaluatie"] == ev}
    reason = ledger.LEFT_OUT.format(k=result.k)
    invited = store.invited_counts().get(ev, {})
    return [Suppression(ev, g, "*", reason) for g in invited if g not in shown]


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
    day = today or clock.today()
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
    for ev, _, v, _ in run.outcome.versions:  # the back office showed other figures?
        run.outcome.errors += seen_problems(store, ev, v, published=False)
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
        db.record_seen(ev, figures, ledger.shown_groups(figures))


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
