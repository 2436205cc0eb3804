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
from .test_endpoint import app_for

ANSWERS = {f"s{i:02d}": "3" for i in range(1, 13)}
EV, OTHER_EV = "cardiologie-2026", "longziekten-2026"


@pytest.fixture
def env(cli_env: str) -> str:
    return cli_env


def issue(ev: str, group: str, count: int, out: Path | None = None) -> list[str]:
    buf = io.StringIO()
    args = ["invite", ev, "--group", group, "--count", str(count)]
    assert main([*args, "--out", str(out)] if out else args, buf) == 0
    text = out.read_text(encoding="utf-8") if out else buf.getvalue()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["evaluatie"], r["respondentgroep"]) for r in rows} == {(ev, group)}
    return [r["code"] for r in rows]


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


def test_invite_stores_only_keyed_hashes_and_counts(env: str, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    codes = issue(EV, "managers", 3, out)
    assert len(set(codes)) == 3 and all(normalise(c) for c in codes)
    assert main(["invite", EV, "--group", "managers", "--count", "2", "--out", str(out)]) == 2
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
    assert "invite\tgroepsevaluatie\tcardiologie-2026 managers 3" in "\n".join(
        f"{e['actor']}\t{e['action']}\t{e['form_id']}\t{e['detail']}" for e in store.audit_log()
    )
    store.close()
    assert main(["invite", "bestaat-niet", "--group", "managers", "--count", "1"]) == 2
    assert main(["invite", EV, "--group", "patienten", "--count", "1"]) == 2


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
    assert store.count("groepsevaluatie") == 2
    store.close()
