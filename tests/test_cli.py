"""The staff command: export (formula-safe, audited), purge (retention), schema, migrate."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from spiegel.cli import main, neutralise
from spiegel_endpoint.app import create_app
from spiegel_endpoint.store import open_store
from starlette.testclient import TestClient

from .conftest import ROOT
from .test_endpoint import settings_for
from .test_forms import VALID


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", database_url)
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(ROOT / "forms"))
    monkeypatch.setenv("SPIEGEL_ACTOR", "test-medewerker")
    return database_url


def run(*args: str) -> str:
    out = io.StringIO()
    assert main(list(args), out) == 0
    return out.getvalue()


def submit(database_url: str, form_id: str, body: dict[str, Any]) -> None:
    app = create_app(settings_for(database_url))
    with TestClient(app) as c:
        assert c.post(f"/api/forms/{form_id}", json=body).status_code == 201
    app.state.store.close()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+31", "'+31"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("0612345678", "0612345678"),
        ("Anna", "Anna"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_export_has_definition_columns_and_is_audited(env: str) -> None:
    submit(env, "vvg", {**VALID["vvg"], "naam": "=cmd|' /C calc'!A0"})
    text = run("export", "vvg")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "id",
        "ingediend",
        "status",
        "rol",
        "naam",
        "afdeling",
        "periode",
        "email",
        "telefoon",
    ]
    assert rows[1][4] == "'=cmd|' /C calc'!A0"
    assert rows[1][8] == "0612345678"
    log = run("audit-log")
    assert "test-medewerker\texport\tvvg\t1 rows" in log


def test_export_decrypts_with_the_key(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)
    from dataclasses import replace

    app = create_app(replace(settings_for(env), encryption_key=key))
    with TestClient(app) as c:
        assert (
            c.post("/api/forms/spiegelbijeenkomst", json=VALID["spiegelbijeenkomst"]).status_code
            == 201
        )
    app.state.store.close()
    assert "Anna de Vries" in run("export", "spiegelbijeenkomst")


def test_groepsevaluatie_export_writes_nvt_as_empty(env: str) -> None:
    answers = {f"s{i:02d}": "4" for i in range(1, 13)} | {"s03": "nvt"}
    submit(
        env,
        "groepsevaluatie",
        {"evaluatie": "cardiologie-2026", "respondentgroep": "managers", **answers},
    )
    rows = list(csv.DictReader(io.StringIO(run("export", "groepsevaluatie"))))
    assert rows[0]["s03"] == "" and rows[0]["s01"] == "4"


def test_purge_deletes_only_past_retention(env: str) -> None:
    submit(env, "collegiale-ondersteuning", VALID["collegiale-ondersteuning"])
    submit(env, "vvg", VALID["vvg"])
    store = open_store(env)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    store.purge({})  # no-op
    # age the peer-support request past its 30-day retention
    if store.kind == "sqlite":
        store._conn().execute(
            "UPDATE submissions SET created_at = ? WHERE form_id = ?",
            (old.isoformat(), "collegiale-ondersteuning"),
        )  # type: ignore[attr-defined]
    else:
        conn = store._conn()  # type: ignore[attr-defined]
        conn.execute(
            "UPDATE submissions SET created_at = %s WHERE form_id = %s",
            (old, "collegiale-ondersteuning"),
        )
    assert "collegiale-ondersteuning: 1 would be deleted" in run("purge", "--dry-run")
    out = run("purge")
    assert "collegiale-ondersteuning: 1 deleted" in out and "vvg: 0 deleted" in out
    assert store.count("collegiale-ondersteuning") == 0 and store.count("vvg") == 1
    assert "purge\tcollegiale-ondersteuning" in run("audit-log")
    assert "collegiale-ondersteuning: 0 deleted" in run("purge")  # safe to run again from cron
    store.close()


def test_schema_command(env: str) -> None:
    assert '"name": "s12"' in run("schema", "groepsevaluatie")


def test_unknown_form(env: str) -> None:
    assert main(["export", "bestaat-niet"], io.StringIO()) == 2
