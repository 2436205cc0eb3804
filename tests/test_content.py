"""Content validation: every bad edit gives a file:line: field: expected/got message, all at once."""

from __future__ import annotations

import datetime as dt

import pytest
from spiegel.content import load_content
from spiegel.schema import ContentError, parse_yaml

from .conftest import Project

# (file, old text, new text, expected message)
BAD_EDITS = [
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        '    capacity: "seven"',
        'content/sessions.yaml:25: sessions[2].capacity: expected a whole number from 1 to 20, got "seven"',
        id="capacity-word",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: 0",
        "content/sessions.yaml:25: sessions[2].capacity: expected a whole number from 1 to 20, got 0",
        id="capacity-zero",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: true",
        "content/sessions.yaml:25: sessions[2].capacity: expected a whole number from 1 to 20, got true",
        id="capacity-bool",
    ),
    pytest.param(
        "sessions.yaml",
        "    date: 2027-01-14",
        "    date: 14-01-2027",
        'content/sessions.yaml:5: sessions[0].date: expected a date like 2026-03-14, got "14-01-2027"',
        id="date-format",
    ),
    pytest.param(
        "sessions.yaml",
        '    end: "15:30"',
        '    end: "13:00"',
        'content/sessions.yaml:7: sessions[0].end: expected a time after start 14:00, got "13:00"',
        id="end-before-start",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "14:00"',
        '    start: "25:00"',
        'content/sessions.yaml:6: sessions[0].start: expected a time like "14:30", got "25:00"',
        id="bad-time",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Cardiologie",
        "    departement: Cardiologie",
        "content/sessions.yaml:9: sessions[0].departement: unknown key; did you mean 'department'?",
        id="typo-key",
    ),
    pytest.param(
        "sessions.yaml",
        "  - id: 2027-02-oncologie",
        "  - id: 2027-01-cardiologie",
        'content/sessions.yaml:11: sessions[1].id: duplicate id "2027-01-cardiologie", also used at [0]',
        id="duplicate-id",
    ),
    pytest.param(
        "site.yaml",
        'brand_colour: "#1d4f91"',
        'brand_colour: "#ffcc00"',
        "content/site.yaml:5: brand_colour: expected a colour with contrast of at least 4.5:1",
        id="low-contrast",
    ),
    pytest.param(
        "site.yaml",
        "  email: spiegel@zorggroep-spiegelland.nl",
        "  email: spiegel-at-zorggroep",
        'content/site.yaml:9: contact.email: expected an e-mail address like naam@voorbeeld.nl, got "spiegel-at-zorggroep"',
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
        'content/groepsevaluatie.yaml:27: statements[0].theme: expected one of samenwerking, communicatie, organisatie, got "samenwerken"',
        id="bad-theme",
    ),
    pytest.param(
        "actions.yaml",
        "    status: bezig",
        "    status: busy",
        'content/actions.yaml:10: actions[0].status: expected one of gepland, bezig, klaar, got "busy"',
        id="bad-status",
    ),
    pytest.param(
        "actions.yaml",
        "    source: cardiologie-2026",
        "    source: kno-2026",
        "content/actions.yaml:23: actions[2].source: expected the id of a groepsevaluatie in this content, got 'kno-2026'",
        id="unknown-source",
    ),
    pytest.param(
        "vvg.yaml",
        "title: Verwonder- en verbetergesprekken",
        "title: [unclosed",
        "content/vvg.yaml:3: invalid YAML:",
        id="broken-yaml",
    ),
    pytest.param(
        "gluren-bij-de-buren.yaml",
        "title: Gluren bij de Buren\n",
        "title: Gluren bij de Buren\ntitle: Dubbel\n",
        "content/gluren-bij-de-buren.yaml:2: title: duplicate key",
        id="duplicate-key",
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
