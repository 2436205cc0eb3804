"""Publish once and only when closed; the ledger; the complete audit. Each attack of issue 9 is a
test here: it recovered individual answers from the old code and must fail now."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spiegel.cli import main
from spiegel.content.model import Content, load_content
from spiegel.content.schema import ContentError
from spiegel.results import ledger
from spiegel.results.audit import audit_rows
from spiegel.results.package import build_results, load_published
from spiegel.results.publish import publish

from .conftest import ROOT, Project, copy_project
from .test_results import EV, GROUPS, STATEMENTS, rows

INVITED = {EV: {g: 30 for g in GROUPS}}
Files = dict[str, str]


def closed(project: Project) -> Content:
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # cardiologie
    return load_content(project.content)


def files(d: Path) -> Files:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*")) if p.is_file()}


def run(
    tmp: Path, content: Content, data: list[dict[str, str]], out: Path, **kw: object
) -> list[str]:
    result = build_results(data, content)
    assert result.error_count == 0, result.errors
    invited = kw.pop("invited", INVITED)
    outcome = publish(result, out, content, invited, **kw)  # type: ignore[arg-type]
    return outcome.errors


# twelve answers spread so that no figure decides anyone's answer (rule: "te eenduidig")
SPREAD12 = ["1", "1", "1", "2", "3", "3", "3", "3", "4", "5", "5", "5"]


def s01(data_values: list[str], group: str, n: int) -> list[dict[str, str]]:
    return rows(EV, group, n, s01=data_values)


@pytest.fixture
def pj(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project")


# --------------------------------------------------------------- attack 2: re-publication


def test_one_more_response_is_refused_and_a_rerun_is_identical(pj: Project, tmp_path: Path) -> None:
    content = closed(pj)
    out = pj.content / "results"
    nine = ["4", "4", "3", "3", "3", "3", "3", "3", "3"]  # mean 3.22, sum 29
    base = rows(EV, "eigen-groep", 6) + s01(nine, "medewerkers", 9)
    assert run(tmp_path / "a", content, base, out) == []
    first = files(out)
    assert "3.22" in first["stellingen.csv"]
    assert run(tmp_path / "b", content, base, out) == []  # same data: byte for byte the same
    assert files(out) == first
    later = base + s01(["1"], "medewerkers", 1)  # n=10, mean 3.00: the late one answered 1
    errors = run(tmp_path / "c", content, later, out)
    assert (
        errors
        and "al gepubliceerd" in errors[0]
        and "groep medewerkers: n van 9 naar 10" in errors[0]
    )
    assert files(out) == first
    errors = run(tmp_path / "d", content, later, out, replace=True, reason="Late reactie erbij")
    assert any("vervangen kan niet" in e and "minstens 5" in e for e in errors)
    assert files(out) == first


def test_growth_of_k_with_a_reason_is_a_second_version(pj: Project, tmp_path: Path) -> None:
    content = closed(pj)
    out = pj.content / "results"
    base = rows(EV, "eigen-groep", 6) + rows(EV, "medewerkers", 12, "3", s01=SPREAD12)
    assert run(tmp_path / "a", content, base, out) == []
    more = base + rows(EV, "medewerkers", 10, "2")  # +10: means and distributions may change
    assert (
        run(tmp_path / "b", content, more, out, replace=True, reason="x") != []
    )  # reason too short
    reason = "Tweede ronde uitnodigingen bij medewerkers"
    assert run(tmp_path / "c", content, more, out, replace=True, reason=reason) == []
    book = json.loads((out / ledger.FILE).read_text())
    chain = book["evaluaties"][EV]
    assert [v["reden"] for v in chain] == [None, reason]
    assert chain[1]["groepen"]["medewerkers"]["n"] == 22
    load_published(out, content, "content/results")  # the build accepts the chain


def test_growth_of_k_without_ten_for_a_shown_distribution_is_refused(
    pj: Project, tmp_path: Path
) -> None:
    content = closed(pj)
    out = pj.content / "results"
    base = rows(EV, "eigen-groep", 6) + rows(EV, "medewerkers", 12, "3", s01=SPREAD12)
    assert run(tmp_path / "a", content, base, out) == []
    more = base + rows(EV, "medewerkers", 6, "2")  # +6 >= k, but the distribution needs +10
    errors = run(tmp_path / "b", content, more, out, replace=True, reason="Zes late reacties erbij")
    assert any("stellingen/s01/medewerkers" in e and "minstens 10" in e for e in errors)


def test_group_crossing_k_needs_replace(pj: Project, tmp_path: Path) -> None:
    content = closed(pj)
    out = pj.content / "results"
    base = rows(EV, "eigen-groep", 6) + rows(EV, "medewerkers", 12) + rows(EV, "managers", 4, "1")
    assert run(tmp_path / "a", content, base, out) == []
    first = files(out)
    assert ",managers," not in first["stellingen.csv"]
    crossed = base + rows(EV, "managers", 1, "5")
    errors = run(tmp_path / "b", content, crossed, out)
    assert errors and files(out) == first
    # crossing k together with one more response elsewhere: refused even with --replace
    both = crossed + rows(EV, "medewerkers", 1, "1")
    errors = run(tmp_path / "c", content, both, out, replace=True, reason="Nieuwe reacties erbij")
    assert any("groep medewerkers: n van 12 naar 13" in e for e in errors)
    assert files(out) == first


def test_k5_then_k3_is_refused(pj: Project, tmp_path: Path) -> None:
    content = closed(pj)
    out = pj.content / "results"
    data = rows(EV, "eigen-groep", 6) + rows(EV, "medewerkers", 12) + rows(EV, "managers", 3, "1")
    assert run(tmp_path / "a", content, data, out) == []
    pj.edit(
        "content/groepsevaluatie.yaml",
        "  k: 5",
        "  k: 3\n  lower_k_reason: Kleine vakgroepen, besloten door de privacycommissie",
    )
    content3 = load_content(pj.content)
    errors = run(tmp_path / "b", content3, data, out, replace=True, reason="Lagere k afgesproken")
    assert any("k was 5" in e for e in errors)


def test_open_evaluation_is_not_published(pj: Project, tmp_path: Path) -> None:
    content = load_content(pj.content)  # both evaluations open: true
    out = pj.content / "results"
    errors = run(tmp_path / "a", content, rows(EV, "eigen-groep", 6), out)
    assert errors == ["niets om te publiceren: elke evaluatie in het bestand is nog open"]
    assert not out.exists()


def test_more_responses_than_invitations_fails_loudly(pj: Project, tmp_path: Path) -> None:
    content = closed(pj)
    out = pj.content / "results"
    invited = {EV: {"eigen-groep": 8, "medewerkers": 10}}
    data = rows(EV, "eigen-groep", 6) + rows(EV, "medewerkers", 12)
    errors = run(tmp_path / "a", content, data, out, invited=invited)
    assert any("medewerkers: 12 reacties maar 10 uitnodigingen" in e for e in errors)
    errors = run(tmp_path / "b", content, data, out, invited={})
    assert any("geen uitnodigingscodes" in e for e in errors)
    assert not out.exists()


# --------------------------------------------------------------- attack 3: the worked example


def test_worked_example_anderen_distribution_next_to_hidden_ones(tmp_path: Path) -> None:
    content = load_content(ROOT / "content")
    data = (
        s01(["1", "4", "4", "4", "5"], "managers", 5)
        + s01(["3", "4", "4", "4", "4"], "verwijzers", 5)
        + s01(["4"] * 10 + ["3", "3"], "medewerkers", 12)
    )
    result = build_results(data, content)
    got = {r["respondentgroep"]: r for r in result.statements if r["stelling"] == "s01"}
    assert got["managers"]["gemiddelde"] == "3.60" and got["managers"]["pct_1"] == ""
    assert got["medewerkers"]["pct_4"] == "83"
    # before: anderen showed pct_1 = 5 % of 22 -> one "1" that can only be the managers'
    assert [got["anderen"][f"pct_{i}"] for i in range(1, 6)] == ["", "", "", "", ""]
    assert got["anderen"]["gemiddelde"] == "3.77"  # (18 + 19 + 46) / 22


# --------------------------------------------------------------- attack 4: tampered packages

Tamper = Callable[[list[dict[str, str]], list[dict[str, str]]], None]


def _row(rows_: list[dict[str, str]], group: str, item: str = "s01") -> dict[str, str]:
    return next(
        r
        for r in rows_
        if r["respondentgroep"] == group and item in (r.get("stelling"), r["thema"])
    )


def _gap_with_hidden_own(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    own, oth = _row(st_, "eigen-groep", "s02"), _row(st_, "anderen", "s02")
    assert own["gemiddelde"] == ""
    oth["verschil"] = "-1.00"  # reveals the hidden mean of the own group: 3.00


def _theme_with_hidden_cell(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    t = _row(th, "eigen-groep", "samenwerking")
    t["n_antwoorden"] = str(int(t["n_antwoorden"]) + 3)  # the hidden s02 cell folded in
    t["gemiddelde"] = "3.86"


def _second_anderen(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    st_.append(dict(_row(st_, "anderen")))


def _answers_over_n(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    _row(st_, "medewerkers")["n_antwoorden"] = "13"


def _unequal_n(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    _row(st_, "medewerkers", "s05")["n"] = "13"


def _nvt_share(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    _row(st_, "medewerkers")["nvt_pct"] = "10"


def _gap_on_group_row(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    _row(st_, "medewerkers")["verschil"] = "0.50"


def _anderen_dist_changed(st_: list[dict[str, str]], th: list[dict[str, str]]) -> None:
    _row(st_, "anderen").update(pct_3="10", pct_4="90")


TAMPERED = [
    pytest.param(
        _gap_with_hidden_own, "verschil = gemiddelde anderen min", id="gap-reveals-hidden-own"
    ),
    pytest.param(_theme_with_hidden_cell, "themarij is de som", id="theme-includes-hidden-cell"),
    pytest.param(_second_anderen, "één rij per evaluatie", id="second-anderen-row"),
    pytest.param(_answers_over_n, "n_antwoorden is niet groter dan n", id="answers-over-n"),
    pytest.param(_unequal_n, "dezelfde n", id="n-differs-between-rows"),
    pytest.param(_nvt_share, "n.v.t.-aandeel", id="nvt-share"),
    pytest.param(_gap_on_group_row, "alleen op de rij anderen", id="gap-on-group-row"),
    pytest.param(_anderen_dist_changed, "anderen is de som", id="anderen-distribution"),
]


def _published(pj: Project, tmp_path: Path) -> tuple[Content, Path]:
    content = closed(pj)
    out = pj.content / "results"
    s02_hidden = ["3", "3", "3", "", "", ""]  # eigen-groep s02: 3 answers, mean hidden
    data = rows(EV, "eigen-groep", 6, s02=s02_hidden) + rows(
        EV, "medewerkers", 12, "3", s01=SPREAD12
    )
    assert run(tmp_path / "a", content, data, out) == []
    load_published(out, content, "content/results")
    return content, out


def _rewrite(out: Path, name: str, change: Callable[[list[dict[str, str]]], None]) -> None:
    path = out / name
    data = list(csv.DictReader(io.StringIO(path.read_text())))
    header = list(data[0])
    change(data)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(data)
    path.write_text(buf.getvalue())


@pytest.mark.parametrize(("tamper", "rule"), TAMPERED)
def test_tampered_rows_fail_the_audit(
    pj: Project, tmp_path: Path, tamper: Tamper, rule: str
) -> None:
    _, out = _published(pj, tmp_path)
    st_ = list(csv.DictReader(io.StringIO((out / "stellingen.csv").read_text())))
    th = list(csv.DictReader(io.StringIO((out / "themas.csv").read_text())))
    assert audit_rows(st_, th, 5, "content/results") == []
    tamper(st_, th)
    problems = audit_rows(st_, th, 5, "content/results")
    assert any(rule in p and "content/results/" in p and " rij " in p for p in problems), problems


def test_tampered_package_fails_the_real_build(pj: Project, tmp_path: Path) -> None:
    _, out = _published(pj, tmp_path)
    _rewrite(out, "stellingen.csv", lambda d: _second_anderen(d, []))
    build = pj.build()
    assert build.returncode != 0
    assert "content/results/stellingen.csv rij" in build.stderr and "één rij per" in build.stderr


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda out: (out / "datapackage.json").write_text(
                (out / "datapackage.json").read_text().replace('"k": 5', '"k": 3')
            ),
            "het pakket heeft k=3",
            id="k-lowered-in-datapackage",
        ),
        pytest.param(
            lambda out: (out / ledger.FILE).unlink(),
            "maar niet in publicaties.json",
            id="ledger-removed",
        ),
        pytest.param(
            lambda out: _rewrite(
                out,
                "stellingen.csv",
                lambda d: _row(d, "medewerkers", "s03").update(gemiddelde="2.00"),
            ),
            "",
            id="figure-edited",
        ),
    ],
)
def test_package_and_ledger_tampering_fails(
    pj: Project, tmp_path: Path, edit: Callable[[Path], object], message: str
) -> None:
    content, out = _published(pj, tmp_path)
    edit(out)
    with pytest.raises(ContentError) as exc:
        load_published(out, content, "content/results")
    assert message in str(exc.value)


def test_package_of_an_open_evaluation_fails_the_build(pj: Project, tmp_path: Path) -> None:
    _, out = _published(pj, tmp_path)
    pj.edit("content/groepsevaluatie.yaml", "open: false", "open: true")
    with pytest.raises(ContentError) as exc:
        load_published(out, load_content(pj.content), "content/results")
    assert "alleen afgesloten evaluaties" in str(exc.value)


# --------------------------------------------------------------- attack 5: --k 3


def test_k_on_the_command_line_must_be_the_configured_one(
    pj: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["results", EV, "--out", str(pj.content / "results"), "--content", str(pj.content)]
    assert main([*args, "--k", "3"]) == 2
    assert "de ingestelde k is 5" in capsys.readouterr().err
    pj.edit("content/groepsevaluatie.yaml", "  k: 5", "  k: 3")
    with pytest.raises(ContentError) as exc:
        load_content(pj.content)
    assert "lager dan 5 mag alleen met een reden" in str(exc.value)


# --------------------------------------------------------------- two publications, hidden data


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes=st.lists(st.integers(0, 12), min_size=5, max_size=5),
    extra=st.lists(st.integers(0, 11), min_size=5, max_size=5),
    seed=st.integers(0, 10_000),
)
def test_two_publications_hidden_data_moves_nothing(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], extra: list[int], seed: int
) -> None:
    """Publish a data set, then the same plus late responses (with --replace). Scramble every
    answer that neither version shows (groups below k in the version, cells below k, cells too
    clear to show: "te eenduidig"), and turn some of them into n.v.t.: both publications, and the
    refusal or acceptance of the second, stay exactly the same. A cell hidden in both versions is
    rewritten to all "1" (hidden for either reason whatever its count) unless it is below k in
    both, where any values go."""
    k = 5
    pools = (["", "1", "2", "3", "4", "5"], ["", "5"], ["", "5", "5", "5", "4"], ["1", "1", "2"])

    def answers(r: random.Random, n: int) -> dict[str, list[str]]:
        out = {}
        for s in STATEMENTS:
            pool = r.choice(pools)
            out[s] = [r.choice(pool) for _ in range(n)]
        return out

    def too_clear(values: list[str]) -> bool:
        seen = [int(x) for x in values if x]
        n, total = len(seen), sum(seen)
        top = max((seen.count(v) for v in range(1, 6)), default=0)
        return total in (n, n + 1, 5 * n - 1, 5 * n) or (n >= 10 and top >= n - 1)

    def small(n: int, values: list[str]) -> bool:
        return n < k or sum(1 for x in values if x) < k

    def dataset(scramble: bool) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        r, noise = random.Random(seed), random.Random(seed + 1)
        first: list[dict[str, str]] = []
        second: list[dict[str, str]] = []
        for g, n, m in zip(GROUPS, sizes, extra, strict=True):
            a, b = answers(r, n), answers(r, m)
            if scramble:
                for s in STATEMENTS:
                    small_a, small_ab = small(n, a[s]), small(n + m, a[s] + b[s])
                    if not (small_a or too_clear(a[s])) or not (small_ab or too_clear(a[s] + b[s])):
                        continue
                    free = small_a and small_ab

                    def new(x: str, free: bool = free) -> str:
                        if not x or noise.random() < 0.3:
                            return ""
                        return noise.choice("12345") if free else "1"

                    a[s], b[s] = [new(x) for x in a[s]], [new(x) for x in b[s]]
            first += rows(EV, g, n, **a)
            second += rows(EV, g, n, **a) + [
                x | {"id": f"{g}-late-{i}"} for i, x in enumerate(rows(EV, g, m, **b))
            ]
        return first, second

    outcomes = []
    for scramble in (False, True):
        base = tmp_path_factory.mktemp("two")
        pj = copy_project(base / "project")
        content = closed(pj)
        out = pj.content / "results"
        d1, d2 = dataset(scramble)
        e1 = run(base / "a", content, d1, out)
        v1 = files(out) if out.exists() else {}
        e2 = run(base / "b", content, d2, out, replace=True, reason="Late reacties toegevoegd")
        v2 = files(out) if out.exists() else {}
        if v2:
            load_published(out, content, "content/results")
        for v in (v1, v2):
            v.pop(ledger.FILE, None)  # holds the date; compared through the figures below
        outcomes.append((bool(e1), v1, bool(e2), v2))
    assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------- the promises follow k


def test_pages_promise_the_configured_k(pj: Project) -> None:
    pj.edit("content/groepsevaluatie.yaml", "  k: 5", "  k: 6")
    build = pj.build()
    assert build.returncode == 0, build.stderr
    for url in ("groepsevaluatie/vragenlijst", "privacy", "groepsevaluatie/resultaten"):
        page = pj.page(url)
        assert "minstens 6 reacties" in page and "minstens 5" not in page, url
        assert "vanaf 10 antwoorden" in page, url
        assert "te eenduidig om te tonen" in page and "n.v.t. kozen, tonen wij alleen" in page, url
    assert "hun eigen antwoorden aan elkaar vertellen" in pj.page("privacy")


@pytest.mark.parametrize("nvt", ["", "nvt", "n.v.t.", "NVT"])
def test_raw_not_applicable_conventions(tmp_path: Path, nvt: str) -> None:
    content = load_content(ROOT / "content")
    data = rows(EV, "eigen-groep", 6, s01=["4", "4", "4", "4", "4", nvt])
    result = build_results(data, content)
    assert result.error_count == 0, result.errors
    own = next(r for r in result.statements if r["stelling"] == "s01")
    assert (own["n_antwoorden"], own["nvt_pct"]) == ("5", "17")
