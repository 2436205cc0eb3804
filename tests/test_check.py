"""`spiegel check` (fast, no build) and the JSON Schemas editors use, from the same content model."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from spiegel import editor
from spiegel.check import check, github, gitlab
from spiegel.cli import main
from spiegel.content.schema import parse_yaml

from .conftest import ROOT, Project

ANNOTATION = re.compile(r"^::error file=[^,:]+,line=\d+,title=[^:]+::[^\n]+$")


def test_real_content_passes(project: Project) -> None:
    assert check(project.content, project.root / "forms") == []


def test_github_annotations_for_a_broken_file(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project.edit("content/sessions.yaml", "    capacity: 6", '    capacity: "zeven"')
    project.edit("content/sessions.yaml", "date: 2027-02-11", "date: 2027-02-31")
    project.edit("forms/vvg.yaml", "    max_length: 100\n", '    max_length: "honderd"\n')
    monkeypatch.chdir(project.root)
    assert main(["check", "--format", "github"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(ANNOTATION.match(line) for line in lines), lines
    assert lines[0].startswith("::error file=content/sessions.yaml,line=13,")
    assert "de tweede bijeenkomst, date%3A" not in lines[0]  # only properties are escaped
    assert "de datum 2027-02-31 bestaat niet" in lines[0]
    assert lines[1].startswith("::error file=content/sessions.yaml,line=26,")
    assert lines[2].startswith("::error file=forms/vvg.yaml,line=")


def test_gitlab_code_quality_report(project: Project) -> None:
    project.edit("content/actions.yaml", "    status: bezig", "    status: busy")
    report = json.loads(gitlab(check(project.content, project.root / "forms")))
    assert len(report) == 1
    (entry,) = report
    assert set(entry) == {"description", "check_name", "fingerprint", "severity", "location"}
    assert entry["location"] == {"path": "content/actions.yaml", "lines": {"begin": 11}}
    assert "de eerste actie, status" in entry["description"]


def test_escaping_keeps_one_line_per_annotation() -> None:
    from spiegel.content.issues import Issue

    out = github([Issue("content/x,y.yaml", 3, "a", "één\nregel 100%")])
    assert (
        out
        == "::error file=content/x%2Cy.yaml,line=3,title=Fout in content/x%2Cy.yaml op regel 3::a: één%0Aregel 100%25"
    )


def test_forms_are_checked_when_content_is_broken(project: Project) -> None:
    project.edit("content/sessions.yaml", "sessions:", "sesions:")
    project.edit("forms/vvg.yaml", "    max_length: 100\n", '    max_length: "honderd"\n')
    files = {i.file for i in check(project.content, project.root / "forms")}
    assert files == {"content/sessions.yaml", "forms/vvg.yaml"}


# ------------------------------------------------------------------ JSON Schemas


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def _errors(path: Path, schema_name: str, text: str | None = None) -> list[str]:
    schema = json.loads((ROOT / "schemas" / schema_name).read_text(encoding="utf-8"))
    data = _json(parse_yaml(text or path.read_text(encoding="utf-8"), path.name)[0])
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [e.message for e in validator.iter_errors(data)]


def test_committed_schemas_are_current() -> None:
    assert editor.stale(ROOT) == [], "run: spiegel schemas --write"


@pytest.mark.parametrize("path", sorted(editor.targets(ROOT)), ids=lambda p: p.name)
def test_every_file_points_at_its_schema_and_passes_it(path: Path) -> None:
    name = editor.targets(ROOT)[path]
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../schemas/{name}"
    assert (ROOT / "schemas" / name).is_file()
    assert _errors(path, name) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    capacity: 6", '    capacity: "zeven"', "'zeven' is not of type"),
        ("    capacity: 6", "    capacity: 25", "25 is not one of"),
        ("    department: Oncologie", "    departement: Oncologie", "'departement' was unexpected"),
        ("    date: 2027-02-11", "    date: 2027-02-31", "is not a 'date'"),
        ('    start: "10:00"', '    start: "25:00"', "does not match"),
    ],
)
def test_schema_rejects_a_broken_copy(old: str, new: str, expected: str) -> None:
    path = ROOT / "content" / "sessions.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    errors = _errors(path, "sessions.schema.json", text.replace(old, new, 1))
    assert any(expected in e for e in errors), errors


def test_schema_descriptions_are_dutch() -> None:
    schema = json.loads((ROOT / "schemas" / "sessions.schema.json").read_text(encoding="utf-8"))
    capacity = schema["properties"]["sessions"]["items"]["properties"]["capacity"]
    assert capacity["description"].startswith("Aantal plaatsen. Hier hoort een heel getal")


# ------------------------------------------------------------------ links and images (issue 22 #3)

LINE_LETTER = (
    "      Op de pagina [Wat we met uw feedback doen](../verbeteringen/index.md) ziet u ze ook."
)

LINKS = [
    pytest.param(
        "content/vvg.yaml",
        "(../verbeteringen/index.md)",
        "(../verbeteringen/bestaat-niet.md)",
        0,  # the line where the edit stands
        "de link ../verbeteringen/bestaat-niet.md werkt niet: die pagina bestaat niet. Deze tekst"
        " staat op de pagina /vvg/; een link wordt vanaf die pagina gelezen. Bedoelt u"
        " ../verbeteringen/index.md?",
        id="page",
    ),
    pytest.param(
        "content/vvg.yaml",
        "(../verbeteringen/index.md)",
        "(../verbeteringen/index.md#geen-kop)",
        0,  # the line where the edit stands
        "de link ../verbeteringen/index.md#geen-kop wijst naar een kop (#...) die op die pagina"
        " niet bestaat.",
        id="anchor",
    ),
    pytest.param(
        "content/spiegelbijeenkomst.yaml",
        LINE_LETTER,
        "      ![Plattegrond van de zaal](assets/plattegrond.png)\n" + LINE_LETTER,
        0,  # the line where the edit stands
        "de afbeelding assets/plattegrond.png bestaat niet. Deze tekst staat op de pagina"
        " /spiegelbijeenkomst/; een link wordt vanaf die pagina gelezen. Zet het bestand in"
        " content/assets/ of verbeter de naam; deze afbeeldingen zijn er wel: ../assets/logo.svg.",
        id="image",
    ),
    pytest.param(
        "content/spiegelbijeenkomst.yaml",
        LINE_LETTER,
        "      Zie de [agenda](agenda/).\n" + LINE_LETTER,
        0,  # the line where the edit stands
        "de link agenda/ is het adres van een pagina op de site; zo werkt hij niet op elke plek"
        " waar de site staat. Deze tekst staat op de pagina /spiegelbijeenkomst/; een link wordt"
        " vanaf die pagina gelezen. Schrijf het bestand van die pagina, zo: (agenda/index.md)",
        id="folder-link",
    ),
    pytest.param(
        "content/vvg.yaml",
        "(../verbeteringen/index.md)",
        "(/verbeteringen/)",
        0,  # the line where the edit stands
        "de link /verbeteringen/ is het adres van een pagina op de site; zo werkt hij niet op"
        " elke plek waar de site staat. Deze tekst staat op de pagina /vvg/; een link wordt vanaf"
        " die pagina gelezen. Schrijf het bestand van die pagina, zo: (../verbeteringen/index.md)",
        id="site-address",
    ),
    pytest.param(
        "content/vvg.yaml",
        "    Dat verwachten wij hier ook.",
        "    ![Foto](https://www.example.org/foto.jpg)\n\n    Dat verwachten wij hier ook.",
        0,  # the line where the edit stands; once only the build's audit saw it (no annotation)
        "de afbeelding https://www.example.org/foto.jpg staat op een andere website. De site laadt"
        " niets van andere websites (privacy: die zouden zien wie de pagina bekijkt). Zet het"
        " bestand in content/assets/ en schrijf bijvoorbeeld: ![korte omschrijving](../assets/foto.png)",
        id="image-from-another-site",
    ),
]


@pytest.mark.parametrize(("rel", "old", "new", "line", "says"), LINKS)
def test_check_finds_broken_links_on_their_line(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    rel: str,
    old: str,
    new: str,
    line: int,
    says: str,
) -> None:
    before = (project.root / rel).read_text(encoding="utf-8")
    line = line or before[: before.index(old)].count("\n") + 1
    project.edit(rel, old, new)
    monkeypatch.chdir(project.root)
    assert main(["check", "--format", "github"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and ANNOTATION.match(out[0]), out
    assert out[0].startswith(f"::error file={rel},line={line},")
    assert says in out[0]


def test_check_reads_links_in_staff_markdown_pages(project: Project) -> None:
    project.write(
        "content/over-ons.md",
        "# Over ons\n\nWij zijn [Spiegel](index.md).\n\n![Team](assets/team.jpg)\n\n[x](nergens.md)\n",
    )
    found = [str(i) for i in check(project.content, project.root / "forms")]
    assert found == [
        "content/over-ons.md:5: de afbeelding assets/team.jpg bestaat niet. Zet het bestand in"
        " content/assets/ of verbeter de naam; deze afbeeldingen zijn er wel: assets/logo.svg.",
        "content/over-ons.md:7: de link nergens.md werkt niet: die pagina bestaat niet. Controleer"
        " het adres, bijvoorbeeld verbeteringen/index.md. Een link naar een andere site begint"
        " met https://.",
    ]


def test_outside_addresses_and_good_links_pass(project: Project) -> None:
    project.edit(
        "content/spiegelbijeenkomst.yaml",
        LINE_LETTER,
        "      Zie [de agenda](agenda/index.md), [de wet](https://wetten.overheid.nl/),"
        " [mail](mailto:a@b.nl), [bel](tel:+31711234567), [kop](#wat-is-een-spiegelbijeenkomst)"
        " en ![logo](../assets/logo.svg).\n" + LINE_LETTER,
    )
    assert check(project.content, project.root / "forms") == []


def test_the_build_says_what_the_check_says(project: Project) -> None:
    """One rule: the build stops on the same broken image with the same Dutch line."""
    project.edit(
        "content/spiegelbijeenkomst.yaml",
        LINE_LETTER,
        "      ![Plattegrond](assets/plattegrond.png)\n" + LINE_LETTER,
    )
    (issue,) = check(project.content, project.root / "forms")
    result = project.build()
    assert result.returncode != 0
    assert str(issue) in result.stderr
    assert "pagina bestaat niet" not in result.stderr and "Doc file" not in result.stderr
    out = result.stdout + result.stderr
    assert "Aborted" not in out and "De site is niet bijgewerkt" in result.stdout


def test_the_link_rule_reads_markdown_as_mkdocs_yml_says() -> None:
    """The check parses Markdown with the build's extensions and publishes what it excludes."""
    import yaml
    from spiegel.site import links

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    assert tuple(names) == links.MARKDOWN_EXTENSIONS
    assert links.exclude_docs(ROOT / "mkdocs.yml").split() == list(links.NOT_PUBLISHED)


# ------------------------------------------------------------------ staff edits on a fresh clone

CHECK_ONLY = [
    pytest.param(
        "content/vvg/index.md",
        "# VVG\n",
        "content/vvg/index.md:1: de pagina /vvg/ wordt al gemaakt uit de YAML-bestanden in"
        " content/. Verwijder dit bestand en pas de tekst in het YAML-bestand aan, of geef dit"
        " bestand een andere naam.",
        id="page-made-from-yaml",
    ),
    pytest.param(
        "content/vvg.md",
        "# VVG\n",
        "content/vvg.md:1: de pagina /vvg/ wordt al gemaakt",
        id="same-address-as-a-page-made-from-yaml",
    ),
]


@pytest.mark.parametrize(("rel", "text", "says"), CHECK_ONLY)
def test_what_only_the_build_saw_the_check_sees_too(
    project: Project, rel: str, text: str, says: str
) -> None:
    """Once the check passed and the build failed: the merge request showed no annotation."""
    project.write(rel, text)
    found = [str(i) for i in check(project.content, project.root / "forms")]
    assert len(found) == 1 and found[0].startswith(says), found
    build = project.build()
    assert build.returncode != 0 and says in build.stderr, build.stderr


def test_a_missing_logo_is_told_on_its_line(project: Project) -> None:
    project.edit("content/site.yaml", "logo: assets/logo.svg", "logo: assets/logo-zorggroep.png")
    found = [str(i) for i in check(project.content, project.root / "forms")]
    assert found == [
        "content/site.yaml:11: logo: het bestand content/assets/logo-zorggroep.png bestaat niet."
        " Zet het logo in content/assets/ of verbeter de naam, bijvoorbeeld: logo: assets/logo.svg"
    ]


def test_an_agenda_emptied_to_nothing_is_an_empty_agenda(project: Project) -> None:
    """'sessions:' with every date removed means no dates, in the check and the editor alike."""
    text = (project.root / "content" / "vvg.yaml").read_text(encoding="utf-8")
    project.write("content/vvg.yaml", text[: text.index("sessions:\n")] + "sessions:\n")
    assert check(project.content, project.root / "forms") == []
    assert (
        "null"
        in json.loads((ROOT / "schemas" / "vvg.schema.json").read_text())["properties"]["sessions"][
            "type"
        ]
    )


def test_a_removed_field_still_named_in_one_of_says_what_to_do(project: Project) -> None:
    project.edit(
        "forms/vvg.yaml",
        "  - name: email\n    type: email\n    label: E-mailadres\n    autocomplete: email\n"
        "    personal: true\n",
        "",
    )
    found = [str(i) for i in check(project.content, project.root / "forms")]
    assert len(found) == 1 and found[0].startswith("forms/vvg.yaml:17: one_of: 'email' is geen"), (
        found
    )
    assert "Haal 'email' hier weg, of zet het veld terug onder fields." in found[0]
