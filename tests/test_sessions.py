"""Issues 21 and 22: sessions that change, as staff edit them, and as the store records them.

Case tables for the content rules (called off, arrival, roles, retention), the rules that
compare with the published content in a real temporary git repository (a new session in the
past, a published one deleted), and the store's versions on both databases (once per change
per person, an older instance never overrides newer content, retention from the session).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from spiegel.check import check
from spiegel.content.schema import ContentError
from spiegel.db import open_store
from spiegel.db.base import CONFIRMED, SESSION_CANCELLED, SESSION_CHANGED, WAITLIST
from spiegel.forms.model import validate_submission
from spiegel.signups import changes, retention

from .conftest import Project, copy_project
from .test_baseline import commit, git
from .test_endpoint import services_for
from .test_forms import VALID

TODAY = dt.date(2026, 11, 22)


def issues_of(project: Project, today: dt.date = TODAY, ref: str | None = None) -> list[str]:
    """What `spiegel check` says with SPIEGEL_TODAY=today and SPIEGEL_BASE_REF=ref."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPIEGEL_TODAY", today.isoformat())
        if ref:
            mp.setenv("SPIEGEL_BASE_REF", ref)
        else:
            mp.delenv("SPIEGEL_BASE_REF", raising=False)
        return [str(i) for i in check(project.content, project.root / "forms", ref)]


def line_of(project: Project, rel: str, text: str) -> int:
    rows = (project.root / rel).read_text(encoding="utf-8").splitlines()
    return next(n for n, row in enumerate(rows, 1) if text in row)


# ------------------------------------------------------------------ rules without history

CASES = [
    pytest.param(
        "content/sessions.yaml",
        "    department: Oncologie\n",
        "    department: Oncologie\n    status: geannuleerd\n",
        "    status: geannuleerd",
        "een bijeenkomst die niet doorgaat, heeft een reden nodig",
        id="called-off-without-reason",
    ),
    pytest.param(
        "content/sessions.yaml",
        "    department: Oncologie\n",
        "    department: Oncologie\n    reden: De zaal is bezet.\n",
        "    reden: De zaal is bezet.",
        "een reden hoort alleen bij een bijeenkomst die niet doorgaat",
        id="reason-without-status",
    ),
    pytest.param(
        "content/sessions.yaml",
        "    department: Oncologie\n",
        "    department: Oncologie\n    status: afgelast\n",
        "    status: afgelast",
        "hier hoort één van: gepland, geannuleerd",
        id="unknown-status",
    ),
    pytest.param(
        "content/sessions.yaml",
        '    start: "10:00"\n',
        '    start: "10:00"\n    welkom_vanaf: "10:30"\n',
        '    welkom_vanaf: "10:30"',
        'mensen zijn welkom vanaf "10:30", maar de bijeenkomst begint al om "10:00"',
        id="arrival-after-start",
    ),
    pytest.param(
        "content/sessions.yaml",
        "    rollen: [ouder, partner]",
        "    rollen: [ouder, partner, ouders]",
        "    rollen: [ouder, partner, ouders]",
        "'ouders' is geen rol van het formulier spiegelbijeenkomst. Kies uit: patient, partner,"
        " mantelzorger, ouder",
        id="unknown-role",
    ),
    pytest.param(
        "content/sessions.yaml",
        "    plaats_voor: [ouder]",
        "    plaats_voor: [mantelzorger]",
        "    plaats_voor: [mantelzorger]",
        "'mantelzorger' staat bij plaats_voor, maar niet bij rollen",
        id="seat-role-not-offered",
    ),
    pytest.param(
        "content/sessions.yaml",
        "    plaats_voor: [ouder]      # alleen ouders tellen mee voor de plaatsen\n",
        "",
        "  - id: 2027-03-kinderafdeling",
        "geen van de rollen van deze bijeenkomst neemt een plaats in",
        id="no-role-takes-a-seat",
    ),
    pytest.param(
        "forms/spiegelbijeenkomst.yaml",
        "  retention_days: 180",
        "  retention_days: 30",
        "  retention_days: 30",
        "de gegevens worden na 30 dagen verwijderd, maar de brief na de bijeenkomst komt binnen 6"
        " weken",
        id="deleted-before-the-letter",
    ),
    pytest.param(
        "forms/gluren-bij-de-buren.yaml",
        "  retention_days:",
        "  retention_days: 3  #",
        "  retention_days: 3",
        "dagen te antwoorden; dan is de aanvraag al weg. Zet retention_days op minstens",
        id="deleted-before-the-answer",
    ),
    pytest.param(
        "content/vvg.yaml",
        "  - id: 2027-03-vvg-chirurgie  # VOORBEELD",
        "  - id: 2027-01-cardiologie  # VOORBEELD",
        "  - id: 2027-01-cardiologie  # VOORBEELD",
        "'2027-01-cardiologie' is al de id van een bijeenkomst in sessions.yaml",
        id="vvg-id-of-a-mirror-meeting",
    ),
]


@pytest.mark.parametrize(("rel", "old", "new", "where", "expected"), CASES)
def test_session_rules(
    project: Project, rel: str, old: str, new: str, where: str, expected: str
) -> None:
    project.edit(rel, old, new)
    found = issues_of(project)
    line = line_of(project, rel, where)
    assert any(i.startswith(f"{rel}:{line}: ") and expected in i for i in found), found


def test_the_shipped_content_passes_and_knows_its_new_fields(project: Project) -> None:
    assert issues_of(project) == []
    from spiegel.content.model import load_content

    content = load_content(project.content)
    cardio = next(s for s in content.sessions["sessions"] if s["id"] == "2027-01-cardiologie")
    assert (cardio["welkom_vanaf"], cardio["status"], cardio["programme"]) == (
        "13:30",
        "gepland",
        "spiegelbijeenkomst",
    )
    [vvg, _] = content.vvg["sessions"]
    assert (vvg["programme"], vvg["welkom_vanaf"]) == ("vvg", vvg["start"])


# ------------------------------------------------------------------ compared with what is published


@pytest.fixture
def published(tmp_path: Path) -> Project:
    """A clone whose origin/main holds the shipped content, as a pipeline's checkout does."""
    origin = copy_project(tmp_path / "origin")
    git(origin.root, "init", "-q", "-b", "main")
    git(origin.root, "add", "-A")
    git(origin.root, "-c", "user.name=t", "-c", "user.email=t@example.nl", "commit", "-qm", "x")
    git(tmp_path, "clone", "-q", str(origin.root), str(tmp_path / "clone"))
    return Project(tmp_path / "clone")


PAST = """  - id: 2026-11-longziekten
    date: 2026-11-12
    start: "14:00"
    end: "15:30"
    location: Hoofdgebouw, zaal 2.14
    department: Longziekten
    audience: Patiënten van de afdeling Longziekten en hun naasten
"""


def test_a_new_session_in_the_past_is_refused_on_its_line(published: Project) -> None:
    published.edit(
        "content/sessions.yaml", "  - id: 2026-10-orthopedie", PAST + "  - id: 2026-10-orthopedie"
    )
    found = issues_of(published, ref="origin/main")
    line = line_of(published, "content/sessions.yaml", "date: 2026-11-12")
    assert found == [
        f"content/sessions.yaml:{line}: de vierde bijeenkomst, date: deze datum (donderdag 12"
        " november 2026) ligt in het verleden, en deze bijeenkomst stond nog niet op de site"
        " (origin/main). Klopt het jaar? Kies een datum vanaf vandaag, bijvoorbeeld: date:"
        " 2027-11-12"
    ]
    # the same without SPIEGEL_BASE_REF: origin/HEAD or origin/main is found by itself
    assert issues_of(published) == found


def test_a_published_session_that_passed_simply_drops_off(published: Project) -> None:
    # 2026-10-orthopedie is past on TODAY and was published: no message
    assert issues_of(published, ref="origin/main") == []
    assert issues_of(published, today=dt.date(2027, 5, 1), ref="origin/main") == []


def test_moving_a_published_session_into_the_past_is_refused(published: Project) -> None:
    published.edit("content/sessions.yaml", "date: 2027-02-11", "date: 2026-02-11")
    [found] = issues_of(published, ref="origin/main")
    assert (
        "de tweede bijeenkomst, date: deze bijeenkomst is verplaatst naar woensdag 11 februari"
        in found
    )
    assert "bijvoorbeeld: date: 2027-02-11" in found


def test_a_vvg_date_in_the_past_is_refused_too(published: Project) -> None:
    published.edit("content/vvg.yaml", "date: 2027-03-11", "date: 2026-03-11")
    [found] = issues_of(published, ref="origin/main")
    line = line_of(published, "content/vvg.yaml", "date: 2026-03-11")
    assert found.startswith(f"content/vvg.yaml:{line}: het tweede gesprek, date:")


def test_deleting_a_published_session_is_refused_until_its_date(published: Project) -> None:
    path = published.content / "sessions.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: 2027-02-oncologie")
    end = text.index("  - id: 2027-03-kinderafdeling")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    [found] = issues_of(published, ref="origin/main")
    assert "de bijeenkomst 2027-02-oncologie van donderdag 11 februari 2027 is weggehaald" in found
    assert "zet hem terug, met status: geannuleerd" in found
    # after its date it may go
    assert issues_of(published, today=dt.date(2027, 2, 12), ref="origin/main") == []


def test_an_emptied_agenda_names_every_published_session_and_the_action_at_once(
    published: Project,
) -> None:
    """Found on a fresh clone: with every session removed, the action that points at the past
    one once hid the three published sessions that were deleted (one mistake at a time)."""
    published.write(
        "content/sessions.yaml",
        "# yaml-language-server: $schema=../schemas/sessions.schema.json\nsessions:\n",
    )
    found = issues_of(published, ref="origin/main")
    assert len(found) == 4, found
    assert found[0].startswith("content/actions.yaml:7: de eerste actie, source:")
    assert "Heeft u de bijeenkomst daar weggehaald? Zet hem dan terug" in found[0]
    for sid in ("2027-01-cardiologie", "2027-02-oncologie", "2027-03-kinderafdeling"):
        assert any(
            i.startswith("content/sessions.yaml:2: sessions: de bijeenkomst " + sid) for i in found
        ), found


def test_a_base_ref_that_names_nothing_fails_closed(published: Project) -> None:
    found = issues_of(published, ref="origin/nowhere")  # the results ledger says so too
    assert any("SPIEGEL_BASE_REF=origin/nowhere bestaat niet in deze kopie" in i for i in found)


def test_a_local_copy_without_a_remote_compares_with_its_last_commit(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "local")
    git(project.root, "init", "-q", "-b", "main")
    agenda = (project.content / "sessions.yaml").read_text(encoding="utf-8")
    commit(project.root, "content/sessions.yaml", agenda, "agenda")
    assert issues_of(project) == []
    project.edit(
        "content/sessions.yaml", "  - id: 2026-10-orthopedie", PAST + "  - id: 2026-10-orthopedie"
    )
    [found] = issues_of(project)
    assert "stond nog niet op de site (de laatste commit)" in found


def test_outside_git_nothing_is_compared(project: Project) -> None:
    """A copy without history (the tests' own copies, an archive): the shipped past session
    2026-10-orthopedie and a time-travelled build keep working; the pipelines have a baseline."""
    project.edit(
        "content/sessions.yaml", "  - id: 2026-10-orthopedie", PAST + "  - id: 2026-10-orthopedie"
    )
    assert issues_of(project) == []
    assert issues_of(project, today=dt.date(2027, 5, 1)) == []


def test_the_build_refuses_a_new_past_session_in_a_git_copy(published: Project) -> None:
    published.edit(
        "content/sessions.yaml", "  - id: 2026-10-orthopedie", PAST + "  - id: 2026-10-orthopedie"
    )
    result = published.build()
    assert result.returncode != 0
    assert "deze datum (donderdag 12 november 2026) ligt in het verleden" in result.stderr


# ------------------------------------------------------------------ the form and the pages


def test_a_called_off_session_is_shown_until_its_date_and_never_offered(project: Project) -> None:
    project.edit(
        "content/sessions.yaml",
        "    department: Oncologie\n",
        "    department: Oncologie\n    status: geannuleerd\n    reden: De zaal wordt verbouwd.\n",
    )
    result = project.build()
    assert result.returncode == 0, result.stderr
    agenda = project.page("spiegelbijeenkomst/agenda")
    assert "Oncologie: gaat niet door" in agenda and "De zaal wordt verbouwd." in agenda
    assert not (project.site / "spiegelbijeenkomst/agenda/2027-02-oncologie.ics").exists()
    form = project.page("spiegelbijeenkomst/aanmelden")
    assert 'value="2027-02-oncologie"' not in form and 'value="2027-01-cardiologie"' in form


def test_the_vvg_page_lists_its_dates_and_the_form_offers_them(built_site: Project) -> None:
    page = built_site.page("vvg")
    assert "donderdag 4 februari 2027: Interne geneeskunde" in page
    assert "8 plaatsen voor wie komt als coassistent" in page
    form = built_site.page("vvg/aanmelden")
    assert 'value="2027-02-vvg-interne"' in form
    assert (built_site.site / "vvg/2027-02-vvg-interne.ics").exists()


def test_roles_follow_the_session(built_site: Project) -> None:
    form = built_site.page("spiegelbijeenkomst/aanmelden")
    assert (
        "Bij de bijeenkomst van 18 mrt 2027, 19:00-20:30 uur, Kinderafdeling meldt u zich aan"
        " als ouder of verzorger van het kind, of als partner." in form
    )
    agenda = built_site.page("spiegelbijeenkomst/agenda")
    assert "6 plaatsen voor wie komt als ouder of verzorger van het kind" in agenda
    assert "ook al blijkt eruit dat ik patiënt ben" not in form


@pytest.mark.parametrize(
    ("session", "role", "error"),
    [
        ("2027-03-kinderafdeling", "patient", True),
        ("2027-03-kinderafdeling", "mantelzorger", True),
        ("2027-03-kinderafdeling", "ouder", False),
        ("2027-03-kinderafdeling", "partner", False),
        ("2027-01-cardiologie", "ouder", True),
        ("2027-01-cardiologie", "patient", False),
        ("2027-01-cardiologie", "mantelzorger", False),
    ],
)
def test_the_server_takes_only_the_sessions_roles(session: str, role: str, error: bool) -> None:
    from spiegel.content.model import load_parts
    from spiegel.forms.definitions import load_forms

    from .conftest import ROOT

    parts = load_parts(ROOT / "content", ("sessions", "vvg", "groepsevaluatie"))
    form = load_forms(ROOT / "forms", parts)["spiegelbijeenkomst"]
    data = {**VALID["spiegelbijeenkomst"], "sessie": session, "rol": role}
    _, errors = validate_submission(form, data, TODAY)
    if error:
        assert errors["rol"][0].startswith("Bij deze bijeenkomst kunt u zich alleen aanmelden als")
    else:
        assert errors == {}


def test_a_parent_takes_a_seat_and_a_partner_does_not(database_url: str) -> None:
    services = services_for(database_url)
    registry, store = services.registry, services.store
    form = registry.forms()["spiegelbijeenkomst"]
    try:
        for role, counted in (("ouder", True), ("partner", False)):
            data = {**VALID["spiegelbijeenkomst"], "sessie": "2027-03-kinderafdeling", "rol": role}
            clean, errors = validate_submission(form, data, TODAY)
            sub, _ = registry.prepare(form, clean, None)
            assert sub is not None and (sub.capacity is not None) == counted
    finally:
        store.close()


# ------------------------------------------------------------------ the store's versions


def _sign_up(services: object, session: str, name: str) -> str:
    registry, store = services.registry, services.store  # type: ignore[attr-defined]
    form = registry.forms()["spiegelbijeenkomst"]
    data = {**VALID["spiegelbijeenkomst"], "sessie": session, "naam": name, "email": f"{name}@x.nl"}
    clean, errors = validate_submission(form, data, TODAY)
    assert not errors
    sub, _ = registry.prepare(form, clean, None)
    from spiegel.signups.prepare import enrich

    assert sub is not None
    sub = enrich(sub, form, clean, services.keys.link())  # type: ignore[attr-defined]
    return str(store.submit(sub).id)


def test_versions_once_per_change_per_person_and_never_from_older_content(
    database_url: str, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "p")
    services = services_for(
        database_url, content_dir=project.content, forms_dir=project.root / "forms"
    )
    store, registry = services.store, services.registry
    key = services.keys.seat("spiegelbijeenkomst", "2027-01-cardiologie")
    try:
        told = _sign_up(services, "2027-01-cardiologie", "told")
        fresh = _sign_up(services, "2027-01-cardiologie", "fresh")
        assert changes.sync(store, registry, None, TODAY) == 0  # the first version tells nobody
        assert store.session_version(key).seq == 0  # type: ignore[union-attr]
        store.mark_sent(store.outbox(("pending",))[0].id, (told, 0))
        # staff move the session; the sync runs twice, as two instances would
        project.edit(
            "content/sessions.yaml",
            'start: "14:00"\n    end: "15:30"\n    location: Hoofdgebouw, zaal 2.14 (',
            'start: "14:30"\n    end: "16:00"\n    location: Hoofdgebouw, zaal 2.14 (',
        )
        registry._checked = 0.0
        assert changes.sync(store, registry, None, TODAY) == 2  # told (0) and fresh (0)
        assert changes.sync(store, registry, None, TODAY) == 0
        queued = [r for r in store.outbox(("pending",)) if r.kind == SESSION_CHANGED]
        assert sorted(r.submission_id for r in queued) == sorted([told, fresh])
        assert store.session_version(key).seq == 1  # type: ignore[union-attr]
        # an instance still on the older content records nothing and tells nobody
        older = changes.fingerprint(registry, "spiegelbijeenkomst", {"date": "2027-01-14"})
        stale = store.advance(
            "spiegelbijeenkomst",
            key,
            older,
            {},
            dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
            SESSION_CHANGED,
        )
        assert stale.stale and stale.seq == 1
        # called off: a second message each; editing the reason afterwards tells nobody again
        project.edit(
            "content/sessions.yaml",
            "    department: Cardiologie\n",
            "    department: Cardiologie\n    status: geannuleerd\n    reden: Ziek.\n",
        )
        registry._checked = 0.0
        assert changes.sync(store, registry, None, TODAY) == 2
        project.edit("content/sessions.yaml", "reden: Ziek.", "reden: De gespreksleider is ziek.")
        registry._checked = 0.0
        assert changes.sync(store, registry, None, TODAY) == 0
        kinds = [r.kind for r in store.outbox(("pending",)) if r.submission_id == told]
        assert kinds.count(SESSION_CANCELLED) == 1 and kinds.count(SESSION_CHANGED) == 1
        assert store.submission(told).status == CONFIRMED  # type: ignore[union-attr]
        assert store.submission(fresh).status in (CONFIRMED, WAITLIST)  # type: ignore[union-attr]
    finally:
        store.close()


def test_retention_counts_from_the_session(database_url: str) -> None:
    services = services_for(database_url)
    store, registry = services.store, services.registry
    forms = registry.forms()
    try:
        early = _sign_up(services, "2027-01-cardiologie", "early")
        # 180 days after signing up: the session was on 14 January 2027, so it is kept until
        # 180 days after that (the letter comes within 6 weeks of the session)
        at = dt.datetime(2027, 5, 20, tzinfo=dt.UTC)
        assert retention.purge(store, forms, "t", at, registry)["spiegelbijeenkomst"] == 0
        assert store.submission(early) is not None
        at = dt.datetime(2027, 7, 14, 12, tzinfo=dt.UTC)  # 181 days after the session
        assert retention.purge(store, forms, "t", at, registry)["spiegelbijeenkomst"] == 1
        assert store.submission(early) is None
    finally:
        store.close()


def test_the_first_sync_counts_earlier_sign_ups_as_told(database_url: str) -> None:
    """A database from before issue 21: its sign-ups were confirmed with the content as it was;
    the first version is what they were told."""
    services = services_for(database_url)
    store, registry = services.store, services.registry
    try:
        sid = _sign_up(services, "2027-02-oncologie", "oud")
        assert store.submission(sid).told_seq is None  # type: ignore[union-attr]
        changes.sync(store, registry, None, TODAY)
        assert store.submission(sid).told_seq == 0  # type: ignore[union-attr]
    finally:
        store.close()


def test_open_store_has_the_new_tables(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    assert store.latest_versions("spiegelbijeenkomst") == {}
    store.close()


def test_a_broken_file_is_reported_as_before_with_a_baseline(published: Project) -> None:
    from spiegel.project import load_project

    published.edit("content/sessions.yaml", "date: 2027-02-11", "date: 2027-02-31")
    with pytest.raises(ContentError) as exc:
        load_project(
            published.content, published.root / "forms", base_ref="origin/main", today=TODAY
        )
    assert "de datum 2027-02-31 bestaat niet" in str(exc.value)


def test_called_off_before_any_version_still_tells_everyone(
    database_url: str, tmp_path: Path
) -> None:
    """Sign-ups from before this code (no version yet), and the session is called off in the
    same deployment: the first version is "called off", and everyone signed up hears it."""
    project = copy_project(tmp_path / "p")
    services = services_for(
        database_url, content_dir=project.content, forms_dir=project.root / "forms"
    )
    store, registry = services.store, services.registry
    try:
        a = _sign_up(services, "2027-02-oncologie", "a")
        b = _sign_up(services, "2027-02-oncologie", "b")
        project.edit(
            "content/sessions.yaml",
            "    department: Oncologie\n",
            "    department: Oncologie\n    status: geannuleerd\n    reden: Verbouwing.\n",
        )
        registry._checked = 0.0
        assert changes.sync(store, registry, None, TODAY) == 2
        queued = [r for r in store.outbox(("pending",)) if r.kind == SESSION_CANCELLED]
        assert sorted(r.submission_id for r in queued) == sorted([a, b])
        assert changes.sync(store, registry, None, TODAY) == 0
    finally:
        store.close()


def test_a_vanished_session_counts_as_called_off_and_is_still_described(
    database_url: str, tmp_path: Path
) -> None:
    """The check refuses deleting a published session; if a block vanishes all the same (a
    hand-made snapshot), the endpoint tells who signed up that it does not go ahead, written
    from the recorded version since the content no longer has it."""
    from email import message_from_bytes, policy

    from spiegel.mailsettings import MailSettings
    from spiegel.outbox.worker import make_sender

    project = copy_project(tmp_path / "p")
    mail = MailSettings(outbox_dir=tmp_path / "eml", public_url="https://spiegel.example.nl")
    services = services_for(
        database_url, mail=mail, content_dir=project.content, forms_dir=project.root / "forms"
    )
    store, registry = services.store, services.registry
    try:
        sid = _sign_up(services, "2027-02-oncologie", "weg")
        sender = make_sender(services)
        while sender.run_once():
            pass  # the confirmation: version 0 recorded and told
        path = project.content / "sessions.yaml"
        text = path.read_text(encoding="utf-8")
        start, end = text.index("  - id: 2027-02-oncologie"), text.index("  - id: 2027-03-kinder")
        path.write_text(text[:start] + text[end:], encoding="utf-8")
        registry._checked = 0.0
        assert changes.sync(store, registry, None, TODAY) == 1
        while sender.run_once():
            pass
        mails = [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((tmp_path / "eml").glob("*.eml"))
        ]
        off = [m for m in mails if m["Subject"].startswith("Gaat niet door")]
        assert len(off) == 1 and off[0]["To"] == "weg@x.nl"
        body = off[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "De spiegelbijeenkomst van donderdag 11 februari 2027 gaat niet door." in body
        assert store.submission(sid).told_seq == 1  # type: ignore[union-attr]
    finally:
        store.close()


def test_instances_syncing_at_once_queue_each_message_once(
    database_url: str, tmp_path: Path
) -> None:
    """Four processes' worth of sync at the same moment (threads, each with its own store and
    definitions, as separate instances have): one message per person."""
    import threading

    project = copy_project(tmp_path / "p")

    def instance() -> object:
        return services_for(
            database_url, content_dir=project.content, forms_dir=project.root / "forms"
        )

    first = instance()
    people = [_sign_up(first, "2027-01-cardiologie", f"p{i}") for i in range(5)]
    changes.sync(first.store, first.registry, None, TODAY)  # type: ignore[attr-defined]
    for sid in people:
        first.store.mark_sent(  # type: ignore[attr-defined]
            next(r.id for r in first.store.outbox(("pending",)) if r.submission_id == sid),  # type: ignore[attr-defined]
            (sid, 0),
        )
    project.edit("content/sessions.yaml", "date: 2027-01-14", "date: 2027-01-15")
    others = [instance() for _ in range(4)]
    counts: list[int] = []
    start = threading.Barrier(len(others))

    def run(s: object) -> None:
        start.wait()
        counts.append(changes.sync(s.store, s.registry, None, TODAY))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=run, args=(s,)) for s in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sum(counts) == len(people)
        changed = [r for r in first.store.outbox(("pending",)) if r.kind == SESSION_CHANGED]  # type: ignore[attr-defined]
        assert sorted(r.submission_id for r in changed) == sorted(people)
    finally:
        for s in (first, *others):
            s.store.close()  # type: ignore[attr-defined]
