"""Issue 19, attacks 4, 5 and 7: the publication ledger only grows, in git and in the database.

4. Deleting an evaluation from ``content/results/publicaties.json`` and publishing again after
   one late answer: the database's ledger still knows it (``spiegel results`` refuses), and
   ``spiegel check`` and the build refuse a ledger that does not extend every committed version
   and the default branch's.
5. Relabelling: the same answers plus one under a new evaluation id: refused.
7. Lowering k after publication, the ledger entry dropped: refused.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from spiegel.cli import main
from spiegel.db import open_store

from .answers import answer
from .conftest import Project, copy_project
from .test_results import EV, STATEMENTS, rows

LEDGER = "content/results/publicaties.json"
CLOSE_EV = (
    "    department: Cardiologie\n    open: true",
    "    department: Cardiologie\n    open: false",
)
EIGEN = ["2", "3", "4", "4", "3", "2"]  # every statement shown: no figure too clear
MANAGERS = ["1", "2", "3", "4", "5", "3"]


def spread(ev: str, group: str, values: list[str]) -> list[dict[str, str]]:
    return rows(ev, group, len(values), **{s: values for s in STATEMENTS})


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.nl", "commit", "-qm", message)


@pytest.fixture
def pj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    p = copy_project(tmp_path / "project")
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(p.content))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(p.root / "forms"))
    monkeypatch.delenv("SPIEGEL_BASE_REF", raising=False)
    git(p.root, "init", "-q", "-b", "main")
    commit(p.root, "start")
    return p


def url_of(pj: Project) -> str:
    return f"sqlite:///{pj.root.parent / 'db.sqlite3'}"


def data(ev: str = EV, extra: int = 0) -> list[dict[str, str]]:
    return spread(ev, "eigen-groep", EIGEN + ["4"] * extra) + spread(ev, "managers", MANAGERS)


def publish(pj: Project, *evs: str, **kw: str) -> tuple[int, str]:
    err = io.StringIO()
    args = ["results", *evs, "--out", str(pj.content / "results"), "--content", str(pj.content)]
    for k, v in kw.items():
        args += [f"--{k}", v] if v else [f"--{k}"]
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(args, io.StringIO())
    return code, err.getvalue()


def check(pj: Project) -> tuple[int, str]:
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(
            ["check", "--content", str(pj.content), "--forms", str(pj.root / "forms")],
            io.StringIO(),
        )
    return code, err.getvalue()


def published(pj: Project) -> Project:
    """Cardiologie answered with codes, closed, published from the database and committed."""
    answer(url_of(pj), data(), pj.content)
    pj.edit("content/groepsevaluatie.yaml", *CLOSE_EV)
    code, err = publish(pj, EV)
    assert code == 0, err
    commit(pj.root, "publish cardiologie")
    return pj


def drop(pj: Project, ev: str = EV) -> None:
    path = pj.root / LEDGER
    book = json.loads(path.read_text(encoding="utf-8"))
    del book["evaluaties"][ev]
    path.write_text(json.dumps(book, indent=1), encoding="utf-8")


# ------------------------------------------------------------------ attack 4


def test_attack_4_a_dropped_ledger_entry_is_refused_by_the_database(pj: Project) -> None:
    """The old code published again after one late answer once the entry was gone."""
    published(pj)
    drop(pj)
    pj.edit("content/groepsevaluatie.yaml", *reversed(CLOSE_EV))
    answer(url_of(pj), rows(EV, "managers", 1, "2"), pj.content)  # one late answer
    pj.edit("content/groepsevaluatie.yaml", *CLOSE_EV)
    before = (pj.content / "results" / "stellingen.csv").read_text(encoding="utf-8")
    code, err = publish(pj, EV)
    assert code == 1, err
    assert "cardiologie-2026 is al gepubliceerd en de cijfers zouden veranderen" in err
    assert (pj.content / "results" / "stellingen.csv").read_text(encoding="utf-8") == before


def test_attack_4_check_and_build_refuse_a_ledger_that_shrank(pj: Project) -> None:
    published(pj)
    assert check(pj)[0] == 0
    drop(pj)
    code, err = check(pj)
    assert code == 1
    assert "regel 'het grootboek groeit alleen' geschonden" in err
    assert "de evaluatie is uit het grootboek verwijderd" in err
    build = pj.build()
    assert build.returncode != 0 and "het grootboek groeit alleen" in build.stderr
    commit(pj.root, "drop the ledger entry")  # committed too: history still has it
    code, err = check(pj)
    assert code == 1 and "ten opzichte van commit" in err


def test_attack_4_against_the_default_branch(
    pj: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clone whose branch rewrote its own history is compared with origin/main."""
    published(pj)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(pj.root), str(clone))
    git(clone, "checkout", "-q", "--orphan", "fresh")  # a branch without the history
    book = json.loads((clone / LEDGER).read_text(encoding="utf-8"))
    version = book["evaluaties"][EV][0]
    version["k"] = 3  # attack 7 in the file: the published version says k=3 now
    (clone / LEDGER).write_text(json.dumps(book, indent=1), encoding="utf-8")
    commit(clone, "history of my own")
    other = Project(clone)
    monkeypatch.setenv("SPIEGEL_BASE_REF", "origin/main")
    code, err = check(other)
    assert code == 1 and "versie 1 veranderd ten opzichte van origin/main" in err
    monkeypatch.setenv("SPIEGEL_BASE_REF", "origin/nergens")
    code, err = check(other)
    assert code == 1 and "SPIEGEL_BASE_REF=origin/nergens: die tak is hier niet te vinden" in err


def test_appending_a_version_passes_the_history_check(pj: Project) -> None:
    """A second version (--replace, grown by k) only appends: check and build accept it."""
    published(pj)
    pj.edit("content/groepsevaluatie.yaml", *reversed(CLOSE_EV))
    second = spread(EV, "eigen-groep", MANAGERS) + spread(EV, "managers", EIGEN)
    answer(url_of(pj), second, pj.content)
    pj.edit("content/groepsevaluatie.yaml", *CLOSE_EV)
    code, err = publish(pj, EV, replace="", reden="Late reacties van een tweede ronde toegevoegd")
    assert code == 0, err
    assert check(pj)[0] == 0
    book = json.loads((pj.root / LEDGER).read_text(encoding="utf-8"))
    assert len(book["evaluaties"][EV]) == 2


# ------------------------------------------------------------------ the database ledger


def test_a_ledger_file_that_contradicts_the_database_is_refused(pj: Project) -> None:
    published(pj)
    path = pj.root / LEDGER
    book = json.loads(path.read_text(encoding="utf-8"))
    book["evaluaties"][EV][0]["groepen"]["managers"]["n"] = 5  # edited by hand
    path.write_text(json.dumps(book, indent=1), encoding="utf-8")
    code, err = publish(pj, EV)
    assert code == 1 and "wijkt af van wat de database vastlegde" in err
    store = open_store(url_of(pj))  # a database that never recorded it (another server?)
    with store.dialect.transaction() as conn:  # type: ignore[attr-defined]
        conn.execute("DELETE FROM publications")
    store.close()
    git(pj.root, "checkout", "-q", "--", LEDGER)
    code, err = publish(pj, EV)
    assert code == 1 and "hoort niet bij deze database" in err


# ------------------------------------------------------------------ attack 5


def test_attack_5_a_relabelled_evaluation_with_one_more_answer_is_refused(pj: Project) -> None:
    published(pj)
    pj.write(
        "content/groepsevaluatie.yaml",
        (pj.content / "groepsevaluatie.yaml").read_text(encoding="utf-8")
        + "  - id: cardiologie-2026-herzien\n    name: Vakgroep Cardiologie (herzien)\n"
        "    department: Cardiologie\n    open: true\n",
    )
    relabel = "cardiologie-2026-herzien"
    copied = [r | {"evaluatie": relabel} for r in data(extra=1)]  # the same answers, one more
    answer(url_of(pj), copied, pj.content)
    pj.edit(
        "content/groepsevaluatie.yaml",
        "(herzien)\n    department: Cardiologie\n    open: true",
        "(herzien)\n    department: Cardiologie\n    open: false",
    )
    code, err = publish(pj, relabel)
    assert code == 1, err
    assert "groep eigen-groep (+1) lijkt op cardiologie-2026" in err
    assert relabel not in (pj.root / LEDGER).read_text(encoding="utf-8")


def test_an_unrelated_evaluation_of_the_same_size_publishes(pj: Project) -> None:
    published(pj)
    other = [
        *spread("longziekten-2026", "eigen-groep", ["5", "5", "5", "4", "1", "2", "3"]),
        *spread("longziekten-2026", "managers", ["4", "4", "1", "2", "5", "2"]),
    ]
    answer(url_of(pj), other, pj.content)
    pj.edit(
        "content/groepsevaluatie.yaml",
        "    department: Longziekten\n    open: true",
        "    department: Longziekten\n    open: false",
    )
    code, err = publish(pj, "longziekten-2026")
    assert code == 0, err


# ------------------------------------------------------------------ attack 7


def test_attack_7_k_lowered_after_publication_is_refused(pj: Project) -> None:
    published(pj)
    drop(pj)
    pj.edit(
        "content/groepsevaluatie.yaml",
        "  k: 5",
        "  k: 3\n  lower_k_reason: Een kleine vakgroep van drie specialisten.",
    )
    code, err = publish(pj, EV)
    assert code == 1 and "k ligt vast zodra de eerste code is uitgegeven" in err
    code, err = check(pj)
    assert code == 1 and "het grootboek groeit alleen" in err


# ------------------------------------------------------------------ staff editing by hand


def _trailing_comma(pj: Project) -> None:
    path = pj.root / LEDGER
    text = path.read_text(encoding="utf-8").rstrip()
    path.write_text(text[:-1].rstrip() + ",\n}\n", encoding="utf-8")


HAND_EDITS = [
    pytest.param(
        _trailing_comma,
        ["dit bestand is geen geldige JSON meer", "Discard Changes"],
        ["verwijderd", "Expecting", "ongeldige JSON"],
        id="trailing-comma",
    ),
    pytest.param(
        drop,
        [
            f"{LEDGER}:2: evaluaties.{EV}: regel 'het grootboek groeit alleen' geschonden",
            f"{LEDGER}:2: regel 'elke publicatie staat in het grootboek' geschonden: {EV} staat in"
            " de uitkomsten (stellingen.csv), maar niet in publicaties.json.",
        ],
        ["content/results: content/results", "publiceer alleen met"],
        id="entry-removed",
    ),
    pytest.param(
        lambda pj: pj.edit(
            "content/groepsevaluatie.yaml", "  k: 5", "  k: 4\n  lower_k_reason: Kleine groepen."
        ),
        [
            "content/groepsevaluatie.yaml:77: disclosure > k: k is nu 4, maar de uitkomsten op de"
            " site (content/results) zijn gepubliceerd met k=5.",
            "Zet k terug, zo: k: 5",
        ],
        ["maak het pakket opnieuw"],
        id="k-changed",
    ),
]


@pytest.mark.parametrize(("edit", "says", "never"), HAND_EDITS)
def test_a_hand_edit_after_publication_is_told_on_its_line_with_what_to_do(
    pj: Project, edit: Callable[[Project], None], says: list[str], never: list[str]
) -> None:
    """Found on a fresh clone: a trailing comma read as "the evaluation was removed" (and an
    English JSON error), the removed entry was told as "content/results: content/results:", and
    a changed k was told to be fixed by publishing again, which the ledger refuses."""
    published(pj)
    edit(pj)
    code, err = check(pj)
    assert code == 1
    for text in says:
        assert text in err, err
    for text in never:
        assert text not in err, err


def test_the_pipelines_compare_with_the_default_branch_and_its_history() -> None:
    """Both pipelines fetch the default branch with its history and name it SPIEGEL_BASE_REF, so
    `spiegel check` and the build can refuse a ledger that shrank (they fail closed otherwise)."""
    import yaml

    from .conftest import ROOT

    github = yaml.safe_load((ROOT / ".github/workflows/spiegel.yml").read_text(encoding="utf-8"))
    assert github["env"]["SPIEGEL_BASE_REF"].startswith("origin/${{ github.event.repository")
    for job in ("check", "build", "test"):
        checkout = github["jobs"][job]["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["fetch-depth"] == 0, job
    gitlab = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["variables"]["GIT_DEPTH"] == "0"
    assert gitlab["variables"]["SPIEGEL_BASE_REF"] == "origin/$CI_DEFAULT_BRANCH"
    for job in ("check", "build", "pages", "test"):
        script = "\n".join(gitlab[job]["script"] if job == "test" else gitlab[".install"])
        assert "refs/remotes/origin/$CI_DEFAULT_BRANCH" in script, job
