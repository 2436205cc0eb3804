"""Content validation: every bad edit gives a Dutch file:line message with a fix, all at once."""

from __future__ import annotations

import datetime as dt

import pytest
from spiegel.content.model import load_content
from spiegel.content.schema import ContentError, parse_yaml

from .conftest import Project

# (file, old text, new text, expected message)
BAD_EDITS = [
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        '    capacity: "seven"',
        'content/sessions.yaml:26: de derde bijeenkomst, capacity: hier hoort een heel getal van 1 tot en met 20, in cijfers, maar er staat "seven". Voorbeeld: capacity: 7',
        id="capacity-word",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: 0",
        "content/sessions.yaml:26: de derde bijeenkomst, capacity: hier hoort een heel getal van 1 tot en met 20, in cijfers, maar er staat 0.",
        id="capacity-zero",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: true",
        "content/sessions.yaml:26: de derde bijeenkomst, capacity: hier hoort een heel getal van 1 tot en met 20, in cijfers, maar er staat true.",
        id="capacity-bool",
    ),
    pytest.param(
        "sessions.yaml",
        "    date: 2027-01-14",
        "    date: 14-01-2027",
        'content/sessions.yaml:6: de eerste bijeenkomst, date: hier hoort een datum als jaar-maand-dag, maar er staat "14-01-2027". Voorbeeld: date: 2027-03-14',
        id="date-format",
    ),
    pytest.param(
        "sessions.yaml",
        '    end: "15:30"',
        '    end: "13:00"',
        'content/sessions.yaml:8: de eerste bijeenkomst, end: de eindtijd "13:00" ligt niet na de begintijd "14:00".',
        id="end-before-start",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "14:00"',
        '    start: "25:00"',
        'content/sessions.yaml:7: de eerste bijeenkomst, start: hier hoort een tijd van 00:00 tot 23:59, tussen aanhalingstekens, maar er staat "25:00". Voorbeeld: start: "14:30"',
        id="bad-time",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Cardiologie",
        "    departement: Cardiologie",
        "content/sessions.yaml:10: de eerste bijeenkomst, departement: 'departement' is hier onbekend. Bedoelt u 'department'?",
        id="typo-key",
    ),
    pytest.param(
        "sessions.yaml",
        "  - id: 2027-02-oncologie",
        "  - id: 2027-01-cardiologie",
        'content/sessions.yaml:12: de tweede bijeenkomst, id: "2027-01-cardiologie" is al gebruikt (regel 5, de eerste bijeenkomst).',
        id="duplicate-id",
    ),
    pytest.param(
        "site.yaml",
        'brand_colour: "#1d4f91"',
        'brand_colour: "#ffcc00"',
        "content/site.yaml:6: brand_colour: de kleur #ffcc00 is te licht",
        id="low-contrast",
    ),
    pytest.param(
        "site.yaml",
        "  email: spiegel@zorggroep-voorbeeld.example",
        "  email: spiegel-at-zorggroep",
        'content/site.yaml:23: organisation > email: hier hoort een e-mailadres, maar er staat "spiegel-at-zorggroep". Voorbeeld: email: naam@voorbeeld.nl',
        id="bad-email",
    ),
    pytest.param(
        "spiegelbijeenkomst.yaml",
        "  tip:\n",
        "  tips:\n",
        "content/spiegelbijeenkomst.yaml:",  # both the unknown key and the missing section are named
        id="leaflet-section-renamed",
    ),
    pytest.param(
        "groepsevaluatie.yaml",
        "theme: samenwerking, text: De groep werkt goed",
        "theme: samenwerken, text: De groep werkt goed",
        'content/groepsevaluatie.yaml:28: de eerste stelling, theme: hier hoort één van: samenwerking, communicatie, organisatie, maar er staat "samenwerken".',
        id="bad-theme",
    ),
    pytest.param(
        "actions.yaml",
        "    status: bezig",
        "    status: busy",
        'content/actions.yaml:11: de eerste actie, status: hier hoort één van: gepland, bezig, klaar, maar er staat "busy".',
        id="bad-status",
    ),
    pytest.param(
        "actions.yaml",
        "    source: cardiologie-2026",
        "    source: kno-2026",
        "content/actions.yaml:24: de derde actie, source: er is geen groepsevaluatie met de id"
        " 'kno-2026' in groepsevaluatie.yaml. Is de id verkeerd gespeld?",
        id="unknown-source",
    ),
    pytest.param(
        "vvg.yaml",
        "title: Verwonder- en verbetergesprekken",
        "title: [unclosed",
        "content/vvg.yaml:3: deze tekst begint met '['; YAML leest dat teken op een speciale manier. Zet de hele tekst tussen aanhalingstekens, zo: title: \"[unclosed\"",
        id="broken-yaml",
    ),
    pytest.param(
        "gluren-bij-de-buren.yaml",
        "title: Gluren bij de Buren\n",
        "title: Gluren bij de Buren\ntitle: Dubbel\n",
        "content/gluren-bij-de-buren.yaml:3: 'title' staat hier twee keer (ook op regel 2).",
        id="duplicate-key",
    ),
    pytest.param(
        "sessions.yaml",
        "    date: 2027-02-11",
        "    date: 2027-02-31",
        "content/sessions.yaml:13: de tweede bijeenkomst, date: de datum 2027-02-31 bestaat niet",
        id="impossible-date",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "10:00"',
        '    start: "10:00',
        'content/sessions.yaml:14: op deze regel begint een tekst met een aanhalingsteken (" of \') dat niet wordt gesloten. Zet hetzelfde teken aan het einde van de tekst, zo: start: "10:00"',
        id="unclosed-quote",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "    department: Oncologie: polikliniek",
        "content/sessions.yaml:17: in de tekst op deze regel staat een dubbele punt met een spatie erna",
        id="colon-in-sentence",
    ),
    pytest.param(
        "spiegelbijeenkomst.yaml",
        "      U houdt ons als het ware een spiegel voor.",
        "    U houdt ons als het ware een spiegel voor.",
        "content/spiegelbijeenkomst.yaml:19: deze regel past niet bij de regels erboven. Staat hij midden in een tekst? Laat hem dan met evenveel spaties beginnen",
        id="leaflet-indent",
    ),
    pytest.param(
        "vvg.yaml",
        "summary:",
        "\tsummary:",
        "content/vvg.yaml:4: aan het begin van deze regel staat een tab",
        id="tab",
    ),
    # issue 22 #5: the right line and the right advice for what Word and e-mail paste
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "\u00a0\u00a0  department: Oncologie",
        "content/sessions.yaml:17: aan het begin van deze regel staat een vaste spatie (U+00A0, vaak gekopieerd uit Word of een e-mail) in plaats van gewone spaties.",
        id="nbsp-indent",
    ),
    pytest.param(
        "sessions.yaml",
        "    location: Kinderziekenhuis, ouderkamer",
        "    location:\u00a0Kinderziekenhuis, ouderkamer",
        "content/sessions.yaml:23: na de dubbele punt op deze regel staat een vaste spatie (U+00A0, vaak gekopieerd uit Word of een e-mail) in plaats van een gewone spatie.",
        id="nbsp-after-colon",
    ),
    pytest.param(
        "sessions.yaml",
        "  - id: 2027-03-kinderafdeling",
        "  -\u00a0id: 2027-03-kinderafdeling",
        "content/sessions.yaml:19: na het streepje (-) op deze regel staat een vaste spatie (U+00A0",
        id="nbsp-after-dash",
    ),
    pytest.param(
        "sessions.yaml",
        "    location: Kinderziekenhuis, ouderkamer",
        "\u00a0\u00a0\u00a0\u00a0location: Kinderziekenhuis, ouderkamer",
        "content/sessions.yaml:23: aan het begin van deze regel staat een vaste spatie (U+00A0",
        id="nbsp-indent-whole",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "    department: Onco\u200blogie",
        "content/sessions.yaml:17: op deze regel staat een onzichtbare spatie (zero-width space) (U+200B)",
        id="zero-width-space",
    ),
    pytest.param(
        "sessions.yaml",
        "    audience: Ouders en verzorgers",
        '    audience: "Ouders" en verzorgers',
        "content/sessions.yaml:25: deze tekst begint met een woord tussen aanhalingstekens; YAML denkt dan dat de tekst na dat woord ophoudt. Zet de hele tekst tussen aanhalingstekens, zo: audience: '\"Ouders\" en verzorgers van kinderen die zijn opgenomen op de kinderafdeling'",
        id="quoted-first-word",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "10:00"',
        '    start: "10:00\u201311:30"',
        'content/sessions.yaml:14: de tweede bijeenkomst, start: hier staat een tijdvak ("10:00\u201311:30"); bij start hoort één tijd. Zet de begintijd bij start en de eindtijd bij end, zo: start: "10:00" en op de regel eronder end: "11:30"',
        id="time-range-en-dash",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "14:00"',
        '    start: "14:00\u201315:30"',
        'content/sessions.yaml:7: de eerste bijeenkomst, start: hier staat een tijdvak ("14:00\u201315:30"); bij start hoort één tijd. Zet de begintijd bij start en de eindtijd bij end, zo: start: "14:00" en op de regel eronder end: "15:30"',
        id="time-range-issue-example",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "10:00"',
        '    start: "10.00 uur"',
        'content/sessions.yaml:14: de tweede bijeenkomst, start: schrijf de tijd met een dubbele punt en zonder "uur", zo: start: "10:00"',
        id="time-with-dot",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: 6.5",
        "content/sessions.yaml:26: de derde bijeenkomst, capacity: hier hoort een heel getal",
        id="capacity-fraction",
    ),
    # found by running staff edits on a fresh clone (issue 22's hidden check, run ourselves)
    pytest.param(
        "vvg.yaml",
        "sessions:\n  - id: 2027-02-vvg-interne",
        "data:\n  - id: 2027-02-vvg-interne",
        "content/vvg.yaml:75: data: 'data' is hier onbekend.",  # the line of the name (was 76)
        id="unknown-key-over-a-list",
    ),
    pytest.param(
        "spiegelbijeenkomst.yaml",
        "  before_minutes: 30  # kennismaken voor het gesprek  # VOORBEELD",
        "  before_minutes: 15  kennismaken voor het gesprek",
        "content/spiegelbijeenkomst.yaml:71: practical > before_minutes: achter 15 staat nog tekst"
        ' ("kennismaken voor het gesprek"). Is dat uitleg? Zet er dan een # voor, zo:'
        " before_minutes: 15  # kennismaken voor het gesprek",
        id="comment-lost-its-hash",
    ),
    pytest.param(
        "spiegelbijeenkomst.yaml",
        "care_unaffected: true  # true = de organisatie",
        "care_unaffected: true  true = de organisatie",
        'content/spiegelbijeenkomst.yaml:69: achter true staat nog tekst ("true = de organisatie',
        id="comment-lost-its-hash-after-true",
    ),
    pytest.param(
        "vvg.yaml",
        "title: Verwonder- en verbetergesprekken",
        "title:",
        "content/vvg.yaml:3: title: hier hoort een tekst van hoogstens 120 tekens, maar er staat"
        " niets. Schrijf de waarde achter title: op dezelfde regel.",
        id="title-empty",
    ),
    pytest.param(
        "sessions.yaml",
        "  - id: 2026-10-orthopedie  # VOORBEELD\n    date: 2026-10-08\n",
        "  - id: 2026-11-orthopedie  # VOORBEELD\n    date: 2026-10-08\n",
        "content/actions.yaml:7: de eerste actie, source: er is geen spiegelbijeenkomst met de id"
        " '2026-10-orthopedie' in sessions.yaml. Is de id verkeerd gespeld? Kopieer hem precies"
        " uit sessions.yaml. Heeft u de bijeenkomst daar weggehaald? Zet hem dan terug",
        id="session-of-an-action-deleted",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "14:00"',
        "    start: \u201c14:00\u201d",  # Word's quotes: once "7 tekens ... Maak hem korter"
        "content/sessions.yaml:7: de eerste bijeenkomst, start: hier staan gekrulde"
        " aanhalingstekens (\u201c \u201d), zoals Word en e-mail ze maken. YAML kent alleen"
        ' rechte: typ ze opnieuw, zo: start: "14:00"',
        id="curly-quotes",
    ),
]


@pytest.mark.parametrize(("rel", "old", "new", "expected"), BAD_EDITS)
def test_bad_content_names_file_line_field(
    project: Project, rel: str, old: str, new: str, expected: str
) -> None:
    project.edit(f"content/{rel}", old, new)
    with pytest.raises(ContentError) as exc:
        load_content(project.content)
    assert expected in str(exc.value)


def test_all_errors_are_reported_at_once(project: Project) -> None:
    project.edit("content/sessions.yaml", "    capacity: 6", '    capacity: "seven"')
    project.edit("content/vvg.yaml", "summary:", "sumary:")
    project.edit("content/actions.yaml", "    status: bezig", "    status: busy")
    with pytest.raises(ContentError) as exc:
        load_content(project.content)
    files = {i.file for i in exc.value.issues}
    assert files == {"content/sessions.yaml", "content/vvg.yaml", "content/actions.yaml"}
    assert len(exc.value.issues) >= 4  # vvg: unknown key and missing key


def test_real_content_is_valid(project: Project) -> None:
    content = load_content(project.content)
    assert content.site["organisation"]
    assert all(s["capacity"] >= 1 for s in content.sessions["sessions"])


def test_defaults_capacity_and_deadline(project: Project) -> None:
    content = load_content(project.content)
    first = content.sessions["sessions"][0]
    assert first["capacity"] == 7
    assert first["signup_deadline"] == first["date"] - dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t: 10:30", {"t": "10:30"}),  # YAML 1.1 would read 630
        ("n: 7", {"n": 7}),
        ("d: 2026-01-02", {"d": dt.date(2026, 1, 2)}),
        ("b: false", {"b": False}),
    ],
)
def test_yaml_scalars(text: str, expected: dict[str, object]) -> None:
    assert parse_yaml(text, "x.yaml")[0] == expected


def test_upcoming_sessions_drop_past_ones(project: Project) -> None:
    content = load_content(project.content)
    ids = [s["id"] for s in content.upcoming_sessions(dt.date(2026, 11, 22))]
    assert "2026-10-orthopedie" not in ids
    assert ids == sorted(ids)
