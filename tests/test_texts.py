"""Issue 21: one text per promise, true for the case at hand, from the first page to the e-mail.

Every rule renders its case (a real build, the endpoint's own pages, the e-mails as the sender
makes them) and asserts a sentence is there exactly once, or not at all.
"""

from __future__ import annotations

import ast
import datetime as dt
import email
import email.policy
import html
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from spiegel.db import base as db_base
from spiegel.mailsettings import MailSettings
from spiegel.outbox.kinds import KINDS, participant_kinds, respondent_kinds, staff_kinds
from spiegel.outbox.messages import TEMPLATES, session_letter
from spiegel.site.polish import SHY
from starlette.testclient import TestClient

from .conftest import ROOT, Project
from .test_endpoint import app_for, person
from .test_forms import VALID

PACKAGE = ROOT / "scripts" / "spiegel"
CONTENT = {
    p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "content").glob("*.yaml")
}
ORG = CONTENT["site"]["organisation"]
PEER = CONTENT["collegiale-ondersteuning"]
FORM_IDS = sorted(p.stem for p in (ROOT / "forms").glob("*.yaml"))


def text_of(page_html: str, fields: bool = True) -> str:
    """The main content of a built page as one line of plain text (no tags, no soft hyphens);
    without the questionnaire's statements and their answer scales when ``fields`` is false."""
    main = page_html[max(page_html.find('id="inhoud"'), 0) :]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    if not fields:
        main = re.sub(r"<fieldset\b.*?</fieldset>", " ", main, flags=re.S)
    main = re.sub(r"<[^>]+>", " ", main)
    return " ".join(html.unescape(main).replace(SHY, "").split())


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 15]


def pages_of(form_id: str) -> Iterator[str]:
    form = yaml.safe_load((ROOT / "forms" / f"{form_id}.yaml").read_text(encoding="utf-8"))
    yield form["path"]
    yield form["path"] + "/bedankt"
    if form.get("waitlist"):
        yield form["path"] + "/wachtlijst"


FORM_PAGES = [url for fid in FORM_IDS for url in pages_of(fid)]


# ------------------------------------------------------------------ one text per promise


@pytest.mark.parametrize("url", FORM_PAGES)
def test_no_sentence_twice_on_a_form_or_its_answer(built_site: Project, url: str) -> None:
    text = text_of(built_site.page(url), fields=False)
    twice = [s for s, n in Counter(split_sentences(text)).items() if n > 1]
    assert twice == []
    # a promise to get in touch is made once, with its term
    assert len(re.findall(r"neemt[^.]*contact met u op|nemen[^.]*contact met u op", text)) <= 1


def test_thank_you_page_of_a_seat(built_site: Project) -> None:
    text = text_of(built_site.page("spiegelbijeenkomst/aanmelden/bedankt"))
    assert text.count("U heeft een plek.") == 1
    assert text.count("Kunt u toch niet komen?") == 1
    assert "krijgt u van ons een bevestiging" not in text  # the e-mail goes out at once
    assert "Dan bellen wij u binnen een week." in text  # phone only: the configured term


def test_waiting_list_page_promises_no_confirmation(built_site: Project) -> None:
    text = text_of(built_site.page("spiegelbijeenkomst/aanmelden/wachtlijst"))
    assert "U staat nu op de wachtlijst." in text
    for absent in ("bevestiging", "binnen een week", "U heeft een plek", "Kunt u toch niet komen"):
        assert absent not in text, absent


def test_vvg_says_once_what_comes_after_signing_up_for_a_date(built_site: Project) -> None:
    """VVG dates have seats (issue 22 item 8): a confirmation by e-mail, as for a mirror
    meeting, said once; no promise that the coordinator will call."""
    for url in ("vvg/aanmelden", "vvg/aanmelden/bedankt"):
        text = text_of(built_site.page(url))
        assert text.count("Dan krijgt u meteen een e-mail met de datum, de tijd en de plek") == 1
        assert "De coördinator neemt" not in text, url
    text = text_of(built_site.page("vvg/aanmelden/wachtlijst"))
    assert text.count("Dan krijgt u een e-mail dat u op de wachtlijst staat.") == 1


def test_waiting_list_hint_sits_under_its_own_box(built_site: Project) -> None:
    page = built_site.page("spiegelbijeenkomst/aanmelden")
    box = page.index('id="f-doorschuiven"')
    hint = page.index('id="f-doorschuiven-hint"')
    confidentiality = page.index('id="f-akkoord_vertrouwelijk"')
    next_field = page.index('id="f-akkoord_gegevens"')
    assert confidentiality < box < hint < next_field
    assert "U krijgt dan een e-mail of wij bellen u" in page[box:next_field]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_what_happens_next_is_said_before_the_button(built_site: Project, form_id: str) -> None:
    form = yaml.safe_load((ROOT / "forms" / f"{form_id}.yaml").read_text(encoding="utf-8"))
    page = built_site.page(form["path"])
    start = page.index('id="spiegel-form"')
    heading = page.index("Wat gebeurt er daarna?")
    button = page.index('<button type="submit"', start)
    assert start < heading < button
    assert page.count("Wat gebeurt er daarna?") == 1


def test_the_error_page_also_says_what_happens_next_before_the_button(
    sqlite_client: TestClient,
) -> None:
    page = sqlite_client.post("/api/forms/vvg", data={"naam": "Sam"}).text
    assert page.index("Wat gebeurt er daarna?") < page.index('<button type="submit"')
    assert "Verandert er iets aan het gesprek, of gaat het niet door?" in page


# ------------------------------------------------------------------ peer support


def test_peer_support_points_at_its_own_number(built_site: Project) -> None:
    page = built_site.page("collegiale-ondersteuning")
    section = page[
        page.index('id="zo-vraagt-u-om-steun"') : page.index('id="heeft-u-nu-meteen-hulp-nodig"')
    ]
    numbers = re.findall(r'href="tel:([^"]+)"', section)
    assert numbers and set(numbers) == {"+31" + PEER["how_to_ask"]["phone"].replace(" ", "")[1:]}
    assert "hieronder" not in text_of(section) and "hierboven" not in text_of(section)


@pytest.mark.parametrize(
    "url",
    [
        "collegiale-ondersteuning",
        "collegiale-ondersteuning/contact",
        "collegiale-ondersteuning/contact/bedankt",
    ],
)
def test_help_outside_office_hours_wherever_one_asks(built_site: Project, url: str) -> None:
    page = built_site.page(url)
    text = text_of(page)
    for needle in ("huisartsenpost", "bedrijfsarts"):
        assert needle in text, needle
    for number in ("tel:113", "tel:08000113", "tel:112"):
        assert f'href="{number}"' in page, number
    # the term says whether the weekend counts (an organisation's choice: # VOORBEELD)
    weekend = (
        "Zaterdag en zondag tellen mee."
        if PEER["first_contact_weekend"]
        else ("Zaterdag en zondag tellen niet mee.")
    )
    if url != "collegiale-ondersteuning/contact" or "72 uur" in text:
        assert (
            f"Binnen {PEER['first_contact_hours']} uur neemt een peer supporter contact met u op. {weekend}"
            in text
        )


def test_the_peer_supporter_is_among_who_sees_a_request(built_site: Project) -> None:
    for url in ("collegiale-ondersteuning/contact", "privacy"):
        text = text_of(built_site.page(url))
        assert "Alleen de coördinator peer support" not in text
        assert "de peer supporter die contact met u opneemt" in text


# ------------------------------------------------------------------ VVG and groepsevaluatie


def test_interns_read_who_sees_their_sign_up(built_site: Project) -> None:
    recipients = yaml.safe_load((ROOT / "forms/vvg.yaml").read_text(encoding="utf-8"))["privacy"][
        "recipients"
    ]
    assert "opleiders" in recipients  # the dependence the page names
    assert recipients in text_of(built_site.page("vvg/aanmelden"))
    assert f"Wie ziet dat u zich aanmeldt? {recipients}" in text_of(built_site.page("vvg"))


def test_groepsevaluatie_says_results_are_public_and_how_to_ask(built_site: Project) -> None:
    page = built_site.page("groepsevaluatie")
    text = text_of(page)
    publication = CONTENT["groepsevaluatie"]["publication"]
    assert publication["heading"] in text
    assert " ".join(publication["body"].split()) in text
    assert 'href="aanvragen/"' in page


def test_the_code_field_says_it_is_needed(built_site: Project) -> None:
    page = built_site.page("groepsevaluatie/vragenlijst")
    label = re.search(r'<label class="spiegel-label" for="f-code">(.*?)</label>', page, re.S)
    assert label and "niet verplicht" not in label.group(1)
    assert re.search(r'<input[^>]*id="f-code"[^>]*required', page)


# ------------------------------------------------------------------ the cancel page


@pytest.fixture
def sqlite_client(tmp_path: Path) -> Iterator[TestClient]:
    app = app_for(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        min_fill_seconds=0,
        mail=MailSettings(
            signups_per_day=0,
            mails_per_address=0,
            public_url="https://s.example",
            outbox_dir=tmp_path / "outbox",
        ),
    )
    with TestClient(app) as c:
        yield c
    app.state.store.close()


def cancel(client: TestClient, sid: str) -> str:
    from spiegel.signups.prepare import cancel_token

    token = cancel_token(client.app.state.link_key(), sid)  # type: ignore[attr-defined]
    asked = text_of(client.get(f"/api/afmelden/{token}").text)
    done = client.post(f"/api/afmelden/{token}")
    assert done.status_code == 200
    return asked + " || " + text_of(done.text)


FORM = "/api/forms/spiegelbijeenkomst"


def test_cancel_page_says_what_happened_to_the_seat(sqlite_client: TestClient) -> None:
    c = sqlite_client
    text = cancel(c, c.post(FORM, json=person(0)).json()["id"])  # nobody waits
    asked, done = text.split(" || ")
    assert "U heeft een plek." in asked
    assert "Uw plek is weer vrij." in done
    assert "iemand anders" not in done and "wachtlijst" not in done

    seats = [c.post(FORM, json=person(i)).json()["id"] for i in range(1, 8)]  # 7: full
    assert c.post(FORM, json=person(20, doorschuiven="ja")).json()["status"] == "waitlist"
    assert "Iemand van de wachtlijst krijgt nu uw plek." in cancel(c, seats[0])

    waiting = c.post(FORM, json=person(21)).json()  # full again
    assert waiting["status"] == "waitlist"
    asked, done = cancel(c, waiting["id"]).split(" || ")
    assert (
        "U staat op de wachtlijst." in asked and "Uw naam staat niet meer op de wachtlijst." in done
    )
    assert "Uw plek" not in asked + done


def test_a_partner_frees_no_place(sqlite_client: TestClient) -> None:
    """A partner comes along without a place: nothing is "vrij", nobody gets it."""
    c = sqlite_client
    sid = c.post(FORM, json=person(40, rol="partner")).json()["id"]
    asked, done = cancel(c, sid).split(" || ")
    assert "U bent aangemeld. Wilt u zich afmelden?" in asked
    assert "plek" not in asked + done and "wachtlijst" not in done
    assert "U bent afgemeld." in done


def _app_on(tmp_path: Path, content: Path, **kw: Any) -> TestClient:
    app = app_for(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        content_dir=content,
        min_fill_seconds=0,
        mail=MailSettings(signups_per_day=0, public_url="https://s.example"),
        **kw,
    )
    return TestClient(app)


@pytest.mark.parametrize(
    ("later", "title"),
    [("called-off", "Deze bijeenkomst gaat niet door"), ("past", "Deze bijeenkomst is al geweest")],
)
def test_a_cancel_link_for_a_session_that_will_not_be_held_changes_nothing(
    tmp_path: Path, later: str, title: str
) -> None:
    """After a call-off or the date, "Dan komt uw plek vrij voor iemand anders" is not true:
    the page says what is, and the button is gone (a POST changes nothing either)."""
    import shutil

    from spiegel.db.base import CONFIRMED
    from spiegel.signups.prepare import cancel_token

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    first = _app_on(tmp_path, content)
    sid = first.post(FORM, json=person(41)).json()["id"]
    first.app.state.store.close()  # type: ignore[attr-defined]
    kw: dict[str, Any] = {}
    if later == "called-off":
        path = content / "sessions.yaml"
        text = path.read_text(encoding="utf-8")
        old = "    department: Cardiologie\n"
        path.write_text(
            text.replace(old, old + "    status: geannuleerd\n    reden: De zaal is bezet.\n", 1),
            encoding="utf-8",
        )
    else:
        kw["today"] = dt.date(2027, 1, 15)
    c = _app_on(tmp_path, content, **kw)
    try:
        token = cancel_token(c.app.state.link_key(), sid)  # type: ignore[attr-defined]
        for r in (c.get(f"/api/afmelden/{token}"), c.post(f"/api/afmelden/{token}")):
            assert r.status_code == 200
            text = text_of(r.text)
            assert title in text and "komt uw plek vrij" not in text and "<form" not in r.text
            assert ("De zaal is bezet." in text) == (later == "called-off")
        row = c.app.state.store.submission(sid)  # type: ignore[attr-defined]
        assert row.status == CONFIRMED  # nothing changed, no cancellation mail
        kinds = [m.kind for m in c.app.state.store.outbox(("pending",))]  # type: ignore[attr-defined]
        assert "cancellation" not in kinds
    finally:
        c.app.state.store.close()  # type: ignore[attr-defined]


# ------------------------------------------------------------------ the e-mails

SESSION = {
    "id": "2027-01-cardiologie",
    "date": "2027-01-14",
    "start": "14:00",
    "end": "15:30",
    "location": "Hoofdgebouw, zaal 2.14",
    "department": "Cardiologie",
    "audience": "Patiënten",
    "access": "De zaal is met de lift te bereiken.",
}
PRACTICAL = {
    k: CONTENT["spiegelbijeenkomst"]["practical"][k].strip()
    for k in ("travel_refund", "recording", "own_doctor")
}


def letter(kind: str, **signup: str) -> Any:
    return session_letter(
        kind,
        name="Anna",
        session=SESSION,
        org=ORG,
        cancel_link="https://s.example/api/afmelden/abc.def",
        agenda_url="https://s.example/spiegelbijeenkomst/agenda/",
        signup=signup,
        practical=PRACTICAL,
    )


SESSION_KINDS = sorted(TEMPLATES)


def test_subjects_tell_the_messages_apart_without_health_or_department() -> None:
    subjects = {kind: letter(kind).subject for kind in SESSION_KINDS}
    assert len(set(subjects.values())) == len(subjects), subjects
    for kind, subject in subjects.items():
        assert not re.search(
            r"cardiologie|patiënt|zorg|ziek|arts|spiegel|afspraak", subject, re.I
        ), (kind, subject)
        assert ORG["name"] not in subject
    assert subjects[db_base.CONFIRMATION] != subjects[db_base.WAITLIST_MSG]
    assert "wachtlijst" in subjects[db_base.WAITLIST_MSG]


@pytest.mark.parametrize("kind", SESSION_KINDS)
def test_each_mail_says_each_thing_once(kind: str) -> None:
    text = "\n\n".join(letter(kind, toegankelijkheid="Een rolstoelplek").paragraphs)
    assert text.count("Kunt u niet komen?") <= 1
    twice = [s for s, n in Counter(split_sentences(text)).items() if n > 1]
    assert twice == []


@pytest.mark.parametrize(
    ("ticked", "says"), [(True, "aangevinkt dat u een plek wilt"), (False, "niet aangevinkt")]
)
def test_waiting_list_mail_says_what_the_person_chose(ticked: bool, says: str) -> None:
    text = " ".join(
        letter(db_base.WAITLIST_MSG, **({"doorschuiven": "ja"} if ticked else {})).paragraphs
    )
    assert says in text
    assert "Heeft u op het formulier aangegeven" not in text
    assert ("Dan krijgt u die vanzelf" in text) == ticked


@pytest.mark.parametrize("kind", [db_base.CONFIRMATION, db_base.PROMOTION])
def test_confirmation_repeats_the_need_and_the_practical_information(kind: str) -> None:
    text = "\n".join(letter(kind, toegankelijkheid="Een plek voor mijn rolstoel").paragraphs)
    assert (
        'wat u nodig heeft om goed mee te doen: "Een plek voor mijn rolstoel". Dat hebben wij genoteerd.'
        in text
    )
    assert f"- De zaal: {SESSION['access']}" in text
    for value in PRACTICAL.values():
        assert " ".join(value.split()) in " ".join(text.split())


@pytest.mark.parametrize(
    "need",
    ["zie https://evil.example/x", "www.evil.example", "mail a@evil.example", "evil.example/x"],
)
def test_a_need_with_an_address_in_it_is_noted_but_not_quoted(need: str) -> None:
    text = "\n".join(letter(db_base.CONFIRMATION, toegankelijkheid=need).paragraphs)
    assert "evil" not in text
    assert (
        "U schreef op het formulier wat u nodig heeft om goed mee te doen. Dat hebben wij genoteerd."
        in text
    )


def test_no_need_no_sentence_about_it() -> None:
    assert "nodig heeft" not in " ".join(letter(db_base.CONFIRMATION).paragraphs)


def test_the_sender_fills_in_the_sign_up_at_send_time(
    sqlite_client: TestClient, tmp_path: Path
) -> None:
    """Through the real sender: the sealed sign-up's need and choice reach the e-mail."""
    from spiegel.outbox.worker import make_sender

    c = sqlite_client
    c.post(FORM, json={**VALID["spiegelbijeenkomst"], "toegankelijkheid": "Graag een ringleiding"})
    for i in range(1, 7):
        c.post(FORM, json=person(i))
    c.post(FORM, json=person(30, doorschuiven="ja", email="wacht@example.nl"))
    make_sender(c.app.state.services).run_once()  # type: ignore[attr-defined]
    mails = {}
    for path in (tmp_path / "outbox").glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mails[str(msg["To"])] = msg
    first = mails["anna@example.nl"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert '"Graag een ringleiding". Dat hebben wij genoteerd.' in first
    assert "- Reiskosten: " in first and "- De zaal: " in first
    waiting = mails["wacht@example.nl"]
    assert waiting["Subject"] == "U staat op de wachtlijst"
    assert "aangevinkt dat u een plek wilt" in waiting.get_body(("plain",)).get_content()  # type: ignore[union-attr]


# ------------------------------------------------------------------ the message kinds


def _names(expr: ast.expr) -> list[str]:
    """The names an expression can evaluate to: ``A``, or ``A if ... else B``."""
    if isinstance(expr, ast.Name):
        return [expr.id]
    if isinstance(expr, ast.IfExp):
        return _names(expr.body) + _names(expr.orelse)
    return []


def _enqueued_kinds() -> set[str]:
    """Every kind the code puts in the outbox: the constants passed to ``enqueue``/``_enqueue``
    (directly, or through a variable assigned in the same function)."""
    constants = {
        n: getattr(db_base, n)
        for n in dir(db_base)
        if n.isupper() and isinstance(getattr(db_base, n), str)
    }
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if func.name in ("enqueue", "_enqueue"):
                continue
            assigned: dict[str, list[str]] = {}
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).extend(_names(node.value))
            for node in ast.walk(func):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr not in ("enqueue", "_enqueue"):
                    continue
                arg = node.args[1 if node.func.attr == "_enqueue" else 0]
                for name in _names(arg):
                    for n in [name] if name in constants else assigned.get(name, [name]):
                        assert n in constants, (
                            f"{path.name}: enqueue({n}): not a kind of db/base.py"
                        )
                        found.add(constants[n])
    return found


def test_every_kind_the_code_sends_is_registered() -> None:
    sent = _enqueued_kinds()
    assert {
        "confirmation",
        "waitlist",
        "cancellation",
        "promotion",
        "reminder",
        "letter",
        "digest",
        "notice",
        "repeat",
    } <= sent
    assert sent <= set(KINDS), sent - set(KINDS)


def test_every_template_belongs_to_a_registered_kind() -> None:
    files = {
        p.name.removesuffix(".txt.j2") for p in (PACKAGE / "outbox/templates").glob("*.txt.j2")
    }
    assert files - {"_parts"} == {k.template for k in KINDS.values() if k.template}
    with pytest.raises(ValueError, match="unknown message kind"):
        letter("invitation")  # not a session's message: it has a letter of its own
    with pytest.raises(ValueError, match="unknown message kind"):
        letter("no-such-kind")


def test_privacy_statement_lists_every_message_kind(built_site: Project) -> None:
    text = text_of(built_site.page("privacy"))
    for kind in [*participant_kinds(), *respondent_kinds(), *staff_kinds()]:
        assert text.count(" ".join(kind.description.split())) == 1, kind.name
    assert {k.name for k in participant_kinds()} >= {"waitlist", "promotion", "repeat", "letter"}


# ------------------------------------------------------------------ phones


def test_soft_hyphens_only_in_headings(built_site: Project) -> None:
    found = []
    for path in built_site.site.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        body = page[page.find("<body") :]
        outside = re.sub(r"<h([1-6])\b.*?</h\1>", "", body, flags=re.S)
        if SHY in outside:
            at = outside.index(SHY)
            found.append(
                f"{path.relative_to(built_site.site)}: {outside[max(at - 40, 0) : at + 20]!r}"
            )
    assert found == []
    assert SHY in built_site.raw_page("spiegelbijeenkomst")  # a long heading still gets them


@pytest.mark.parametrize(
    ("url", "rows"),
    [
        ("vvg", "vvg.agenda"),
        ("groepsevaluatie", "statements"),
        ("groepsevaluatie", "time_investment"),
    ],
)
def test_each_wide_table_is_also_a_list(built_site: Project, url: str, rows: str) -> None:
    page = built_site.page(url)
    wide = re.findall(r'<div class="spiegel-scroll spiegel-wide".*?</div>', page, re.S)
    narrow = re.findall(
        r'<(?:ol|ul) class="spiegel-narrow spiegel-steps" data-search-exclude>(.*?)</(?:ol|ul)>',
        page,
        re.S,
    )
    assert len(wide) == len(narrow) >= 1
    for table, items in zip(wide, narrow, strict=True):
        body = table.split("<tbody>")[1].split("</tbody>")[0]
        rows_shown = body.count("<tr>") + table.count("<tfoot><tr>")
        assert items.count("<li>") == rows_shown


# ------------------------------------------------------------------ practical information


def test_leaflet_and_agenda_give_the_practical_information(built_site: Project) -> None:
    leaflet = text_of(built_site.page("spiegelbijeenkomst"))
    practical = CONTENT["spiegelbijeenkomst"]["practical"]
    for key in ("access", "travel_refund", "recording", "own_doctor"):
        assert " ".join(practical[key].split()) in leaflet, key
    agenda = text_of(built_site.page("spiegelbijeenkomst/agenda"))
    own = [s for s in CONTENT["sessions"]["sessions"] if s.get("access")]
    assert own and all(s["access"] in agenda for s in own)


# ------------------------------------------------------------------ the review of issue 21
# Each rule below was broken when the journey was run by hand through the running server (a
# partner, a trainer, a waiting person, a VVG date, a moved and a called-off session).

WITH_CANCEL_LINK = [
    db_base.CONFIRMATION,
    db_base.PROMOTION,
    db_base.REMINDER,
    db_base.REPEAT,
    db_base.SESSION_CHANGED,
]


def told(kind: str, *, session: dict[str, str] | None = None, **kw: Any) -> str:
    """The plain text of a message, as one string."""
    signup = kw.pop("signup", {})
    made = session_letter(
        kind,
        name="Anna",
        session=session or SESSION,
        org=ORG,
        cancel_link="https://s.example/api/afmelden/abc.def",
        agenda_url="https://s.example/spiegelbijeenkomst/agenda/",
        signup=signup,
        practical=kw.pop("practical", PRACTICAL),
        **kw,
    )
    return "\n\n".join(made.paragraphs)


@pytest.mark.parametrize("standing", ["seat", "extra", "waiting"])
@pytest.mark.parametrize("kind", WITH_CANCEL_LINK)
def test_only_a_place_that_counts_goes_to_someone_else(kind: str, standing: str) -> None:
    """A partner, carer or trainer takes no place, so nobody gets theirs; a waiting person has
    none: their link takes them off the waiting list."""
    seat = standing != "waiting"
    text = told(kind, seat=seat, standing=standing)
    assert ("Dan kan iemand anders uw plek krijgen." in text) == (standing == "seat")
    assert ("Wilt u niet meer op de wachtlijst staan?" in text) == (standing == "waiting")
    assert ("Kunt u niet komen?" in text) == (standing != "waiting")


def test_a_repeat_says_whether_the_person_waits() -> None:
    assert "U stond al op de wachtlijst." in told(db_base.REPEAT, seat=False)
    assert "U was al aangemeld." in told(db_base.REPEAT)


@pytest.mark.parametrize(("ticked", "says"), [(True, "krijgt u die vanzelf"), (False, "niet")])
def test_a_waiting_person_hears_of_a_change_as_they_chose(ticked: bool, says: str) -> None:
    """The system knows whether the box was ticked: no "wilde u die?"."""
    previous = {**SESSION, "date": "2027-01-07"}
    signup = {"doorschuiven": "ja"} if ticked else {}
    text = told(db_base.SESSION_CHANGED, seat=False, previous=previous, signup=signup)
    assert "wilde u" not in text
    line = next(p for p in text.split("\n\n") if p.startswith("U staat nog op de wachtlijst."))
    assert says in line and ("niet vanzelf" in line) != ticked


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"date": "2027-01-21"}, "de datum"),
        ({"start": "15:00", "end": "16:30"}, "de tijd"),
        ({"welkom_vanaf": "13:00"}, "de tijd"),
        ({"location": "Poliklinisch gebouw, zaal 0.12"}, "de plaats"),
        ({"date": "2027-01-21", "start": "15:00"}, "de datum en de tijd"),
        (
            {"date": "2027-01-21", "start": "15:00", "location": "Zaal 1"},
            "de datum, de tijd en de plaats",
        ),
    ],
)
def test_a_change_names_what_changed(change: dict[str, str], named: str) -> None:
    now = {**SESSION, "welkom_vanaf": "13:30", **change}
    before = {**SESSION, "welkom_vanaf": "13:30"}
    text = told(db_base.SESSION_CHANGED, session=now, previous=before)
    assert f"waarvoor u bent aangemeld: {named}." in text


def test_a_vvg_mail_holds_nothing_of_the_mirror_meeting() -> None:
    """Travel costs paid back, one's own doctor listening, the leaflet's room: none of it is
    true of a VVG; a VVG date says only what its own block says."""
    from spiegel.snapshot import from_sources

    sessions = from_sources(ROOT / "content", ROOT / "forms").sessions
    vvg = sessions["2027-02-vvg-interne"]
    assert "access" not in vvg
    assert sessions["2027-01-cardiologie"]["access"]  # a mirror meeting: the leaflet's room
    own = next(s for s in CONTENT["sessions"]["sessions"] if s.get("access"))
    assert sessions[own["id"]]["access"] == " ".join(own["access"].split())
    text = told(db_base.CONFIRMATION, session={**vvg, "programme": "vvg"})
    for absent in ("Goed om te weten", "Reiskosten", "Wie luistert mee", "De zaal", "arts"):
        assert absent not in text, absent


def test_a_practical_text_is_not_cut_in_the_middle() -> None:
    """A text from a YAML block keeps its line breaks; a mail must not break a sentence."""
    raw = {k: CONTENT["spiegelbijeenkomst"]["practical"][k] for k in PRACTICAL}
    assert any("\n" in v.strip() for v in raw.values())  # the shipped texts are blocks
    text = told(db_base.CONFIRMATION, practical=raw)
    for value in raw.values():
        assert " ".join(value.split()) in text


@pytest.mark.parametrize("need", ["Ik zit in een rolstoel.", "Een tolk!", "Een ringleiding"])
def test_a_quoted_need_ends_with_one_full_stop(need: str) -> None:
    text = told(db_base.CONFIRMATION, signup={"toegankelijkheid": need})
    end = "" if need[-1] in ".!?" else "."
    assert f'"{need}"{end} Dat hebben wij genoteerd.' in text
    assert '.".' not in text and '!".' not in text


def test_a_calendar_title_names_no_department(built_site: Project) -> None:
    """A calendar shows its title on a lock screen and in a shared calendar, like a subject."""
    import icalendar
    from spiegel.outbox.messages import Calendar

    files = [p.read_text(encoding="utf-8") for p in built_site.site.rglob("*.ics")]
    made = session_letter(
        db_base.CONFIRMATION,
        name="Anna",
        session=SESSION,
        org=ORG,
        cancel_link="https://s.example/api/afmelden/abc.def",
        agenda_url="https://s.example/",
        calendar=Calendar("uid-1", 0),
    )
    assert files and made.ics
    departments = {s["department"] for s in CONTENT["sessions"]["sessions"]} | {
        s["department"] for s in CONTENT["vvg"]["sessions"]
    }
    for text in [*files, made.ics]:
        [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
        title = str(event["summary"])
        assert not any(d.lower() in title.lower() for d in departments), title


def test_ones_own_cancellation_is_not_called_off_in_the_calendar() -> None:
    from spiegel.outbox.messages import Calendar

    made = session_letter(
        db_base.CANCELLATION,
        name="Anna",
        session=SESSION,
        org=ORG,
        cancel_link="https://s.example/api/afmelden/abc.def",
        agenda_url="https://s.example/",
        calendar=Calendar("uid-1", 1, "CANCEL"),
    )
    assert made.ics and "U heeft zich afgemeld." in made.ics and "Gaat niet door" not in made.ics


def test_the_privacy_statement_is_true_for_partners_and_parents(built_site: Project) -> None:
    text = text_of(built_site.page("privacy"))
    assert "blijkt dat u patiënt bent" not in text
    assert "over uw gezondheid, of over die van uw naaste of uw kind" in text


def test_a_vvg_date_is_a_gesprek_where_its_term_is_counted(built_site: Project) -> None:
    for url in ("vvg/aanmelden", "privacy"):
        text = text_of(built_site.page(url))
        assert "1 jaar na het gesprek" in text, url
    assert "na de bijeenkomst" in text_of(built_site.page("spiegelbijeenkomst/aanmelden"))


def test_a_term_from_configuration_is_not_said_again_in_words(built_site: Project) -> None:
    """VVG: "na een paar maanden" beside "na ongeveer 3 maanden"; the leaflet: where the room is
    said under "Adres" and again under "Route"."""
    vvg = text_of(built_site.page("vvg"))
    follow = vvg[vvg.index(CONTENT["vvg"]["follow_up"]["heading"]) :]
    follow = follow[: follow.index("Wat we met uw feedback doen")]
    assert follow.count("maanden") == 1 and "paar maanden" not in follow
    leaflet = text_of(built_site.page("spiegelbijeenkomst"))
    assert leaflet.count("in de agenda en in uw") == 1


def test_the_leaflet_names_the_message_the_system_sends(built_site: Project) -> None:
    """People get a confirmation ("Bevestiging: u heeft een plek"), not an invitation."""
    leaflet = text_of(built_site.page("spiegelbijeenkomst"))
    assert "uitnodiging" not in leaflet
    assert "bevestiging met de datum, de tijd en de plek" in leaflet


def test_the_waiting_list_page_allows_for_a_repeated_sign_up(built_site: Project) -> None:
    """The answer to a repeat is a new sign-up's (issue 20): on a full session, this page, also
    for someone who has a place. The page says that a repeat changes nothing."""
    for url in ("spiegelbijeenkomst/aanmelden/wachtlijst", "vvg/aanmelden/wachtlijst"):
        assert (
            text_of(built_site.page(url)).count("Dan verandert er niets aan die aanmelding.") == 1
        )


def test_the_agenda_keeps_who_takes_a_place_when_the_seats_are_live(built_site: Project) -> None:
    """The script replaces only the sentence about a full session (spiegel-forms.js): who takes
    a place is the page's own text, from the session's roles (the parents at the children's
    ward), never a fixed "voor (oud-)patiënten"."""
    page = built_site.page("spiegelbijeenkomst/agenda")
    live = re.findall(r"<span data-spiegel-seats=\"([^\"]+)\"[^>]*>(.*?)</span>", page, re.S)
    coming = {
        s["id"]
        for s in CONTENT["sessions"]["sessions"]
        if s["date"] >= dt.date(2026, 11, 22) and s.get("status") != "geannuleerd"
    }
    assert coming and {sid for sid, _ in live} == coming
    for _, inner in live:
        assert "komt als" not in inner and "patiënt" not in inner
    kids = page[page.index('id="2027-03-kinderafdeling"') :]
    assert "voor wie komt als ouder of verzorger van het kind" in kids[: kids.index("</dl>")]
    script = (ROOT / "overrides/assets/javascripts/spiegel-forms.js").read_text(encoding="utf-8")
    assert "patiënten" not in script and "mantelzorger" not in script
