"""Issue 19, the hidden check, as staff with git access: publish a package that differs from
the database's ledger by rewriting what ``spiegel check`` and the build compare with.

- A shallow clone (a pipeline with ``fetch-depth: 1``, GitLab's default ``GIT_DEPTH``) holds
  one commit: a ledger entry dropped in that very commit on the default branch passed, because
  the history that still held it was not there. Now a shallow history fails the check.
- ``SPIEGEL_BASE_REF`` set (the pipelines) in a folder that is no git work tree (a downloaded
  archive) compared with nothing and passed. Now it fails.
- Rewriting the default branch itself (a force-push) leaves nothing in git to compare with:
  ``spiegel check`` cannot see it, the database's ledger can (the README says so), and
  ``spiegel results`` puts the version back.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from .conftest import Project
from .test_ledger import EV, LEDGER, check, commit, drop, git, pj, publish, published

__all__ = ["pj"]  # the fixture


def test_git_a_shallow_clone_cannot_hide_a_dropped_ledger_entry(
    pj: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(pj)
    drop(pj)
    commit(pj.root, "tidy up the results")  # straight onto the default branch
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{pj.root}", str(clone))
    monkeypatch.setenv("SPIEGEL_BASE_REF", "origin/main")
    code, err = check(Project(clone))
    assert code == 1, err
    assert "ingekort" in err and "fetch-depth: 0" in err
    git(clone, "fetch", "-q", "--unshallow")  # what the message says to do
    code, err = check(Project(clone))
    assert code == 1 and "de evaluatie is uit het grootboek verwijderd" in err


def drop_everywhere(pj: Project) -> None:
    """The evaluation out of the ledger and out of the package: a consistent deletion."""
    drop(pj)
    for name in ("stellingen.csv", "themas.csv"):
        path = pj.content / "results" / name
        with path.open(encoding="utf-8", newline="") as fh:
            found = list(csv.DictReader(fh))
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(found[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(r for r in found if r["evaluatie"] != EV)


def test_git_base_ref_outside_a_work_tree_fails_closed(
    pj: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(pj)
    archive = tmp_path / "archive"  # a download of the tree, without .git
    shutil.copytree(pj.root, archive, ignore=shutil.ignore_patterns(".git"))
    monkeypatch.setenv("SPIEGEL_BASE_REF", "origin/main")
    code, err = check(Project(archive))
    assert code == 1 and "SPIEGEL_BASE_REF=origin/main" in err
    monkeypatch.delenv("SPIEGEL_BASE_REF")
    assert check(Project(archive))[0] == 0  # on someone's own machine: nothing to compare


def test_git_a_rewritten_default_branch_is_caught_by_the_database(
    pj: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The residual risk the README names: with the history itself rewritten, git holds no
    earlier ledger, so the check passes; the database still has the version and puts it back
    (and refuses new figures) at the next `spiegel results`."""
    published(pj)
    before = json.loads((pj.root / LEDGER).read_text(encoding="utf-8"))
    drop_everywhere(pj)
    assert check(pj)[0] == 1  # caught while the history is there
    git(pj.root, "checkout", "-q", "--orphan", "rewritten")
    commit(pj.root, "history of my own")
    git(pj.root, "branch", "-q", "-D", "main")
    git(pj.root, "branch", "-q", "-m", "main")
    assert check(pj)[0] == 0  # git has nothing left to compare with
    code, err = publish(pj, EV)
    assert code == 0, err
    after = json.loads((pj.root / LEDGER).read_text(encoding="utf-8"))
    assert after["evaluaties"][EV] == before["evaluaties"][EV]


def test_git_a_version_typed_into_the_ledger_is_refused_by_the_database(pj: Project) -> None:
    """The build has no database: a second version typed into `publicaties.json` (here the
    first one again, with a reason: every rule of the chain holds) passes `spiegel check`. The
    database's ledger knows one version, so `spiegel results` refuses the file."""
    published(pj)
    path = pj.root / LEDGER
    book = json.loads(path.read_text(encoding="utf-8"))
    chain = book["evaluaties"][EV]
    chain.append(
        chain[0] | {"reden": "Een tweede versie, met de hand gemaakt", "datum": "2030-01-01"}
    )
    path.write_text(json.dumps(book, indent=1), encoding="utf-8")
    commit(pj.root, "a version by hand")
    assert check(pj)[0] == 0  # the residual risk: nothing in git says it is not real
    code, err = publish(pj, EV)
    assert code == 1 and "noemt versie 2, maar de database kent er 1" in err


def test_git_a_merge_that_keeps_ours_cannot_hide_a_published_version(pj: Project) -> None:
    """`git merge -s ours` of the default branch into a branch that never had the results,
    then a fast-forward: the ledger and the package are gone, and `git log -- path` (history
    simplification) no longer lists the commit that published them, because the merge is the
    same as its other parent. The check read that log and passed. Now it reads the full
    history."""
    published(pj)
    start = git(pj.root, "rev-list", "--max-parents=0", "HEAD").strip()
    git(pj.root, "checkout", "-q", "-b", "side", start)
    (pj.root / "NOTITIES.txt").write_text("ander werk\n", encoding="utf-8")
    commit(pj.root, "other work")
    git(
        pj.root,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.nl",
        "merge",
        "-q",
        "-s",
        "ours",
        "main",
        "-m",
        "merge main, keep ours",
    )
    git(pj.root, "checkout", "-q", "main")
    git(pj.root, "merge", "-q", "--ff-only", "side")
    assert not (pj.root / LEDGER).exists()
    code, err = check(pj)
    assert code == 1 and "de evaluatie is uit het grootboek verwijderd" in err
