"""Groepsevaluatie results: validation by row, exact aggregates, disclosure control, publishing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spiegel.cli import main
from spiegel.content.model import load_content
from spiegel.db import open_store
from spiegel.results.audit import audit_rows
from spiegel.results.package import build_results

from .answers import answer, issue
from .conftest import ROOT, Project

STATEMENTS = [f"s{i:02d}" for i in range(1, 13)]
HEADER = [
    "id",
    "ingediend",
    "status",
    "evaluatie",
    "respondentgroep",
    *STATEMENTS,
    "toelichting_samenwerking",
    "toelichting_communicatie",
    "toelichting_organisatie",
]
SECRET = "Dr. Jansen is onaardig, bel 06-12345678 of mail jansen@ziekenhuis.nl"


def rows(
    ev: str, group: str, n: int, value: str = "4", **overrides: list[str]
) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        r = {
            "id": f"{group}-{i}",
            "ingediend": "2026-11-01T10:00:00+00:00",
            "status": "received",
            "evaluatie": ev,
            "respondentgroep": group,
            "toelichting_samenwerking": SECRET,
            "toelichting_communicatie": "",
            "toelichting_organisatie": "",
        }
        for s in STATEMENTS:
            r[s] = overrides[s][i] if s in overrides else value
        out.append(r)
    return out


def write_raw(path: Path, data: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(data)
    return path


@pytest.fixture(scope="module")
def content():  # type: ignore[no-untyped-def]
    return load_content(ROOT / "content")


def cells(result, ev="cardiologie-2026", sid="s01"):  # type: ignore[no-untyped-def]
    return {
        r["respondentgroep"]: r
        for r in result.statements
        if r["evaluatie"] == ev and r["stelling"] == sid
    }


EV = "cardiologie-2026"

# (description, data, k, expected {group: (n, n_antwoorden, gemiddelde, has distribution)} for s01)
CASES = [
    pytest.param(
        rows(EV, "eigen-groep", 5),
        5,
        {"eigen-groep": ("5", "5", "4.00", False)},
        id="exactly-k-shown",
    ),
    pytest.param(rows(EV, "eigen-groep", 4), 5, {}, id="just-below-k-left-out"),
    pytest.param(
        rows(EV, "eigen-groep", 5) + rows(EV, "medewerkers", 4, "1") + rows(EV, "managers", 6, "2"),
        5,
        {
            "eigen-groep": ("5", "5", "4.00", False),
            "managers": ("6", "6", "2.00", False),
            "anderen": ("6", "6", "2.00", False),
        },
        id="small-group-not-folded-into-anderen",
    ),
    pytest.param(
        rows(EV, "managers", 10, s01=["1", "2", "2", "3", "3", "3", "4", "4", "5", "5"]),
        5,
        {"managers": ("10", "10", "3.20", True), "anderen": ("10", "10", "3.20", True)},
        id="distribution-from-10",
    ),
    pytest.param(
        rows(EV, "managers", 10, s01=["1", "2", "2", "3", "3", "3", "4", "4", "5", "5"])
        + rows(EV, "verwijzers", 6, "2"),
        5,
        {
            "managers": ("10", "10", "3.20", True),
            "verwijzers": ("6", "6", "2.00", False),
            "anderen": ("16", "16", "2.75", False),
        },
        id="complementary-distribution-suppressed",
    ),
    pytest.param(
        rows(EV, "managers", 10, s01=["1", "2", "2", "3", "3", "3", "4", "4", "5", "5"])
        + rows(EV, "verwijzers", 6, "2")
        + rows(EV, "medewerkers", 5, "3"),
        5,
        {
            "managers": ("10", "10", "3.20", True),
            "verwijzers": ("6", "6", "2.00", False),
            "medewerkers": ("5", "5", "3.00", False),
            "anderen": ("21", "21", "2.81", False),
        },
        id="hidden-distributions-together-10-plus-still-no-total-distribution",
    ),
    pytest.param(
        rows(EV, "medewerkers", 6, s01=["5", "5", "5", "", "", ""]) + rows(EV, "managers", 5, "2"),
        5,
        {
            "medewerkers": ("6", "", "", False),
            "managers": ("5", "5", "2.00", False),
            "anderen": ("11", "5", "2.00", False),
        },
        id="cell-below-k-hidden-and-excluded-from-total",
    ),
    pytest.param(
        rows(EV, "eigen-groep", 3, "4"),
        3,
        {"eigen-groep": ("3", "3", "4.00", False)},
        id="k-3-allowed",
    ),
]


@pytest.mark.parametrize(("data", "k", "expected"), CASES)
def test_disclosure_cases(tmp_path: Path, content, data, k, expected) -> None:  # type: ignore[no-untyped-def]
    result = build_results(data, content, k)
    assert result.error_count == 0, result.errors
    got = {
        g: (r["n"], r["n_antwoorden"], r["gemiddelde"], bool(r["pct_1"]))
        for g, r in cells(result).items()
    }
    assert got == expected
    assert audit_rows(result.statements, result.themes, k, "x") == []


def test_gap_between_self_and_others(tmp_path: Path, content) -> None:  # type: ignore[no-untyped-def]
    data = (
        rows(EV, "eigen-groep", 5, "4")
        + rows(EV, "managers", 5, "2")
        + rows(EV, "verwijzers", 5, "3")
    )
    result = build_results(data, content)
    c = cells(result)
    assert c["anderen"]["gemiddelde"] == "2.50" and c["anderen"]["verschil"] == "-1.50"
    themes = {(r["thema"], r["respondentgroep"]): r for r in result.themes}
    assert themes[("samenwerking", "eigen-groep")]["n_antwoorden"] == "20"  # 4 statements x 5
    assert themes[("samenwerking", "anderen")]["gemiddelde"] == "2.50"


def test_distribution_percentages_are_whole(tmp_path: Path, content) -> None:  # type: ignore[no-untyped-def]
    data = rows(
        EV, "managers", 12, s01=["1", "1", "1", "2", "3", "3", "3", "3", "4", "5", "5", "5"]
    )
    r = cells(build_results(data, content))["managers"]
    assert [r[f"pct_{i}"] for i in range(1, 6)] == ["25", "8", "33", "8", "25"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d[2].update(s03="7"), "antwoord 3: s03: '7' is geen antwoord (1 tot 5"),
        (lambda d: d[0].update(s01="vier"), "antwoord 1: s01: 'vier' is geen antwoord"),
        (
            lambda d: d[1].update(respondentgroep="patienten"),
            "antwoord 2: respondentgroep 'patienten' is onbekend",
        ),
        (lambda d: d[1].update(evaluatie="onbekend"), "antwoord 2: evaluatie 'onbekend' is"),
    ],
)
def test_malformed_rows_are_reported_by_number(tmp_path: Path, content, mutate, message) -> None:  # type: ignore[no-untyped-def]
    data = rows(EV, "eigen-groep", 6)
    mutate(data)
    result = build_results(data, content)
    assert result.error_count >= 1 and result.statements == []
    assert any(str(e).startswith(message) for e in result.errors), result.errors


def test_a_stored_answer_without_a_statement_counts_it_as_not_applicable(content) -> None:  # type: ignore[no-untyped-def]
    """What the questionnaire stores: a statement left open is n.v.t. ("nvt" or absent)."""
    data = rows(EV, "eigen-groep", 8, s07=["2", "3", "4", "5", "4", "3", "3", "3"])
    del data[0]["s07"]
    data[1]["s07"] = "nvt"
    result = build_results(data, content)
    assert result.error_count == 0
    s07 = next(r for r in result.statements if r["stelling"] == "s07")
    assert (s07["n"], s07["n_antwoorden"], s07["gemiddelde"]) == ("8", "6", "3.67")


def test_package_check_agrees_with_frictionless(tmp_path: Path) -> None:
    """The build re-reads the published CSVs with our own checker; frictionless agrees."""
    from frictionless import Resource, Schema, system
    from spiegel.results.disclosure import THEME_COLUMNS
    from spiegel.results.package import _schema
    from spiegel.results.tablecheck import check_rows

    good = [EV, "samenwerking", "eigen-groep", "6", "6", "4.00", ""]
    bad = [
        good,
        [EV, "samenwerking", "eigen-groep", "zes", "6", "4.00", ""],
        [EV, "planeten", "eigen-groep", "6", "6", "4.00", ""],
        [EV, "samenwerking", "eigen-groep", "6", "6", "7.5", ""],
    ]
    schema = _schema(THEME_COLUMNS)
    path = tmp_path / "themas.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([list(THEME_COLUMNS), *bad])
    ours = {(e.row, e.field) for _, _, errs in check_rows(bad, schema) for e in errs}
    with system.use_context(trusted=True):
        report = Resource(str(path), schema=Schema.from_descriptor(schema)).validate()
    theirs = {(e.row_number, e.field_name) for e in report.tasks[0].errors}
    assert ours == theirs == {(3, "n"), (4, "thema"), (5, "gemiddelde")}


GROUPS = ["eigen-groep", "collega-specialisten", "medewerkers", "managers", "verwijzers"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes=st.lists(st.integers(0, 14), min_size=5, max_size=5),
    seed=st.integers(0, 10_000),
    k=st.integers(3, 7),
)
def test_hidden_data_never_moves_a_published_figure(
    tmp_path: Path, content, sizes: list[int], seed: int, k: int
) -> None:  # type: ignore[no-untyped-def]
    """Change every answer of every group below k, and every answer value in every cell whose mean
    is hidden: the published package must stay byte for byte the same."""
    import random

    rnd = random.Random(seed)

    def dataset(scramble: bool) -> list[dict[str, str]]:
        r2 = random.Random(seed)
        out = []
        for group, n in zip(GROUPS, sizes, strict=True):
            answers = {
                s: [r2.choice(["", "", "1", "2", "3", "4", "5"]) for _ in range(n)]
                for s in STATEMENTS
            }
            if scramble:
                for s in STATEMENTS:
                    hidden_cell = sum(1 for a in answers[s] if a) < k
                    if n < k or hidden_cell:
                        answers[s] = [
                            (rnd.choice("12345") if a else "")
                            if n >= k
                            else rnd.choice(["", "1", "5"])
                            for a in answers[s]
                        ]
            out += rows(EV, group, n, **answers)
        return out

    a = build_results(dataset(False), content, k)
    b = build_results(dataset(True), content, k)
    assert a.statements == b.statements and a.themes == b.themes
    assert audit_rows(a.statements, a.themes, k, "x") == []
    for r in a.statements:
        assert r["respondentgroep"] == "anderen" or int(r["n"]) >= k


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("n", "4", "groep eigen-groep heeft n=4, k=5"),
        ("pct_1", "50", "verdeling bij 5 antwoorden"),
        ("n_antwoorden", "3", "gemiddelde bij 3 antwoorden, k=5"),
    ],
)
def test_audit_catches_tampered_rows(
    tmp_path: Path, content, column: str, value: str, problem: str
) -> None:  # type: ignore[no-untyped-def]
    result = build_results(rows(EV, "eigen-groep", 5), content)
    row = result.statements[0]
    row[column] = value
    if column == "pct_1":
        row.update(pct_2="50", pct_3="0", pct_4="0", pct_5="0")
    assert any(problem in p for p in audit_rows(result.statements, result.themes, 5, "x"))


def test_audit_catches_anderen_that_includes_a_hidden_group(tmp_path: Path, content) -> None:  # type: ignore[no-untyped-def]
    data = rows(EV, "managers", 6, "2") + rows(EV, "verwijzers", 5, "4")
    result = build_results(data, content)
    result.statements = [r for r in result.statements if r["respondentgroep"] != "verwijzers"]
    problems = audit_rows(result.statements, result.themes, 5, "x")
    assert any("n=11 is niet de som van de getoonde groepen" in p for p in problems)


def test_results_command_and_build_publish_no_comment(
    project: Project,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", url)
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(project.root / "forms"))
    data = (
        rows(EV, "eigen-groep", 6, "4")
        + rows(EV, "collega-specialisten", 7, "3")
        + rows(EV, "medewerkers", 12, "2")
        + rows(EV, "managers", 2, "1")
        + rows(EV, "verwijzers", 5, "5")
        + rows("longziekten-2026", "eigen-groep", 4)
    )
    answer(url, data)  # with codes, through the endpoint, while the evaluations are open
    for ev, group, unused in [
        (EV, "eigen-groep", 2),
        (EV, "collega-specialisten", 3),
        (EV, "medewerkers", 8),
        (EV, "managers", 2),
        ("longziekten-2026", "eigen-groep", 2),
    ]:
        issue(ev, group, unused)
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")
    out_dir = project.content / "results"
    args = ["results", EV, "longziekten-2026", "--out", str(out_dir)]
    assert main([*args, "--content", str(project.content)]) == 0
    summary = capsys.readouterr().out
    assert "weggelaten: cardiologie-2026 / managers: minder dan k=5 respondenten" in summary
    assert "weggelaten: longziekten-2026 / eigen-groep" in summary
    result = project.build()
    assert result.returncode == 0, result.stderr
    page = project.page("groepsevaluatie/resultaten/cardiologie-2026")
    assert '<svg class="spiegel-chart"' in page and 'role="img"' in page
    assert "4,00" in page and "<caption>Zelfbeeld en anderen per stelling</caption>" in page
    assert "De groep werkt goed samen met andere" in page.split('class="spiegel-chart"')[1]
    assert "<caption>Gemiddelde per thema</caption>" in page
    assert "weggelaten: minder dan 5 reacties" in page  # managers: 2 of 4 invited
    assert "<td>12</td><td>20</td><td>60%</td>" in page  # medewerkers: response rate
    assert "hun eigen antwoorden aan elkaar vertellen" in page
    assert not (project.site / "groepsevaluatie/resultaten/longziekten-2026").exists()
    actions = project.page("verbeteringen")  # the action plan links back to its results
    assert 'href="../groepsevaluatie/resultaten/cardiologie-2026/"' in actions
    dp = json.loads((project.site / "open-data/groepsevaluatie/datapackage.json").read_text())
    assert dp["spiegel"]["k"] == 5
    for path in [*project.site.rglob("*"), *out_dir.rglob("*")]:
        if path.is_file() and path.suffix in (".html", ".csv", ".json", ".xml", ".js", ".txt"):
            text = path.read_text(encoding="utf-8", errors="ignore")
            for leak in ("Jansen", "06-12345678", "jansen@ziekenhuis.nl", "onaardig"):
                assert leak not in text, (path, leak)
    stellingen = list(
        csv.DictReader(
            io.StringIO((project.site / "open-data/groepsevaluatie/stellingen.csv").read_text())
        )
    )
    assert {r["respondentgroep"] for r in stellingen} == {
        "eigen-groep",
        "collega-specialisten",
        "medewerkers",
        "verwijzers",
        "anderen",
    }
    assert main([*args, "--content", str(project.content)]) == 0  # again: nothing changes
    assert "al gepubliceerd met precies deze cijfers" in capsys.readouterr().err


def test_results_come_only_from_the_database(
    project: Project,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No raw file is read any more; a stored answer that is not valid publishes nothing; an
    open evaluation is refused before anything is read."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", url)
    answer(url, rows(EV, "eigen-groep", 6))
    out_dir = project.content / "results"
    args = ["results", EV, "--out", str(out_dir), "--content", str(project.content)]
    assert main(args) == 2  # still open
    assert "staat nog op open: true" in capsys.readouterr().err
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")
    raw = write_raw(tmp_path / "raw.csv", rows(EV, "eigen-groep", 6))
    with pytest.raises(SystemExit):  # RAW.csv is no evaluation: there is no file path at all
        main(["results", str(raw), "--csv", str(raw)])
    store = open_store(url)
    store.move_ballots(1)
    with store.dialect.transaction() as conn:  # type: ignore[attr-defined]
        payload = conn.execute("SELECT id, payload FROM submissions LIMIT 1").fetchone()
        damaged = json.loads(payload[1]) | {"s04": "zes"}
        conn.execute(
            "UPDATE submissions SET payload = ? WHERE id = ?", (json.dumps(damaged), payload[0])
        )
    store.close()
    assert main(args) == 1
    assert "s04: 'zes' is geen antwoord" in capsys.readouterr().err
    assert not out_dir.exists()


# ------------------------------------------- attack 8: no figure that decides someone's answer

TOO_CLEAR = "te eenduidig om te tonen"

# (answers of the own group to s01, then what is published: (n_antwoorden, gemiddelde, verdeling)
# or the reason it is hidden). n = number of answers; totals n, n+1, 5n-1, 5n fix every answer
# or all but one; so does a distribution with n-1 answers (or more) on one value.
RULE_CASES = [
    pytest.param(["5"] * 6, TOO_CLEAR, id="n6-all-5-total-5n"),
    pytest.param(["5"] * 5 + ["4"], TOO_CLEAR, id="n6-all-but-one-5-total-5n-1"),
    pytest.param(["1"] * 6, TOO_CLEAR, id="n6-all-1-total-n"),
    pytest.param(["1"] * 5 + ["2"], TOO_CLEAR, id="n6-total-n+1"),
    pytest.param(["5"] * 4 + ["4", "4"], ("6", "4.67", False), id="n6-total-5n-2-shown"),
    pytest.param(["1"] * 4 + ["3", "3"], ("6", "1.67", False), id="n6-total-n+2-shown"),
    pytest.param(["4"] * 6, ("6", "4.00", False), id="n6-all-4-mean-alone-decides-nothing"),
    pytest.param(["3"] * 12, TOO_CLEAR, id="n12-all-3-distribution-decides"),
    pytest.param(["3"] * 11 + ["4"], TOO_CLEAR, id="n12-all-but-one-3"),
    pytest.param(["3"] * 10 + ["4", "2"], ("12", "3.00", True), id="n12-two-differ-shown"),
    pytest.param(["5"] * 4 + ["", ""], "4 antwoorden, minder dan k=5", id="n4-below-k"),
]


@pytest.mark.parametrize(("answers", "want"), RULE_CASES)
def test_no_figure_decides_an_answer(tmp_path: Path, content, answers, want) -> None:  # type: ignore[no-untyped-def]
    n = len(answers)
    spread = ["2", "3", "4", "2", "3", "4", "2", "3", "4", "2", "3", "4"][:n]
    data = rows(EV, "eigen-groep", n, s01=answers, s02=spread, s03=spread, s04=spread)
    result = build_results(data, content)
    row = cells(result)["eigen-groep"]
    reasons = {s.item: s.reason for s in result.suppressed}
    if isinstance(want, str):
        assert reasons["s01"] == want
        # nothing of a hidden cell is shown: no mean, no distribution, not even its n.v.t. count
        assert [row[c] for c in ("n_antwoorden", "gemiddelde", "nvt_pct", "pct_1")] == [""] * 4
        theme = next(
            r
            for r in result.themes
            if r["thema"] == "samenwerking" and r["respondentgroep"] == "eigen-groep"
        )
        # the theme row holds s02-s04 only (s01 is in samenwerking too, and hidden)
        assert theme["n_antwoorden"] == str(3 * n)
    else:
        assert "s01" not in reasons
        assert (row["n_antwoorden"], row["gemiddelde"], bool(row["pct_1"])) == want
    assert audit_rows(result.statements, result.themes, 5, "x") == []


def test_anderen_leaves_out_a_cell_too_clear_to_show(tmp_path: Path, content) -> None:  # type: ignore[no-untyped-def]
    """Managers all "5" on s01 (hidden); verwijzers spread: anderen is the verwijzers alone, and
    so is the theme row of anderen; the hidden cell adds nothing anywhere."""
    data = rows(EV, "managers", 6, s01=["5"] * 6) + rows(
        EV, "verwijzers", 6, s01=["2", "3", "3", "4", "4", "2"]
    )
    result = build_results(data, content)
    c = cells(result)
    assert c["managers"]["gemiddelde"] == "" and c["managers"]["n_antwoorden"] == ""
    assert (c["anderen"]["n_antwoorden"], c["anderen"]["gemiddelde"]) == ("6", "3.00")
    themes = {(r["thema"], r["respondentgroep"]): r for r in result.themes}
    # samenwerking = s01-s04: managers' s02-s04 (3 x 6 x "4") + verwijzers' s01-s04
    assert themes[("samenwerking", "managers")]["n_antwoorden"] == "18"
    assert themes[("samenwerking", "anderen")]["n_antwoorden"] == "42"
    assert themes[("samenwerking", "anderen")]["gemiddelde"] == str(
        round((18 * 4 + 18 + 18 * 4) / 42 + 1e-9, 2)
    )
    assert audit_rows(result.statements, result.themes, 5, "x") == []


def _good_package(tmp_path: Path, content) -> tuple[list[dict[str, str]], list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    data = rows(EV, "eigen-groep", 6, s01=["4", "4", "4", "5", "5", "3"]) + rows(
        EV, "managers", 6, s01=["5"] * 6
    )
    result = build_results(data, content)
    assert audit_rows(result.statements, result.themes, 5, "x") == []
    return result.statements, result.themes


@pytest.mark.parametrize(
    ("group", "change", "rule"),
    [
        ("eigen-groep", {"gemiddelde": "5.00"}, "geen cijfer waaruit ieders antwoord"),
        ("eigen-groep", {"gemiddelde": "4.83"}, "geen cijfer waaruit ieders antwoord"),  # 29/6
        ("managers", {"n_antwoorden": "6"}, "alleen bij een getoonde cel"),
        ("managers", {"nvt_pct": "0"}, "alleen bij een getoonde cel"),
        ("managers", {"pct_5": "100"}, "een verdeling zonder gemiddelde"),
    ],
)
def test_audit_refuses_a_figure_that_decides(tmp_path: Path, content, group, change, rule) -> None:  # type: ignore[no-untyped-def]
    st_, th = _good_package(tmp_path, content)
    next(r for r in st_ if r["stelling"] == "s01" and r["respondentgroep"] == group).update(change)
    problems = audit_rows(st_, th, 5, "x")
    assert any(rule in p for p in problems), problems


def test_audit_refuses_a_decisive_distribution() -> None:
    row = {
        "evaluatie": EV,
        "stelling": "s01",
        "thema": "samenwerking",
        "respondentgroep": "eigen-groep",
        "n": "12",
        "n_antwoorden": "12",
        "gemiddelde": "3.08",
        "nvt_pct": "0",
        "pct_1": "0",
        "pct_2": "0",
        "pct_3": "92",
        "pct_4": "8",
        "pct_5": "0",
        "verschil": "",
    }
    problems = audit_rows([row], [], 5, "x")
    assert any("geen cijfer waaruit ieders antwoord" in p for p in problems), problems


# ------------------------- attacks 6 and 7: duplicate rows, and k lowered after the first code


@pytest.fixture
def db_env(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", url)
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(project.root / "forms"))
    return url


def _results(project: Project) -> list[str]:
    out_dir = project.content / "results"
    return ["results", EV, "--out", str(out_dir), "--content", str(project.content)]


def test_duplicate_rows_are_refused(
    project: Project, db_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 6: one manager's row five times reached k. Through the endpoint a code gives one
    answer; rows copied into the database itself are refused: n is compared with codes used."""
    answer(db_env, rows(EV, "eigen-groep", 6) + rows(EV, "managers", 1, s01=["2"]))
    store = open_store(db_env)
    store.move_ballots(1)
    with store.dialect.transaction() as conn:  # type: ignore[attr-defined]
        found = conn.execute(
            "SELECT form_id, created_at, status, payload FROM submissions"
        ).fetchall()
        manager = next(r for r in found if json.loads(r[3])["respondentgroep"] == "managers")
        for i in range(4):  # the database administrator copies the one manager's answer
            conn.execute(
                "INSERT INTO submissions (id, form_id, created_at, status, payload, seq)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (f"copy-{i}", *manager, 1000 + i),
            )
    store.close()
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")
    assert main(_results(project)) == 1
    err = capsys.readouterr().err
    assert "groep managers heeft 5 antwoorden maar er zijn 1 codes gebruikt" in err
    assert not (project.content / "results").exists()
    store = open_store(db_env)
    with store.dialect.transaction() as conn:  # type: ignore[attr-defined]
        conn.execute("DELETE FROM submissions WHERE id LIKE 'copy-%'")
    store.close()
    answer(db_env, rows(EV, "managers", 4))  # four more really answered: now it may
    assert main(_results(project)) == 0


def test_k_is_frozen_when_the_first_code_is_issued(
    project: Project, db_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack 7: a group told k=5 was published at 3 once the ledger entry was dropped."""
    answer(db_env, rows(EV, "eigen-groep", 3))  # k=5 frozen for cardiologie-2026
    project.edit(
        "content/groepsevaluatie.yaml",
        "  k: 5",
        "  k: 3\n  lower_k_reason: Een kleine vakgroep van drie specialisten.",
    )
    assert issue_fails(project, "eigen-groep")
    assert "k ligt vast op 5 sinds de eerste code" in capsys.readouterr().err
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")
    assert main(_results(project)) == 1
    assert "k ligt vast zodra de eerste code is uitgegeven" in capsys.readouterr().err
    assert not (project.content / "results").exists()


def issue_fails(project: Project, group: str) -> bool:
    sheet = project.root / "strookjes.html"
    args = ["invite", EV, "--group", group, "--slips", "1", "--out", str(sheet)]
    code = main([*args, "--deadline", "2030-12-31", "--content", str(project.content)])
    return code != 0 and not sheet.exists()
