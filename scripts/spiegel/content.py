"""The content model: every file staff edit in ``content/``, its schema, and cross-file checks.

``load_content(content_dir)`` returns a ``Content`` or raises ``ContentError`` with every problem
in every file. Each schema is declared once here; templates, forms and the endpoint read the
validated result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schema import (
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
    Time,
    Validator,
    load_yaml,
    unique,
    validate,
)

PROGRAMMES = ("spiegelbijeenkomst", "vvg", "groepsevaluatie", "collegiale-ondersteuning", "gluren")
THEMES = ("samenwerking", "communicatie", "organisatie")
RESPONDENT_GROUPS = ("eigen-groep", "collega-specialisten", "medewerkers", "managers", "verwijzers")
ACTION_STATUS = ("gepland", "bezig", "klaar")

Markdown = Str(1, 6000, what="Markdown text")
Title = Str(1, 120)
Summary = Str(1, 300)


def Section() -> Obj:  # noqa: N802
    return Obj({"heading": Title, "body": Markdown})


def Phone() -> Str:  # noqa: N802
    return Str(10, 20, r"(\+31|0)[0-9 \-]{9,16}", 'a Dutch phone number like "071 123 45 67"')


# ------------------------------------------------------------------ site.yaml


def _check_site(site: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    from .colour import contrast

    ratio = contrast(site["brand_colour"], "#ffffff")
    if ratio < 4.5:
        ctx.error(
            (*path, "brand_colour"),
            f"expected a colour with contrast of at least 4.5:1 against white text and the page, "
            f"got {site['brand_colour']} ({ratio:.2f}:1); pick a darker shade",
        )


SITE = Obj(
    {
        "organisation": Title,
        "site_name": Str(1, 40),
        "tagline": Summary,
        "brand_colour": Color(),
        "logo": Opt(
            Str(1, 200, r"assets/[A-Za-z0-9_./-]+\.(svg|png)", "a file under assets/, .svg or .png")
        ),
        "logo_alt": Opt(Str(1, 120)),
        "site_url": Opt(Str(8, 200, r"https://[^\s]+/", "an https:// address ending in /")),
        "endpoint": Opt(
            Str(
                1,
                200,
                r"(https://[^\s]+[^/]|/[a-z/]*[a-z])",
                'an https:// address or a path like "/api"',
            ),
            "/api",
        ),
        "contact": Obj({"phone": Phone(), "email": Email(), "address": Str(1, 200)}),
        "privacy_contact": Obj({"name": Title, "email": Email()}),
        "home": Obj(
            {
                "intro": Markdown,
                "audiences": List(
                    Obj({"who": Title, "text": Summary, "programme": Enum(*PROGRAMMES)}), 1, 10
                ),
            }
        ),
        "accessibility": Obj({"checked": Date(), "known_issues": List(Str(1, 300), 0, 20)}),
    },
    check=_check_site,
)

# ------------------------------------------------------------------ sessions.yaml


def _check_session(s: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    if s["end"].zfill(5) <= s["start"].zfill(5):
        ctx.error((*path, "end"), f'expected a time after start {s["start"]}, got "{s["end"]}"')
    if s["signup_deadline"] is None:
        s["signup_deadline"] = s["date"] - dt.timedelta(days=7)
    elif s["signup_deadline"] > s["date"]:
        ctx.error(
            (*path, "signup_deadline"),
            f"expected a date on or before the session date {s['date']}, got {s['signup_deadline']}",
        )
    s["start"], s["end"] = s["start"].zfill(5), s["end"].zfill(5)


SESSION = Obj(
    {
        "id": Slug(),
        "date": Date(),
        "start": Time(),
        "end": Time(),
        "location": Str(1, 200),
        "department": Title,
        "audience": Str(1, 200),
        "capacity": Opt(Int(1, 20), 7),
        "signup_deadline": Opt(Date()),
    },
    check=_check_session,
)


def _check_sessions(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    unique(doc["sessions"], "id", ("sessions",), ctx)


SESSIONS = Obj({"sessions": List(SESSION, 0, 500)}, check=_check_sessions)

# ------------------------------------------------------------------ leaflet.yaml

LEAFLET_SECTIONS = ("what", "who", "how", "confidentiality", "report", "letter", "tip")

LEAFLET = Obj(
    {
        "title": Title,
        "summary": Summary,
        "group_size": Obj({"min": Int(2, 20), "max": Int(2, 20)}),
        "duration_minutes": Int(15, 480),
        "facts": List(Str(1, 200), 1, 12),
        "sections": Obj({key: Section() for key in LEAFLET_SECTIONS}),
    }
)

# ------------------------------------------------------------------ vvg.yaml

VVG = Obj(
    {
        "title": Title,
        "summary": Summary,
        "purpose": Markdown,
        "roles": List(Obj({"role": Title, "text": Markdown}), 1, 10),
        "agenda": List(Obj({"minutes": Int(1, 180), "title": Title, "text": Str(1, 600)}), 1, 20),
        "ground_rules": List(Str(1, 300), 1, 20),
        "improvement": Section(),
        "follow_up": Section(),
    }
)

# ------------------------------------------------------------------ groepsevaluatie.yaml


def _check_evaluation_doc(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    unique(doc["statements"], "id", ("statements",), ctx)
    unique(doc["evaluations"], "id", ("evaluations",), ctx)
    ids = [g["id"] for g in doc["respondent_groups"] if isinstance(g, dict)]
    if sorted(ids) != sorted(RESPONDENT_GROUPS):
        ctx.error(
            ("respondent_groups",),
            "expected exactly the groups "
            + ", ".join(RESPONDENT_GROUPS)
            + ", got "
            + ", ".join(map(str, ids)),
        )


STATEMENT_ID = Str(2, 10, r"s[0-9]{2,3}", 'an id like "s01"')

GROEPSEVALUATIE = Obj(
    {
        "title": Title,
        "summary": Summary,
        "intro": Markdown,
        "minutes": Int(5, 60),
        "scale": Obj(
            {
                "labels": List(Str(1, 40), 5, 5),
                "not_applicable": Str(1, 40),
            }
        ),
        "themes": Obj({t: Title for t in THEMES}),
        "respondent_groups": List(Obj({"id": Enum(*RESPONDENT_GROUPS), "name": Title}), 5, 5),
        "statements": List(
            Obj({"id": STATEMENT_ID, "theme": Enum(*THEMES), "text": Str(5, 300)}), 3, 80
        ),
        "process": List(Obj({"title": Title, "text": Str(1, 600)}), 1, 10),
        "time_investment": List(
            Obj({"activity": Title, "minutes": Int(1, 600), "tasks": List(Str(1, 200), 0, 10)}),
            1,
            10,
        ),
        "evaluations": List(
            Obj(
                {
                    "id": Slug(),
                    "name": Title,
                    "department": Title,
                    "open": Bool(),
                    "uses_codes": Opt(Bool(), False),
                    "findings": Opt(
                        Obj(
                            {
                                "stands_out": List(Str(1, 400), 0, 10),
                                "goes_well": List(Str(1, 400), 0, 10),
                                "to_improve": List(Str(1, 400), 0, 10),
                            }
                        )
                    ),
                }
            ),
            0,
            200,
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
        "what_follows": List(Str(1, 300), 1, 10),
        "open_disclosure": Section(),
        "training_modules": List(Obj({"title": Title, "text": Str(1, 600)}), 1, 10),
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
        "visit": List(Str(1, 300), 1, 10),
        "results": List(Str(1, 300), 1, 10),
    }
)

# ------------------------------------------------------------------ actions.yaml


def _check_action(a: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    if a["review"] is None:
        a["review"] = _add_months(a["start"], 6)
    elif a["review"] < a["start"]:
        ctx.error(
            (*path, "review"), f"expected a date on or after start {a['start']}, got {a['review']}"
        )
    if a["status"] == "klaar" and not a["outcome"]:
        ctx.error((*path, "outcome"), "expected an outcome for an action with status klaar")


ACTION = Obj(
    {
        "id": Slug(),
        "programme": Enum("spiegelbijeenkomst", "vvg", "groepsevaluatie"),
        "source": Opt(Slug("the id of a session or evaluation")),
        "department": Title,
        "theme": Title,
        "what": Str(1, 600),
        "status": Enum(*ACTION_STATUS),
        "start": Date(),
        "review": Opt(Date()),
        "updated": Opt(Date()),
        "outcome": Opt(Str(1, 600)),
    },
    check=_check_action,
)


def _check_actions(doc: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    unique(doc["actions"], "id", ("actions",), ctx)


ACTIONS = Obj({"actions": List(ACTION, 0, 1000)}, check=_check_actions)


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

    def upcoming_sessions(self, today: dt.date) -> list[dict[str, Any]]:
        return sorted(
            (s for s in self.sessions["sessions"] if s["date"] >= today),
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
    content = Content(root=content_dir, **parts)
    check_references(content, f"{label_root}/{FILES['actions'][0]}", lines["actions"])
    return content


def check_references(content: Content, label: str, lines: Lines) -> None:
    """Cross-file rules: action sources must name a known session or evaluation."""
    sessions = {s["id"] for s in content.sessions["sessions"]}
    evaluations = {e["id"] for e in content.groepsevaluatie["evaluations"]}
    ctx = Context(label, lines)
    for i, a in enumerate(content.actions["actions"]):
        known = {"spiegelbijeenkomst": sessions, "groepsevaluatie": evaluations}.get(a["programme"])
        if a["source"] and known is not None and a["source"] not in known:
            ctx.error(
                ("actions", i, "source"),
                f"expected the id of a {a['programme']} in this content, got {a['source']!r}",
            )
    if ctx.issues:
        raise ContentError(ctx.issues)
