"""Publish once, and only when closed: the step between aggregates and ``content/results/``.

``publish`` takes freshly aggregated rows and decides, per evaluation in them:
- still open (``open: true``): refused, nothing of it is published;
- never published: a first version goes into the ledger;
- published before with the same figures: nothing changes (the output is identical);
- published before with other figures: refused, unless ``replace`` with a reason and every
  changed group and cell grew by at least k (distributions: 10); then a new version.
Evaluations not in this run keep what they had. Nothing is written unless every check passes.

With the database's ledger (``recorded``, from ``spiegel results`` and the back office) that one
is the authority: the file's chain of every evaluation must be the start of the database's (a
version deleted from ``publicaties.json`` is put back, one the database does not know or that
differs from it refuses everything), and an evaluation whose groups look like another's with a
few answers more or less (a relabelling, attack 5) is refused. Each new version is handed to
``record`` (the database) before the files are written.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spiegel.content.model import Content
from spiegel.results import ledger
from spiegel.results.package import ResultsBuild, write_package


@dataclass
class Outcome:
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    # the new versions (evaluation, number, ledger figures, sums) for the database's ledger
    versions: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def _old_rows(out_dir: Path, name: str) -> list[dict[str, str]]:
    path = out_dir / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def publish(
    result: ResultsBuild,
    out_dir: Path,
    content: Content,
    invited: dict[str, dict[str, int]],
    replace: bool = False,
    reason: str = "",
    today: dt.date | None = None,
    used: dict[str, dict[str, int]] | None = None,
    frozen_k: dict[str, int] | None = None,
    recorded: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] | None = None,
    record: Callable[[str, int, dict[str, Any], dict[str, Any]], None] | None = None,
) -> Outcome:
    """``invited`` maps evaluation -> respondent group -> number of issued codes; ``used`` (from
    the database) the codes used: a group with more answers than used codes holds rows that no
    code gave (duplicates). ``frozen_k``: k recorded per evaluation at its first code.
    ``recorded``: the database's ledger, per evaluation its versions as (figures, sums)."""
    out = Outcome()
    evs = content.groepsevaluatie["evaluations"]
    order = [e["id"] for e in evs]
    still_open = {e["id"] for e in evs if e["open"]}
    book = ledger.load(out_dir / ledger.FILE)
    chains = book.setdefault("evaluaties", {})
    old_st, old_th = _old_rows(out_dir, "stellingen"), _old_rows(out_dir, "themas")
    if recorded is not None:
        for ev in sorted(set(recorded) | set(chains)):
            chain, problem = ledger.reconcile(
                chains.get(ev) or [], [f for f, _ in recorded.get(ev, [])]
            )
            if problem:
                out.errors.append(f"{ev}: {problem}")
            elif chain:
                chains[ev] = chain
        if out.errors:
            return out
    others = {ev: versions[-1][1] for ev, versions in (recorded or {}).items() if versions}
    new_versions: list[tuple[str, int, dict[str, Any]]] = []
    in_run = list(dict.fromkeys(r["evaluatie"] for r in result.statements))
    for ev in dict.fromkeys(s.evaluation for s in result.suppressed):
        if ev not in in_run:
            in_run.append(ev)  # every group too small: still an evaluation of this run
    replaced: list[str] = []
    for ev in in_run:
        if ev in still_open:
            out.notes.append(
                f"niet gepubliceerd: {ev} staat nog op open: true in content/groepsevaluatie.yaml;"
                " zet open: false als de vragenlijst is gesloten en publiceer dan"
            )
            continue
        new_st = [r for r in result.statements if r["evaluatie"] == ev]
        new_th = [r for r in result.themes if r["evaluatie"] == ev]
        v = ledger.version(ev, new_st, new_th, result.k, invited.get(ev, {}))
        if not any(int(x.get("uitgenodigd") or 0) for x in v["groepen"].values()):
            out.errors.append(
                f"{ev}: er zijn geen uitnodigingscodes uitgegeven; publiceren kan alleen als de"
                " antwoorden met codes zijn gegeven (`spiegel invite`)"
            )
            continue
        out.errors += [f"{ev}: {p}" for p in ledger.over_invited(v)]
        if frozen_k is not None and ev in frozen_k and frozen_k[ev] != result.k:
            out.errors.append(
                f"{ev}: k={result.k}, maar bij de eerste code voor deze evaluatie was k="
                f"{frozen_k[ev]}; k ligt vast zodra de eerste code is uitgegeven"
            )
            continue
        if used is not None:
            for g, info in sorted(v["groepen"].items()):
                n, codes = info.get("n") or 0, used.get(ev, {}).get(g, 0)
                if n > codes:
                    out.errors.append(
                        f"{ev}: groep {g} heeft {n} antwoorden maar er zijn {codes} codes"
                        " gebruikt: rijen die geen code gaf (dubbele rijen?) worden geweigerd"
                    )
        clash = [
            f"{g} lijkt op {other}"
            for other, sums in {**others, **result.sums}.items()
            if other != ev
            for g in ledger.relabelled(result.sums.get(ev, {}), sums, result.k)
        ]
        if clash:
            out.errors.append(
                f"{ev}: groep {', '.join(clash)}: dezelfde antwoorden met minder dan"
                f" k={result.k} erbij of eraf; het verschil zou laten zien wat die mensen"
                " antwoordden (een evaluatie onder een andere naam?)"
            )
            continue
        chain = chains.get(ev) or []
        if chain:
            same_rows = new_st == [r for r in old_st if r["evaluatie"] == ev] and new_th == [
                r for r in old_th if r["evaluatie"] == ev
            ]
            in_db = (recorded or {}).get(ev)
            if in_db and not any(r["evaluatie"] == ev for r in old_st + old_th):
                # deleted from the package (a rewritten history): the database's ledger still
                # has it; the same figures and sums as its last version are put back
                same_rows = in_db[-1][1] == result.sums.get(ev, {})
            if ledger.same_figures(chain[-1], v) and same_rows:
                out.notes.append(f"{ev}: al gepubliceerd met precies deze cijfers; niets veranderd")
                out.published.append(ev)
                continue
            problems = ledger.growth_problems(chain[-1], v)
            if not same_rows and not problems and ledger.same_figures(chain[-1], v):
                problems = [
                    "dezelfde aantallen maar andere cijfers: de ruwe gegevens zijn veranderd"
                ]
            if not replace:
                out.errors.append(
                    f"{ev} is al gepubliceerd en de cijfers zouden veranderen. Een tweede versie kan"
                    " alleen met --replace en --reden, en alleen als elke veranderde groep en cel"
                    f" met minstens k={chain[-1]['k']} antwoorden is gegroeid"
                    + ("".join(f"\n    {p}" for p in problems) if problems else "")
                )
                continue
            if problems:
                out.errors += [f"{ev}: vervangen kan niet: {p}" for p in problems]
                continue
            if len(reason.strip()) < 10:
                out.errors.append(f"{ev}: --reden: schrijf in een zin waarom u opnieuw publiceert")
                continue
            replaced.append(ev)
        v["datum"] = (today or dt.date.today()).isoformat()
        v["reden"] = reason.strip() if chain else None
        chains[ev] = [*chain, v]
        new_versions.append((ev, len(chain) + 1, v))
        out.published.append(ev)
    if out.errors:
        return out
    fresh = set(out.published)
    rank = {ev: i for i, ev in enumerate(order)}

    def merged(old: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
        keep = [r for r in old if r["evaluatie"] not in fresh]
        rows = keep + [r for r in new if r["evaluatie"] in fresh]
        return sorted(rows, key=lambda r: rank.get(r["evaluatie"], len(rank)))

    combined = ResultsBuild(
        statements=merged(old_st, result.statements),
        themes=merged(old_th, result.themes),
        suppressed=result.suppressed,
        rows=result.rows,
        k=result.k,
    )
    if not combined.statements and not combined.themes and not chains:
        out.errors.append("niets om te publiceren: elke evaluatie in het bestand is nog open")
        return out
    out.versions = [(ev, n, v, result.sums.get(ev, {})) for ev, n, v in new_versions]
    for version in out.versions:  # the database first: it is the authority
        if record is not None:
            record(*version)
    write_package(combined, out_dir, ledger.dump(book))
    out.notes += [f"{ev}: vervangen; reden in {ledger.FILE}" for ev in replaced]
    return out
