"""Issue 19, the hidden check, as the coordinator who invites (back office role
``groepsevaluatie``), against the real OpenID provider, the endpoint under uvicorn and the real
commands. Each attack worked on the code as it was built:

- The results preview used the k of the content, not the one frozen at the first code: with
  ``disclosure.k`` lowered (a content change), it showed a group of 3 answers.
- The preview and the debrief had no memory: close, look, reopen, let one person answer, close
  and look again, and the difference is that person's answers (and comment). Figures and
  comments the coordinator saw now count as published: a change needs k more answers.
- The preview said how many answered in a group below k ("1 respondenten"), the debrief how
  many groups had any answer: for a group of one invitee, whether that person answered.
- Looking at a closed evaluation's results moved the ballot box of every evaluation, also one
  still open with a single waiting answer: a batch of one for whoever copies the database.

The strongest failed attacks stay as tests: another role reaches no groepsevaluatie screen,
GET or POST; no code in any URL of the slips.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from spiegel.cli import main
from spiegel.db import open_store
from starlette.testclient import TestClient

from . import oidc
from .answers import DEADLINE, answer, body, issue
from .conftest import Project, copy_project
from .smtp import Relay
from .test_endpoint import app_for
from .test_invitations import env, relay
from .test_ledger import pj, published
from .test_results import STATEMENTS, rows

__all__ = ["env", "pj", "relay"]  # fixtures

# evaluations of this module's own project, one per attack (the server is shared)
EV_K, EV_LATE, EV_FEW, EV_OPEN = "ge-k", "ge-laat", "ge-weinig", "ge-open"
OWN = ["2", "3", "4", "4", "3", "2"]
K5 = "disclosure:\n  k: 5"
K3 = "disclosure:\n  k: 3\n  lower_k_reason: kleine vakgroepen in dit ziekenhuis"


def opened(ev: str) -> str:
    return f"  - id: {ev}\n    name: Vakgroep {ev}\n    department: {ev}\n    open: true\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("insider-coordinator")
    project = copy_project(root / "project")
    path = project.content / "groepsevaluatie.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "".join(opened(ev) for ev in (EV_K, EV_LATE, EV_FEW, EV_OPEN)),
        encoding="utf-8",
    )
    url = f"sqlite:///{root / 'spiegel.sqlite3'}"
    relay = Relay().start()
    env = {
        "SPIEGEL_CONTENT_DIR": str(project.content),
        "SPIEGEL_SMTP_URL": relay.url,
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
        "SPIEGEL_PUBLIC_URL": "https://spiegel.zorggroep.example",
    }
    try:
        with oidc.provider() as issuer, oidc.endpoint(url, issuer, env=env) as base:
            yield {"base": base, "url": url, "project": project}
    finally:
        relay.stop()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while oidc.OPEN:
        oidc.OPEN.pop().close()


@pytest.fixture
def eva(site: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> httpx.Client:
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", site["url"])  # `spiegel invite` for the codes
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", oidc.KEY)
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(site["project"].content))
    return oidc.login(site["base"], "eva")[0]


def set_open(site: dict[str, Any], ev: str, is_open: bool) -> None:
    project: Project = site["project"]
    a, b = f"department: {ev}\n    open: true", f"department: {ev}\n    open: false"
    project.edit("content/groepsevaluatie.yaml", *((b, a) if is_open else (a, b)))


def give(site: dict[str, Any], data: list[dict[str, str]]) -> None:
    answer(site["url"], data, site["project"].content, encryption_key=oidc.KEY)


def preview(eva: httpx.Client, site: dict[str, Any], ev: str) -> str:
    r = eva.get(site["base"] + f"/beheer/groepsevaluatie/{ev}/uitkomsten")
    assert r.status_code == 200
    return r.text


def download(eva: httpx.Client, site: dict[str, Any], ev: str) -> httpx.Response:
    page = eva.get(site["base"] + "/beheer/groepsevaluatie")
    return eva.post(
        site["base"] + f"/beheer/groepsevaluatie/{ev}/uitkomsten/bestanden",
        data={"csrf": oidc.csrf(page.text)},
        headers={"origin": site["base"]},
        follow_redirects=False,
    )


def waiting(site: dict[str, Any]) -> int:
    store = open_store(site["url"])
    try:
        return store.ballots_waiting()
    finally:
        store.close()


# ------------------------------------------------------------------ a lowered k


def test_coordinator_preview_keeps_the_k_frozen_at_the_first_code(
    site: dict[str, Any], eva: httpx.Client
) -> None:
    give(site, rows(EV_K, "eigen-groep", 6, **{s: OWN for s in STATEMENTS}))
    give(site, rows(EV_K, "managers", 3, **{s: ["1", "5", "2"] for s in STATEMENTS}))
    set_open(site, EV_K, False)
    page = preview(eva, site, EV_K)
    assert "(n=6)" in page and "(n=3)" not in page
    project: Project = site["project"]
    project.edit("content/groepsevaluatie.yaml", K5, K3)
    try:
        page = preview(eva, site, EV_K)
        assert "(n=3)" not in page and "2,67" not in page  # the managers' mean at k=3
        assert "k ligt vast zodra de eerste code is uitgegeven" in page
        assert download(eva, site, EV_K).status_code == 422
    finally:
        project.edit("content/groepsevaluatie.yaml", K3, K5)


# ------------------------------------------------------------------ reopen, one late answer


def test_coordinator_sees_no_late_answer_by_reopening(
    site: dict[str, Any], eva: httpx.Client
) -> None:
    own = rows(EV_LATE, "eigen-groep", 6, **{s: OWN for s in STATEMENTS})
    for r in own:
        r["toelichting_samenwerking"] = "Fijne samenwerking."
    give(site, own)
    set_open(site, EV_LATE, False)
    assert "3,00 (n=6)" in preview(eva, site, EV_LATE)
    base = site["base"] + f"/beheer/groepsevaluatie/{EV_LATE}/nabespreking"
    assert "Eigen groep (6 reacties)" in eva.get(base).text
    set_open(site, EV_LATE, True)  # a content change, then one person the coordinator asked
    late = rows(EV_LATE, "eigen-groep", 1, "5")
    late[0]["toelichting_samenwerking"] = "LAAT: alleen ik vind dit."
    give(site, late)
    set_open(site, EV_LATE, False)
    page = preview(eva, site, EV_LATE)
    assert "(n=7)" not in page and "3,29" not in page  # (6 x 3 + 5) / 7
    assert "n van 6 naar 7" in page
    listing = eva.get(base).text
    assert "(7 reacties)" not in listing
    edit = eva.get(base + "/eigen-groep/samenwerking")
    assert "LAAT" not in edit.text
    assert download(eva, site, EV_LATE).status_code == 422
    # k more answers are a real second round: then the figures may move
    set_open(site, EV_LATE, True)
    give(site, rows(EV_LATE, "eigen-groep", 5, "4"))
    set_open(site, EV_LATE, False)
    page = preview(eva, site, EV_LATE)
    assert "(n=12)" in page
    assert "(12 reacties)" in eva.get(base).text


# ------------------------------------------------------------------ who answered, below k


def test_coordinator_cannot_tell_an_empty_group_from_one_answer(
    site: dict[str, Any], eva: httpx.Client
) -> None:
    give(site, rows(EV_FEW, "eigen-groep", 6, **{s: OWN for s in STATEMENTS}))
    give(site, rows(EV_FEW, "verwijzers", 1, "5"))  # the one referrer who was invited
    issue(EV_FEW, "managers", 1, site["project"].content)  # invited, never answered
    set_open(site, EV_FEW, False)
    page = preview(eva, site, EV_FEW)
    assert "1 respondenten" not in page
    left = re.findall(r"<li>(Verwijzers[^:<]*|Managers): ([^<]*)</li>", page)
    assert {g.split()[0] for g, _ in left} == {"Verwijzers", "Managers"}
    assert len({why for _, why in left}) == 1  # the same words for one answer and for none
    listing = eva.get(site["base"] + f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking").text
    assert "2 groep(en) met minder dan k antwoorden" in listing


# ------------------------------------------------------------------ a batch of one


def test_coordinator_looking_at_results_moves_no_answer_of_an_open_evaluation(
    site: dict[str, Any], eva: httpx.Client
) -> None:
    preview(eva, site, EV_FEW)  # whatever a closed evaluation still had waiting goes in
    give(site, rows(EV_OPEN, "managers", 1, "2"))
    assert waiting(site) == 1
    preview(eva, site, EV_FEW)
    eva.get(site["base"] + f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking")
    assert waiting(site) == 1  # it waits for a batch of its own evaluation's size
    assert main(["ballots", "--alles"], io.StringIO()) == 0
    assert waiting(site) == 1


# ------------------------------------------------------------------ failed attacks, kept


def test_no_screen_changes_when_someone_answers(site: dict[str, Any], eva: httpx.Client) -> None:
    """While the evaluation is open, every screen of the role looks the same before and after
    an answer: no count, time or message tells the coordinator that someone just answered."""
    pages = [
        "/beheer/groepsevaluatie",
        f"/beheer/groepsevaluatie/{EV_OPEN}/uitkomsten",
        f"/beheer/groepsevaluatie/{EV_OPEN}/nabespreking",
        f"/beheer/groepsevaluatie/{EV_OPEN}/nabespreking/afdrukken",
        f"/beheer/groepsevaluatie/{EV_OPEN}/medewerkers/niet-bezorgd",
    ]
    [code] = issue(EV_OPEN, "medewerkers", 1, site["project"].content)  # handed out before

    def look() -> list[str]:
        return [re.sub(r'value="[^"]{20,}"', "", eva.get(site["base"] + p).text) for p in pages]

    before = look()
    app = app_for(site["url"], content_dir=site["project"].content, encryption_key=oidc.KEY)
    with TestClient(app) as c:
        r = c.post(
            "/api/forms/groepsevaluatie", json=body(rows(EV_OPEN, "medewerkers", 1)[0], code)
        )
        assert r.status_code == 201
    app.state.store.close()
    after = look()
    import difflib

    for a, b in zip(before, after, strict=True):
        assert a == b, "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm=""))


GET_PAGES = [
    "/beheer/groepsevaluatie",
    f"/beheer/groepsevaluatie/{EV_FEW}/managers/niet-bezorgd",
    f"/beheer/groepsevaluatie/{EV_FEW}/uitkomsten",
    f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking",
    f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking/afdrukken",
    f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking/eigen-groep/samenwerking",
]
POSTS = [
    "/beheer/groepsevaluatie/uitnodigen",
    "/beheer/groepsevaluatie/strookjes",
    "/beheer/groepsevaluatie/herinneren",
    f"/beheer/groepsevaluatie/{EV_FEW}/managers/opnieuw",
    f"/beheer/groepsevaluatie/{EV_FEW}/uitkomsten/bestanden",
    f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking/eigen-groep/samenwerking",
    f"/beheer/groepsevaluatie/{EV_FEW}/nabespreking/eigen-groep/samenwerking/opnieuw",
]


@pytest.mark.parametrize("user", ["coord", "fg", "peer"])
def test_another_role_reaches_no_groepsevaluatie_screen(site: dict[str, Any], user: str) -> None:
    """A coordinator of the mirror meetings (or the privacy officer) with a valid session and
    its CSRF token: every screen and every action of the groepsevaluatie is refused."""
    client = oidc.login(site["base"], user)[0]
    token = oidc.csrf(client.get(site["base"] + "/beheer/").text)
    for path in GET_PAGES:
        r = client.get(site["base"] + path)
        assert r.status_code == 403 and "(n=" not in r.text and "reacties" not in r.text, path
    for path in POSTS:
        r = client.post(
            site["base"] + path,
            data={
                "csrf": token,
                "evaluatie": EV_FEW,
                "groep": "managers",
                "aantal": "3",
                "tot": DEADLINE,
                "adressen": "x@example.nl",
                "tekst": "x",
            },
            headers={"origin": site["base"]},
            follow_redirects=False,
        )
        assert r.status_code == 403 and "slip-code" not in r.text, path
    assert waiting(site) >= 0


def test_slips_put_no_code_in_a_url_or_a_header(site: dict[str, Any], eva: httpx.Client) -> None:
    page = eva.get(site["base"] + "/beheer/groepsevaluatie")
    r = eva.post(
        site["base"] + "/beheer/groepsevaluatie/strookjes",
        data={
            "csrf": oidc.csrf(page.text),
            "evaluatie": EV_OPEN,
            "groep": "verwijzers",
            "aantal": "2",
            "tot": DEADLINE,
        },
        headers={"origin": site["base"]},
        follow_redirects=False,
    )
    codes = re.findall(r'class="slip-code">([0-9A-Z-]{14})<', r.text)
    assert r.status_code == 200 and len(codes) == 2
    assert r.headers["cache-control"] == "no-store"
    assert all(c not in str(v) for c in codes for v in r.headers.values())
    hrefs = re.findall(r'(?:href|action|src)="([^"]*)"', r.text)
    assert all(c not in h and c.replace("-", "") not in h for c in codes for h in hrefs)


# ------------------------------------------------------------------ the refusal's own words


def test_a_refusal_names_no_statement_a_late_answer_left_open(pj: Project) -> None:
    """After one late answer, `spiegel results` (and the back office's download) refused and
    listed every cell that changed: the statements the late person answered, and by their
    absence the one they left on "weet niet". Now the group is the reason, and no cell."""
    from .test_ledger import CLOSE_EV, url_of
    from .test_ledger import publish as results
    from .test_results import EV

    published(pj)
    pj.edit("content/groepsevaluatie.yaml", *reversed(CLOSE_EV))
    late = rows(EV, "eigen-groep", 1, "5")
    late[0]["s05"] = ""  # weet niet / n.v.t.
    answer(url_of(pj), late, pj.content)
    pj.edit("content/groepsevaluatie.yaml", *CLOSE_EV)
    code, err = results(pj, EV)
    assert code == 1 and "groep eigen-groep: n van 6 naar 7" in err
    assert "cel stellingen" not in err and "cel themas" not in err and "s05" not in err


def test_one_address_gets_one_code_per_evaluation_across_groups(env: str, tmp_path: Path) -> None:
    """Padding by inviting oneself again in another group, or with the address written
    differently (case, a +tag, Gmail's dots): refused while the evaluation is open."""
    from .test_invitations import invite

    assert invite(tmp_path, ["Eva.Coordinator@gmail.com"], group="managers")[0] == 0
    for again in ("eva.coordinator@gmail.com", "evacoordinator+2@gmail.com"):
        for group in ("managers", "medewerkers"):
            assert invite(tmp_path, [again], group=group)[0] == 1
    store = open_store(env)
    assert store.invited_counts() == {"cardiologie-2026": {"managers": 1}}
    store.close()
