"""Every sentence on the site that carries a number, a promise about confidentiality or
retention, a term or a recipient comes from the organisation's configuration, is marked as an
example (# VOORBEELD), or is traced to the line of the source document it comes from (issue 21).

Two checks over the generated pages (``site/generate.py``; the results pages hold computed
figures and are left out), with the origin of every character known (``tests/provenance.py``):

- the templates' own words: in a production-like build (every ``# VOORBEELD`` removed, as an
  organisation does) a digit or such a word written by a template must belong to a sentence of
  ``TEMPLATE_SENTENCES``: a frame whose number or recipient is filled in from configuration, or a
  fact the code itself makes true (with the code or test that does);
- the shipped content: a digit or such a word that comes from ``content/*.yaml`` or
  ``forms/*.yaml`` belongs to a field marked ``# VOORBEELD`` (the organisation must fill it in;
  a production build refuses it) or to a fragment in ``TRACED``, with the source line it comes
  from (``/work/shared/seeds``), the law, or the code that computes it.

Each check is run on planted violations it must catch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from spiegel.content.examples import Example, covers
from spiegel.project import load_project
from spiegel.site import generate as gen

from .conftest import ROOT, Project, copy_project
from .provenance import Ledger, Sentence, instrument, sentences, tag_content, tag_form
from .test_organisation import make_real

TODAY = dt.date(2026, 11, 22)
SEEDS = Path("/work/shared/seeds")

# What makes a sentence worth tracing: a promise about confidentiality, retention, a recipient or
# a term. (A digit always is.)
TRIGGERS = re.compile(
    r"vertrouwelijk|geheim|anoniem|geen namen|herleidbaar|niemand|nooit|\bprivacy\b"
    r"|\bbewaa?r\w*|verwijder\w*"
    r"|\bwie (ziet|krijgt|leest)\b|\b(ziet|zien|lezen|krijgt|krijgen) (uw|de|die|deze) "
    r"(gegevens|aanmelding|verzoek|antwoorden|aanvraag)|\balleen (de|het|wij|u|uw|deze)\b"
    r"|leidinggevende|commissie|gaat (niet )?naar|\bdelen\b|gedeeld|doorgeven"
    r"|\bbinnen (⟨⟩|\d|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|ongeveer)",
    re.I,
)


# ------------------------------------------------------------------ the generated site, tagged


@dataclass
class Site:
    pages: dict[str, str]
    ledger: Ledger
    examples: list[Example]

    def sentences(self) -> Iterator[Sentence]:
        for page, markdown in self.pages.items():
            if page.endswith(".md"):
                yield from sentences(page, markdown)


def choice_sources(forms_dir: Path) -> dict[tuple[str, str], tuple[str, tuple[Any, ...]]]:
    """Fields whose choices are made from content: their labels come from there."""
    where = {
        "sessions": ("content/sessions.yaml", ("sessions",)),
        "evaluations": ("content/groepsevaluatie.yaml", ("evaluations",)),
        "respondent_groups": ("content/groepsevaluatie.yaml", ("respondent_groups",)),
    }
    out = {}
    for path in forms_dir.glob("*.yaml"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for f in raw["fields"]:
            if f.get("choices_from"):
                out[(raw["id"], f["name"])] = where[f["choices_from"]]
            if f["type"] == "statements":
                out[(raw["id"], "statements")] = ("content/groepsevaluatie.yaml", ("statements",))
    return out


def tagged_site(root: Path, monkeypatch: pytest.MonkeyPatch, plant: dict[str, str]) -> Site:
    """The site's pages with every character's origin; ``plant`` adds text to templates."""
    project = load_project(root / "content", root / "forms", published=False)
    ledger = Ledger()
    content = tag_content(project.content)
    forms = {
        k: tag_form(f, ledger, choice_sources(root / "forms")) for k, f in project.forms.items()
    }
    real = gen.environment

    def environment(cache_dir: Path | None = None) -> jinja2.Environment:
        env = real(None)
        if plant:
            loader = env.loader
            assert loader is not None
            sources = {name: loader.get_source(env, name)[0] + text for name, text in plant.items()}
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(sources), loader])
        return instrument(env, ledger)

    monkeypatch.setattr(gen, "environment", environment)
    pages = gen.generate(gen.SiteInput(content, forms, TODAY))
    return Site(pages, ledger, list(project.examples))


# ------------------------------------------------------------------ 1. the templates' own words

# Sentences the templates write themselves that carry a digit or a trigger word: each a frame
# whose fact comes from configuration (the "⟨⟩"), or a fact the code makes true. A regular
# expression over the sentence with what came from configuration as "⟨⟩"; then why it is true.
TEMPLATE_SENTENCES: list[tuple[str, str]] = [
    # frames: the number, term or recipient is the organisation's (content/, forms/)
    (r"Op een mail krijgt u binnen ⟨⟩ werkdagen antwoord\.", "site.yaml email_reply_days"),
    (r"Wij reageren binnen ⟨⟩ werkdagen\.", "site.yaml email_reply_days"),
    (r"De brief krijgt u binnen ongeveer ⟨⟩ weken na de bijeenkomst\.", "letter_weeks"),
    (r"Binnen ⟨⟩ uur neemt een peer supporter contact met u op\.", "first_contact_hours"),
    (
        r"(De coördinator|Het actieteam|Wij) (neemt|nemen) binnen ⟨⟩ contact met u op\.",
        "reply_days",
    ),
    (r"Dan bellen wij u binnen ⟨⟩\.", "spiegelbijeenkomst.yaml confirmation_days"),
    (r"Wij bewaren uw gegevens ⟨⟩\.", "forms/*.yaml privacy.retention_days"),
    (
        r"Wij bewaren uw gegevens ⟨⟩ na (de bijeenkomst|het gesprek)\.",
        "forms/*.yaml privacy.retention_days; counted from the session (a VVG date is a"
        " 'gesprek'): signups/retention.py",
    ),
    (r"Wie ziet uw gegevens: ⟨⟩", "forms/*.yaml privacy.recipients"),
    (r"Wie ziet dat u zich aanmeldt\?", "followed by forms/vvg.yaml privacy.recipients"),
    (r"Bewaartermijn", "a heading over forms/*.yaml privacy.retention_days"),
    (r"Wie ziet het", "a heading over forms/*.yaml privacy.recipients"),
    (r"Wat wij verder bewaren", "a heading; the items under it are checked one by one"),
    (
        r"Op deze pagina leest u welke gegevens wij via de formulieren op deze site vragen, "
        r"waarom, en hoe lang wij ze bewaren\.",
        "what the page holds; each form's line follows from forms/*.yaml",
    ),
    # facts the code makes true
    (
        r"Daarvoor bewaren wij bij uw aanmelding een code die wij maken van uw e-mailadres of "
        r"telefoonnummer\.",
        "signups/prepare.py contact keys (keyed hashes); tests/test_repeat.py",
    ),
    (
        r"Wij bewaren daarvoor niet de adressen zelf, maar een code die wij ervan maken\.",
        "the daily caps count keyed hashes (db signup_counts); tests/test_signup_cap.py",
    ),
    (r"Daarna verwijderen wij ze\.", "signups/retention.py purges; tests/test_retention.py"),
    (
        r"Na de bewaartermijn verwijderen wij uw gegevens automatisch\.",
        "signups/retention.py, run daily by serve and `spiegel purge`; tests/test_retention.py",
    ),
    (
        r"Wij versleutelen deze gegevens en alleen de genoemde mensen kunnen ze zien\.",
        "security/cipher.py seals every value; the back office shows a programme's data to its "
        "own coordinators only (tests/test_beheer.py)",
    ),
    (
        r"Na een aanmelding voor een bijeenkomst sturen wij u alleen deze e-mails:",
        "the list under it is outbox/kinds.py, the only kinds the code sends (test_texts.py)",
    ),
    (r"Daarin staan geen namen of adressen\.", "signups/digest.py: counts only; test_digest.py"),
    (
        r"Na twee dagen verwijderen wij die\.",
        "purge drops counts older than two days; test_signup_cap.py",
    ),
    (r"Wij verkopen of delen (het|uw gegevens) niet\.", "no export to third parties exists"),
    (
        r"Wat u in een formulier invult, gaat naar (een server die wij zelf beheren|een server van ⟨⟩)\.",
        "site.yaml hosting",
    ),
    (
        r"In uitkomsten die wij publiceren staan nooit namen en nooit toelichtingen, en nooit "
        r"cijfers van een groep kleiner dan \d+ mensen\.",
        "results/disclosure.py with disclosure.k (content/groepsevaluatie.yaml); test_results.py",
    ),
    (
        r"Bijvoorbeeld een gemiddelde van 5,00, want dan koos iedereen 5\.",
        "content/model.py anonymity_texts: an example of the rule results/disclosure.py applies",
    ),
    (r"kozen, tonen wij alleen bij een cijfer dat wij wel tonen\.", "anonymity_texts"),
    (
        r"U mag ze laten verbeteren of verwijderen, en u mag uw toestemming altijd intrekken\.",
        "the AVG (articles 16, 17 and 7(3)); the back office erases one person (test_beheer.py)",
    ),
    (r"Noem geen namen in uw toelichting\.", "an instruction on anonymous forms"),
    (
        r"Bij elke stelling kiest u: 1 ⟨⟩, 2 ⟨⟩, 3 ⟨⟩, 4 ⟨⟩, 5 ⟨⟩, of \"⟨⟩\"\.",
        "forms/fields.py ScaleType",
    ),
    (r"[1-5] ⟨⟩", "an answer of the scale: forms/fields.py ScaleType.ANSWERS, labels from content"),
    (
        r"Wij testen of u zich met alleen het toetsenbord kunt aanmelden\.",
        "tests/test_browser.py test_skip_link_and_keyboard_only_signup",
    ),
    (r"Versie van \w+ \d+ \w+ \d{4} ?\.", "the date of the build"),
    (r"Daarom houden wij ons aan de richtlijnen WCAG 2\.2, niveau AA\.", "the project's brief"),
    (r"De folder over spiegelbijeenkomsten past op A4\.", "tests/test_browser.py prints it"),
    # the groepsevaluatie's invitations, comments and ledger (issue 19): facts the code makes true
    (
        r"Niemand heeft een lijst met codes, ook de coördinator niet\.",
        "signups/invitations.py: codes go out by e-mail and are wiped on delivery; the back office"
        " never shows one (tests/test_invitations.py test_attack_3_nobody_holds_the_code_list)",
    ),
    (
        r"Zodra de e-mail is bezorgd, wissen wij de code: niemand heeft een lijst met codes\.",
        "db outbox mark_sent blanks the sealed invitation (tests/test_invitations.py)",
    ),
    (
        r"Uw e-mailadres bewaren wij versleuteld tot wij de groep één herinnering hebben gestuurd "
        r"\(zonder code\), en nooit langer dan tot de vragenlijst sluit\.",
        "signups/invitations.py: addresses wiped when the reminder is queued or the evaluation"
        " closes (test_invitations.py ...closing_the_evaluation_wipes_what_was_kept)",
    ),
    (
        r"Wie geen e-mail heeft, krijgt een code op een strookje; ook die codes bewaren wij niet\.",
        "security/invites.py slips: only keyed hashes are stored (tests/test_invitations.py)",
    ),
    (
        r"Wat u bij de stellingen toelicht, publiceren wij nooit\.",
        "signups/debrief.py: comments are never exported or published (tests/test_debrief.py)",
    ),
    (
        r"Die publiceren wij nooit en komen in geen bestand\.",
        "signups/debrief.py; spiegel export leaves the comments out (tests/test_debrief.py)",
    ),
    (
        r"Alleen de coördinator van de evaluatie leest ze, na de sluiting, en alleen van groepen "
        r"met minstens \d+ reacties\.",
        "signups/debrief.py with the frozen k; web/beheer/debrief.py (test_beheer_groepsevaluatie)",
    ),
    (
        r"Dat grootboek kan alleen groeien, zodat niemand ongemerkt een eerdere publicatie kan "
        r"weghalen en na één extra reactie opnieuw kan publiceren\.",
        "results/history.py and the database ledger (tests/test_ledger.py)",
    ),
    (
        r"Voor de groepsevaluatie sturen wij alleen deze e-mails:",
        "the list under it is outbox/kinds.py's respondent kinds (test_texts.py)",
    ),
    # public numbers, the same everywhere in the Netherlands
    (
        r"Bel de zelfmoordpreventielijn: 113 of gratis 0800 0113 ?, dag en nacht\.",
        "113 Zelfmoordpreventie, national",
    ),
    (r"Chatten kan ook, op de website 113\.nl\.", "113 Zelfmoordpreventie, national"),
    (r"Bel 112 ?\.", "the national emergency number (after: Is er direct gevaar?)"),
]


def template_problems(site: Site) -> list[str]:
    out = []
    for s in site.sentences():
        skeleton = s.skeleton
        digit = any(ch.isdigit() and not src for ch, src in zip(s.text, s.sources, strict=True))
        word = TRIGGERS.search(skeleton)
        if not (digit or word):
            continue
        if any(re.fullmatch(pattern, skeleton) for pattern, _ in TEMPLATE_SENTENCES):
            continue
        what = "een getal" if digit else f"'{word.group(0)}'" if word else ""
        out.append(f"{s.page}: {what} uit de template zelf: {skeleton}")
    return out


@pytest.fixture
def real_project(tmp_path: Path) -> Project:
    """The project as an organisation publishes it: every # VOORBEELD marker removed."""
    p = copy_project(tmp_path / "project")
    make_real(p)
    return p


def test_template_sentences_come_from_configuration_or_the_code(
    real_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tagged_site(real_project.root, monkeypatch, {})
    problems = template_problems(site)
    assert problems == [], "\n".join(problems)


PLANTED_IN_TEMPLATES = [
    pytest.param("form.md.j2", "\nBinnen 72 uur bellen wij u terug.\n", "72", id="term"),
    pytest.param(
        "privacy.md.j2", "\nAlleen de coördinator ziet uw gegevens.\n", "Alleen de", id="recipient"
    ),
    pytest.param(
        "leaflet.md.j2", "\nAlles wat u zegt, blijft vertrouwelijk.\n", "vertrouwelijk", id="secret"
    ),
    pytest.param("thanks.md.j2", "\nWij bewaren uw aanmelding lang.\n", "bewaren", id="retention"),
    pytest.param(
        "collegiale.md.j2",
        "\nUw leidinggevende hoort er niets van: bel {{ org.phone | tel }}.\n",
        "leidinggevende",
        id="frame-not-listed",
    ),
    pytest.param("vvg.md.j2", "\nHet gesprek duurt 90 minuten.\n", "90", id="number"),
]


@pytest.mark.parametrize(("template", "text", "needle"), PLANTED_IN_TEMPLATES)
def test_a_fact_written_into_a_template_is_caught(
    real_project: Project, monkeypatch: pytest.MonkeyPatch, template: str, text: str, needle: str
) -> None:
    site = tagged_site(real_project.root, monkeypatch, {template: text})
    problems = template_problems(site)
    assert problems and all(needle in p for p in problems), problems


def test_a_fact_from_configuration_passes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same words as a planted violation pass once the number comes from content."""
    p = copy_project(tmp_path / "project")
    make_real(p)
    plant = {
        "vvg.md.j2": "\nHet gesprek duurt {{ vvg.agenda | sum(attribute='minutes') }} minuten.\n"
    }
    assert template_problems(tagged_site(p.root, monkeypatch, plant)) == []


# ------------------------------------------------------------------ 2. the shipped content


@dataclass(frozen=True)
class Traced:
    file: str
    path: tuple[Any, ...]  # the field (or a field around it)
    fragment: str  # words of the sentence on the site
    source: str  # "000:13" (seed file 000_..., line 13), "AVG", "code: ...", "instructie"
    quote: str = ""  # words on that line of the source document


# The facts of the shipped content that are not examples, each to where it comes from.
TRACED: list[Traced] = [
    # spiegelbijeenkomst (000: the patient leaflet)
    Traced("content/spiegelbijeenkomst.yaml", ("group_size",), "5 tot 7 andere", "000:13", "vijf á zeven andere"),
    Traced("content/spiegelbijeenkomst.yaml", ("duration_minutes",), "anderhalf uur", "000:19", "anderhalf uur"),
    Traced("content/spiegelbijeenkomst.yaml", ("duration_minutes",), "in totaal", "000:19", "anderhalf uur"),
    Traced("content/spiegelbijeenkomst.yaml", ("facts",), "blijft vertrouwelijk", "000:29", "is vertrouwelijk"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "confidentiality"), "blijft vertrouwelijk", "000:29", "is vertrouwelijk"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "confidentiality"), "geen namen", "000:30", "bevat geen namen"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "confidentiality"), "Niemand kan uit het verslag halen", "000:30", "niet herleidbaar tot een persoon"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "report"), "leidinggevenden bespreken", "000:34", "leidinggevenden bespreken"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "report"), "verslag zonder namen", "000:30", "bevat geen namen"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "confidentiality", "heading"), "Uw privacy", "000:27", "om uw privacy te waarborgen"),
    Traced("content/spiegelbijeenkomst.yaml", ("sections", "confidentiality"), "Om uw privacy te beschermen", "000:27", "om uw privacy te waarborgen"),
    Traced("forms/spiegelbijeenkomst.yaml", ("fields",), "Ik houd geheim", "000:29", "is vertrouwelijk"),
    # vvg (001)
    Traced("content/vvg.yaml", ("purpose",), "sinds 2021", "001:7", "voeren we sinds 2021"),
    # groepsevaluatie (002)
    Traced("content/groepsevaluatie.yaml", ("minutes",), "15 minuten", "002:30", "circa 15 minuten"),
    Traced("content/groepsevaluatie.yaml", ("process",), "15 minuten", "002:30", "circa 15 minuten"),
    Traced("forms/groepsevaluatie.yaml", ("intro",), "15 minuten", "002:30", "circa 15 minuten"),
    Traced("content/groepsevaluatie.yaml", ("process",), "na 6 maanden", "002:45", "check na 6 maanden"),
    Traced("content/groepsevaluatie.yaml", ("check_months",), "6 maanden", "002:45", "check na 6 maanden"),
    Traced("content/groepsevaluatie.yaml", ("time_investment",), "45 minuten", "002:54", "45 minuten"),
    Traced("content/groepsevaluatie.yaml", ("time_investment",), "30 minuten", "002:65", "30 minuten"),
    Traced("content/groepsevaluatie.yaml", ("time_investment",), "105 minuten", "code: the sum of 45, 30 and 30 (002:54-68)"),
    # peer support (004)
    Traced("content/collegiale-ondersteuning.yaml", ("training",), "in drie delen", "004:10", "modulaire opbouw"),
    # the law
    Traced("forms/", ("privacy", "legal_basis"), "AVG artikel", "AVG"),
    # computed by the code from disclosure.k (content/model.py anonymity_texts): the groepsevaluatie
    # helper's sentences about publication, kept as they are
    Traced("forms/groepsevaluatie.yaml", ("privacy", "purpose"), "", "code: content/model.py anonymity_texts"),
    Traced("forms/groepsevaluatie.yaml", ("next_steps",), "", "code: content/model.py anonymity_texts"),
    Traced("forms/groepsevaluatie.yaml", ("intro",), "wij bewaren niet welke code", "code: content/model.py anonymity_texts ({code}); signups/ballots.py"),
    # instructions and examples to the reader, no claim about the organisation
    Traced("forms/", ("fields",), "Bijvoorbeeld", "instructie"),
    Traced("forms/groepsevaluatie.yaml", ("fields",), "bijvoorbeeld ABCD-EF23-4567", "instructie"),
    Traced("forms/", ("fields",), "Noem geen namen", "instructie"),
    Traced("forms/spiegelbijeenkomst.yaml", ("next_steps",), "Na het versturen ziet u", "code: web/replies.py sends a sign-up to the thank-you or the waiting-list page"),
]  # fmt: skip


def traced(file: str, path: tuple[Any, ...], text: str) -> bool:
    return any(
        (file == t.file or (t.file.endswith("/") and file.startswith(t.file)))
        and path[: len(t.path)] == t.path
        and t.fragment in text
        for t in TRACED
    )


def content_problems(site: Site) -> list[str]:
    out = set()
    for s in site.sentences():
        places = [i for m in TRIGGERS.finditer(s.text) for i in range(m.start(), m.end())]
        places += [i for i, ch in enumerate(s.text) if ch.isdigit()]
        for i in places:
            for ref in s.sources[i]:
                for file, path in site.ledger.sources[ref]:
                    mine = [e for e in site.examples if e.file == file]
                    if covers(mine, path) or traced(file, path, s.text):
                        continue
                    out.add(f"{file}: {'.'.join(map(str, path))}: {s.text}")
    return sorted(out)


def test_every_fact_in_the_content_is_an_example_or_traced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert content_problems(tagged_site(ROOT, monkeypatch, {})) == []


PLANTED_IN_CONTENT = [
    pytest.param(
        "content/spiegelbijeenkomst.yaml",
        "      Heeft u ook vragen? Schrijf ze van tevoren op. Dan vergeet u ze niet.",
        "      Heeft u ook vragen? Schrijf ze van tevoren op. Wij bewaren ze 10 jaar.",
        "sections.tip.body",
        id="invented-in-a-traced-file",
    ),
    pytest.param(
        "content/vvg.yaml",
        "  Toch vinden veel coassistenten",
        "  Het gesprek is vertrouwelijk. Toch vinden veel coassistenten",
        "purpose",
        id="invented-next-to-a-traced-fact",
    ),
    pytest.param(
        "forms/collegiale-ondersteuning.yaml",
        "Niet uw leidinggevende en geen commissie.  # VOORBEELD",
        "Niet uw leidinggevende en geen commissie.",
        "privacy.recipients",
        id="recipients-unmarked",
    ),
    pytest.param(
        "content/collegiale-ondersteuning.yaml",
        "first_contact_hours: 72  # binnen hoeveel uur een peer supporter contact opneemt  # VOORBEELD",
        "first_contact_hours: 72",
        "first_contact_hours",
        id="term-unmarked",
    ),
]


@pytest.mark.parametrize(("rel", "old", "new", "needle"), PLANTED_IN_CONTENT)
def test_an_unmarked_invented_fact_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rel: str, old: str, new: str, needle: str
) -> None:
    p = copy_project(tmp_path / "project")
    p.edit(rel, old, new)
    problems = content_problems(tagged_site(p.root, monkeypatch, {}))
    assert problems and all(needle in x for x in problems), problems


@pytest.mark.parametrize(
    "t", TRACED, ids=lambda t: f"{t.file}:{'.'.join(map(str, t.path))}:{t.fragment}"
)
def test_each_traced_fact_is_on_the_site_and_in_its_source(
    t: Traced, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No entry outlives its sentence; a seed reference quotes words of that line."""
    site = tagged_site(ROOT, monkeypatch, {})
    assert any(t.fragment in s.text for s in site.sentences()), t
    m = re.fullmatch(r"(\d{3}):(\d+)", t.source)
    if not m:
        assert t.source.split(":")[0] in ("AVG", "code", "instructie"), t
        return
    assert t.quote, t
    if not SEEDS.is_dir():
        pytest.skip("the source documents are not on this machine")
    [seed] = SEEDS.glob(f"{m.group(1)}_*.txt")
    line = seed.read_text(encoding="utf-8").splitlines()[int(m.group(2)) - 1]
    assert t.quote.lower() in line.lower(), (t, line)
