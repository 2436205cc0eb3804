"""The back office (/beheer/) against a real OpenID provider (npm oidc-provider) and the real
endpoint under uvicorn, over HTTP (httpx): login with PKCE, sessions, CSRF, roles, the access log,
sign-ups by phone, cancelling, attendance, the letter, requests and AVG requests."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from spiegel.db import open_store
from spiegel.db.base import CONFIRMED, LETTER, MANUAL, PENDING, WAITLIST
from spiegel.db.beheer import BeheerDB
from spiegel.forms.model import validate_submission
from spiegel.signups.prepare import enrich

from . import oidc, servers
from .conftest import ROOT
from .test_endpoint import app_for, services_for
from .test_forms import VALID

PAST = "2026-10-orthopedie"  # has an action in content/actions.yaml
COMING = "2027-03-kinderafdeling"  # 6 seats
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("beheer") / "spiegel.sqlite3"
    url = f"sqlite:///{db}"
    # no SPIEGEL_BEHEER_URL here: the development default (the browser tests configure it)
    with oidc.provider() as issuer, oidc.endpoint(url, issuer, configured=False) as base:
        yield {"base": base, "issuer": issuer, "url": url}


def store_of(site: dict[str, Any]) -> Any:
    return open_store(site["url"])


def sign_up(site: dict[str, Any], form_id: str, **values: str) -> str:
    """A sign-up stored as the public endpoint stores it (also for a session in the past)."""
    services = services_for(site["url"], encryption_key=oidc.KEY)
    store, registry, cipher = services.store, services.registry, services.cipher
    form = registry.forms()[form_id]
    clean, errors = validate_submission(form, {**VALID[form_id], **values}, dt.date(2026, 9, 1))
    assert not errors, errors
    sub, errors = registry.prepare(form, clean, cipher)
    assert sub is not None and not errors
    sub = enrich(sub, form, clean, services.keys.link())
    receipt = store.submit(sub)
    store.close()
    return receipt.id


def post(client: httpx.Client, base: str, path: str, page: str, **data: str) -> httpx.Response:
    return client.post(
        base + path,
        data={"csrf": oidc.csrf(page), **data},
        headers={"origin": base},
        follow_redirects=False,
    )


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while oidc.OPEN:
        oidc.OPEN.pop().close()


@pytest.fixture
def coord(site: dict[str, Any]) -> httpx.Client:
    return oidc.login(site["base"], "coord")[0]


def test_login_uses_pkce_state_nonce_and_a_server_side_session(site: dict[str, Any]) -> None:
    client, query = oidc.login(site["base"], "coord")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["response_type"] == ["code"]
    cookie = next(c for c in client.cookies.jar if c.name == "spiegel_beheer")
    assert cookie.has_nonstandard_attr("HttpOnly") and len(cookie.value or "") >= 40
    r = client.get(site["base"] + "/beheer/")
    assert r.status_code == 200 and "Carla de Coördinator" in r.text
    assert r.headers["cache-control"] == "no-store"
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "http" not in csp
    assert "<script" not in r.text
    # logout ends the session on the server: the old cookie opens nothing any more
    old = dict(client.cookies)
    assert post(client, site["base"], "/beheer/uitloggen", r.text).status_code == 200
    again = oidc.client(cookies=old)
    assert again.get(site["base"] + "/beheer/").headers["location"].startswith(site["issuer"])
    # and a POST with the old cookie and its CSRF token is refused
    assert post(again, site["base"], "/beheer/uitloggen", r.text).status_code == 403


@pytest.mark.parametrize(
    ("idle", "age"),
    [
        (dt.timedelta(minutes=31), dt.timedelta(hours=1)),
        (dt.timedelta(minutes=1), dt.timedelta(hours=8, minutes=1)),
    ],
)
def test_idle_and_absolute_timeouts_end_the_session(
    site: dict[str, Any], idle: dt.timedelta, age: dt.timedelta
) -> None:
    import sqlite3

    client = oidc.login(site["base"], "coord")[0]
    assert client.get(site["base"] + "/beheer/").status_code == 200
    moment = dt.datetime.now(dt.UTC)
    with sqlite3.connect(site["url"].removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE beheer_sessions SET seen_at = ?, created_at = ? WHERE subject = 'coord'",
            ((moment - idle).isoformat(), (moment - age).isoformat()),
        )
    r = client.get(site["base"] + "/beheer/")
    assert r.status_code == 303 and r.headers["location"].startswith(site["issuer"])


def test_a_provider_that_sends_roles_only_from_userinfo_and_takes_secret_post(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    with oidc.provider(conform=True) as issuer, oidc.endpoint(url, issuer) as base:
        client = oidc.login(base, "peer")[0]
        r = client.get(base + "/beheer/verzoeken/collegiale-ondersteuning")
        assert r.status_code == 200 and "Piet van Collegiaal" in r.text
        assert client.get(base + "/beheer/verzoeken/gluren-bij-de-buren").status_code == 403


def test_the_callback_refuses_a_forged_state_or_code(site: dict[str, Any]) -> None:
    client = oidc.client()
    r = client.get(site["base"] + "/beheer/inloggen/terug?code=abc&state=xyz")
    assert r.status_code == 400 and "spiegel_beheer" not in dict(client.cookies)
    client.get(site["base"] + "/beheer/inloggen")  # a real state in the cookie, a fake code
    state = dict(client.cookies)["spiegel_beheer_login"]
    r = client.get(site["base"] + f"/beheer/inloggen/terug?code=fake&state={state}")
    assert r.status_code == 400 and "spiegel_beheer" not in dict(client.cookies)


PAGES = [
    "/beheer/",
    "/beheer/aanmeldingen/spiegelbijeenkomst",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/excel",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/nieuw",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}/brief",
    "/beheer/verzoeken/gluren-bij-de-buren",
    "/beheer/verzoeken/collegiale-ondersteuning",
    "/beheer/verzoeken/gluren-bij-de-buren",
    "/beheer/privacy/logboek",
    "/beheer/privacy/avg",
]
POSTS = [
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/nieuw",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/afmelden",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}/aanwezig",
    f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}/brief/versturen",
    "/beheer/verzoeken/collegiale-ondersteuning/wijzigen",
    "/beheer/privacy/avg",
    "/beheer/privacy/avg/download",
    "/beheer/privacy/avg/wissen",
    "/beheer/uitloggen",
]


def test_without_a_session_every_page_goes_to_the_provider_or_refuses(site: dict[str, Any]) -> None:
    client = oidc.client()
    for path in [*PAGES, "/beheer/inloggen"]:
        r = client.get(site["base"] + path)
        assert r.status_code == 303, path
        query = parse_qs(urlsplit(r.headers["location"]).query)
        assert r.headers["location"].startswith(site["issuer"] + "/auth?"), path
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"], path
        assert "<" not in r.text and "example.nl" not in r.text
    for path in POSTS:
        r = client.post(site["base"] + path, data={"id": "x"}, headers={"origin": site["base"]})
        assert r.status_code == 403, path


# (user, page, may see it)
ROLE_CASES = [
    ("coord", "/beheer/aanmeldingen/spiegelbijeenkomst", True),
    ("coord", "/beheer/verzoeken/gluren-bij-de-buren", True),
    ("coord", "/beheer/aanmeldingen/vvg", True),  # VVG dates have seats (issue 22)
    ("peer", "/beheer/aanmeldingen/vvg", False),
    ("coord", "/beheer/verzoeken/collegiale-ondersteuning", False),
    ("coord", "/beheer/privacy/logboek", False),
    ("coord", "/beheer/privacy/avg", False),
    ("peer", "/beheer/verzoeken/collegiale-ondersteuning", True),
    ("peer", "/beheer/aanmeldingen/spiegelbijeenkomst", False),
    ("peer", f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}", False),
    ("peer", f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/excel", False),
    ("peer", "/beheer/verzoeken/gluren-bij-de-buren", False),
    ("peer", "/beheer/privacy/logboek", False),
    ("fg", "/beheer/privacy/logboek", True),
    ("fg", "/beheer/privacy/avg", True),
    ("fg", "/beheer/verzoeken/collegiale-ondersteuning", False),
    ("fg", f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}", False),
]


def test_roles_as_a_case_table(site: dict[str, Any]) -> None:
    peer_name = "Kim Collegiaal-Verzoek"
    sign_up(site, "collegiale-ondersteuning", naam=peer_name)
    patient = "Petra Patiënt-Rolproef"
    sign_up(
        site,
        "spiegelbijeenkomst",
        sessie=COMING,
        rol="ouder",
        naam=patient,
        email="petra@example.nl",
    )
    clients = {u: oidc.login(site["base"], u)[0] for u in ("coord", "peer", "fg", "nobody")}
    for user, path, allowed in ROLE_CASES:
        r = clients[user].get(site["base"] + path)
        assert (r.status_code == 200) is allowed, (user, path, r.status_code)
        body = r.content.decode("utf-8", "replace")
        if user != "peer":
            assert peer_name not in body, (user, path)
        if user == "peer":
            assert patient not in body and "petra@" not in body, (user, path)
    # every page, every download: the peer-support request never reaches the coordinator
    for path in PAGES:
        body = clients["coord"].get(site["base"] + path).content
        assert peer_name.encode() not in body, path
    # without a mapped role: a Dutch page saying so, and nothing else
    for path in PAGES:
        r = clients["nobody"].get(site["base"] + path)
        assert r.status_code == 403 and "geen rol in Spiegel" in r.text, path
        assert patient not in r.text and peer_name not in r.text


def test_a_post_without_csrf_from_another_origin_or_after_logout_changes_nothing(
    site: dict[str, Any],
) -> None:
    sid = sign_up(
        site,
        "spiegelbijeenkomst",
        sessie=COMING,
        rol="ouder",
        naam="Olaf Onveranderd",
        email="olaf@example.nl",
    )
    client = oidc.login(site["base"], "coord")[0]
    path = f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}"
    page = client.get(site["base"] + path).text
    token = oidc.csrf(page)
    cancel = site["base"] + path + "/afmelden"
    assert (
        client.post(cancel, data={"id": sid}, headers={"origin": site["base"]}).status_code == 403
    )
    r = client.post(
        cancel, data={"id": sid, "csrf": token}, headers={"origin": "https://evil.example"}
    )
    assert r.status_code == 403
    assert client.post(cancel, data={"id": sid, "csrf": token}).status_code == 403  # no Origin
    post(client, site["base"], "/beheer/uitloggen", page)
    r = client.post(cancel, data={"id": sid, "csrf": token}, headers={"origin": site["base"]})
    assert r.status_code == 403
    store = store_of(site)
    assert store.submission(sid).status == CONFIRMED
    store.close()


def test_phone_signups_take_seats_wait_and_move_up(
    site: dict[str, Any], coord: httpx.Client
) -> None:
    base = site["base"]
    path = "/beheer/aanmeldingen/spiegelbijeenkomst/2027-02-oncologie"
    form = coord.get(base + path + "/nieuw").text
    assert 'name="naam"' in form
    r = post(coord, base, path + "/nieuw", form, naam="", rol="patient")
    assert r.status_code == 422 and "Vul dit veld in" in r.text  # the public form's validation
    names = [f"Bel Persoon {i}" for i in range(9)]
    for i, name in enumerate(names):
        data = {
            "naam": name,
            "rol": "patient",
            "akkoord_vertrouwelijk": "ja",
            "akkoord_gegevens": "ja",
            "telefoon": f"06 1234 56{i:02d}",
        }
        if i == 8:
            data["doorschuiven"] = "ja"
        r = post(coord, base, path + "/nieuw", form, **data)
        assert r.status_code == 303, r.text[:400]
    store = store_of(site)
    rows = [r for r in store.rows("spiegelbijeenkomst")]
    statuses = [r.status for r in rows[-9:]]
    assert statuses == [CONFIRMED] * 7 + [WAITLIST] * 2
    # a message for each (without an e-mail address the sender puts it on the call list)
    queued = store.outbox((PENDING, MANUAL))
    assert sum(1 for o in queued if o.submission_id == rows[-1].id) == 1
    page = coord.get(base + path).text
    assert page.index("Bel Persoon 7") < page.index("Bel Persoon 8")  # waiting list in order
    r = post(coord, base, path + "/afmelden", page, id=rows[-9].id)
    assert r.status_code == 303
    # the first on the waiting list did not consent; the second did and moves up
    assert store.submission(rows[-2].id).status == WAITLIST
    assert store.submission(rows[-1].id).status == CONFIRMED
    store.close()


def test_the_access_log_holds_the_coordinators_view(site: dict[str, Any]) -> None:
    client = oidc.login(site["base"], "coord")[0]
    client.get(site["base"] + f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}")
    fg = oidc.login(site["base"], "fg")[0]
    page = fg.get(site["base"] + "/beheer/privacy/logboek").text
    assert "Carla de Coördinator" in page and f"bijeenkomst {COMING}" in page
    store = store_of(site)
    entries = BeheerDB(store).access_log()
    store.close()
    mine = [e for e in entries if e.subject == "coord" and e.what == f"bijeenkomst {COMING}"]
    assert mine and mine[0].role == "spiegelbijeenkomst" and mine[0].action == "bekeken"


def test_excel_has_real_dates_numbers_and_dutch_headings(
    site: dict[str, Any], coord: httpx.Client
) -> None:
    from openpyxl import load_workbook

    for i in range(8):
        sign_up(
            site,
            "spiegelbijeenkomst",
            sessie=COMING,
            rol="ouder",
            naam=f"Excel {i}",
            email=f"excel{i}@example.nl",
        )
    r = coord.get(site["base"] + f"/beheer/aanmeldingen/spiegelbijeenkomst/{COMING}/excel")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(r.content)).active
    heads = [c.value for c in sheet[1]]
    assert heads[:5] == ["Bijeenkomst", "Datum", "Status", "Plek op de wachtlijst", "Aangemeld op"]
    assert "E-mailadres" in heads and "email" not in heads and "akkoord_vertrouwelijk" not in heads
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(row[1], dt.datetime) for row in rows)
    assert all(isinstance(row[4], dt.datetime) for row in rows)
    waiting = [row for row in rows if row[2] == "wachtlijst"]
    assert waiting and [row[3] for row in waiting] == list(range(1, len(waiting) + 1))
    assert "Ouder of verzorger van het kind" in {row[heads.index("Komt als")] for row in rows}


def test_attendance_decides_who_gets_the_letter_and_the_address_goes(
    site: dict[str, Any], coord: httpx.Client
) -> None:
    base = site["base"]
    came = sign_up(
        site, "spiegelbijeenkomst", sessie=PAST, naam="Mail Aanwezig", email="aanwezig@example.nl"
    )
    away = sign_up(
        site, "spiegelbijeenkomst", sessie=PAST, naam="Niet Gekomen", email="weg@example.nl"
    )
    paper = sign_up(
        site,
        "spiegelbijeenkomst",
        sessie=PAST,
        naam="Post Aanwezig",
        email="",
        telefoon="0612345678",
    )
    path = f"/beheer/aanmeldingen/spiegelbijeenkomst/{PAST}"
    page = coord.get(base + path).text
    r = post(
        coord,
        base,
        path + "/aanwezig",
        page,
        **{f"aanwezig_{came}": "ja", f"aanwezig_{away}": "nee", f"aanwezig_{paper}": "ja"},
    )
    assert r.status_code == 303
    letter = coord.get(base + path + "/brief").text
    assert "Wat wij doen met uw feedback" in letter and "Niet Gekomen" not in letter
    r = post(
        coord, base, path + "/brief/adres", letter, id=paper, adres="Dorpsstraat 1\n1234 AB Leiden"
    )
    assert r.status_code == 303
    letter = coord.get(base + path + "/brief").text
    r = post(coord, base, path + "/brief/versturen", letter)
    assert r.status_code == 200 and "Dorpsstraat 1" in r.text and "1234 AB Leiden" in r.text
    assert "Beste Post Aanwezig," in r.text and "Mail Aanwezig" not in r.text
    store = store_of(site)
    letters = {o.submission_id for o in store.outbox((PENDING,)) if o.kind == LETTER}
    assert came in letters and away not in letters and paper not in letters
    db = BeheerDB(store)
    assert db.addresses([paper]) == {}  # kept only until the letter was made
    assert set(db.letters([came, away, paper])) == {came, paper}
    store.close()
    # each letter once; the screen says what was sent when
    letter = coord.get(base + path + "/brief").text
    r = post(coord, base, path + "/brief/versturen", letter)
    assert r.status_code == 303 and "/brief?klaar=0%20brieven" in r.headers["location"]
    assert "per e-mail" in letter and "(post, door Carla de Coördinator)" in letter


def test_requests_inbox_pick_up_and_close(site: dict[str, Any]) -> None:
    sid = sign_up(site, "gluren-bij-de-buren", naam="Sam Verwonder")
    client = oidc.login(site["base"], "coord")[0]
    page = client.get(site["base"] + "/beheer/verzoeken/gluren-bij-de-buren").text
    assert "Sam Verwonder" in page
    r = post(
        client,
        site["base"],
        "/beheer/verzoeken/gluren-bij-de-buren/wijzigen",
        page,
        id=sid,
        actie="oppakken",
    )
    assert r.status_code == 303
    page = client.get(site["base"] + "/beheer/verzoeken/gluren-bij-de-buren").text
    assert "In behandeling bij Carla de Coördinator" in page
    r = post(
        client,
        site["base"],
        "/beheer/verzoeken/gluren-bij-de-buren/wijzigen",
        page,
        id=sid,
        actie="afronden",
    )
    store = store_of(site)
    assert store.submission(sid) is None  # deleted when closed
    store.close()


def test_avg_request_finds_downloads_and_erases_one_person(site: dict[str, Any]) -> None:
    a = sign_up(
        site,
        "spiegelbijeenkomst",
        sessie=COMING,
        rol="ouder",
        naam="Avg Persoon",
        email="avg@example.nl",
    )
    b = sign_up(site, "gluren-bij-de-buren", naam="Avg Persoon", email="AVG@example.nl")
    other = sign_up(site, "gluren-bij-de-buren", naam="Iemand Anders", email="anders@example.nl")
    fg = oidc.login(site["base"], "fg")[0]
    page = fg.get(site["base"] + "/beheer/privacy/avg").text
    r = post(fg, site["base"], "/beheer/privacy/avg", page, zoek=" avg@example.nl ")
    assert r.status_code == 200 and r.text.count("Avg Persoon") >= 2
    assert "Iemand Anders" not in r.text
    r2 = post(
        fg,
        site["base"],
        "/beheer/privacy/avg/download",
        r.text,
        zoek="avg@example.nl",
        formaat="json",
    )
    found = json.loads(r2.text)
    assert len(found) == 2 and {f["gegevens"]["Naam"] for f in found} == {"Avg Persoon"}
    store = store_of(site)
    assert any(o.submission_id == a for o in store.outbox((PENDING, MANUAL)))
    # the lookup table holds keyed hashes, never the address
    raw = Path(site["url"].removeprefix("sqlite:///")).read_bytes()
    assert b"avg@example.nl" not in raw
    r3 = post(
        fg, site["base"], "/beheer/privacy/avg/wissen", r.text, zoek="avg@example.nl", bevestig="ja"
    )
    assert r3.status_code == 200 and "2 gegevens gewist" in r3.text
    assert store.submission(a) is None and store.submission(b) is None
    assert store.submission(other) is not None
    assert not any(o.submission_id == a for o in store.outbox((PENDING, MANUAL)))
    actions = [e.action for e in BeheerDB(store).access_log() if e.subject == "fg"]
    assert {"gezocht en bekeken", "download JSON", "gewist (AVG)"} <= set(actions)
    store.close()


def test_production_without_oidc_switches_the_back_office_off(tmp_path: Path) -> None:
    from spiegel.config import beheer_from_env
    from starlette.testclient import TestClient

    settings = beheer_from_env({"SPIEGEL_ENV": "production"})
    assert not settings.enabled
    app = app_for(f"sqlite:///{tmp_path / 's.sqlite3'}")
    from spiegel.web.beheer import mount_beheer

    app.router.routes.pop()  # the development mount of this test process
    mount_beheer(app, settings)
    with TestClient(app) as client:
        r = client.get("/beheer/")
        assert r.status_code == 503 and "Beheer staat uit" in r.text
    app.state.store.close()


def test_production_settings_alone_switch_the_development_login_off(tmp_path: Path) -> None:
    from spiegel.config import BeheerSettings
    from spiegel.web.beheer import mount_beheer
    from starlette.testclient import TestClient

    app = app_for(f"sqlite:///{tmp_path / 's.sqlite3'}", production=True)
    app.router.routes.pop()
    assert mount_beheer(app, BeheerSettings()) is None
    with TestClient(app, client=("127.0.0.1", 5000)) as client:
        assert client.get("/beheer/dev/x").status_code == 503
    app.state.store.close()


def test_development_login_is_one_time_and_loopback_only(tmp_path: Path) -> None:
    from spiegel.config import BeheerSettings
    from spiegel.web.beheer import mount_beheer
    from starlette.testclient import TestClient

    app = app_for(f"sqlite:///{tmp_path / 's.sqlite3'}")
    app.router.routes.pop()
    said: list[str] = []
    b = mount_beheer(app, BeheerSettings(), announce=said.append)
    assert b is not None and said and said[-1].endswith(b.dev_token[0])
    token = b.dev_token[0]
    with TestClient(app, client=("203.0.113.9", 5000)) as far:
        assert far.get(f"/beheer/dev/{token}", follow_redirects=False).status_code == 403
    with TestClient(app, client=("127.0.0.1", 5000)) as near:
        r = near.get(f"/beheer/dev/{token}", follow_redirects=False)
        assert r.status_code == 303
        assert near.get("/beheer/privacy/logboek").status_code == 200
        assert b.dev_token[0] != token and said[-1].endswith(b.dev_token[0])
    with TestClient(app, client=("127.0.0.1", 5000)) as again:
        assert again.get(f"/beheer/dev/{token}", follow_redirects=False).status_code == 403
    app.state.store.close()


def test_cookie_and_config_rules() -> None:
    from spiegel.config import ConfigError, beheer_from_env

    with pytest.raises(ConfigError) as err:
        beheer_from_env({"SPIEGEL_OIDC_ISSUER": "http://idp.example", "SPIEGEL_ROLES": "x"})
    text = str(err.value)
    assert "https://" in text and "SPIEGEL_OIDC_CLIENT_ID" in text and "SPIEGEL_ROLES" in text
    s = beheer_from_env({"SPIEGEL_ROLES": "a=spiegelbijeenkomst,vvg;b=privacy"})
    assert s.roles == (("a", ("spiegelbijeenkomst", "vvg")), ("b", ("privacy",)))
    assert s.roles_claim == "roles"
    with pytest.raises(ConfigError, match="SPIEGEL_BEHEER_URL"):
        beheer_from_env(
            {
                "SPIEGEL_ENV": "production",
                "SPIEGEL_OIDC_ISSUER": "https://idp.example",
                "SPIEGEL_OIDC_CLIENT_ID": "c",
                "SPIEGEL_OIDC_CLIENT_SECRET": "s",
            }
        )
    s = beheer_from_env(
        {
            "SPIEGEL_OIDC_ISSUER": "https://idp.example/",
            "SPIEGEL_OIDC_CLIENT_ID": "c",
            "SPIEGEL_OIDC_CLIENT_SECRET": "s",
            "SPIEGEL_PUBLIC_URL": "https://a.example",
        }
    )
    assert s.issuer == "https://idp.example" and s.public_url == "https://a.example"


def test_serve_passes_beheer_to_the_endpoint_and_prints_the_dev_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from spiegel.mailsettings import MailSettings
    from spiegel.serve import create_local_app
    from starlette.testclient import TestClient

    for name in ("SPIEGEL_OIDC_ISSUER", "SPIEGEL_ENV", "SPIEGEL_BEHEER_URL"):
        monkeypatch.delenv(name, raising=False)
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "index.html").write_text("<!doctype html><title>x</title>")
    mail = MailSettings(public_url="http://127.0.0.1:8123")
    services = services_for(f"sqlite:///{tmp_path / 's.sqlite3'}", mail=mail)
    app = create_local_app(services, site_dir, sender=False)
    link = re.search(r"(http://127\.0\.0\.1:8123/beheer/dev/\S+)", capsys.readouterr().err)
    assert link
    with TestClient(app, base_url="http://127.0.0.1:8123", client=("127.0.0.1", 5000)) as client:
        r = client.get("/beheer/", follow_redirects=False)
        assert r.status_code == 401 and "eenmalige link" in r.text  # no provider: refused
        r = client.get(link.group(1).removeprefix("http://127.0.0.1:8123"), follow_redirects=False)
        assert r.status_code == 303
        assert "Ontwikkelaar (lokaal)" in client.get("/beheer/").text


def test_the_call_list_shows_who_to_phone_and_takes_them_off(
    site: dict[str, Any], coord: httpx.Client, tmp_path: Path
) -> None:
    from spiegel.mailsettings import MailSettings
    from spiegel.outbox.worker import make_sender

    base, session = site["base"], "2027-01-cardiologie"
    path = f"/beheer/aanmeldingen/spiegelbijeenkomst/{session}"
    form = coord.get(base + path + "/nieuw").text
    r = post(
        coord,
        base,
        path + "/nieuw",
        form,
        naam="Opa Belmaar",
        rol="patient",
        telefoon="071 123 4567",
        akkoord_vertrouwelijk="ja",
        akkoord_gegevens="ja",
    )
    assert r.status_code == 303
    store = store_of(site)
    mail = MailSettings(outbox_dir=tmp_path, public_url=site["base"])
    sender = make_sender(services_for(site["url"], store, mail, False, encryption_key=oidc.KEY))
    while sender.run_once():
        pass
    sender.transport.close()
    page = coord.get(base + path).text
    assert "Bellen (1)" in page and "Opa Belmaar" in page and "0711234567" in page
    mid = re.search(
        r'gebeld">\s*<input type="hidden" name="csrf" value="[^"]+">\s*'
        r'<input type="hidden" name="id" value="([^"]+)"',
        page,
    )
    assert mid
    r = post(coord, base, path + "/gebeld", page, id=mid.group(1))
    assert r.status_code == 303
    assert "Bellen (" not in coord.get(base + path).text
    assert not [m for m in store.outbox((MANUAL,)) if m.id == mid.group(1)]
    store.close()


def test_a_called_off_session_and_its_call_list(site: dict[str, Any], tmp_path: Path) -> None:
    """Issue 21: the session screen says a session is called off; whoever left only a phone
    number is on the call list with what to tell; an over-full session after lowering the
    seats is shown as such (nobody loses a place)."""
    import shutil

    from spiegel.mailsettings import MailSettings
    from spiegel.outbox.worker import make_sender
    from spiegel.signups import changes

    copy = tmp_path / "p"
    for name in ("content", "forms"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("results"))
    url = f"sqlite:///{tmp_path / 'called-off.sqlite3'}"
    where = {"url": url}
    sign_up(
        where,
        "spiegelbijeenkomst",
        sessie="2027-02-oncologie",
        naam="Els Telefoon",
        email="",
        telefoon="06 11112222",
    )
    for i in range(7):
        sign_up(where, "spiegelbijeenkomst", naam=f"Vol {i}", email=f"vol{i}@example.nl")
    sessions = copy / "content" / "sessions.yaml"
    text = sessions.read_text(encoding="utf-8")
    text = text.replace(
        "    department: Oncologie\n",
        "    department: Oncologie\n    status: geannuleerd\n    reden: De zaal wordt verbouwd.\n",
    ).replace("    department: Cardiologie\n", "    department: Cardiologie\n    capacity: 6\n")
    # a past session that was called off (it has an action): nobody was there, so no letter
    text = text.replace(
        "    department: Orthopedie\n",
        "    department: Orthopedie\n    status: geannuleerd\n    reden: Ziekte.\n",
    )
    sessions.write_text(text, encoding="utf-8")
    mail = MailSettings(outbox_dir=tmp_path / "eml", public_url="http://127.0.0.1:1")
    services = services_for(
        url,
        mail=mail,
        encryption_key=oidc.KEY,
        content_dir=copy / "content",
        forms_dir=copy / "forms",
    )
    try:
        # called off before any version was recorded: everyone signed up hears it
        assert changes.sync(services.store, services.registry, services.cipher, TODAY) == 1
        sender = make_sender(services)
        while sender.run_once():
            pass
    finally:
        services.store.close()
    port = servers.free_port()
    extra = {
        **oidc.env_for(site["issuer"], None),
        "SPIEGEL_CONTENT_DIR": str(copy / "content"),
        "SPIEGEL_FORMS_DIR": str(copy / "forms"),
        "SPIEGEL_TODAY": TODAY.isoformat(),
    }
    proc, base = servers.start(url, port, extra=extra)
    try:
        client = oidc.login(base, "coord")[0]
        page = client.get(base + "/beheer/aanmeldingen/spiegelbijeenkomst/2027-02-oncologie").text
        assert "Gaat niet door." in page and "De zaal wordt verbouwd." in page
        assert "Els Telefoon" in page and "0611112222" in page
        assert "de bijeenkomst gaat niet door: vertel de reden: De zaal wordt verbouwd." in page
        assert "aanmelding bevestigen" not in page  # her confirmation was never phoned through
        assert "Aanmelding toevoegen" not in page
        overview = client.get(base + "/beheer/aanmeldingen/spiegelbijeenkomst").text
        assert "(gaat niet door)" in overview
        full = client.get(base + "/beheer/aanmeldingen/spiegelbijeenkomst/2027-01-cardiologie")
        assert "Er zijn meer plaatsen bezet (7) dan er nu zijn (6)" in full.text
        assert "Niemand verliest zijn plek" in full.text
        past = "/beheer/aanmeldingen/spiegelbijeenkomst/2026-10-orthopedie/brief"
        assert client.get(base + past).status_code == 403
        assert "Wat wij doen met uw feedback" not in client.get(base + past).text
    finally:
        servers.stop(proc)
