"""The red underlines staff see while typing, from the real YAML language server (issue 22).

The server (npm ``yaml-language-server`` 1.25.0, the engine of VS Code's YAML extension,
github.dev and GitLab's Web IDE) is driven over LSP stdio: open a file with one typical
mistake, read the diagnostics it publishes. The schema's messages must be Dutch and on the
line of the mistake, and one slip must not flood the editor. What the server's YAML parser
says about broken indentation is its own English text (no schema can change it): those
messages are few, and the staff guide explains each one. ``spiegel check`` says the same
mistake in Dutch on the same line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spiegel import editor
from spiegel.check import check

from .conftest import IN_CI, ROOT, Project
from .lsp import Diagnostic, LanguageServer, available

# The YAML parser's own messages (the `yaml` package inside the server, English, not
# translatable); the staff guide (content/README.md) explains each one in Dutch.
PARSER_MESSAGES = (
    "Tabs are not allowed as indentation",
    "All mapping items must start at the same column",
    "Implicit keys need to be on a single line",
    "Nested mappings are not allowed in compact mappings",
    "A block sequence may not be used as an implicit map key",
    "Implicit map keys need to be followed by map values",
    "Sequence item without - indicator",
    "Unexpected scalar at node end",
    "Map keys must be unique",
    'Missing closing "quote',
)
# words of the server's own (English) schema messages, which our errorMessage replaces
ENGLISH = re.compile(
    r"Incorrect type|Value is|String |Property |Missing property|not accepted|Array |"
    r"does not match|Expected|is not allowed|RFC3339|Matches"
)

SESSION = """  - id: 2027-05-longziekten
    date: 2027-05-20
    start: "14:00"
    end: "15:30"
    location: Hoofdgebouw, zaal 2.14
    department: Longziekten
    audience: Patiënten van de afdeling Longziekten en hun naasten
"""
NEXT = "  - id: 2027-03-kinderafdeling"

# mistake, file, old, new, line, what the editor says there, at most this many diagnostics,
# what `spiegel check` says on the same line
CASES = [
    pytest.param(
        "sessions.yaml",
        "    date: 2027-01-14",
        "    date: 14-01-2027",
        6,
        "Hier hoort een datum als jaar-maand-dag. Voorbeeld: date: 2027-03-14",
        1,
        'hier hoort een datum als jaar-maand-dag, maar er staat "14-01-2027"',
        id="date-format",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: 25",
        26,
        "Hier hoort een heel getal van 1 tot en met 20, in cijfers. Voorbeeld: capacity: 7",
        1,
        "hier hoort een heel getal van 1 tot en met 20, in cijfers, maar er staat 25",
        id="capacity-too-high",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: 0",
        26,
        "Hier hoort een heel getal van 1 tot en met 20",
        1,
        "maar er staat 0",
        id="capacity-zero",
    ),
    pytest.param(
        "sessions.yaml",
        "    capacity: 6",
        "    capacity: zeven",
        26,
        "Hier hoort een heel getal van 1 tot en met 20, in cijfers. Voorbeeld: capacity: 7",
        1,
        'maar er staat "zeven"',
        id="capacity-word",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "    departement: Oncologie",
        17,
        "Deze naam hoort hier niet. Hier kan staan: id, date, start, end, location, department,",
        2,  # and the missing department, on the item's first line
        "'departement' is hier onbekend. Bedoelt u 'department'?",
        id="unknown-key",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie\n",
        "",
        12,
        "Hier ontbreekt een regel. Bij elke bijeenkomst horen deze regels: id, date, start,",
        1,
        "'department' ontbreekt",
        id="missing-key",
    ),
    pytest.param(
        "actions.yaml",
        "    status: bezig",
        "    status: busy",
        11,
        "Hier hoort één van: gepland, bezig, klaar. Schrijf het precies zo, met kleine letters.",
        1,
        'hier hoort één van: gepland, bezig, klaar, maar er staat "busy"',
        id="enum-value",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "10:00"',
        '    start: "10.00"',
        14,
        'Hier hoort een tijd van 00:00 tot 23:59, tussen aanhalingstekens. Voorbeeld: start: "14:30"',
        1,
        'schrijf de tijd met een dubbele punt en zonder "uur", zo: start: "10:00"',
        id="time-with-dot",
    ),
    pytest.param(
        "sessions.yaml",
        '    start: "10:00"',
        '    start: "10:00\u201311:30"',
        14,
        "Hier hoort een tijd van 00:00 tot 23:59",
        1,
        "Zet de begintijd bij start en de eindtijd bij end",
        id="time-range",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "    department: Oncologie: polikliniek",
        17,
        "Staat er een dubbele punt met een spatie erna (': ') in de tekst? Zet de hele tekst dan",
        3,
        "Zet de hele tekst tussen aanhalingstekens",
        id="colon-in-text",
    ),
    pytest.param(
        "site.yaml",
        "  email: spiegel@zorggroep-voorbeeld.example",
        "  email: spiegel-at-zorggroep",
        23,
        "Hier hoort een e-mailadres. Voorbeeld: email: naam@voorbeeld.nl",
        1,
        'hier hoort een e-mailadres, maar er staat "spiegel-at-zorggroep"',
        id="email",
    ),
    pytest.param(
        "groepsevaluatie.yaml",
        "  labels: [helemaal oneens, oneens, neutraal, eens, helemaal eens]",
        "  labels: [helemaal oneens, oneens, eens, helemaal eens]",
        15,
        "In deze lijst horen precies 5 onderdelen",
        1,
        "deze lijst heeft 4 onderdelen; hier horen er precies 5.",
        id="list-length",
    ),
    pytest.param(
        "vvg.yaml",
        "title: Verwonder- en verbetergesprekken",
        "title: " + "Verwonder- en verbetergesprekken " * 4,
        3,
        "Hier hoort een tekst van hoogstens 120 tekens.",
        1,
        "deze tekst is 131 tekens lang; hier mogen hoogstens 120 tekens staan",
        id="text-too-long",
    ),
    pytest.param(
        "site.yaml",
        'brand_colour: "#1d4f91"',
        "brand_colour: #1d4f91",
        6,
        'Hier hoort een kleur als "#1d4f91", tussen aanhalingstekens',
        1,
        'hier hoort een kleur als "#1d4f91", tussen aanhalingstekens',
        id="colour-unquoted",
    ),
    # found by running staff edits on a fresh clone: the check once said line 76 here
    pytest.param(
        "vvg.yaml",
        "sessions:\n  - id: 2027-02-vvg-interne",
        "data:\n  - id: 2027-02-vvg-interne",
        75,
        "Deze naam hoort hier niet. Hier kan staan: title, summary,",
        1,
        "'data' is hier onbekend",
        id="unknown-key-over-a-list",
    ),
    pytest.param(
        "spiegelbijeenkomst.yaml",
        "  before_minutes: 30  # kennismaken voor het gesprek  # VOORBEELD",
        "  before_minutes: 15  kennismaken voor het gesprek",
        71,
        "Hier hoort een heel getal van 0 tot en met 120",
        1,
        "achter 15 staat nog tekst",
        id="comment-lost-its-hash",
    ),
    # one slip in the indentation: few diagnostics, the schema's in Dutch
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "\tdepartment: Oncologie",
        17,
        "Tabs are not allowed as indentation",
        17,  # the parser's cascade; .vscode/settings.json makes the Tab key type spaces
        "aan het begin van deze regel staat een tab",
        id="tab",
    ),
    pytest.param(
        "sessions.yaml",
        "    department: Oncologie",
        "   department: Oncologie",
        17,
        "Implicit keys need to be on a single line",
        6,
        "deze regel springt niet goed in",
        id="indent-3-spaces",
    ),
    pytest.param(
        "sessions.yaml",
        NEXT,
        "  " + SESSION + NEXT,  # pasted where the cursor already stood two spaces in
        19,
        "A block sequence may not be used as an implicit map key",
        3,
        "deze regel springt niet goed in",
        id="pasted-block",
    ),
    pytest.param(
        "sessions.yaml",
        NEXT,
        "\n".join(line[2:] for line in SESSION.splitlines()) + "\n" + NEXT,
        19,
        "A block sequence may not be used as an implicit map key",
        6,
        "deze regel springt niet goed in",
        id="pasted-block-at-margin",
    ),
]


@pytest.fixture(scope="module")
def server() -> Iterator[LanguageServer]:
    if not available():
        if IN_CI:
            pytest.fail("yaml-language-server missing: run npm ci in tests/")
        pytest.skip("yaml-language-server not installed (npm ci in tests/)")
    ls = LanguageServer(ROOT)
    yield ls
    ls.close()


def _edited(rel: str, old: str, new: str) -> tuple[Path, str]:
    path = ROOT / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    return path, text.replace(old, new, 1)


def _parser(d: Diagnostic) -> bool:
    return d.message.startswith(PARSER_MESSAGES)


@pytest.mark.parametrize(("rel", "old", "new", "line", "says", "most", "check_says"), CASES)
def test_the_editor_says_it_in_dutch_on_the_line(
    server: LanguageServer,
    project: Project,
    rel: str,
    old: str,
    new: str,
    line: int,
    says: str,
    most: int,
    check_says: str,
) -> None:
    path, text = _edited(rel, old, new)
    found = server.diagnostics(path, text)
    assert any(d.line == line and says in d.message for d in found), found
    # the parser's own English cascade (a tab, a broken indent) depends on the lines after the
    # slip and cannot be shaped; what the schema adds is ours and stays few
    ours = [d for d in found if not _parser(d)]
    assert len(ours) <= min(most, 3), found
    for d in found:
        assert _parser(d) or not ENGLISH.search(d.message), d
    # the check says the same mistake in Dutch, on the same line
    project.edit(f"content/{rel}", old, new)
    issues = check(project.content, project.root / "forms")
    assert any(i.line == line and check_says in str(i) for i in issues), issues


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        ("content/vvg.yaml", "title: Verwonder- en verbetergesprekken", "title: 2027"),
        ("content/sessions.yaml", "    capacity: 6", "    capacity:"),  # optional: may be empty
        ("forms/groepsevaluatie.yaml", "    widget: select", "    widget:"),
    ],
)
def test_what_the_check_accepts_is_not_underlined(
    server: LanguageServer, rel: str, old: str, new: str
) -> None:
    path = ROOT / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    assert server.diagnostics(path, text.replace(old, new, 1)) == []


def test_an_emptied_agenda_is_not_underlined(server: LanguageServer) -> None:
    """Every VVG date removed, "sessions:" left empty: no dates (the check agrees)."""
    path = ROOT / "content" / "vvg.yaml"
    text = path.read_text(encoding="utf-8")
    assert server.diagnostics(path, text[: text.index("sessions:\n")] + "sessions:\n") == []


def test_every_parser_message_is_explained_in_the_staff_guide() -> None:
    guide = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    assert [m for m in PARSER_MESSAGES if m not in guide] == []


@pytest.mark.parametrize(
    "path",
    sorted([*ROOT.glob("content/*.yaml"), *ROOT.glob("forms/*.yaml")]),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_the_real_files_have_no_underlines(server: LanguageServer, path: Path) -> None:
    assert server.diagnostics(path, path.read_text(encoding="utf-8")) == []


def test_what_only_the_check_sees(server: LanguageServer) -> None:
    """A date that does not exist, an end before the start and a duplicate id pass the editor:
    the staff guide says so, and `spiegel check` (the pipeline) catches them."""
    for old, new in [
        ("    date: 2027-02-11", "    date: 2027-02-31"),
        ('    end: "11:30"', '    end: "09:00"'),
        ("  - id: 2027-02-oncologie", "  - id: 2027-01-cardiologie"),
    ]:
        path, text = _edited("sessions.yaml", old, new)
        assert server.diagnostics(path, text) == []
    guide = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    for words in ("niet bestaat", "eindtijd", "dubbele id", "link"):
        assert words in guide


# ------------------------------------------------------------------ the schema's shape


def _nodes(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        yield path, schema
        for key, value in schema.items():
            if key == "properties":  # names of fields, each with its schema
                for name, sub in value.items():
                    yield from _nodes(sub, f"{path}/properties/{name}")
            elif isinstance(value, dict | list):
                yield from _nodes(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _nodes(value, f"{path}/{i}")


@pytest.mark.parametrize("name", sorted(editor.schemas()))
def test_every_rule_has_a_dutch_message_the_server_shows(name: str) -> None:
    """Generic, so a new field gets it too: every rule carries an errorMessage; no keyword whose
    English message the server cannot replace sits outside an ``if``; no ``anyOf``."""
    schema = editor.schemas()[name]
    for path, node in _nodes(schema):
        if path.endswith("/if") or "/if/" in path:
            continue  # the condition of a range: the else branch carries the message
        rules = {"type", "pattern", "enum", "required", "additionalProperties"} & set(node)
        if rules:
            assert node.get("errorMessage"), (path, node)
            assert not ENGLISH.search(node["errorMessage"]), path
        blocked = {"minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"}
        assert not blocked & set(node), (path, node)
        assert "anyOf" not in node and "oneOf" not in node, path
    json.dumps(schema)
