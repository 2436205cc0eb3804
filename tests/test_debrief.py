"""Comments (toelichtingen) go to the group's own debrief only (issue 19), on both stores, with
an encryption key: only groups with at least k answers, per theme, edited before they can be
shown, the edited text sealed like an answer, gone with the answers' retention."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from spiegel.db import open_store
from spiegel.db.evaluations import EvaluationDB
from spiegel.security.cipher import FieldCipher
from spiegel.signups import debrief

from .answers import answer
from .conftest import ROOT
from .test_invitations import KEY, dump
from .test_results import EV, rows

NAME = "dokter Van der Berg"


@pytest.fixture
def closed_ge() -> dict[str, Any]:
    ge = yaml.safe_load((ROOT / "content/groepsevaluatie.yaml").read_text(encoding="utf-8"))
    for e in ge["evaluations"]:
        e["open"] = False
    return dict(ge)


def test_only_groups_with_k_answers_and_only_edited_text(
    cli_env: str, closed_ge: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", KEY)
    own = rows(EV, "eigen-groep", 6, "3")
    for i, r in enumerate(own):
        r["toelichting_samenwerking"] = f"{NAME} is nooit bereikbaar." if i == 0 else f"Punt {i}."
        r["toelichting_organisatie"] = "Het rooster klopt niet." if i == 1 else ""
    few = rows(EV, "managers", 3, "2")
    few[0]["toelichting_samenwerking"] = "Als enige manager van de poli zie ik dit anders."
    answer(cli_env, own + few, encryption_key=KEY)
    store, cipher = open_store(cli_env), FieldCipher(KEY)
    found, left_out = debrief.groups(store, cipher, closed_ge, EV)
    assert [g.id for g in found] == ["eigen-groep"] and left_out == 1
    themes = {t.id: t for t in found[0].themes}
    assert sorted(themes["samenwerking"].comments) == sorted(
        [f"{NAME} is nooit bereikbaar.", *(f"Punt {i}." for i in range(1, 6))]
    )
    assert themes["organisatie"].comments == ["Het rooster klopt niet."]
    assert themes["communicatie"].comments == [] and themes["samenwerking"].edited is None
    assert "Als enige manager" not in repr(found)  # below k: not a word of it
    problem = debrief.save(store, cipher, closed_ge, EV, "managers", "samenwerking", "x", "Eva")
    assert problem and "minder dan k" in problem
    problem = debrief.save(
        store, cipher, closed_ge, EV, "eigen-groep", "samenwerking", "a\u202eb", "Eva"
    )
    assert problem and "speciale tekens" in problem
    edited = "Een specialist is nooit bereikbaar.\n\nPunt 1."
    ok = debrief.save(store, cipher, closed_ge, EV, "eigen-groep", "samenwerking", edited, "Eva")
    assert ok is None
    again, _ = debrief.groups(store, cipher, closed_ge, EV)
    theme = next(t for t in again[0].themes if t.id == "samenwerking")
    assert theme.paragraphs == ["Een specialist is nooit bereikbaar.", "Punt 1."]
    assert theme.edited_by == "Eva" and debrief.draft(theme) == edited
    text = dump(cli_env)
    assert "Een specialist is nooit bereikbaar" not in text and NAME not in text  # sealed
    debrief.reset(store, EV, "eigen-groep", "samenwerking")
    again, _ = debrief.groups(store, cipher, closed_ge, EV)
    assert next(t for t in again[0].themes if t.id == "samenwerking").edited is None
    debrief.save(store, cipher, closed_ge, EV, "eigen-groep", "organisatie", "Rooster.", "Eva")
    db = EvaluationDB(store)
    assert db.purge_debrief(dt.datetime.now(dt.UTC) - dt.timedelta(days=1)) == 0
    assert db.purge_debrief(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)) == 1
    assert db.debrief(EV) == {}
    store.close()


def test_saving_with_the_groups_just_loaded_reads_no_answer_again(
    cli_env: str, closed_ge: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The back office's editing screen has just loaded the groups: saving checks against them
    instead of opening and moving every answer a second time."""
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", KEY)
    answer(cli_env, rows(EV, "eigen-groep", 6, "3"), encryption_key=KEY)
    store, cipher = open_store(cli_env), FieldCipher(KEY)
    shown = [g.id for g in debrief.groups(store, cipher, closed_ge, EV)[0]]

    def again(*args: object) -> None:
        raise AssertionError("the answers were read a second time")

    monkeypatch.setattr(debrief, "groups", again)
    args = (store, cipher, closed_ge, EV)
    assert debrief.save(*args, "eigen-groep", "samenwerking", "Punt.", "Eva", shown) is None
    problem = debrief.save(*args, "managers", "samenwerking", "x", "Eva", shown)
    assert problem and "minder dan k" in problem
    assert list(EvaluationDB(store).debrief(EV)) == [("eigen-groep", "samenwerking")]
    store.close()
