"""Issued invitation codes: typable, checked, bound to evaluation and group, used once; the
padding attack (invented codes) fails at the endpoint, over HTTP too, against both stores."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from spiegel.cli import main
from spiegel.db import open_store
from spiegel.security.invites import ALPHABET, new_code, normalise
from spiegel.signups.registry import CODE_REFUSED, CODE_TYPO
from starlette.testclient import TestClient

from . import servers
from .answers import codes_in, issue
from .conftest import Project
from .test_endpoint import app_for

ANSWERS = {f"s{i:02d}": "3" for i in range(1, 13)}
EV, OTHER_EV = "cardiologie-2026", "longziekten-2026"


@pytest.fixture
def env(cli_env: str) -> str:
    return cli_env


def body(ev: str, group: str, code: str) -> dict[str, str]:
    return {"evaluatie": ev, "respondentgroep": group, "code": code, **ANSWERS}


def test_codes_are_typable_and_every_single_typo_is_caught() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = codes.pop()
    assert len(code) == 14 and code.count("-") == 2
    assert normalise(code.lower().replace("-", " ")) == code.replace("-", "")
    plain = code.replace("-", "")
    for i, ch in enumerate(plain):
        for other in ALPHABET:
            if other != ch:  # every single wrong character
                assert normalise(plain[:i] + other + plain[i + 1 :]) is None
        if i + 1 < len(plain) and plain[i] != plain[i + 1]:  # every swap of neighbours
            assert normalise(plain[:i] + plain[i + 1] + plain[i] + plain[i + 2 :]) is None
    assert normalise("0O1I-LUV0-0000") is None and normalise(plain[:-1]) is None


def test_slips_store_only_keyed_hashes_and_counts(env: str, tmp_path: Path) -> None:
    out = tmp_path / "strookjes.html"
    args = ["invite", EV, "--group", "managers", "--slips", "3", "--out", str(out)]
    assert main([*args, "--deadline", "2030-12-31"], io.StringIO()) == 0
    codes = codes_in(out.read_text(encoding="utf-8"))
    assert len(set(codes)) == 3 and all(normalise(c) for c in codes)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert main(args, io.StringIO()) == 2  # the sheet is written once, never overwritten
    issue(EV, "medewerkers", 2)
    store = open_store(env)
    assert store.invited_counts() == {EV: {"managers": 3, "medewerkers": 2}}
    if store.kind == "sqlite":
        dump = "\n".join(store.dialect.connection().iterdump())  # type: ignore[attr-defined]
    else:
        with store.dialect.read() as conn:  # type: ignore[attr-defined]
            dump = json.dumps(conn.execute("SELECT * FROM invitations").fetchall(), default=str)
    for c in codes:
        assert c not in dump and c.replace("-", "") not in dump
    assert "invite\tgroepsevaluatie\tcardiologie-2026 managers 3 papier" in "\n".join(
        f"{e['actor']}\t{e['action']}\t{e['form_id']}\t{e['detail']}" for e in store.audit_log()
    )
    store.close()
    base = ["--slips", "1", "--out", str(tmp_path / "x.html"), "--deadline", "2030-12-31"]
    assert main(["invite", "bestaat-niet", "--group", "managers", *base]) == 2
    assert main(["invite", EV, "--group", "patienten", *base]) == 2
    with pytest.raises(SystemExit) as exit_:  # no list of codes any more (issue 19, attack 3)
        main(["invite", EV, "--group", "managers", "--count", "1"])
    assert exit_.value.code == 2


def test_padding_with_invented_codes_is_refused(env: str) -> None:
    """Attack 1: one real manager plus four invented "managers"; only the real one counts."""
    real = issue(EV, "managers", 1)[0]
    foreign = issue(OTHER_EV, "managers", 1)[0]
    other_group = issue(EV, "medewerkers", 1)[0]
    app = app_for(env)
    with TestClient(app) as c:
        post = lambda b: c.post("/api/forms/groepsevaluatie", json=b)  # noqa: E731
        refused = [
            post(body(EV, "managers", new_code())),  # invented, well-formed
            post(body(EV, "managers", new_code())),
            post(body(EV, "managers", foreign)),  # issued for another evaluation
            post(body(EV, "managers", other_group)),  # issued for another group
        ]
        assert post(body(EV, "managers", real)).status_code == 201
        refused.append(post(body(EV, "managers", real)))  # used
        for r in refused:
            assert r.status_code == 422
            assert r.json()["errors"] == {"code": [CODE_REFUSED]}  # one message: no oracle
        typo = post(body(EV, "managers", real[:-1] + ("2" if real[-1] != "2" else "3")))
        assert typo.json()["errors"] == {"code": [CODE_TYPO]}
        assert post(body(EV, "managers", "")).json()["errors"] == {
            "code": ["Vul de code uit uw uitnodiging in."]
        }
        html = c.post(
            "/api/forms/groepsevaluatie",
            data=body(EV, "managers", new_code()),
            follow_redirects=False,
        )
        assert html.status_code == 422 and "niet versturen" in html.text
    assert app.state.store.ballots_waiting() == 1 and not list(
        app.state.store.rows("groepsevaluatie")
    )  # in the ballot box until a batch moves it
    assert app.state.store.move_ballots(1) == 1
    rows = [r.payload for r in app.state.store.rows("groepsevaluatie")]
    app.state.store.close()
    assert len(rows) == 1 and rows[0]["respondentgroep"] == "managers"
    assert "code" not in rows[0] and real not in json.dumps(rows)


def test_invented_and_foreign_codes_against_the_running_endpoint(env: str) -> None:
    real = issue(EV, "verwijzers", 2)
    foreign = issue(OTHER_EV, "verwijzers", 1)[0]
    proc, base = servers.start(env)
    try:
        url = base + "/api/forms/groepsevaluatie"

        def post(b: dict[str, Any]) -> httpx.Response:
            return httpx.post(url, json=b, timeout=10)

        assert post(body(EV, "verwijzers", real[0])).status_code == 201
        for attempt in (
            body(EV, "verwijzers", new_code()),
            body(EV, "verwijzers", foreign),
            body(EV, "verwijzers", real[0]),
            body(EV, "managers", real[1]),
        ):
            r = post(attempt)
            assert r.status_code == 422 and r.json()["errors"] == {"code": [CODE_REFUSED]}
        assert post(body(EV, "verwijzers", real[1])).status_code == 201
    finally:
        servers.stop(proc)
    store = open_store(env)
    assert store.ballots_waiting() == 2 and store.move_ballots(1) == 2
    assert store.count("groepsevaluatie") == 2
    store.close()


# ------------------------------------------ attacks 1 and 2: no link between a code and an answer

N_BALLOTS = 8


def _answer(i: int) -> dict[str, str]:
    """Answer i, recognisable: s01..s03 spell i in base 5 (the test's own ground truth)."""
    digits = [str(1 + (i // 5**j) % 5) for j in range(3)]
    return ANSWERS | {"s01": digits[0], "s02": digits[1], "s03": digits[2]}


def _signature(payload: dict[str, str]) -> int:
    return sum((int(payload[f"s0{j + 1}"]) - 1) * 5**j for j in range(3))


def _post_in_code_order(env: str) -> tuple[Any, list[str]]:
    codes = issue(EV, "managers", N_BALLOTS)  # the mail-merge order
    app = app_for(env)
    with TestClient(app) as c:
        for i, code in enumerate(codes):
            r = c.post("/api/forms/groepsevaluatie", json=body(EV, "managers", code) | _answer(i))
            assert r.status_code == 201, r.text
    return app.state.store, codes


def test_ballot_box_holds_no_order_and_no_time(env: str) -> None:
    store, _ = _post_in_code_order(env)
    with store.dialect.read() as conn:
        cols = [r[0] for r in conn.execute("SELECT * FROM ballot_box").description]
        days = {r[0] for r in conn.execute("SELECT day FROM ballot_box").fetchall()}
    assert cols == ["id", "form_id", "day", "status", "payload"]  # no time, no sequence
    assert len(days) == 1 and len(next(iter(days))) == 10  # YYYY-MM-DD
    if store.kind == "sqlite":
        with store.dialect.read() as conn, pytest.raises(Exception, match="rowid"):
            conn.execute("SELECT rowid FROM ballot_box").fetchall()  # WITHOUT ROWID
    assert store.move_ballots(N_BALLOTS + 1) == 0  # fewer than asked wait: nothing moves
    assert store.move_ballots(N_BALLOTS) == N_BALLOTS and store.ballots_waiting() == 0
    stored = list(store.rows("groepsevaluatie"))
    assert {r.created_at.time() for r in stored} == {__import__("datetime").time(0)}
    order = [_signature(r.payload) for r in stored]  # seq order, as stored
    assert sorted(order) == list(range(N_BALLOTS))
    assert order != list(range(N_BALLOTS))  # 1 in 8! = 40320 that a shuffle is the identity
    with store.dialect.read() as conn:
        physical = conn.execute(
            "SELECT payload FROM submissions"
            + (" ORDER BY rowid" if store.kind == "sqlite" else " ORDER BY ctid")
        ).fetchall()
    payloads = [store.dialect.read_json(p[0]) for p in physical]
    assert [_signature(p) for p in payloads] != list(range(N_BALLOTS))
    store.close()


def test_no_transaction_links_a_code_to_its_answer(env: str) -> None:
    """On PostgreSQL the answer row and the used code were written by the same transaction:
    ``submissions.xmin = invitations.xmin`` named the invitee of each answer (attack 1)."""
    store, _ = _post_in_code_order(env)
    with store.dialect.read() as conn:
        ballots = [r[0] for r in conn.execute("SELECT id FROM ballot_box").fetchall()]
    assert len(ballots) == N_BALLOTS
    store.move_ballots(1)
    if store.kind == "postgresql":
        with store.dialect.read() as conn:
            (linked,) = conn.execute(
                "SELECT count(*) FROM submissions s JOIN invitations i ON s.xmin = i.xmin"
            ).fetchone()
            xmins = conn.execute("SELECT DISTINCT xmin::text FROM submissions").fetchall()
        assert linked == 0 and len(xmins) == 1  # one batch transaction, no arrival order
    else:
        # replay the SQLite file: the WAL is checkpointed away after the batch, and no page of
        # the file holds a ballot any more (secure_delete); the rowid order is not code order
        wal = Path(str(store.dialect.path) + "-wal")  # type: ignore[attr-defined]
        assert not wal.exists() or wal.stat().st_size == 0
        with store.dialect.read() as conn:
            assert conn.execute("SELECT count(*) FROM ballot_box").fetchone()[0] == 0
            found = conn.execute("SELECT payload FROM submissions ORDER BY rowid").fetchall()
        order = [_signature(store.dialect.read_json(p[0])) for p in found]
        assert order != list(range(N_BALLOTS))
        raw = Path(store.dialect.path).read_bytes()  # type: ignore[attr-defined]
        assert not [b for b in ballots if b.encode() in raw]  # wiped, not only unlinked
    store.close()


def test_export_writes_no_id_and_no_time_for_anonymous_answers(env: str, tmp_path: Path) -> None:
    store, _ = _post_in_code_order(env)
    store.move_ballots(1)
    store.close()
    out = tmp_path / "raw.csv"
    assert main(["export", "groepsevaluatie", "--format", "data", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == N_BALLOTS
    assert not [c for c in rows[0] if c.startswith("toelichting")]  # comments: debrief only
    assert {r["id"] for r in rows} == {""}
    assert all(len(r["ingediend"]) == 10 for r in rows)  # the day, nothing finer
    orders = set()
    for _ in range(3):  # shuffled on every export
        assert main(["export", "groepsevaluatie", "--format", "data", "-o", str(out)]) == 0
        again = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        orders.add(tuple(_signature(r) for r in again))
    assert len(orders) > 1


def test_spiegel_ballots_moves_only_a_batch(
    env: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--alles`` moves the last answers of a closed evaluation, however few, and never those
    of one that is still open: a batch of one would name its code to whoever holds a copy of
    the database from before and after it (issue 19, the hidden check)."""
    store, _ = _post_in_code_order(env)
    store.close()
    buf = io.StringIO()
    assert main(["ballots"], buf) == 0 and "0 antwoord(en) verplaatst, 8 wachten" in buf.getvalue()
    buf = io.StringIO()
    assert main(["ballots", "--alles"], buf) == 0 and "0 antwoord(en) verplaatst" in buf.getvalue()
    project.edit("content/groepsevaluatie.yaml", "open: true", "open: false")  # cardiologie
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(project.content))
    buf = io.StringIO()
    assert main(["ballots", "--alles"], buf) == 0 and "8 antwoord(en) verplaatst" in buf.getvalue()
