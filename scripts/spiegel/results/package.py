"""Groepsevaluatie results: stored answers in, a checked open-data package and pages out.

``build_results`` takes the closed evaluation's answers as the database holds them (read by
``signups/publication.py``; there is no raw file to feed it), checks every value, aggregates with
disclosure control and returns rows ready to publish. ``write_package`` writes the Data Package;
``load_published`` reads it back in the site build and audits it again. Free-text columns
(``toelichting*``) are never read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spiegel.content.model import RESPONDENT_GROUPS, Content
from spiegel.content.schema import ContentError, Issue
from spiegel.results import ledger
from spiegel.results.audit import audit_rows
from spiegel.results.disclosure import (
    K_DEFAULT,
    K_DIST,
    K_MIN,
    OTHERS,
    STATEMENT_COLUMNS,
    THEME_COLUMNS,
    Cell,
    Suppression,
    aggregate,
)
from spiegel.results.tablecheck import check_rows

MAX_LISTED_ERRORS = 50
DOWNLOAD_DIR = "open-data/groepsevaluatie"


# ------------------------------------------------------------------ answers in


@dataclass
class ResultsBuild:
    statements: list[dict[str, str]] = field(default_factory=list)
    themes: list[dict[str, str]] = field(default_factory=list)
    suppressed: list[Suppression] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    k: int = K_DEFAULT
    # per evaluation, for the database's ledger only (never published): per shown group
    # "n/<group>" and per shown statement cell "<group>/<statement>" [answers, sum of answers];
    # what a mean shows, exactly (relabelling check, ``ledger.relabelled``)
    sums: dict[str, dict[str, list[int]]] = field(default_factory=dict)


# n.v.t.: what the form stores ("nvt"), an empty value, or literally n.v.t.
NOT_APPLICABLE = ("", "nvt", "n.v.t.", "NVT", "N.V.T.")
_SCALE = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4} | {v: -1 for v in NOT_APPLICABLE}


def configured_k(content: Content) -> int:
    """k from ``disclosure.k`` in content/groepsevaluatie.yaml (validated: >= 5 or with a reason)."""
    return int(content.groepsevaluatie.get("disclosure", {}).get("k", K_DEFAULT))


def build_results(
    answers: Iterable[Mapping[str, str]], content: Content, k: int | None = None
) -> ResultsBuild:
    """Aggregate stored answers (the questionnaire's values, read from the database; comments
    are never read). ``k`` is the configured one unless a test passes another."""
    k = configured_k(content) if k is None else k
    if k < K_MIN:
        raise ValueError(f"k must be at least {K_MIN}")
    out = ResultsBuild(k=k)
    state = _aggregate(answers, content, out)
    if out.error_count:
        return out
    ge = content.groepsevaluatie
    statements = [(s["id"], s["theme"]) for s in ge["statements"]]
    for ev in ge["evaluations"]:
        data = state.get(ev["id"])
        if data is None:
            continue
        respondents, cells = data
        st, th, sup = aggregate(ev["id"], respondents, cells, statements, RESPONDENT_GROUPS, k)
        out.statements += st
        out.themes += th
        out.suppressed += sup
        sums = out.sums.setdefault(ev["id"], {})
        for r in st:
            g = r["respondentgroep"]
            if g == OTHERS:
                continue
            sums[f"n/{g}"] = [int(r["n"])]
            if r["gemiddelde"]:
                cell = cells[(g, r["stelling"])]
                sums[f"{g}/{r['stelling']}"] = [cell.answers, cell.total]
    return out


State = dict[str, tuple[dict[str, int], dict[tuple[str, str], Cell]]]


def _aggregate(answers: Iterable[Mapping[str, str]], content: Content, out: ResultsBuild) -> State:
    state: State = {}
    ge = content.groepsevaluatie
    evaluations = {e["id"] for e in ge["evaluations"]}
    groups = set(RESPONDENT_GROUPS)
    sids = [s["id"] for s in ge["statements"]]
    for number, answer in enumerate(answers, start=1):
        out.rows += 1
        ev, grp = answer.get("evaluatie", ""), answer.get("respondentgroep", "")
        values = [_SCALE.get(str(answer.get(s, ""))) for s in sids]
        problems = [f"evaluatie {ev!r} is onbekend"] if ev not in evaluations else []
        problems += [f"respondentgroep {grp!r} is onbekend"] if grp not in groups else []
        problems += [
            f"{s}: {answer.get(s)!r} is geen antwoord (1 tot 5 of n.v.t.)"
            for s, v in zip(sids, values, strict=True)
            if v is None
        ]
        if problems:
            out.error_count += len(problems)
            room = MAX_LISTED_ERRORS - len(out.errors)
            out.errors += [f"antwoord {number}: {p}" for p in problems][: max(room, 0)]
            continue
        if out.error_count:
            continue  # keep counting errors, stop aggregating
        respondents, cells = state.setdefault(ev, ({}, {}))
        respondents[grp] = respondents.get(grp, 0) + 1
        for sid, v in zip(sids, values, strict=True):
            cell = cells.get((grp, sid))
            if cell is None:
                cell = cells[(grp, sid)] = Cell()
            if v == -1:
                cell.nvt += 1
            else:
                cell.counts[v] += 1  # type: ignore[index]
    return state


# ------------------------------------------------------------------ the published package


def _schema(columns: tuple[str, ...]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for c in columns:
        f: dict[str, Any] = {"name": c, "type": "string"}
        if c == "n":
            f.update(type="integer", constraints={"required": True, "minimum": 0})
        elif c == "n_antwoorden":  # empty in a hidden cell: n minus it is the n.v.t. count
            f.update(type="integer", constraints={"minimum": 0})
        elif c == "gemiddelde":
            f.update(type="number", constraints={"minimum": 1, "maximum": 5})
        elif c == "verschil":
            f.update(type="number", constraints={"minimum": -4, "maximum": 4})
        elif c.startswith(("pct_", "nvt_pct")):
            f.update(type="integer", constraints={"minimum": 0, "maximum": 100})
        elif c == "respondentgroep":
            f["constraints"] = {"required": True, "enum": [*RESPONDENT_GROUPS, OTHERS]}
        elif c == "thema":
            f["constraints"] = {
                "required": True,
                "enum": ["samenwerking", "communicatie", "organisatie"],
            }
        elif c == "stelling":
            f["constraints"] = {"required": True, "pattern": "s[0-9]{2,3}"}
        elif c == "evaluatie":
            f["constraints"] = {"required": True, "pattern": "[a-z0-9]+(-[a-z0-9]+)*"}
        fields.append(f)
    return {"fields": fields, "missingValues": [""]}


RESOURCES = {"stellingen": STATEMENT_COLUMNS, "themas": THEME_COLUMNS}


def descriptor(k: int) -> dict[str, Any]:
    return {
        "name": "groepsevaluatie-resultaten",
        "title": "Groepsevaluatie medisch specialisten: geanonimiseerde uitkomsten",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0"}],
        "spiegel": {"k": k, "k_distribution": K_DIST},
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                "schema": _schema(columns),
            }
            for name, columns in RESOURCES.items()
        ],
    }


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_package(result: ResultsBuild, out_dir: Path, ledger_text: str | None = None) -> None:
    """Write the Data Package (and the ledger next to it) atomically: a half-written package is
    never left behind. Publishing goes through ``publish.publish``, which writes the ledger."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".results-", dir=out_dir.parent))
    try:
        (tmp / "datapackage.json").write_text(
            json.dumps(descriptor(result.k), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (tmp / "stellingen.csv").write_text(
            _csv_text(STATEMENT_COLUMNS, result.statements), encoding="utf-8"
        )
        (tmp / "themas.csv").write_text(_csv_text(THEME_COLUMNS, result.themes), encoding="utf-8")
        if ledger_text is not None:
            (tmp / ledger.FILE).write_text(ledger_text, encoding="utf-8")
        swap_in(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def swap_in(folder: Path, out_dir: Path) -> None:
    """Put ``folder`` in the place of ``out_dir`` (two renames; never half of each)."""
    old = out_dir.with_name(out_dir.name + ".old")
    if out_dir.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out_dir, old)
    os.replace(folder, out_dir)
    shutil.rmtree(old, ignore_errors=True)


@dataclass
class Published:
    k: int = K_DEFAULT
    statements: list[dict[str, str]] = field(default_factory=list)
    themes: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)

    def last_version(self, ev: str) -> dict[str, Any]:
        chain = self.ledger.get("evaluaties", {}).get(ev) or [{}]
        return dict(chain[-1])

    def evaluations(self) -> list[str]:
        return list(dict.fromkeys(r["evaluatie"] for r in self.statements))

    def downloads(self) -> dict[str, str]:
        return {f"{DOWNLOAD_DIR}/{name}": text for name, text in self.files.items()}

    def audit_site(self, site: Path) -> list[str]:
        """Re-read what was written into the site and check it once more."""
        problems: list[str] = []
        for name, text in self.files.items():
            path = site / DOWNLOAD_DIR / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                problems.append(
                    f"{DOWNLOAD_DIR}/{name}: het gepubliceerde bestand is anders dan het"
                    " gecontroleerde. Bouw de site opnieuw; blijft dit, meld het dan aan de"
                    " beheerder."
                )
        if self.files:
            st = list(csv.DictReader(io.StringIO(self.files["stellingen.csv"])))
            th = list(csv.DictReader(io.StringIO(self.files["themas.csv"])))
            problems += audit_rows(st, th, self.k, DOWNLOAD_DIR)
        return problems


def load_published(results_dir: Path, content: Content, label: str) -> Published:
    """Read and check ``content/results``; raise ContentError when anything breaks a rule."""
    dp = results_dir / "datapackage.json"
    if not dp.exists():
        return Published()
    issues: list[Issue] = []
    try:
        desc = json.loads(dp.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContentError(
            [
                Issue(
                    f"{label}/datapackage.json",
                    getattr(exc, "lineno", 0),
                    "",
                    "dit bestand is geen geldige JSON meer. "
                    + ledger.HAND_EDIT.replace("publicaties.json", "datapackage.json"),
                )
            ]
        ) from None
    k = desc.get("spiegel", {}).get("k") if isinstance(desc, dict) else None
    want_k = configured_k(content)
    if k != want_k or isinstance(k, bool):
        content_label = label.rpartition("/")[0] or "content"
        line = content.lines.get("groepsevaluatie", {}).get(("disclosure", "k"), 0)
        if _ledger_ks(results_dir) != {k}:  # the package's k is not what was published
            issues.append(
                Issue(
                    f"{label}/datapackage.json",
                    0,
                    "spiegel.k",
                    f"regel 'k gelijk aan de instelling' geschonden: het pakket heeft k={k!r},"
                    f" {content_label}/groepsevaluatie.yaml (disclosure.k) zegt k={want_k}. "
                    + ledger.HAND_EDIT.replace("publicaties.json", "datapackage.json"),
                )
            )
        else:
            issues.append(
                Issue(
                    f"{content_label}/groepsevaluatie.yaml",
                    line,
                    "disclosure > k",
                    f"k is nu {want_k}, maar de uitkomsten op de site ({label}) zijn gepubliceerd"
                    f" met k={k!r}. Na een publicatie verandert k niet meer: met een andere k kan"
                    " een verschil tussen twee versies laten zien wat één persoon antwoordde."
                    f" Zet k terug, zo: k: {k!r}",
                )
            )
    k = want_k
    expected = descriptor(k)
    if isinstance(desc, dict) and [r.get("schema") for r in desc.get("resources", [])] != [
        r["schema"] for r in expected["resources"]
    ]:
        issues.append(
            Issue(
                f"{label}/datapackage.json",
                0,
                "resources",
                "dit bestand heeft niet precies de tabellen en kolommen die `spiegel results`"
                " schrijft. " + ledger.HAND_EDIT.replace("publicaties.json", "datapackage.json"),
            )
        )
    pub = Published(k=k)
    evaluations = {e["id"] for e in content.groepsevaluatie["evaluations"]}
    statements = {s["id"] for s in content.groepsevaluatie["statements"]}
    for name, columns in RESOURCES.items():
        still_open = {e["id"] for e in content.groepsevaluatie["evaluations"] if e["open"]}
        path = results_dir / f"{name}.csv"
        file_label = f"{label}/{name}.csv"
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError) as exc:
            issues.append(
                Issue(
                    file_label,
                    0,
                    "",
                    f"dit bestand ontbreekt of is niet te lezen ({type(exc).__name__}). "
                    + ledger.HAND_EDIT.replace("publicaties.json", f"{name}.csv"),
                )
            )
            continue
        pub.files[f"{name}.csv"] = text
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        if tuple(header) != columns:
            issues.append(
                Issue(
                    file_label,
                    1,
                    "",
                    "hier horen precies deze kolommen: "
                    + ", ".join(columns)
                    + ". "
                    + ledger.HAND_EDIT.replace("publicaties.json", f"{name}.csv"),
                )
            )
            continue
        rows = []
        raw_rows = list(reader)
        checked = check_rows(raw_rows, _schema(columns))
        for (number, values, errors), raw in zip(checked, raw_rows, strict=True):
            issues += [Issue(file_label, number, e.field, e.message) for e in errors]
            if values is None:
                continue
            row = dict(zip(columns, raw, strict=True))
            if row["evaluatie"] not in evaluations:
                issues.append(
                    Issue(
                        file_label,
                        number,
                        "evaluatie",
                        f"er is geen evaluatie {row['evaluatie']!r} in content/groepsevaluatie.yaml"
                        " (evaluations). Zet de evaluatie daar terug.",
                    )
                )
            elif row["evaluatie"] in still_open:
                still_open.discard(row["evaluatie"])  # once per evaluation is enough
                issues.append(
                    Issue(
                        file_label,
                        number,
                        "evaluatie",
                        f"regel 'alleen afgesloten evaluaties' geschonden: {row['evaluatie']} staat"
                        " nog op open: true in content/groepsevaluatie.yaml",
                    )
                )
            if name == "stellingen" and row["stelling"] not in statements:
                issues.append(
                    Issue(
                        file_label,
                        number,
                        "stelling",
                        f"er is geen stelling {row['stelling']!r} in content/groepsevaluatie.yaml"
                        " (statements). Een stelling met gepubliceerde uitkomsten blijft staan.",
                    )
                )
            rows.append(row)
        setattr(pub, "statements" if name == "stellingen" else "themes", rows)
    pub.files["datapackage.json"] = dp.read_text(encoding="utf-8")
    if not issues:
        issues += [_issue(p, label) for p in audit_rows(pub.statements, pub.themes, k, label)]
        book_path = results_dir / ledger.FILE
        text = book_path.read_text(encoding="utf-8") if book_path.is_file() else "{}"
        broken = ledger.unreadable(text)
        if broken is not None:  # the same issue as the history check's: told once
            issues.append(Issue(f"{label}/{ledger.FILE}", broken[0], "", broken[1]))
        else:
            pub.ledger = book = ledger.load(book_path)
            where = f"{label}/{ledger.FILE}"
            issues += [
                _issue(p, label, where, text)
                for p in ledger.check(book, pub.statements, pub.themes, k, label)
            ]
    if issues:
        raise ContentError(issues)
    return pub


def _ledger_ks(results_dir: Path) -> set[Any]:
    """The k of every evaluation's last published version in the ledger (empty: unreadable)."""
    try:
        book = ledger.load(results_dir / ledger.FILE)
        chains = book.get("evaluaties", {}).values()
        return {chain[-1].get("k") for chain in chains if isinstance(chain, list) and chain}
    except (ValueError, OSError, AttributeError):
        return set()


_AT = re.compile(r"^(?P<file>\S+?)(?: rij (?P<row>\d+))?: (?P<rest>.*)$", re.S)


def _issue(problem: str, label: str, ledger_file: str = "", text: str = "") -> Issue:
    """A problem of the audit or the ledger ("content/results/x.csv rij 3: ...") as an Issue on
    its own file and row; one about the ledger on the ledger's file, on its evaluation's line."""
    m = _AT.match(problem)
    if m is None or not m.group("file").startswith(label):
        return Issue(label, 0, "", problem)
    file, row, rest = m.group("file"), int(m.group("row") or 0), m.group("rest")
    if ledger_file and file == label:
        ev = re.match(r"evaluaties\.([\w-]+)", rest) or re.search(r"geschonden: ([\w-]+) ", rest)
        needle = f'"{ev.group(1)}"' if ev else ""
        lines = text.splitlines()
        row = next((n for n, line in enumerate(lines, 1) if needle and needle in line), 0)
        row = row or next((n for n, line in enumerate(lines, 1) if '"evaluaties"' in line), 0)
        file = ledger_file
    return Issue(file, row, "", rest)


def summary(result: ResultsBuild) -> str:
    lines = [
        f"{result.rows} reacties gelezen, k={result.k}, verdelingen vanaf {K_DIST} antwoorden."
    ]
    by_reason: dict[str, list[Suppression]] = {}
    for s in result.suppressed:
        by_reason.setdefault("group" if s.item == "*" else "cell", []).append(s)
    for s in by_reason.get("group", []):
        lines.append(f"  weggelaten: {s.evaluation} / {s.group}: {s.reason}")
    cells = by_reason.get("cell", [])
    if cells:
        lines.append(
            f"  {len(cells)} stelling(en) zonder gemiddelde (minder dan k antwoorden of te eenduidig):"
        )
        lines += [f"    {s.evaluation} / {s.group} / {s.item}: {s.reason}" for s in cells[:20]]
    shown = len([r for r in result.statements if r["gemiddelde"]])
    lines.append(
        f"  {shown} gemiddelden per stelling gepubliceerd, {len(result.themes)} regels per thema."
    )
    return "\n".join(lines)


def check_with_frictionless(out_dir: Path) -> list[str]:
    """Validate a written package with frictionless itself (used by `spiegel results`)."""
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(out_dir / "datapackage.json")).validate()
    return [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors] + [
        f"{e.type}: {e.message}" for e in report.errors
    ]
