"""Issue 19, the hidden check, as an outsider at the questionnaire: an unknown, a used, another
evaluation's and another group's code must be one and the same to whoever sends them. The
answer is one message (``tests/test_invites.py``); here the work behind it: the database runs
the same statements for each, so no timing tells an issued code from an invented one. (The
back office's screens: ``tests/test_insider_coordinator.py``.)"""

from __future__ import annotations

import re

import pytest
from spiegel.db import open_store
from spiegel.db.base import DuplicateError, Submission
from spiegel.security.invites import new_code, normalise
from spiegel.services import Services

from .answers import issue

EV, OTHER = "cardiologie-2026", "longziekten-2026"
QUOTED = re.compile(r"'[^']*'")  # bound values, as the trace shows them


def test_outsider_every_refused_code_runs_the_same_statements(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", url)
    mine, used = issue(EV, "managers", 2)
    foreign = issue(OTHER, "managers", 1)[0]
    services = Services.from_env()
    store, keys = services.store, services.keys

    def submission(code: str, ev: str = EV, group: str = "managers") -> Submission:
        key = keys.invitation(normalise(code) or "")
        return Submission("groepsevaluatie", {"s01": "3"}, invitation=(key, ev, group))

    store.submit(submission(used))  # answered: the code is used now
    conn = store.dialect.connection()  # type: ignore[attr-defined]
    seen: list[str] = []
    conn.set_trace_callback(seen.append)

    def statements(sub: Submission) -> list[str]:
        seen.clear()
        with pytest.raises(DuplicateError):
            store.submit(sub)
        return [QUOTED.sub("?", s) for s in seen]

    unknown = statements(submission(new_code()))
    assert unknown == statements(submission(used))
    assert unknown == statements(submission(foreign))
    assert unknown == statements(submission(mine, group="verwijzers"))
    assert unknown == statements(submission(mine, ev=OTHER))
    assert any("UPDATE invitations" in s for s in unknown)
    conn.set_trace_callback(None)
    store.close()
    assert open_store(url).ballots_waiting() == 1
