"""What is already published: a content file as the default branch holds it, and its history.

Rules that compare an edit with what went before read the earlier versions here, from git:

- the results ledger (``content/results/publicaties.json``) may only grow, in every commit of
  its history and against the default branch;
- a session dated in the past may stay (it was published and simply drops off), but a new one
  dated in the past is a typo.

The default branch is ``SPIEGEL_BASE_REF`` when set (the pipelines set it, e.g.
``origin/main``), else the remote's ``origin/HEAD``, else ``origin/main`` or ``origin/master``
when one exists. Outside a git work tree, or without any of these, there is no baseline: the
rules that need one say so (``Baseline.ref is None``) instead of guessing. A
``SPIEGEL_BASE_REF`` that names nothing (a pipeline that did not fetch the default branch) is
kept in ``Baseline.asked`` so a rule can fail closed with a message that says what to fetch.

Only ``git`` itself is run (no library); every call is bounded and its failure means "unknown",
never a crash of the build.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

__all__ = ["Baseline", "find_baseline"]

_TIMEOUT = 20  # seconds per git call; a huge history must not hang the build


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Baseline:
    """The published side of the project in ``root`` (the folder holding ``content/``)."""

    root: Path
    ref: str | None  # the default branch, e.g. "origin/main"; None when unknown
    in_git: bool = False  # root is inside a git work tree (history may still be shallow)
    asked: str | None = None  # SPIEGEL_BASE_REF as set, also when it could not be found
    shallow: bool = False  # a shallow clone: its history stops somewhere, what is older is gone
    _cache: dict[tuple[str, str], str | None] = field(default_factory=dict, compare=False)

    def text(self, relpath: str) -> str | None:
        """The file as the default branch holds it; None when it is absent there or unknown."""
        if self.ref is None:
            return None
        return self.text_at(self.ref, relpath)

    def text_at(self, rev: str, relpath: str) -> str | None:
        """The file at any revision (``HEAD``, a commit id); None when absent."""
        key = (rev, relpath)
        if key not in self._cache:
            self._cache[key] = _git(self.root, "show", f"{rev}:{_posix(self.root, relpath)}")
        return self._cache[key]

    def history(self, relpath: str) -> list[tuple[str, str]]:
        """Every committed version of the file, oldest first, as (commit, text); versions in
        which the file was deleted are left out. Empty outside git or for a new file."""
        if not self.in_git:
            return []
        # --full-history: without it git simplifies the history of a path and skips a side of a
        # merge that equals the other (``git merge -s ours`` would hide a published version)
        log = _git(
            self.root,
            "log",
            "--full-history",
            "--format=%H",
            "--reverse",
            "--",
            _posix(self.root, relpath),
        )
        out: list[tuple[str, str]] = []
        for commit in (log or "").split():
            text = self.text_at(commit, relpath)
            if text is not None:
                out.append((commit, text))
        return out


def _posix(root: Path, relpath: str) -> str:
    """A path relative to the repository's top (``git show`` needs that, not the cwd)."""
    prefix = _prefix(str(root.resolve()))
    return f"{prefix}{Path(relpath).as_posix()}"


@cache
def _prefix(root: str) -> str:
    out = _git(Path(root), "rev-parse", "--show-prefix")
    return (out or "").strip()


def find_baseline(root: Path, ref: str | None = None) -> Baseline:
    """The baseline of the project in ``root``; ``ref`` is ``SPIEGEL_BASE_REF`` when set."""
    root = Path(root)
    inside = (_git(root, "rev-parse", "--is-inside-work-tree") or "").strip() == "true"
    if not inside:  # a SPIEGEL_BASE_REF that was asked for still counts: it cannot be found
        return Baseline(root, None, False, ref or None)
    shallow = (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true"
    if ref:
        found = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return Baseline(root, ref if found else None, True, ref, shallow)
    head = (_git(root, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD") or "").strip()
    for candidate in (head, "origin/main", "origin/master"):
        if candidate and _git(root, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"):
            return Baseline(root, candidate, True, None, shallow)
    return Baseline(root, None, True, None, shallow)
