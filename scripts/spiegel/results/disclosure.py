"""Aggregation with disclosure control, and the audit that re-checks published aggregates.

Rules (k comes from ``disclosure.k`` in ``content/groepsevaluatie.yaml``: 5 unless a lower value is
configured with a reason, never below 3; distributions need 10 answers):

1. A respondent group with fewer than k respondents in an evaluation is left out completely: no
   row, and its answers are in no other figure ("anderen" included).
2. Within a shown group, a mean is shown only for a cell with at least k substantive answers; the
   distribution (whole percentages, never counts) only for a cell with at least 10.
3. Every total ("anderen", and theme rows) is computed only from parts whose figure is shown.
   The "anderen" distribution is shown only when every part in it shows its own distribution:
   otherwise "anderen" minus the shown distributions gives the pooled counts of the hidden ones,
   and with their exact sums (from the shown means) often a single answer.
4. No shown figure may decide someone's answer: a cell whose mean or distribution fixes every
   answer, or all but one (on the 1-5 scale a total of n, n+1, 5n-1 or 5n; a distribution with at
   least n-1 answers on one value), is hidden as "te eenduidig om te tonen", like a cell below k,
   and so is left out of its theme row and of "anderen". ``decisive`` judges the figures as
   printed (a rounded mean or percentage that could come from such a cell counts), so the audit
   can apply the same rule to a package. A total of parts that each pass this rule passes it too
   (every part is at least 2 away from the extremes), so theme and "anderen" rows are checked for
   safety only. A hidden cell shows neither n_antwoorden nor the n.v.t. share: n minus
   n_antwoorden would give the n.v.t. count of a cell that shows nothing else.

Whole percentages of a cell of 10 to 100 answers are exact counts: a distribution is as revealing
as a table of counts, which is why it needs 10. Within one publication every number is a function
of other published numbers or of cells that pass the thresholds. Across publications the ledger
(``ledger.py``) refuses a new version unless every changed figure grew by at least k (10 for a
distribution). People inside a group who pool their own answers can still learn more than the
figures show (for example five managers who share their answers know the rest of the group's);
the privacy texts say so. ``audit.py`` re-checks all of this on whatever is about to be published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from spiegel.content.model import K_DISTRIBUTION

K_DEFAULT = 5  # the usual threshold; lower only with a reason in the configuration
K_MIN = 3  # never below this, whatever the configuration says
K_DIST = K_DISTRIBUTION
SELF = "eigen-groep"
OTHERS = "anderen"
SCALE = (1, 2, 3, 4, 5)


@dataclass
class Cell:
    """Answers of one respondent group to one statement (or pooled over a theme)."""

    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    nvt: int = 0

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return sum(v * c for v, c in zip(SCALE, self.counts, strict=True))

    def add(self, other: Cell) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.nvt += other.nvt


def mean(total: int, n: int) -> str:
    return str((Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def pct(part: int, whole: int) -> str:
    return str((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("1"), ROUND_HALF_UP))


STATEMENT_COLUMNS = (
    "evaluatie",
    "stelling",
    "thema",
    "respondentgroep",
    "n",
    "n_antwoorden",
    "gemiddelde",
    "nvt_pct",
    "pct_1",
    "pct_2",
    "pct_3",
    "pct_4",
    "pct_5",
    "verschil",
)
THEME_COLUMNS = (
    "evaluatie",
    "thema",
    "respondentgroep",
    "n",
    "n_antwoorden",
    "gemiddelde",
    "verschil",
)


TOO_CLEAR = "te eenduidig om te tonen"


def decisive(n: int, shown_mean: str, shown_pcts: Sequence[str] = ()) -> bool:
    """True when a mean (as printed) or a distribution (whole percentages) of ``n`` answers could
    fix every answer or all but one: totals n, n+1, 5n-1 and 5n on the 1-5 scale, or n-1 answers
    (or more) on one value."""
    if n <= 0:
        return False
    if shown_mean:
        printed = Decimal(shown_mean)
        if any(Decimal(mean(t, n)) == printed for t in (n, n + 1, 5 * n - 1, 5 * n)):
            return True
    pcts = [int(p) for p in shown_pcts if p]
    return bool(pcts) and max(pcts) >= int(pct(n - 1, n))


def cell_decisive(cell: Cell, with_dist: bool) -> bool:
    n = cell.answers
    pcts = [pct(c, n) for c in cell.counts] if with_dist and n else []
    return decisive(n, mean(cell.total, n), pcts) if n else False


@dataclass
class Suppression:
    evaluation: str
    group: str
    item: str
    reason: str


def _row(
    base: dict[str, Any],
    cell: Cell,
    respondents: int,
    shown: bool,
    show_dist: bool | None,
    counts_always: bool = False,
) -> dict[str, str]:
    """One published row; ``show_dist`` None means a theme row (no n.v.t. share, no distribution).
    A hidden cell of one group (``counts_always`` False) shows no n_antwoorden and no n.v.t.
    share; totals ("anderen", themes) show theirs, which follow from the shown parts."""
    n_ans = cell.answers
    counted = shown or counts_always
    row = {
        **base,
        "n": str(respondents),
        "n_antwoorden": str(n_ans) if counted else "",
        "gemiddelde": mean(cell.total, n_ans) if shown else "",
    }
    if show_dist is not None:
        whole = n_ans + cell.nvt
        row["nvt_pct"] = pct(cell.nvt, whole) if counted and whole else ""
        for i in SCALE:
            row[f"pct_{i}"] = pct(cell.counts[i - 1], n_ans) if shown and show_dist else ""
    return row


def _shown(cell: Cell, k: int, dist: bool) -> bool:
    return cell.answers >= k and not cell_decisive(cell, dist)


def aggregate(
    evaluation: str,
    respondents: dict[str, int],
    cells: dict[tuple[str, str], Cell],
    statements: Sequence[tuple[str, str]],
    groups: Sequence[str],
    k: int = K_DEFAULT,
) -> tuple[list[dict[str, str]], list[dict[str, str]], list[Suppression]]:
    """Rows for one evaluation. ``cells`` maps (group, statement id) to answers;
    ``statements`` is (id, theme) in order."""
    if k < K_MIN:
        raise ValueError(f"k must be at least {K_MIN}, got {k}")
    suppressed: list[Suppression] = []
    shown = [g for g in groups if respondents.get(g, 0) >= k]
    for g in groups:
        if 0 < respondents.get(g, 0) < k:
            suppressed.append(
                # not how many: for a group of one invitee that would say whether they answered
                Suppression(evaluation, g, "*", f"minder dan k={k} respondenten")
            )
    others = [g for g in shown if g != SELF]
    n_others = sum(respondents[g] for g in others)
    st_rows: list[dict[str, str]] = []
    th_rows: list[dict[str, str]] = []
    themes: dict[str, dict[str, Cell]] = {}

    for sid, theme in statements:
        pooled, hidden_dist = Cell(), 0
        for g in shown:
            cell = cells.get((g, sid), Cell())
            dist = cell.answers >= K_DIST
            visible = _shown(cell, k, dist)
            if cell.answers < k:
                why = f"{cell.answers} antwoorden, minder dan k={k}"
                suppressed.append(Suppression(evaluation, g, sid, why))
            elif not visible:
                suppressed.append(Suppression(evaluation, g, sid, TOO_CLEAR))
            base = {"evaluatie": evaluation, "stelling": sid, "thema": theme, "respondentgroep": g}
            st_rows.append(_row(base, cell, respondents[g], visible, dist) | {"verschil": ""})
            if visible:
                themes.setdefault(g, {}).setdefault(theme, Cell()).add(cell)
                if g != SELF:
                    pooled.add(cell)
                    hidden_dist += 0 if dist else cell.answers
        if others:
            dist = pooled.answers >= K_DIST and hidden_dist == 0
            base = {
                "evaluatie": evaluation,
                "stelling": sid,
                "thema": theme,
                "respondentgroep": OTHERS,
            }
            row = _row(base, pooled, n_others, _shown(pooled, k, dist), dist, counts_always=True)
            row["verschil"] = _gap(st_rows, sid, row)
            st_rows.append(row)

    for theme in dict.fromkeys(t for _, t in statements):
        pooled = Cell()
        for g in shown:
            cell = themes.get(g, {}).get(theme, Cell())
            th_rows.append(
                _row(
                    {"evaluatie": evaluation, "thema": theme, "respondentgroep": g},
                    cell,
                    respondents[g],
                    _shown(cell, k, False),
                    None,
                    counts_always=True,
                )
                | {"verschil": ""}
            )
            if g != SELF and _shown(cell, k, False):
                pooled.add(cell)
        if others:
            row = _row(
                {"evaluatie": evaluation, "thema": theme, "respondentgroep": OTHERS},
                pooled,
                n_others,
                _shown(pooled, k, False),
                None,
                counts_always=True,
            )
            row["verschil"] = _gap(th_rows, theme, row, key="thema")
            th_rows.append(row)
    return st_rows, th_rows, suppressed


def _gap(
    rows: list[dict[str, str]], item: str, other: dict[str, str], key: str = "stelling"
) -> str:
    own = next((r for r in rows if r[key] == item and r["respondentgroep"] == SELF), None)
    if own and own["gemiddelde"] and other["gemiddelde"]:
        return str(Decimal(other["gemiddelde"]) - Decimal(own["gemiddelde"]))
    return ""
