"""The staff command: export (formula-safe, audited), purge (retention), schema, migrate."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from spiegel.cli import main, parser
from spiegel.db import open_store
from spiegel.signups.export import neutralise
from starlette.testclient import TestClient

from .answers import issue
from .test_endpoint import app_for
from .test_forms import VALID


@pytest.fixture
def env(cli_env: str) -> str:
    return cli_env


def run(*args: str) -> str:
    out = io.StringIO()
    assert main(list(args), out) == 0
    return out.getvalue()


def submit(database_url: str, form_id: str, body: dict[str, Any]) -> None:
    app = app_for(database_url)
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
        # issue 11 #12: fullwidth and small signs, and signs after spaces, are formulas too
        ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),
        ("\uff0b31", "'\uff0b31"),
        ("\ufe66SUM(A1)", "'\ufe66SUM(A1)"),
        ("\uff20x", "'\uff20x"),
        ("  =1+1", "'  =1+1"),
        ("\nx", "'\nx"),
        ("0612345678", "0612345678"),
        ("Anna", "Anna"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_export_has_definition_columns_and_is_audited(env: str) -> None:
    submit(env, "vvg", {**VALID["vvg"], "naam": "=cmd|' /C calc'!A0"})
    text = run("export", "vvg", "--format", "data")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "id",
        "ingediend",
        "status",
        "gesprek",
        "rol",
        "naam",
        "afdeling",
        "email",
        "telefoon",
        "doorschuiven",
    ]
    assert rows[1][5] == "'=cmd|' /C calc'!A0"
    assert rows[1][8] == "0612345678"
    log = run("audit-log")
    assert "test-medewerker\texport\tvvg\t1 rows" in log


def test_export_decrypts_with_the_key(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)

    app = app_for(env, encryption_key=key)
    with TestClient(app) as c:
        assert (
            c.post("/api/forms/spiegelbijeenkomst", json=VALID["spiegelbijeenkomst"]).status_code
            == 201
        )
    app.state.store.close()
    assert "Anna de Vries" in run("export", "spiegelbijeenkomst")


def test_groepsevaluatie_export_writes_nvt_as_empty(env: str) -> None:
    answers = {f"s{i:02d}": "4" for i in range(1, 13)} | {"s03": "nvt"}
    [code] = issue("cardiologie-2026", "managers", 1)
    submit(
        env,
        "groepsevaluatie",
        {"evaluatie": "cardiologie-2026", "respondentgroep": "managers", "code": code, **answers},
    )
    # still open: `spiegel ballots --alles` leaves a batch of one alone; moved by hand here
    assert "0 antwoord(en) verplaatst" in run("ballots", "--alles")
    store = open_store(env)
    assert store.move_ballots(1) == 1  # out of the ballot box
    store.close()
    rows = list(csv.DictReader(io.StringIO(run("export", "groepsevaluatie", "--format", "data"))))
    assert rows[0]["s03"] == "" and rows[0]["s01"] == "4"


def test_purge_deletes_only_past_retention(env: str) -> None:
    submit(env, "collegiale-ondersteuning", VALID["collegiale-ondersteuning"])
    submit(env, "vvg", VALID["vvg"])
    store = open_store(env)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    store.purge({})  # no-op
    # age the peer-support request past its 30-day retention
    d = store.dialect  # type: ignore[attr-defined]
    with d.transaction() as conn:
        conn.execute(
            f"UPDATE submissions SET created_at = {d.mark} WHERE form_id = {d.mark}",
            (d.time(old), "collegiale-ondersteuning"),
        )
    assert "collegiale-ondersteuning: 1 zou(den) worden verwijderd" in run("purge", "--dry-run")
    out = run("purge")
    assert "collegiale-ondersteuning: 1 verwijderd" in out and "vvg: 0 verwijderd" in out
    assert store.count("collegiale-ondersteuning") == 0 and store.count("vvg") == 1
    assert "purge\tcollegiale-ondersteuning" in run("audit-log")
    assert "collegiale-ondersteuning: 0 verwijderd" in run("purge")  # safe to run again from cron
    store.close()


def test_schema_command(env: str) -> None:
    assert '"name": "s12"' in run("schema", "groepsevaluatie")


def _commands() -> list[str]:
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


# argparse's own English, and English words that slipped into our help texts
ENGLISH = re.compile(
    r"\b(usage|options|positional|arguments|show|help message|default|the|print|file"
    r"|folder|messages?|deliver|queue|form|submissions?)\b"
)


@pytest.mark.parametrize("command", ["", *_commands()])
def test_help_is_dutch(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Staff read `spiegel --help` and `spiegel X --help`: Dutch, from the first word."""
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"] if command else ["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"gebruik: spiegel {command}".rstrip() + " ")
    assert "opties:" in text and "toon deze hulp" in text
    assert ENGLISH.findall(text) == []


@pytest.mark.parametrize(
    ("argv", "dutch"),
    [
        ([], "spiegel: dit ontbreekt nog: OPDRACHT"),
        (["exporteer"], "'exporteer' kan niet; kies uit"),
        (["invite", "x"], "spiegel invite: kies een van: --addresses --slips --remind"),
        (["invite", "x", "--group", "a", "--slips", "tien"], "'tien' is geen heel getal"),
        (["invite", "x", "--slips", "1", "--remind"], "--remind: gaat niet samen met --slips"),
        (["outbox", "verstuur"], "bij list|send: 'verstuur' kan niet; kies uit 'list', 'send'"),
        (["check", "--wat"], "dit begrijp ik niet: --wat"),
    ],
)
def test_mistakes_on_the_command_line_are_explained_in_dutch(
    argv: list[str], dutch: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("gebruik: spiegel") and dutch in err and "--help" in err


def test_unknown_form(env: str) -> None:
    assert main(["export", "bestaat-niet"], io.StringIO()) == 2


def test_outbox_lists_without_personal_data_and_sends_as_eml(
    env: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPIEGEL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("SPIEGEL_PUBLIC_URL", "https://spiegel.example")
    submit(env, "spiegelbijeenkomst", VALID["spiegelbijeenkomst"])
    phone_only = {**VALID["spiegelbijeenkomst"], "email": "", "telefoon": "0612345678"}
    submit(env, "spiegelbijeenkomst", phone_only)
    listing = run("outbox")
    assert "confirmation\twacht" in listing and "anna@example.nl" not in listing
    assert "2 bericht(en) niet verstuurd" in listing
    assert "anna@example.nl" in run("outbox", "--personal")
    assert "2 bericht(en) afgehandeld" in run("outbox", "send")
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert b"https://spiegel.example/api/afmelden/" in eml.read_bytes()
    after = run("outbox")
    assert "bellen (geen e-mailadres)" in after and "1 bericht(en) niet verstuurd" in after
    assert "phone" not in after and "e-mail address" not in after  # issue 22 #9: Dutch


def test_outbox_shows_amsterdam_time_like_the_export(env: str) -> None:
    """The listing showed UTC where the export shows Europe/Amsterdam: one clock for staff."""
    from spiegel.clock import ZONE

    before = dt.datetime.now(ZONE)
    submit(env, "spiegelbijeenkomst", VALID["spiegelbijeenkomst"])
    listing = run("outbox")
    after = dt.datetime.now(ZONE)
    assert listing.startswith("aangemaakt (Nederlandse tijd)\t")
    assert f"{before:%Y-%m-%d %H:%M}" in listing or f"{after:%Y-%m-%d %H:%M}" in listing
    utc = dt.datetime.now(dt.UTC)
    if utc.hour != after.hour:  # always, unless Amsterdam were on UTC
        assert f"{utc:%Y-%m-%d %H:%M}" not in listing


def test_remind_queues_one_reminder_per_signup(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    submit(env, "spiegelbijeenkomst", VALID["spiegelbijeenkomst"])
    monkeypatch.setenv("SPIEGEL_TODAY", "2027-01-12")  # the one clock honours it
    assert "1 herinnering(en) klaargezet" in run("remind")
    assert "0 herinnering(en) klaargezet" in run("remind")
    store = open_store(env)
    assert [r.kind for r in store.outbox(("pending",))].count("reminder") == 1
    store.close()


def test_cron_commands_never_mail_links_without_a_host(
    env: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`spiegel remind && spiegel outbox send` without SPIEGEL_SITE_URL mailed cancel links
    "/api/afmelden/..." and an .ics saying "Aanmelden: /spiegelbijeenkomst/agenda/". Now the
    sender refuses, says why, and keeps the messages for when the address is set."""
    import email
    import email.policy
    from email.message import EmailMessage

    outbox = tmp_path / "outbox"
    monkeypatch.setenv("SPIEGEL_OUTBOX_DIR", str(outbox))
    for name in ("SPIEGEL_SITE_URL", "SPIEGEL_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPIEGEL_TODAY", "2027-01-12")
    submit(env, "spiegelbijeenkomst", VALID["spiegelbijeenkomst"])
    assert "1 herinnering(en) klaargezet" in run("remind")
    assert main(["outbox", "send"], io.StringIO()) == 2
    said = capsys.readouterr().err
    assert "niets verstuurd" in said and "SPIEGEL_SITE_URL" in said
    assert not outbox.exists() or not list(outbox.glob("*.eml"))
    assert "2 bericht(en) niet verstuurd" in run("outbox")  # kept, not failed
    monkeypatch.setenv("SPIEGEL_SITE_URL", "https://spiegel.example.nl")
    assert "2 bericht(en) afgehandeld" in run("outbox", "send")
    for path in outbox.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), EmailMessage, policy=email.policy.default)
        text = "\n".join(
            part.get_content() for part in msg.walk() if part.get_content_maintype() == "text"
        )
        assert "https://spiegel.example.nl/api/afmelden/" in text
        assert 'href="/' not in text and " /api/afmelden/" not in text
        assert "/spiegelbijeenkomst/agenda/" not in text.replace(
            "https://spiegel.example.nl/spiegelbijeenkomst/agenda/", ""
        )


# ---------------------------------------------------------------- issue 10: an export people can open


def _people(i: int, **kw: str) -> dict[str, str]:
    return {
        **VALID["spiegelbijeenkomst"],
        "naam": f"Persoon {i}",
        "email": f"persoon{i}@example.nl",
        **kw,
    }


@pytest.fixture
def signed_up(env: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Seven patients and a partner for cardiologie, three on its waiting list, one of the seven
    cancelled (the first consenting waiter moves up), one for the kinderafdeling; with a key."""

    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)
    from spiegel.mailsettings import MailSettings

    app = app_for(env, encryption_key=key, mail=MailSettings(signups_per_day=0))
    ids: dict[str, str] = {}
    with TestClient(app) as c:

        def post(name: str, body: dict[str, str]) -> None:
            r = c.post("/api/forms/spiegelbijeenkomst", json=body)
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]

        post("kind", _people(50, sessie="2027-03-kinderafdeling", rol="ouder"))
        for i in range(7):
            post(f"p{i}", _people(i, naam='=HYPERLINK("x")' if i == 3 else f"Persoon {i}"))
        post("partner", _people(20, rol="partner"))
        post("w1", _people(30))
        post("w2", _people(31, doorschuiven="ja"))
        post("w3", _people(32))
        store = app.state.store
        seat = app.state.registry.seat_choices(app.state.registry.forms()["spiegelbijeenkomst"])
        capacity = next(
            ch.capacity for k, ch in seat.items() if store.submission(ids["p1"]).capacity_key == k
        )
        assert store.cancel(ids["p1"], capacity).promoted == (ids["w2"],)
    app.state.store.close()
    return ids


def test_people_export_opens_in_dutch_excel(signed_up: dict[str, str]) -> None:
    raw = run("export", "spiegelbijeenkomst")
    assert raw.startswith("\ufeff") and "\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    head, body = rows[0], rows[1:]
    assert head[:4] == ["bijeenkomst", "status", "plek op de wachtlijst", "aangemeld op"]
    assert head[-1] == "id" and "sessie" not in head and "naam" in head
    by_id = {r[-1]: r for r in body}
    order = [r[-1] for r in body]
    ids = signed_up
    # cardiologie (listed before the kinderafdeling) first; within it confirmed, the partner,
    # the waiting list in its order, then the cancelled sign-up; all in order of sign-up
    assert order == [
        ids["p0"], ids["p2"], ids["p3"], ids["p4"], ids["p5"], ids["p6"], ids["w2"],
        ids["partner"], ids["w1"], ids["w3"], ids["p1"], ids["kind"],
    ]  # fmt: skip
    assert [by_id[ids[k]][1] for k in ("p0", "w2", "partner", "w1", "p1")] == [
        "bevestigd",
        "bevestigd",
        "bevestigd (telt niet mee voor de plaatsen)",
        "wachtlijst",
        "afgemeld",
    ]
    assert [by_id[ids[k]][2] for k in ("w1", "w3", "p0")] == ["1", "2", ""]
    assert by_id[ids["kind"]][0].endswith("Kinderafdeling")
    assert by_id[ids["p0"]][0] == "14 jan 2027, 14:00-15:30 uur, Cardiologie"
    # Dutch time, day-month-year: the stored UTC moment shown in Europe/Amsterdam
    store = open_store(os.environ["SPIEGEL_DATABASE_URL"])
    stored = store.submission(ids["p0"])
    store.close()
    assert stored is not None
    amsterdam = stored.created_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert amsterdam.utcoffset() and by_id[ids["p0"]][3] == amsterdam.strftime("%d-%m-%Y %H:%M")
    # formula neutralised, values decrypted
    naam = head.index("naam")
    assert by_id[ids["p3"]][naam] == '\'=HYPERLINK("x")'
    assert by_id[ids["p0"]][naam] == "Persoon 0"


def test_xlsx_export_holds_the_same_table(signed_up: dict[str, str], tmp_path: Any) -> None:
    import openpyxl

    target = tmp_path / "aanmeldingen.xlsx"
    assert main(["export", "spiegelbijeenkomst", "--format", "xlsx"], io.StringIO()) == 2
    run("export", "spiegelbijeenkomst", "--format", "xlsx", "-o", str(target))
    sheet = openpyxl.load_workbook(target).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    raw = run("export", "spiegelbijeenkomst")
    table = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    # the same rows as the CSV, for people: Dutch headings and values, real dates and numbers
    # (issue 18: no `email`, `akkoord_vertrouwelijk` or `patient`, no dates or positions as text)
    heads = cells[0]
    assert heads[:4] == ["Bijeenkomst", "Status", "Plek op de wachtlijst", "Aangemeld op"]
    assert "E-mailadres" in heads and "email" not in heads and "akkoord_vertrouwelijk" not in heads
    assert len(cells) == len(table)
    column = table[0].index
    for row, text in zip(cells[1:], table[1:], strict=True):
        assert row[3].strftime("%d-%m-%Y %H:%M") == text[column("aangemeld op")]
        position = text[column("plek op de wachtlijst")]
        assert row[2] == (int(position) if position else None)
        assert row[heads.index("Naam")] == text[column("naam")]
        assert row[heads.index("Komt als")] != "patient"
    assert all(
        c.data_type == "s"
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str)
    )


def test_export_stays_out_of_the_endpoint_import_path() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import spiegel.web.app;"
        " print([m for m in ('openpyxl', 'spiegel.signups.export') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
