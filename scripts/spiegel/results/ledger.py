"""The publication ledger: what was published per evaluation, so nothing is published twice in a
way that lets a subtraction reveal a few answers.

``content/results/publicaties.json`` is committed next to the Data Package. Per evaluation it holds
every published version: k, per respondent group n (or why the group was left out) and the number
of invitations, per cell (statement or theme, per group) ``n_antwoorden`` and whether its
distribution was shown, plus the date and, for a replacement, the reason.

A new version that changes any published figure is allowed only with ``--replace`` and a reason,
and only when every changed group and cell grew by at least k answers (by 10 where both versions
show the distribution), k itself is unchanged, and nothing shrank. The build re-checks the whole
chain and that the package equals the last version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spiegel.results.disclosure import K_DIST, OTHERS

FILE = "publicaties.json"
LEFT_OUT = "minder dan {k} reacties"
Version = dict[str, Any]


def version(
    ev: str,
    statements: list[dict[str, str]],
    themes: list[dict[str, str]],
    k: int,
    invited: dict[str, int],
) -> Version:
    """What one publication of ``ev`` holds (without date and reason)."""
    groups: dict[str, dict[str, Any]] = {}
    for g, count in invited.items():
        if count:
            groups[g] = {"n": None, "uitgenodigd": count, "weggelaten": LEFT_OUT.format(k=k)}
    cells: dict[str, dict[str, Any]] = {}
    for table, key, rows in (("stellingen", "stelling", statements), ("themas", "thema", themes)):
        for r in rows:
            if r["evaluatie"] != ev:
                continue
            g = r["respondentgroep"]
            if g != OTHERS:
                groups[g] = {"n": int(r["n"]), "uitgenodigd": invited.get(g, 0)}
            cells[f"{table}/{r[key]}/{g}"] = {
                "n_antwoorden": int(r["n_antwoorden"] or 0),
                "verdeling": bool(r.get("pct_1")),
            }
    return {"k": k, "k_verdeling": K_DIST, "groepen": groups, "cellen": cells}


def same_figures(a: Version, b: Version) -> bool:
    return all(a.get(x) == b.get(x) for x in ("k", "k_verdeling", "groepen", "cellen"))


def growth_problems(prev: Version, new: Version) -> list[str]:
    """Why ``new`` may not follow ``prev`` (Dutch, for staff); empty means it may. When a group
    changed by fewer than k answers, that is the reason given, and its cells are not listed:
    which cells changed would show which statements those few answered and which they left
    on "weet niet"."""
    k = prev["k"]
    out: list[str] = []
    if new["k"] != k:
        return [
            f"k was {k} bij de vorige publicatie en is nu {new['k']}: k veranderen na publicatie"
            " maakt het verschil tussen beide versies zichtbaar"
        ]
    for g in sorted(set(prev["groepen"]) | set(new["groepen"])):
        a = (prev["groepen"].get(g) or {}).get("n") or 0
        b = (new["groepen"].get(g) or {}).get("n") or 0
        if a != b and b - a < k:
            out.append(f"groep {g}: n van {a} naar {b}; een verandering moet minstens {k} zijn")
    if out:
        return out
    for c in sorted(set(prev["cellen"]) | set(new["cellen"])):
        pa, pb = prev["cellen"].get(c), new["cellen"].get(c)
        a = pa["n_antwoorden"] if pa else 0
        b = pb["n_antwoorden"] if pb else 0
        need = K_DIST if pa and pb and pa["verdeling"] and pb["verdeling"] else k
        if (pa != pb or a != b) and b - a < need:
            out.append(
                f"cel {c}: n_antwoorden van {a} naar {b}; een verandering moet minstens {need} zijn"
            )
    return out


def since_seen(seen: Version | None, groups: dict[str, int], new: Version) -> list[str]:
    """Why ``new`` may not be shown to someone who saw ``seen`` (figures in the back office's
    preview, or published) and ``groups`` (n per group, from the debrief): the rule of a second
    publication, every changed group and cell grown by at least k (issue 19: close, look,
    reopen, one late answer, look again). Empty means it may."""
    out = growth_problems(seen, new) if seen is not None and not same_figures(seen, new) else []
    k = new["k"]
    for g, before in sorted(groups.items()):
        now = (new["groepen"].get(g) or {}).get("n") or 0
        line = f"groep {g}: n van {before} naar {now}; een verandering moet minstens {k} zijn"
        if now != before and now - before < k and line not in out:
            out.append(line)
    return out


def shown_groups(v: Version) -> dict[str, int]:
    """n per group that ``v`` shows (groups left out have none)."""
    return {g: int(x["n"]) for g, x in v["groepen"].items() if x.get("n")}


HAND_EDIT = (
    "`spiegel results` schrijft dit bestand; verander het niet met de hand. Maak uw wijziging"
    " ongedaan: zet het bestand terug zoals het op de standaardtak staat (in github.dev of VS"
    " Code: Source Control, rechtermuisklik op het bestand, Discard Changes; of git checkout"
    " origin/main -- content/results/publicaties.json)."
)


def unreadable(text: str) -> tuple[int, str] | None:
    """(line, Dutch message) when ``text`` is not JSON: a ledger edited by hand."""
    try:
        json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        return line, (
            "dit bestand is geen geldige JSON meer (bijvoorbeeld een komma te veel of te weinig,"
            " of een aanhalingsteken dat ontbreekt). " + HAND_EDIT
        )
    return None


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"evaluaties": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def dump(ledger: dict[str, Any]) -> str:
    ledger["uitleg"] = (
        "Wat per evaluatie is gepubliceerd (per groep n, per cel n_antwoorden, k). Een nieuwe"
        " versie mag alleen met --replace en een reden, en alleen als elke veranderde groep en cel"
        " met minstens k antwoorden is gegroeid (verdelingen: met minstens 10)."
    )
    return json.dumps(ledger, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def invited(v: Version) -> dict[str, int]:
    return {g: int(x.get("uitgenodigd") or 0) for g, x in v["groepen"].items()}


def over_invited(v: Version) -> list[str]:
    return [
        f"groep {g}: {x['n']} reacties maar {x.get('uitgenodigd') or 0} uitnodigingen;"
        " reacties zonder uitgegeven code horen er niet bij"
        for g, x in sorted(v["groepen"].items())
        if x.get("n") and x["n"] > (x.get("uitgenodigd") or 0)
    ]


def check(
    ledger: dict[str, Any],
    statements: list[dict[str, str]],
    themes: list[dict[str, str]],
    k: int,
    label: str,
) -> list[str]:
    """The build's check: the chain obeys the rules and its last version is what is published."""
    out: list[str] = []
    evs = ledger.get("evaluaties")
    if not isinstance(evs, dict):
        return [f"{label}: regel 'het grootboek is leesbaar' geschonden: geen 'evaluaties'"]
    for ev in dict.fromkeys(r["evaluatie"] for r in statements):
        chain = evs.get(ev)
        if not chain:
            out.append(
                f"{label}: regel 'elke publicatie staat in het grootboek' geschonden: {ev} staat"
                f" in de uitkomsten (stellingen.csv), maar niet in {FILE}. {HAND_EDIT}"
            )
            continue
        for i, (a, b) in enumerate(zip(chain, chain[1:], strict=False), start=2):
            where = f"{label}: evaluaties.{ev} versie {i}"
            if not b.get("reden"):
                out.append(f"{where}: regel 'vervangen alleen met een reden' geschonden")
            out += [
                f"{where}: regel 'alleen vervangen na groei van minstens k' geschonden: {p}"
                for p in growth_problems(a, b)
            ]
        last = chain[-1]
        now = version(ev, statements, themes, k, invited(last))
        out += [
            f"{label}: evaluaties.{ev}: regel 'niet meer reacties dan uitnodigingen' geschonden: {p}"
            for p in over_invited(now)
        ]
        if last.get("k") != k:
            out.append(
                f"{label}: evaluaties.{ev}: regel 'k gelijk aan de instelling' geschonden:"
                f" gepubliceerd met k={last.get('k')}, ingesteld is k={k}"
            )
        if not same_figures(last, now):
            out.append(
                f"{label}: evaluaties.{ev}: regel 'het pakket is de laatste versie in het"
                " grootboek' geschonden: de cijfers in het pakket wijken af"
            )
    return out


# ------------------------------------------------------------------ the database's ledger

RECORDED = ("k", "k_verdeling", "groepen", "cellen", "datum", "reden")


def same_version(a: Version, b: Version) -> bool:
    return all(a.get(x) == b.get(x) for x in RECORDED)


def reconcile(in_file: list[Version], in_db: list[Version]) -> tuple[list[Version], str | None]:
    """The chain to continue from. The database's ledger is the authority: the file's chain
    must be the start of it (the file may lag: a version not yet committed, or one deleted from
    it, attack 4), never differ from it or run ahead of it."""
    for i, v in enumerate(in_file):
        if i >= len(in_db):
            return [], (
                f"{FILE} noemt versie {i + 1}, maar de database kent er {len(in_db)}: het"
                " grootboek in het bestand hoort niet bij deze database"
            )
        if not same_version(v, in_db[i]):
            return [], (
                f"versie {i + 1} in {FILE} wijkt af van wat de database vastlegde: het"
                " grootboek is veranderd; zet het terug uit git"
            )
    return list(in_db), None


def relabelled(a: dict[str, list[int]], b: dict[str, list[int]], k: int) -> list[str]:
    """Groups of ``a`` whose answers look like those of the same group in ``b`` plus or minus
    fewer than k answers (attack 5: an evaluation relabelled with one more answer). For every
    statement shown in both, the difference in answers and in their sum must fit that few
    answers on the 1-5 scale; unrelated groups fail that at once."""
    out: list[str] = []
    for key in sorted(x for x in a if x.startswith("n/") and x in b):
        g = key[2:]
        dn = a[key][0] - b[key][0]
        if not 0 < abs(dn) < k:
            continue
        big, small = (a, b) if dn > 0 else (b, a)
        cells = [c for c in big if c.startswith(f"{g}/") and c in small]
        fits = all(
            0 <= big[c][0] - small[c][0] <= abs(dn)
            and big[c][0] - small[c][0] <= big[c][1] - small[c][1] <= 5 * (big[c][0] - small[c][0])
            for c in cells
        )
        if cells and fits:
            out.append(f"{g} ({'+' if dn > 0 else ''}{dn})")
    return out
