"""The content model: every file staff edit in ``content/``, its schema, and cross-file checks.

``load_content(content_dir)`` returns a ``Content`` or raises ``ContentError`` with every problem
in every file. Each schema is declared once here; templates, forms and the endpoint read the
validated result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spiegel.content.examples import Example, covers, examples_in
from spiegel.content.schema import (
    INVALID,
    Bool,
    Color,
    ContentError,
    Context,
    Date,
    Email,
    Enum,
    Int,
    Issue,
    Lines,
    List,
    Obj,
    Opt,
    Slug,
    Str,
    Validator,
    load_yaml,
    unique,
    validate,
)
from spiegel.content.sessions import SESSION_FILES, SessionList, arrival_defaults, session_schema

PROGRAMMES = ("spiegelbijeenkomst", "vvg", "groepsevaluatie", "collegiale-ondersteuning", "gluren")
THEMES = ("samenwerking", "communicatie", "organisatie")
RESPONDENT_GROUPS = ("eigen-groep", "collega-specialisten", "medewerkers", "managers", "verwijzers")
ACTION_STATUS = ("gepland", "bezig", "klaar")

Markdown = Str(1, 6000, what="een tekst (Markdown) van hoogstens 6000 tekens")
Title = Str(1, 120)
Summary = Str(1, 300)


def Section() -> Obj:  # noqa: N802
    return Obj({"heading": Title, "body": Markdown})


def Phone() -> Str:  # noqa: N802
    return Str(
        10,
        20,
        r"(\+31|0)[0-9 \-]{9,16}",
        "een Nederlands telefoonnummer, tussen aanhalingstekens",
        example='"071 123 45 67"',
    )


# ------------------------------------------------------------------ site.yaml

# The organisation's own details, in one place: pages, forms, e-mails, .ics and the privacy
# statement read them from ``content.site["organisation"]``.
ORGANISATION = Obj(
    {
        "name": Title,
        "address": Str(1, 200),
        "phone": Phone(),
        "phone_hours": Str(1, 160),
        "email": Email(),
        "email_reply_days": Int(1, 30),
        "complaints": Obj({"name": Title, "phone": Opt(Phone()), "email": Email()}),
        "privacy_officer": Obj({"name": Title, "email": Email()}),
    }
)


def _check_site(site: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    from spiegel.content.colour import contrast

    ratio = contrast(site["brand_colour"], "#ffffff")
    if ratio < 4.5:
        ctx.error(
            (*path, "brand_colour"),
            f"de kleur {site['brand_colour']} is te licht: witte tekst erop is slecht te lezen "
            f"(contrast {ratio:.2f}:1, nodig is minstens 4,5:1). Kies een donkerdere kleur, "
            'bijvoorbeeld: brand_colour: "#1d4f91"',
        )
    if site["hosting"] == "serverless" and not site["hosting_provider"]:
        ctx.error(
            (*path, "hosting_provider"),
            "vul de naam van de cloudleverancier in als hosting serverless is "
            "(de privacyverklaring noemt die leverancier)",
        )


SITE = Obj(
    {
        "site_name": Str(1, 40),
        "tagline": Summary,
        "brand_colour": Color(),
        "logo": Opt(
            Str(
                1,
                200,
                r"assets/[A-Za-z0-9_./-]+\.(svg|png)",
                "een bestand in de map assets/, .svg of .png",
                example="assets/logo.svg",
            )
        ),
        "logo_alt": Opt(Str(1, 120)),
        "site_url": Opt(
            Str(
                8,
                200,
                r"https://[^\s]+/",
                "een adres dat begint met https:// en eindigt op /",
                example="https://spiegel.voorbeeld.nl/",
            )
        ),
        "endpoint": Opt(
            Str(
                1,
                200,
                r"(https://[^\s]+[^/]|/[a-z/]*[a-z])",
                "een adres met https:// of een pad als /api",
                example="/api",
            ),
            "/api",
        ),
        "hosting": Enum("eigen-server", "serverless"),
        "hosting_provider": Opt(Str(1, 200)),
        "organisation": ORGANISATION,
        "home": Obj(
            {
                "intro": Markdown,
                "audiences": List(
                    Obj({"who": Title, "text": Summary, "programme": Enum(*PROGRAMMES)}),
                    1,
                    10,
                    noun="de doelgroep",
                ),
            }
        ),
        "accessibility": Obj(
            {"checked": Date(), "known_issues": List(Str(1, 300), 0, 20, noun="het punt")}
        ),
    },
    check=_check_site,
)

# ------------------------------------------------------------------ practical information

# Plain text (no Markdown): these also go into the confirmation e-mail, which shows no markup.
PlainText = Str(1, 600, what="een korte tekst zonder opmaak, hoogstens 600 tekens")

# What a patient needs to know to come, beyond time and place (issue 21): in the leaflet, the
# agenda and the confirmation e-mail. The organisation decides these; the sources do not say.
PRACTICAL_DOCS = {
    "access": "Is de zaal toegankelijk: lift, plek voor een rolstoel, ringleiding?",
    "travel_refund": "Hoe krijgt iemand de reiskosten terug?",
    "recording": "Wordt het gesprek opgenomen (geluid of beeld)?",
    "own_doctor": "Kan de eigen arts of verpleegkundige van een deelnemer meeluisteren?",
}
PRACTICAL_TEXTS = tuple(PRACTICAL_DOCS)

# A session in another room says how that room is reached; without it the leaflet's text holds.
SESSION_PRACTICAL: dict[str, Validator | Opt] = {"access": Opt(PlainText)}
SESSION_PRACTICAL_DOCS = {
    "access": "Toegankelijkheid van deze zaal, als die anders is dan in spiegelbijeenkomst.yaml"
    " (practical > access)."
}


def session_access(session: dict[str, Any], leaflet: dict[str, Any]) -> str:
    """How the room of ``session`` is reached: its own text, else the leaflet's."""
    return str(session.get("access") or leaflet["practical"]["access"])


# ------------------------------------------------------------------ sessions.yaml


SESSION = session_schema(SESSION_PRACTICAL, SESSION_PRACTICAL_DOCS)


def _check_sessions(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    unique(doc["sessions"], "id", ("sessions",), ctx)


SESSIONS = Obj(
    {"sessions": SessionList(SESSION)},
    check=_check_sessions,
    docs={"sessions": "De agenda: elke bijeenkomst begint met '- id:'."},
    title="Agenda van de spiegelbijeenkomsten",
)

# ------------------------------------------------------------------ leaflet.yaml

LEAFLET_SECTIONS = ("what", "who", "how", "confidentiality", "report", "letter", "tip")


def _check_leaflet(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    if doc["group_size"]["min"] > doc["group_size"]["max"]:
        ctx.error(("group_size", "min"), "het minimum mag niet groter zijn dan het maximum")


LEAFLET = Obj(
    {
        "title": Title,
        "summary": Summary,
        "group_size": Obj({"min": Int(2, 20), "max": Int(2, 20)}),
        "duration_minutes": Int(15, 480, 90),
        "facts": List(Str(1, 200), 1, 12, noun="het feitje"),
        "sections": Obj({key: Section() for key in LEAFLET_SECTIONS}),
        "confirmation_days": Int(1, 60),
        "letter_weeks": Int(1, 26),
        "review_months": Int(1, 24),
        "care_unaffected": Bool(),
        "practical": Obj(
            {
                "before_minutes": Int(0, 120),
                "after_minutes": Int(0, 120),
                "route": Markdown,
                "parking": Markdown,
                "costs": Markdown,
                **{key: PlainText for key in PRACTICAL_TEXTS},
            },
            docs=PRACTICAL_DOCS,
        ),
    },
    check=_check_leaflet,
)

# ------------------------------------------------------------------ vvg.yaml

VVG = Obj(
    {
        "title": Title,
        "summary": Summary,
        "purpose": Markdown,
        "roles": List(Obj({"role": Title, "text": Markdown}), 1, 10, noun="de rol"),
        "agenda": List(
            Obj({"minutes": Int(1, 180, 15), "title": Title, "text": Str(1, 600)}),
            1,
            20,
            noun="het agendapunt",
        ),
        "ground_rules": List(Str(1, 300), 1, 20, noun="de afspraak"),
        "results": Section(),
        "improvement": Section(),
        "follow_up": Section(),
        "follow_up_months": Int(1, 24),
        "reply_days": Int(1, 60),
        "sessions": Opt(SessionList(SESSION, "het gesprek"), []),
    },
    check=lambda doc, path, ctx: unique(doc["sessions"], "id", ("sessions",), ctx),
    docs={
        "sessions": "De data van de gesprekken, met plaats en aantal plaatsen: net als de"
        " bijeenkomsten in sessions.yaml. Elk gesprek begint met '- id:'.",
    },
)

# ------------------------------------------------------------------ groepsevaluatie.yaml


def _check_evaluation_doc(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    unique(doc["statements"], "id", ("statements",), ctx)
    unique(doc["evaluations"], "id", ("evaluations",), ctx)
    ids = [g.get("id") for g in doc["respondent_groups"] if isinstance(g, dict)]
    # An id that is missing or not one of the groups already has its own message (INVALID):
    # compare the set only when every id is one of the known names.
    names = [i for i in ids if isinstance(i, str)]
    if len(names) == len(ids) and sorted(names) != sorted(RESPONDENT_GROUPS):
        ctx.error(
            ("respondent_groups",),
            "hier horen precies de groepen "
            + ", ".join(RESPONDENT_GROUPS)
            + "; nu staan er: "
            + ", ".join(map(str, ids))
            + ". Elke groep staat er één keer.",
        )


STATEMENT_ID = Str(2, 10, r"s[0-9]{2,3}", "een id als s01", example="s01")
K_USUAL, K_LOWEST = 5, 3  # disclosure threshold: 5, lower only with a reason, never below 3
K_DISTRIBUTION = 10  # a distribution (percentages per answer) only from this many answers


def anonymity_texts(ge: dict[str, Any]) -> dict[str, str]:
    """The promises about groepsevaluatie results, in B1 Dutch, from the configured numbers.
    Forms (``{k}``, ``{k_verdeling}``, ``{anonimiteit}``), the privacy statement and the results
    pages all use these, so a page never promises another threshold than the code applies."""
    k = ge.get("disclosure", {}).get("k", K_USUAL)
    clear = (
        "Een cijfer waaruit u kunt afleiden wat iedereen antwoordde, of iedereen op één na, tonen"
        " wij niet: dat is te eenduidig om te tonen. Bijvoorbeeld een gemiddelde van 5,00, want"
        " dan koos iedereen 5. Hoeveel mensen n.v.t. kozen, tonen wij alleen bij een cijfer dat"
        " wij wel tonen."
    )
    return {
        "k": str(k),
        "k_verdeling": str(K_DISTRIBUTION),
        "anonimiteit": (
            f"Wij publiceren alleen cijfers van een groep met minstens {k} reacties. Een gemiddelde"
            f" tonen wij vanaf {k} antwoorden. Hoeveel procent elk antwoord koos, tonen wij pas"
            f" vanaf {K_DISTRIBUTION} antwoorden. Toelichtingen publiceren wij nooit: de"
            " coördinator van de evaluatie haalt eruit wat iemand herkenbaar maakt en bespreekt"
            " ze alleen met de groep zelf. Wij publiceren de uitkomsten één keer, als de"
            f" vragenlijst is gesloten. {clear}"
        ),
        "eenduidig": clear,
        "samen_delen": (
            "Let op: wij tonen nooit antwoorden van één persoon. Maar als mensen uit dezelfde"
            " groep hun eigen antwoorden aan elkaar vertellen, kunnen zij samen soms meer afleiden"
            " dan de cijfers laten zien. Bijvoorbeeld wat de andere mensen in hun groep"
            " gemiddeld antwoordden."
        ),
        "code": (
            "Uw code kreeg u per e-mail van ons, of op een strookje. Met die code vult u de"
            " vragenlijst één keer in. Niemand heeft een lijst met codes, ook de coördinator"
            " niet, en wij bewaren niet welke code bij welke antwoorden hoort."
        ),
    }


def _check_disclosure(d: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    if d["k"] < K_USUAL and not d["lower_k_reason"]:
        ctx.error(
            (*path, "k"),
            f"k is {d['k']}: lager dan {K_USUAL} mag alleen met een reden onder lower_k_reason"
            " (waarom is een kleinere groep hier veilig genoeg?)",
        )


DISCLOSURE = Obj(
    {"k": Int(K_LOWEST, 50), "lower_k_reason": Opt(Str(10, 400))}, check=_check_disclosure
)

GROEPSEVALUATIE = Obj(
    {
        "title": Title,
        "summary": Summary,
        "intro": Markdown,
        "minutes": Int(5, 60),
        "check_months": Int(1, 24),
        "scale": Obj(
            {
                "labels": List(Str(1, 40), 5, 5, noun="het antwoord"),
                "not_applicable": Str(1, 40),
            }
        ),
        "themes": Obj({t: Title for t in THEMES}),
        "respondent_groups": List(
            Obj({"id": Enum(*RESPONDENT_GROUPS), "name": Title}), 5, 5, noun="de groep"
        ),
        "statements": List(
            Obj({"id": STATEMENT_ID, "theme": Enum(*THEMES), "text": Str(5, 300)}),
            3,
            80,
            noun="de stelling",
        ),
        "process": List(Obj({"title": Title, "text": Str(1, 600)}), 1, 10, noun="de stap"),
        "time_investment": List(
            Obj(
                {
                    "activity": Title,
                    "minutes": Int(1, 600, 30),
                    "tasks": List(Str(1, 200), 0, 10, noun="de taak"),
                }
            ),
            1,
            10,
            noun="de activiteit",
        ),
        "disclosure": Opt(DISCLOSURE, {"k": K_USUAL, "lower_k_reason": None}),
        # that the results are published openly, and who decides (the sources do not say)
        "publication": Section(),
        # within how many days a group that asks for an evaluation hears back (the request form)
        "request_reply_days": Int(1, 60, 14),
        "evaluations": List(
            Obj(
                {
                    "id": Slug(),
                    "name": Title,
                    "department": Title,
                    "open": Bool(),
                    "findings": Opt(
                        Obj(
                            {
                                "stands_out": List(Str(1, 400), 0, 10, noun="het punt"),
                                "goes_well": List(Str(1, 400), 0, 10, noun="het punt"),
                                "to_improve": List(Str(1, 400), 0, 10, noun="het punt"),
                            }
                        )
                    ),
                }
            ),
            0,
            200,
            noun="de evaluatie",
        ),
    },
    check=_check_evaluation_doc,
)

# ------------------------------------------------------------------ collegiale-ondersteuning.yaml

COLLEGIALE = Obj(
    {
        "title": Title,
        "summary": Summary,
        "second_victim": Section(),
        "how_to_ask": Obj(
            {
                "phone": Phone(),
                "available_24_7": Bool(),
                "hours": Opt(Str(1, 120)),
                "text": Markdown,
            }
        ),
        "confidentiality": Section(),
        "first_contact_hours": Int(1, 168),
        # does the weekend count in those hours? The sources do not say: the organisation decides
        "first_contact_weekend": Bool(),
        "what_follows": List(Str(1, 300), 1, 10, noun="de stap"),
        "urgent_help": Obj({"occupational_health_phone": Phone()}),
        "open_disclosure": Section(),
        "training": Section(),
        "training_modules": List(
            Obj({"title": Title, "text": Str(1, 600)}), 1, 10, noun="de module"
        ),
    }
)

# ------------------------------------------------------------------ gluren.yaml

GLUREN = Obj(
    {
        "title": Title,
        "summary": Summary,
        "idea": Section(),
        "staff": Section(),
        "clients": Section(),
        "visit": List(Str(1, 300), 1, 10, noun="het punt"),
        "results": Section(),
        "reply_days": Int(1, 60, 14),
    }
)

# ------------------------------------------------------------------ actions.yaml


def _check_action(a: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    # Without a review date the programme's own check period applies (see review_months()).
    if a["review"] is not None and a["review"] < a["start"]:
        ctx.error(
            (*path, "review"),
            f"de evaluatiedatum {a['review']} ligt vóór de start ({a['start']}). Kies een "
            "latere datum, of haal de regel weg (dan is het 6 maanden na de start).",
        )
    if a["status"] == "klaar" and not a["outcome"]:
        ctx.error(
            (*path, "outcome"),
            "een actie met status klaar heeft een uitkomst nodig. Voeg een regel toe, "
            "bijvoorbeeld: outcome: De folder ligt nu bij de balie.",
        )


ACTION = Obj(
    {
        "id": Slug(),
        "programme": Enum("spiegelbijeenkomst", "vvg", "groepsevaluatie"),
        "source": Opt(Slug("de id van een bijeenkomst of evaluatie")),
        "department": Title,
        "theme": Title,
        "heard": Opt(Str(1, 600)),
        "what": Str(1, 600),
        "status": Enum(*ACTION_STATUS),
        "start": Date(),
        "review": Opt(Date()),
        "updated": Opt(Date()),
        "outcome": Opt(Str(1, 600)),
    },
    check=_check_action,
    docs={
        "id": "Een unieke naam voor deze verbeteractie.",
        "programme": "Uit welk programma de actie komt.",
        "source": "De id van de bijeenkomst of evaluatie waar de actie uit kwam.",
        "heard": "Wat we hoorden, in een zin zonder namen; staat in de brief aan de deelnemers.",
        "status": "gepland, bezig of klaar.",
        "start": "Wanneer de actie begon.",
        "review": "Wanneer we kijken of het gewerkt heeft (standaard 6 maanden na start).",
        "updated": "Laatste keer dat de actie is bijgewerkt.",
        "outcome": "Wat de actie heeft opgeleverd; nodig bij status klaar.",
    },
)


def _check_actions(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    unique(doc["actions"], "id", ("actions",), ctx)


ACTIONS = Obj(
    {"actions": List(ACTION, 0, 1000, noun="de actie")},
    check=_check_actions,
    title="Verbeteracties: wat we met de feedback doen",
)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


FILES: dict[str, tuple[str, Validator]] = {
    "site": ("site.yaml", SITE),
    "sessions": ("sessions.yaml", SESSIONS),
    "leaflet": ("spiegelbijeenkomst.yaml", LEAFLET),
    "vvg": ("vvg.yaml", VVG),
    "groepsevaluatie": ("groepsevaluatie.yaml", GROEPSEVALUATIE),
    "collegiale": ("collegiale-ondersteuning.yaml", COLLEGIALE),
    "gluren": ("gluren-bij-de-buren.yaml", GLUREN),
    "actions": ("actions.yaml", ACTIONS),
}


@dataclass
class Content:
    root: Path
    site: dict[str, Any]
    sessions: dict[str, Any]
    leaflet: dict[str, Any]
    vvg: dict[str, Any]
    groepsevaluatie: dict[str, Any]
    collegiale: dict[str, Any]
    gluren: dict[str, Any]
    actions: dict[str, Any]
    examples: list[Example] = field(default_factory=list)
    lines: dict[str, Lines] = field(default_factory=dict)  # per FILES key: field path -> line

    def review_months(self, programme: str) -> int:
        """How many months after its start an action is checked again, per programme."""
        return {
            "spiegelbijeenkomst": self.leaflet["review_months"],
            "vvg": self.vvg["follow_up_months"],
            "groepsevaluatie": self.groepsevaluatie["check_months"],
        }[programme]

    def sessions_of(self, programme: str) -> list[dict[str, Any]]:
        """The dated sessions of a programme (spiegelbijeenkomst: sessions.yaml, vvg: vvg.yaml)."""
        doc = {"spiegelbijeenkomst": self.sessions, "vvg": self.vvg}.get(programme)
        return list(doc["sessions"]) if doc else []

    def all_sessions(self) -> list[dict[str, Any]]:
        return [s for p, _ in SESSION_FILES for s in self.sessions_of(p)]

    def upcoming_sessions(
        self, today: dt.date, programme: str = "spiegelbijeenkomst"
    ) -> list[dict[str, Any]]:
        return sorted(
            (s for s in self.sessions_of(programme) if s["date"] >= today),
            key=lambda s: (s["date"], s["start"]),
        )


def load_file(
    content_dir: Path, key: str, label_root: str = "content"
) -> tuple[Any, list[Issue], Lines]:
    """One content file: validated data, its problems, and its field-path -> line map."""
    filename, schema = FILES[key]
    label = f"{label_root}/{filename}"
    try:
        data, lines = load_yaml(content_dir / filename, label)
    except ContentError as exc:
        return INVALID, exc.issues, {}
    result, issues = validate(schema, data, label, lines)
    return result, issues, lines


def _load_all(
    content_dir: Path, keys: tuple[str, ...], label_root: str
) -> tuple[dict[str, Any], dict[str, Lines]]:
    issues: list[Issue] = []
    parts: dict[str, Any] = {}
    lines: dict[str, Lines] = {}
    for key in keys:
        parts[key], found, lines[key] = load_file(content_dir, key, label_root)
        issues += found
    if issues:
        raise ContentError(issues)
    return parts, lines


def load_parts(
    content_dir: Path, keys: tuple[str, ...], label_root: str = "content"
) -> dict[str, Any]:
    """Load some content files; raise one ContentError listing every problem in all of them."""
    return _load_all(content_dir, keys, label_root)[0]


def load_content(content_dir: Path, label_root: str = "content") -> Content:
    parts, lines = _load_all(content_dir, tuple(FILES), label_root)
    content = Content(root=content_dir, **parts, lines=lines)
    check_references(content, label_root, lines)
    mark_examples(content, label_root)
    return content


def mark_examples(content: Content, label_root: str) -> None:
    """Collect the ``# VOORBEELD`` values; sessions (also VVG dates), evaluations and actions get
    ``voorbeeld``."""
    found: dict[str, list[Example]] = {}
    for key, (filename, schema) in FILES.items():
        found[key] = examples_in(content.root / filename, f"{label_root}/{filename}", schema)
        content.examples += found[key]
    for key, doc, items in (
        ("sessions", content.sessions, "sessions"),
        ("vvg", content.vvg, "sessions"),
        ("groepsevaluatie", content.groepsevaluatie, "evaluations"),
        ("actions", content.actions, "actions"),
    ):
        for i, item in enumerate(doc[items]):
            item["voorbeeld"] = covers(found[key], (items, i))


def check_references(content: Content, label_root: str, lines: dict[str, Lines]) -> None:
    """Cross-file rules: action sources must name a known session or evaluation; a session
    holds as many patients as the leaflet promises; actions without a review date get the
    programme's own check period."""
    sessions = {s["id"] for s in content.sessions["sessions"]}
    evaluations = {e["id"] for e in content.groepsevaluatie["evaluations"]}
    size = content.leaflet["group_size"]
    # the leaflet promises "ongeveer 5 tot 7 andere (oud-)patiënten": seats = others + yourself
    low, high = size["min"] + 1, size["max"] + 1
    sctx = Context(f"{label_root}/{FILES['sessions'][0]}", lines["sessions"], schema=SESSIONS)
    arrival_defaults(content.sessions["sessions"], content.leaflet["practical"]["before_minutes"])
    arrival_defaults(content.vvg["sessions"], 0)  # no welcome before a VVG unless it says so
    for programme, _ in SESSION_FILES:
        for s in content.sessions_of(programme):
            s["programme"] = programme
    vctx = Context(f"{label_root}/{FILES['vvg'][0]}", lines["vvg"], schema=VVG)
    vctx.issues = sctx.issues
    for i, s in enumerate(content.vvg["sessions"]):
        if s["id"] in sessions:  # one id, one session: e-mails and seats find it by its id
            vctx.error(
                ("sessions", i, "id"),
                f"{s['id']!r} is al de id van een bijeenkomst in sessions.yaml. Geef dit gesprek"
                " een eigen id, bijvoorbeeld: id: vvg-" + s["id"],
            )
    for i, s in enumerate(content.sessions["sessions"]):
        if not low <= s["capacity"] <= high:
            sctx.error(
                ("sessions", i, "capacity"),
                f"het aantal plaatsen moet {low} tot en met {high} zijn: de folder belooft dat u "
                f"met {size['min']} tot {size['max']} andere (oud-)patiënten praat "
                f"(spiegelbijeenkomst.yaml, group_size), plus uzelf. Maar het is {s['capacity']}. "
                f"Pas capacity of group_size aan.",
            )
    for a in content.actions["actions"]:
        if a["review"] is None:
            a["review"] = _add_months(a["start"], content.review_months(a["programme"]))
    ctx = Context(f"{label_root}/{FILES['actions'][0]}", lines["actions"], schema=ACTIONS)
    ctx.issues = sctx.issues
    for i, a in enumerate(content.actions["actions"]):
        known = {"spiegelbijeenkomst": sessions, "groepsevaluatie": evaluations}.get(a["programme"])
        if a["source"] and known is not None and a["source"] not in known:
            where = (
                "sessions.yaml"
                if a["programme"] == "spiegelbijeenkomst"
                else "groepsevaluatie.yaml"
            )
            what = "bijeenkomst" if a["programme"] == "spiegelbijeenkomst" else "evaluatie"
            ctx.error(
                ("actions", i, "source"),
                f"er is geen {a['programme']} met de id {a['source']!r} in {where}. Is de id "
                f"verkeerd gespeld? Kopieer hem precies uit {where}. Heeft u de {what} daar "
                f"weggehaald? Zet hem dan terug, want deze actie verwijst ernaar. Een {what} "
                "die voorbij is, mag blijven staan: hij verdwijnt vanzelf van de site.",
            )
    if ctx.issues:
        raise ContentError(ctx.issues)
