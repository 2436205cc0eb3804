"""content/baseline.py: the published version of a content file, read from git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from spiegel.content.baseline import find_baseline


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def commit(root: Path, relpath: str, text: str | None, message: str) -> None:
    path = root / relpath
    if text is None:
        git(root, "rm", "-qf", relpath)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(root, "add", relpath)
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.nl", "commit", "-qm", message)


def test_outside_git_there_is_no_baseline(tmp_path: Path) -> None:
    base = find_baseline(tmp_path)
    assert (base.ref, base.in_git) == (None, False)
    assert base.text("content/x.yaml") is None
    assert base.history("content/x.yaml") == []


def test_default_branch_history_and_a_ref_that_names_nothing(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    commit(origin, "content/x.yaml", "one\n", "first")
    commit(origin, "content/x.yaml", "two\n", "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    commit(clone, "content/x.yaml", "three\n", "local edit")
    (clone / "content" / "x.yaml").write_text("four (not committed)\n", encoding="utf-8")

    base = find_baseline(clone)
    assert base.ref == "origin/main"
    assert base.text("content/x.yaml") == "two\n"
    assert base.text("content/absent.yaml") is None
    assert [text for _, text in base.history("content/x.yaml")] == ["one\n", "two\n", "three\n"]
    # a project one folder down: paths are taken relative to the folder holding content/
    assert find_baseline(clone / "content").text_at("HEAD", "x.yaml") == "three\n"

    commit(clone, "content/x.yaml", None, "deleted")
    assert [t for _, t in base.history("content/x.yaml")] == ["one\n", "two\n", "three\n"]

    explicit = find_baseline(clone, "origin/main")
    assert (explicit.ref, explicit.asked) == ("origin/main", "origin/main")
    missing = find_baseline(clone, "origin/nowhere")
    assert (missing.ref, missing.asked) == (None, "origin/nowhere")
    assert missing.text("content/x.yaml") is None
