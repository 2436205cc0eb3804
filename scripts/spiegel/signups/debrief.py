"""Comments (toelichtingen) for the group's own debrief, and nowhere else (issue 19).

A comment never leaves the database in an export, a package or the site. After the evaluation
closed, the evaluation's coordinator sees them in the back office: per respondent group with at
least k answers (the k frozen for the evaluation), per theme, shuffled on every view (no order
that follows arrival), and first edits them: removes names and whatever else makes someone
recognisable. Only that edited text, sealed like an answer, can be shown or printed for the
debrief; every view, edit and print is in the access log. Groups below k show no comment at all:
a handful of comments of a small group name their writers as surely as their answers would.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from spiegel.db.base import Store
from spiegel.db.evaluations import EvaluationDB
from spiegel.forms.patterns import clean_text
from spiegel.results import ledger
from spiegel.security.cipher import FieldCipher
from spiegel.signups import ballots
from spiegel.signups.export import Unreadable, open_payload
from spiegel.signups.invitations import seal, unseal

FORM = "groepsevaluatie"
PREFIX = "toelichting_"
MAX_TEXT = 20_000


@dataclass
class Theme:
    id: str
    name: str
    comments: list[str] = field(default_factory=list)  # as written, shuffled (editing only)
    edited: str | None = None  # the coordinator's version: the only one that is shown
    edited_by: str = ""
    edited_at: dt.datetime | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in (self.edited or "").split("\n\n") if p.strip()]


@dataclass
class Group:
    id: str
    name: str
    n: int
    themes: list[Theme]


def k_of(store: Store, ge: dict[str, Any], evaluation: str) -> int:
    """The k frozen at the evaluation's first code, else the configured one."""
    configured = int(ge.get("disclosure", {}).get("k", 5))
    return store.frozen_k().get(evaluation, configured)


def groups(
    store: Store, cipher: FieldCipher | None, ge: dict[str, Any], evaluation: str
) -> tuple[list[Group], int]:
    """The groups with at least k answers, their comments per theme (shuffled) and the edited
    versions; and how many invited groups were left out: fewer than k answers, or fewer than k
    more or less than when the group's comments or figures were shown before. The groups shown
    are recorded (``EvaluationDB.record_seen``)."""
    still_open = [e["id"] for e in ge["evaluations"] if e["open"]]
    ballots.move(store, cipher, still_open)  # closed: every answer of it is in
    names = {g["id"]: g["name"] for g in ge["respondent_groups"]}
    themes = dict(ge["themes"])
    counts: dict[str, int] = {}
    found: dict[tuple[str, str], list[str]] = {}
    for row in store.rows(FORM, shuffled=True):
        try:
            values = open_payload(row, cipher)
        except Unreadable:
            continue
        if values.get("evaluatie") != evaluation:
            continue
        group = values.get("respondentgroep", "")
        counts[group] = counts.get(group, 0) + 1
        for theme in themes:
            text = values.get(PREFIX + theme, "").strip()
            if text:
                found.setdefault((group, theme), []).append(text)
    k = k_of(store, ge, evaluation)
    db = EvaluationDB(store)
    edited = db.debrief(evaluation)
    before = _shown_before(db, evaluation)
    invited = store.invited_counts().get(evaluation, {})
    used = store.used_counts().get(evaluation, {})
    out, left_out, shown = [], 0, {}
    for gid, name in names.items():
        n = counts.get(gid, 0)
        earlier = [b for b in before.get(gid, []) if n != b and n - b < k]
        if n < k or earlier or n > used.get(gid, 0):  # more rows than codes: padded
            # every invited group alike, whether none, one or k-1 answered (who answered?);
            # and a group whose answers changed by fewer than k since its comments or figures
            # were shown (reopened for a late answer) shows nothing new
            left_out += 1 if (invited.get(gid) or n) else 0
            continue
        shown[gid] = n
        parts = []
        for tid, tname in themes.items():
            comments = found.get((gid, tid), [])
            random.SystemRandom().shuffle(comments)
            theme = Theme(tid, tname, comments)
            if (gid, tid) in edited:
                body, by, at = edited[(gid, tid)]
                theme.edited = unseal(cipher, body).get("tekst", "")
                theme.edited_by, theme.edited_at = by, dt.datetime.fromisoformat(at)
            parts.append(theme)
        out.append(Group(gid, name, counts[gid], parts))
    if shown:
        db.record_seen(evaluation, None, shown)
    return out, left_out


def _shown_before(db: EvaluationDB, evaluation: str) -> dict[str, list[int]]:
    """n per group as shown before: in the debrief, a preview or a publication."""
    figures, groups = db.seen(evaluation)
    chain = db.publications().get(evaluation, [])
    out: dict[str, list[int]] = {g: [n] for g, n in groups.items()}
    for v in [figures, chain[-1][0] if chain else None]:
        for g, n in ledger.shown_groups(v).items() if v else ():
            out.setdefault(g, []).append(n)
    return out


def draft(theme: Theme) -> str:
    """What the editing screen starts from: the saved version, else the comments (shuffled),
    separated by a blank line."""
    return theme.edited if theme.edited is not None else "\n\n".join(theme.comments)


def save(
    store: Store,
    cipher: FieldCipher | None,
    ge: dict[str, Any],
    evaluation: str,
    group: str,
    theme: str,
    text: str,
    by: str,
    shown: Collection[str] | None = None,
) -> str | None:
    """Keep the coordinator's edited version (sealed); a Dutch problem, or None. ``shown``: the
    ids of the groups ``groups`` gave for this evaluation, when the caller has just loaded them
    (the back office's editing screen); otherwise they are loaded here."""
    if shown is None:
        shown = [g.id for g in groups(store, cipher, ge, evaluation)[0]]
    if group not in shown or theme not in ge["themes"]:
        return "deze groep of dit thema kan niet (minder dan k antwoorden?)"
    body = text.replace("\r\n", "\n").strip()
    if len(body) > MAX_TEXT:
        return f"de tekst is te lang (hoogstens {MAX_TEXT} tekens)"
    if body and clean_text(body) is None:
        return "de tekst bevat onzichtbare of speciale tekens; typ hem opnieuw"
    sealed = seal(cipher, {"tekst": body})
    EvaluationDB(store).save_debrief(evaluation, group, theme, sealed, by)
    return None


def reset(store: Store, evaluation: str, group: str, theme: str) -> None:
    EvaluationDB(store).drop_debrief(evaluation, group, theme)
