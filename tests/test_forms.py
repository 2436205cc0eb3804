"""Form definitions and server-side validation rules, as case tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from spiegel.content.model import load_parts
from spiegel.content.schema import ContentError
from spiegel.forms.definitions import (
    Form,
    load_forms,
    normalise_phone,
    table_schema,
    validate_submission,
)
from spiegel.forms.html import render_form
from spiegel.forms.model import MSG

from .conftest import ROOT, Project

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def forms() -> dict[str, Form]:
    parts = load_parts(ROOT / "content", ("sessions", "vvg", "groepsevaluatie"))
    return load_forms(ROOT / "forms", parts)


VALID = {
    "spiegelbijeenkomst": {
        "sessie": "2027-01-cardiologie",
        "naam": "Anna de Vries",
        "email": "anna@example.nl",
        "rol": "patient",
        "akkoord_vertrouwelijk": "ja",
        "akkoord_gegevens": "ja",
    },
    "vvg": {
        "gesprek": "2027-02-vvg-interne",
        "rol": "coassistent",
        "naam": "Sam",
        "afdeling": "Chirurgie",
        "telefoon": "06 12345678",
    },
    "collegiale-ondersteuning": {"naam": "Kim", "telefoon": "+31 6 1234 5678"},
    "groepsevaluatie-aanvraag": {
        "naam": "Dr. De Boer",
        "groep": "Vakgroep Cardiologie",
        "email": "deboer@example.nl",
    },
    "gluren-bij-de-buren": {
        "rol": "client",
        "naam": "Mevr. Jansen",
        "locatie": "De Klinkenberg",
        "beschikbaar": "dinsdag",
        "telefoon": "071-1234567",
    },
}


@pytest.mark.parametrize("form_id", sorted(VALID))
def test_valid_submissions_pass(forms: dict[str, Form], form_id: str) -> None:
    clean, errors = validate_submission(forms[form_id], VALID[form_id], TODAY)
    assert errors == {}
    assert set(clean) <= set(forms[form_id].by_name)


CASES = [
    ("spiegelbijeenkomst", {"naam": ""}, "naam", "Vul dit veld in."),
    ("spiegelbijeenkomst", {"naam": "x" * 101}, "naam", "Gebruik maximaal 100 tekens (nu 101)."),
    (
        "spiegelbijeenkomst",
        {"email": "geen-adres"},
        "email",
        "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    ),
    (
        "spiegelbijeenkomst",
        {"email": "", "telefoon": ""},
        "email",
        "Vul ten minste één in: e-mailadres of telefoonnummer.",
    ),
    (
        "spiegelbijeenkomst",
        {"telefoon": "12345"},
        "telefoon",
        "Vul een Nederlands telefoonnummer in, zoals 06 12345678 of 071 123 45 67.",
    ),
    ("spiegelbijeenkomst", {"rol": "arts"}, "rol", "Kies een van de mogelijkheden."),
    (
        "spiegelbijeenkomst",
        {"sessie": "2026-10-orthopedie"},
        "sessie",
        "Aanmelden voor deze bijeenkomst kan niet meer.",
    ),
    ("spiegelbijeenkomst", {"sessie": "' OR 1=1 --"}, "sessie", "Kies een van de mogelijkheden."),
    (
        "spiegelbijeenkomst",
        {"akkoord_gegevens": ""},
        "akkoord_gegevens",
        "Zet een vinkje om verder te gaan.",
    ),
    ("spiegelbijeenkomst", {"naam": ["a", "b"]}, "naam", "Deze waarde kunnen we niet gebruiken."),
    ("spiegelbijeenkomst", {"naam": {"x": 1}}, "naam", "Deze waarde kunnen we niet gebruiken."),
    ("spiegelbijeenkomst", {"naam": "a\x00b"}, "naam", MSG["control"]),
    # issue 11 #12: odd Unicode and JSON types that are not text
    *[
        ("spiegelbijeenkomst", {"naam": f"Anna{ch}Vries"}, "naam", MSG["control"])
        for ch in ("\u202e", "\u200b", "\ufeff", "\uffff", "\u2028", "\u2066", "\ufdd0", "\ue000")
    ],
    (
        "spiegelbijeenkomst",
        {"toegankelijkheid": "goed\u202egesprek"},
        "toegankelijkheid",
        MSG["control"],
    ),
    *[
        ("spiegelbijeenkomst", {"naam": v}, "naam", MSG["type"])
        for v in (True, False, 123, 1.5, ["a"], [], {})
    ],
    ("spiegelbijeenkomst", {"rol": ["patient"]}, "rol", MSG["type"]),
    ("spiegelbijeenkomst", {"email": 1}, "email", MSG["type"]),
    ("spiegelbijeenkomst", {"naam": "één\ntwee"}, "naam", "Gebruik één regel."),
    ("spiegelbijeenkomst", {"extra": "x"}, "extra", "Dit veld kennen we niet."),
    ("vvg", {"afdeling": None}, "afdeling", "Vul dit veld in."),
    ("vvg", {"gesprek": None}, "gesprek", "Maak een keuze."),
]


@pytest.mark.parametrize(("form_id", "change", "field", "message"), CASES)
def test_rules(
    forms: dict[str, Form], form_id: str, change: dict[str, object], field: str, message: str
) -> None:
    data = {**VALID[form_id], **change}
    data = {k: v for k, v in data.items() if v is not None}
    _, errors = validate_submission(forms[form_id], data, TODAY)
    assert errors.get(field) == [message]


def test_all_errors_at_once(forms: dict[str, Form]) -> None:
    _, errors = validate_submission(forms["spiegelbijeenkomst"], {}, TODAY)
    assert set(errors) == {
        "sessie",
        "naam",
        "rol",
        "akkoord_vertrouwelijk",
        "akkoord_gegevens",
        "email",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12345678", "0612345678"),
        ("+31 6 1234 5678", "0612345678"),
        ("0031612345678", "0612345678"),
        ("071-123 45 67", "0711234567"),
        ("(071) 1234567", "0711234567"),
        ("12345", None),
        ("0612345", None),
        ("+32 470 12 34 56", None),
        ("00000000000", None),
    ],
)
def test_dutch_phone_numbers(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("value", [True, "on", "ja", "true"])
def test_consent_accepts_json_true(forms: dict[str, Form], value: object) -> None:
    data = {**VALID["spiegelbijeenkomst"], "akkoord_gegevens": value}
    assert validate_submission(forms["spiegelbijeenkomst"], data, TODAY)[1] == {}


def test_emoji_and_rtl_text_are_kept(forms: dict[str, Form]) -> None:
    data = {**VALID["spiegelbijeenkomst"], "naam": "Ayşe 😊 مرحبا", "toegankelijkheid": "‏שלום‎ <b>"}
    clean, errors = validate_submission(forms["spiegelbijeenkomst"], data, TODAY)
    assert errors == {} and clean["naam"] == "Ayşe 😊 مرحبا"


def test_groepsevaluatie_is_anonymous_and_complete(forms: dict[str, Form]) -> None:
    form = forms["groepsevaluatie"]
    assert not any(f.type in ("email", "phone") or f.personal for f in form.fields)
    statements = [f for f in form.fields if f.type == "scale"]
    assert len(statements) == 12
    data = {
        "evaluatie": "cardiologie-2026",
        "respondentgroep": "managers",
        "code": "ABCD-EF23-4567",
    }
    data |= {f.name: "3" for f in statements}
    data["s05"] = "nvt"
    clean, errors = validate_submission(form, data, TODAY)
    assert errors == {} and clean["s05"] == "nvt"
    _, errors = validate_submission(form, {**data, "s01": "6"}, TODAY)
    assert errors == {"s01": ["Kies een van de mogelijkheden."]}


def test_export_schema_follows_the_definition(forms: dict[str, Form]) -> None:
    schema = table_schema(forms["groepsevaluatie"])
    names = [f["name"] for f in schema["fields"]]
    assert names[:5] == ["id", "ingediend", "status", "evaluatie", "respondentgroep"]
    assert "code" not in names  # invitation codes are never stored
    s01 = next(f for f in schema["fields"] if f["name"] == "s01")
    assert s01["type"] == "integer" and s01["constraints"] == {"minimum": 1, "maximum": 5}


def test_html_has_browser_checks_and_links_errors(forms: dict[str, Form]) -> None:
    form = forms["spiegelbijeenkomst"]
    html = render_form(form, action="/api/forms/x", today=TODAY)
    assert (
        'type="email"' in html
        and 'type="tel"' in html
        and "required" in html
        and 'maxlength="100"' in html
    )
    html = render_form(
        form, action="/x", today=TODAY, values={"naam": '"><script>'}, errors={"naam": ["Fout"]}
    )
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html
    assert 'aria-describedby="f-naam-error"' in html and 'aria-invalid="true"' in html
    assert 'href="#f-naam"' in html and "autofocus" in html


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "capacity_field: sessie",
            "capacity_field: sesie",
            "forms/spiegelbijeenkomst.yaml:15: capacity_field: 'sesie' is geen veld van dit formulier",
        ),
        ("    type: email", "    type: mail", "forms/spiegelbijeenkomst.yaml:"),
        (
            "  retention_days: 180",
            "  retention_days: 0",
            "privacy > retention_days: hier hoort een heel getal van 1 tot en met 3650, in cijfers, maar er staat 0.",
        ),
    ],
)
def test_bad_form_definitions(project: Project, old: str, new: str, expected: str) -> None:
    project.edit("forms/spiegelbijeenkomst.yaml", old, new)
    parts = load_parts(project.content, ("sessions", "vvg", "groepsevaluatie"))
    with pytest.raises(ContentError) as exc:
        load_forms(Path(project.root / "forms"), parts)
    assert expected in str(exc.value)


def test_anonymous_form_cannot_ask_personal_data(project: Project) -> None:
    project.edit(
        "forms/groepsevaluatie.yaml",
        "  - name: code\n",
        "  - name: email\n    type: email\n    label: E-mail\n  - name: code\n",
    )
    parts = load_parts(project.content, ("sessions", "vvg", "groepsevaluatie"))
    with pytest.raises(
        ContentError, match="een anoniem formulier mag niet om persoonsgegevens vragen"
    ):
        load_forms(project.root / "forms", parts)
