"""Aggregation with disclosure control, and the audit that re-checks published aggregates.

Rules (k defaults to 5 and is never below 3; distributions need 10):

1. A respondent group with fewer than k respondents in an evaluation is left out completely: no
   row, and its answers are in no other figure ("anderen" included).
2. Within a shown group, a mean is shown only for a cell with at least k substantive answers; the
   distribution (whole percentages, never counts) only for a cell with at least 10.
3. Every total ("anderen", and theme rows) is computed only from parts whose figure is shown.
   A distribution total is shown only if the parts whose distribution is hidden add up to 0 or
   to at least 10 answers (complementary suppression), so subtraction never yields a hidden one.

Because of 3, every published number is a function of other published numbers or of cells that
pass the thresholds: no combination reveals a group or cell below them. ``audit_rows`` checks the
same rules on whatever file is about to be published, whoever produced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

K_DEFAULT = 5
K_MIN = 3
K_DIST = 10
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


@dataclass
class Suppression:
    evaluation: str
    group: str
    item: str
    reason: str


def _row(
    base: dict[str, Any], cell: Cell, respondents: int, k: int, show_dist: bool | None
) -> dict[str, str]:
    """One published row; ``show_dist`` None means a theme row (no n.v.t. share, no distribution)."""
    n_ans = cell.answers
    row = {**base, "n": str(respondents), "n_antwoorden": str(n_ans), "gemiddelde": ""}
    if n_ans >= k:
        row["gemiddelde"] = mean(cell.total, n_ans)
    if show_dist is not None:
        row["nvt_pct"] = pct(cell.nvt, n_ans + cell.nvt) if n_ans + cell.nvt else ""
        for i in SCALE:
            row[f"pct_{i}"] = pct(cell.counts[i - 1], n_ans) if show_dist else ""
    return row


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
                Suppression(evaluation, g, "*", f"{respondents[g]} respondents, fewer than k={k}")
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
            visible = cell.answers >= k
            if not visible:
                suppressed.append(
                    Suppression(evaluation, g, sid, f"{cell.answers} answers, fewer than k={k}")
                )
            dist = cell.answers >= K_DIST
            base = {"evaluatie": evaluation, "stelling": sid, "thema": theme, "respondentgroep": g}
            st_rows.append(_row(base, cell, respondents[g], k, dist) | {"verschil": ""})
            if visible:
                themes.setdefault(g, {}).setdefault(theme, Cell()).add(cell)
                if g != SELF:
                    pooled.add(cell)
                    hidden_dist += 0 if dist else cell.answers
        if others:
            dist = pooled.answers >= K_DIST and (hidden_dist == 0 or hidden_dist >= K_DIST)
            base = {
                "evaluatie": evaluation,
                "stelling": sid,
                "thema": theme,
                "respondentgroep": OTHERS,
            }
            row = _row(base, pooled, n_others, k, dist)
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
                    k,
                    None,
                )
                | {"verschil": ""}
            )
            if g != SELF and cell.answers >= k:
                pooled.add(cell)
        if others:
            row = _row(
                {"evaluatie": evaluation, "thema": theme, "respondentgroep": OTHERS},
                pooled,
                n_others,
                k,
                None,
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


# ------------------------------------------------------------------ audit


def _int(v: str) -> int | None:
    return int(v) if v not in ("", None) else None


def audit_rows(
    statements: Iterable[dict[str, str]], themes: Iterable[dict[str, str]], k: int, where: str
) -> list[str]:
    """Re-check published aggregates against the rules. Returns problems; empty means publishable."""
    problems: list[str] = []
    if k < K_MIN:
        return [f"{where}: disclosure.k is {k}; it may never be below {K_MIN}"]
    st = list(statements)
    th = list(themes)
    for name, rows in (("stellingen", st), ("themas", th)):
        by: dict[tuple[str, str], list[dict[str, str]]] = {}
        for i, r in enumerate(rows, start=2):
            label = f"{where}/{name}.csv row {i}"
            n, n_ans = _int(r["n"]) or 0, _int(r["n_antwoorden"]) or 0
            if r["respondentgroep"] != OTHERS and n < k:
                problems.append(f"{label}: group {r['respondentgroep']} has n={n}, below k={k}")
            if r["gemiddelde"] and n_ans < k:
                problems.append(f"{label}: mean shown for {n_ans} answers, below k={k}")
            dist = [r.get(f"pct_{j}", "") for j in SCALE]
            if any(dist):
                if n_ans < K_DIST:
                    problems.append(
                        f"{label}: distribution shown for {n_ans} answers, below {K_DIST}"
                    )
                if not all(dist) or not 95 <= sum(int(x) for x in dist) <= 105:
                    problems.append(
                        f"{label}: distribution must be 5 whole percentages adding up to 100"
                    )
            item = r.get("stelling") or r["thema"]
            by.setdefault((r["evaluatie"], item), []).append(r | {"_label": label})
        for (_ev, _item), group_rows in by.items():
            problems += _audit_total(group_rows, k)
    return problems


def _audit_total(rows: list[dict[str, str]], k: int) -> list[str]:
    total = [r for r in rows if r["respondentgroep"] == OTHERS]
    parts = [r for r in rows if r["respondentgroep"] not in (OTHERS, SELF)]
    if not total:
        return []
    t = total[0]
    out = []
    if int(t["n"]) != sum(int(p["n"]) for p in parts):
        out.append(f"{t['_label']}: anderen n={t['n']} is not the sum of the shown groups")
    visible = [p for p in parts if p["gemiddelde"]]
    if int(t["n_antwoorden"]) != sum(int(p["n_antwoorden"]) for p in visible):
        out.append(f"{t['_label']}: anderen includes answers of cells that are not shown")
    if t["gemiddelde"] and visible:
        weighted = sum(
            (Decimal(p["gemiddelde"]) * int(p["n_antwoorden"]) for p in visible), Decimal(0)
        )
        expected = weighted / int(t["n_antwoorden"])
        if abs(expected - Decimal(t["gemiddelde"])) > Decimal("0.01"):
            out.append(
                f"{t['_label']}: anderen mean {t['gemiddelde']} does not follow from the shown groups"
            )
    if t.get("pct_1"):
        hidden = sum(int(p["n_antwoorden"]) for p in visible if not p.get("pct_1"))
        if 0 < hidden < K_DIST:
            out.append(f"{t['_label']}: anderen distribution would reveal a hidden distribution")
    return out
