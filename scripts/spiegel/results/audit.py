"""The audit: re-check published aggregates against every rule, whoever produced the files.

``audit_rows`` gets the rows of ``stellingen.csv`` and ``themas.csv`` (already type-checked against
their Table Schema) and returns one Dutch message per problem, naming file, row and rule. An empty
list means publishable. It trusts nothing in the package: k is passed in from the configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from spiegel.results.disclosure import K_DIST, K_MIN, OTHERS, SCALE, SELF, decisive, pct

Row = dict[str, str]
Fail = Callable[[str, str, str], None]  # fail(label, rule, detail)

R_ONE_ROW = "één rij per evaluatie, onderdeel en groep"
R_SMALL_GROUP = "een groep kleiner dan k wordt weggelaten"
R_SAME_N = "een groep heeft op elke rij dezelfde n"
R_ANSWERS = "n_antwoorden is niet groter dan n"
R_MEAN = "een gemiddelde alleen vanaf k antwoorden"
R_DIST = "een verdeling alleen vanaf 10 antwoorden, in 5 hele procenten samen 100"
R_NVT = "het n.v.t.-aandeel volgt uit n en n_antwoorden"
R_GAP = "verschil = gemiddelde anderen min gemiddelde eigen groep, alleen op de rij anderen"
R_TOTAL = "anderen is de som van de getoonde groepen en cellen"
R_TOTAL_DIST = "de verdeling van anderen alleen als elke getoonde groep zijn verdeling toont"
R_THEME = "een themarij is de som van de getoonde stellingen van die groep"
R_CLEAR = "geen cijfer waaruit ieders antwoord (of dat van iedereen op één na) volgt"
R_HIDDEN = "n_antwoorden en het n.v.t.-aandeel alleen bij een getoonde cel"


def _i(v: str | None) -> int:
    return int(v) if v not in ("", None) else 0


def _dist(r: Row) -> list[str]:
    return [r.get(f"pct_{j}", "") for j in SCALE]


def audit_rows(statements: Iterable[Row], themes: Iterable[Row], k: int, where: str) -> list[str]:
    """Problems of a package; ``where`` is the folder shown in messages (e.g. content/results)."""
    if k < K_MIN:
        return [f"{where}: k is {k}; k mag nooit lager zijn dan {K_MIN}"]
    st = [(f"{where}/stellingen.csv rij {i}", r) for i, r in enumerate(statements, start=2)]
    th = [(f"{where}/themas.csv rij {i}", r) for i, r in enumerate(themes, start=2)]
    out: list[str] = []

    def fail(label: str, rule: str, detail: str) -> None:
        out.append(f"{label}: regel '{rule}' geschonden: {detail}")

    group_n: dict[tuple[str, str], tuple[str, str]] = {}
    for key, rows in (("stelling", st), ("thema", th)):
        seen: dict[tuple[str, str, str], str] = {}
        for label, r in rows:
            g, n, n_ans = r["respondentgroep"], _i(r["n"]), _i(r["n_antwoorden"])
            ident = (r["evaluatie"], r[key], g)
            if ident in seen:
                fail(label, R_ONE_ROW, f"{'/'.join(ident)} staat ook op {seen[ident]}")
                continue
            seen[ident] = label
            if g != OTHERS:
                if n < k:
                    fail(label, R_SMALL_GROUP, f"groep {g} heeft n={n}, k={k}")
                first = group_n.setdefault((r["evaluatie"], g), (r["n"], label))
                if first[0] != r["n"]:
                    fail(label, R_SAME_N, f"n={r['n']}, maar {first[1]} heeft n={first[0]}")
            if key == "stelling" and n_ans > n:
                fail(label, R_ANSWERS, f"n_antwoorden={n_ans}, n={n}")
            if r["gemiddelde"] and n_ans < k:
                fail(label, R_MEAN, f"gemiddelde bij {n_ans} antwoorden, k={k}")
            if g != OTHERS and r["verschil"]:
                fail(label, R_GAP, "verschil mag alleen op de rij anderen staan")
            dist = _dist(r)
            bad = n_ans < K_DIST or not all(dist) or not 95 <= sum(map(int, dist or "0")) <= 105
            if key == "stelling" and any(dist) and bad:
                fail(label, R_DIST, f"verdeling bij {n_ans} antwoorden: {', '.join(dist)}")
            if key == "stelling" and any(dist) and not r["gemiddelde"]:
                fail(label, R_DIST, "een verdeling zonder gemiddelde")
            if r["gemiddelde"] and decisive(
                n_ans, r["gemiddelde"], dist if key == "stelling" else []
            ):
                shown = ", ".join(x for x in (r["gemiddelde"], *dist) if x)
                fail(label, R_CLEAR, f"{n_ans} antwoorden met {shown}")
            if key == "stelling" and g != OTHERS and not r["gemiddelde"]:
                if r["n_antwoorden"] or r["nvt_pct"]:
                    fail(
                        label,
                        R_HIDDEN,
                        f"n_antwoorden={r['n_antwoorden']!r}, nvt_pct={r['nvt_pct']!r}",
                    )
            elif key == "stelling" and g != OTHERS:
                want = pct(n - n_ans, n) if n else ""
                if r["nvt_pct"] != want:
                    fail(label, R_NVT, f"nvt_pct={r['nvt_pct']!r}, verwacht {want!r}")
    by_item: dict[tuple[str, str, str], dict[str, tuple[str, Row]]] = {}
    for key, rows in (("stelling", st), ("thema", th)):
        for label, r in rows:
            by_item.setdefault((key, r["evaluatie"], r[key]), {})[r["respondentgroep"]] = (
                label,
                r,
            )
    for (key, _ev, _item), groups in by_item.items():
        _check_total(groups, key, fail)
    _check_themes(st, th, fail)
    return out


def _check_total(groups: dict[str, tuple[str, Row]], key: str, fail: Fail) -> None:
    if OTHERS not in groups:
        return
    label, t = groups[OTHERS]
    parts = [r for g, (_, r) in groups.items() if g not in (OTHERS, SELF)]
    visible = [p for p in parts if p["gemiddelde"]]
    if not parts:
        fail(label, R_TOTAL, "een rij anderen zonder getoonde groepen")
        return
    if _i(t["n"]) != sum(_i(p["n"]) for p in parts):
        fail(label, R_TOTAL, f"n={t['n']} is niet de som van de getoonde groepen")
    answers = sum(_i(p["n_antwoorden"]) for p in visible)
    if _i(t["n_antwoorden"]) != answers:
        fail(
            label, R_TOTAL, f"n_antwoorden={t['n_antwoorden']}, de getoonde cellen hebben {answers}"
        )
        return
    if t["gemiddelde"] and answers:
        weighted = sum(
            (Decimal(p["gemiddelde"]) * _i(p["n_antwoorden"]) for p in visible), Decimal(0)
        )
        if abs(weighted / answers - Decimal(t["gemiddelde"])) > Decimal("0.01"):
            fail(label, R_TOTAL, f"gemiddelde {t['gemiddelde']} volgt niet uit de getoonde groepen")
    own = groups.get(SELF, ("", {}))[1]
    want = ""
    if own.get("gemiddelde") and t["gemiddelde"]:
        want = str(Decimal(t["gemiddelde"]) - Decimal(own["gemiddelde"]))
    if t["verschil"] != want and not (
        want and t["verschil"] and Decimal(t["verschil"]) == Decimal(want)
    ):
        fail(label, R_GAP, f"verschil={t['verschil']!r}, verwacht {want!r}")
    if key == "stelling":
        nvt_whole = sum(_i(p["n"]) for p in visible)
        want_nvt = pct(nvt_whole - answers, nvt_whole) if nvt_whole else ""
        if t["nvt_pct"] != want_nvt:
            fail(label, R_NVT, f"nvt_pct={t['nvt_pct']!r}, verwacht {want_nvt!r}")
    if any(_dist(t)):
        if not all(_dist(p)[0] for p in visible):
            fail(label, R_TOTAL_DIST, "een getoonde groep heeft geen getoonde verdeling")
            return
        for j in SCALE:
            share = sum(
                (Decimal(_i(p[f"pct_{j}"]) * _i(p["n_antwoorden"])) for p in visible), Decimal(0)
            )
            if abs(share / answers - _i(t[f"pct_{j}"])) > 1:
                fail(label, R_TOTAL, f"pct_{j}={t[f'pct_{j}']} is niet de som van de delen")


def _check_themes(st: list[tuple[str, Row]], th: list[tuple[str, Row]], fail: Fail) -> None:
    for label, t in th:
        if t["respondentgroep"] == OTHERS:
            continue
        parts = [
            r
            for _, r in st
            if r["evaluatie"] == t["evaluatie"]
            and r["thema"] == t["thema"]
            and r["respondentgroep"] == t["respondentgroep"]
            and r["gemiddelde"]
        ]
        answers = sum(_i(p["n_antwoorden"]) for p in parts)
        if _i(t["n_antwoorden"]) != answers:
            fail(
                label,
                R_THEME,
                f"n_antwoorden={t['n_antwoorden']}, de getoonde stellingen hebben {answers}",
            )
            continue
        if t["gemiddelde"] and answers:
            weighted = sum(
                (Decimal(p["gemiddelde"]) * _i(p["n_antwoorden"]) for p in parts), Decimal(0)
            )
            if abs(weighted / answers - Decimal(t["gemiddelde"])) > Decimal("0.01"):
                fail(label, R_THEME, f"gemiddelde {t['gemiddelde']} volgt niet uit de stellingen")
