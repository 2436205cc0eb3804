"""The ledger only grows (issue 19, attacks 4, 5 and 7): ``content/results/publicaties.json``
must extend every version of itself that was committed before, and the one on the default
branch, by appending versions only. Deleting an evaluation from it, dropping or changing a
version (to publish again after one late answer, or at a lower k) is refused by ``spiegel check``
and the build, with the commit that still holds what was removed.

The earlier versions come from git (``content/baseline.py``). Outside git there is nothing to
compare with; a ``SPIEGEL_BASE_REF`` that names nothing (a pipeline that did not fetch the
default branch, or a folder that is no git work tree) fails closed, and so does a shallow clone
(its history stops: a ledger entry dropped in its one commit would pass). What git cannot show
is a rewritten default branch (a force-push): the database's ledger catches that at the next
``spiegel results`` (README).
"""

from __future__ import annotations

import json
from typing import Any

from spiegel.content.baseline import Baseline
from spiegel.content.schema import Issue
from spiegel.results.ledger import FILE, same_version, unreadable

RELPATH = f"content/results/{FILE}"


def _chains(text: str | None) -> dict[str, list[dict[str, Any]]] | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    evs = data.get("evaluaties") if isinstance(data, dict) else None
    return (
        {str(k): list(v) for k, v in evs.items() if isinstance(v, list)}
        if isinstance(evs, dict)
        else None
    )


def _line(text: str | None, ev: str) -> int:
    """The line of ``ev`` in the ledger; removed, the line of "evaluaties" where it stood."""
    rows = (text or "").splitlines()
    for needle in (f'"{ev}"', '"evaluaties"'):
        for number, line in enumerate(rows, start=1):
            if needle in line:
                return number
    return 0


def shrinks(
    old: dict[str, list[dict[str, Any]]], new: dict[str, list[dict[str, Any]]]
) -> list[tuple[str, str]]:
    """(evaluation, what) for every way ``new`` is not ``old`` with versions appended."""
    out = []
    for ev, before in sorted(old.items()):
        now = new.get(ev)
        if not now:
            out.append((ev, "de evaluatie is uit het grootboek verwijderd"))
        elif len(now) < len(before):
            out.append((ev, f"{len(before) - len(now)} versie(s) verwijderd"))
        else:
            changed = [i + 1 for i, v in enumerate(before) if not same_version(v, now[i])]
            if changed:
                out.append((ev, f"versie {', '.join(map(str, changed))} veranderd"))
    return out


def ledger_history(base: Baseline, current: str | None, label: str) -> list[Issue]:
    """Problems of the ledger as it is now (``current``) against what git holds."""
    where = f"{label}/{FILE}"
    if base.asked and base.ref is None:
        return [
            Issue(
                where,
                0,
                "",
                f"SPIEGEL_BASE_REF={base.asked}: die tak is hier niet te vinden"
                + ("" if base.in_git else " (deze map is geen git-werkmap)")
                + ", dus kan ik niet controleren of het grootboek alleen groeit. Haal de"
                " standaardtak en haar geschiedenis op (git fetch origin; in de pipeline:"
                " fetch-depth: 0).",
            )
        ]
    if base.shallow:
        return [
            Issue(
                where,
                0,
                "",
                "de geschiedenis van git is hier ingekort (een shallow clone), dus kan ik niet"
                " controleren of het grootboek alleen groeit: wat uit de ingekorte commits is"
                " verwijderd, zie ik niet. Haal de hele geschiedenis op (git fetch --unshallow;"
                " in de pipeline: fetch-depth: 0, of GIT_DEPTH: 0 bij GitLab).",
            )
        ]
    if current is not None and (broken := unreadable(current)) is not None:
        return [Issue(where, broken[0], "", broken[1])]  # not JSON: nothing to compare
    now = _chains(current) or {}
    earlier: list[tuple[str, str]] = []
    if base.ref is not None:
        earlier.append((base.ref, base.text(RELPATH) or ""))
    earlier += [(f"commit {commit[:10]}", text) for commit, text in base.history(RELPATH)]
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for origin, text in earlier:
        old = _chains(text)
        if not old:
            continue
        for ev, what in shrinks(old, now):
            if (ev, what) in seen:
                continue
            seen.add((ev, what))
            issues.append(
                Issue(
                    where,
                    _line(current, ev),
                    f"evaluaties.{ev}",
                    f"regel 'het grootboek groeit alleen' geschonden: {what} ten opzichte van"
                    f" {origin}. Een publicatie blijft in het grootboek staan; zet de versie(s)"
                    " terug uit git. Opnieuw publiceren kan alleen met `spiegel results`.",
                )
            )
    return issues
