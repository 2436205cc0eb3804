"""Form definitions: one YAML file per form in ``forms/`` drives everything.

``load_forms`` validates the YAML and builds ``forms.model.Form`` objects. From a Form come its
HTML (``forms.html``), the server-side validation (``validate_submission``), the export columns
(``table_schema``), the OpenAPI body schema (``apischema.body_schema``) and its entry in the
privacy statement; what differs per type of field is in ``forms.fields``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spiegel.content.model import anonymity_texts
from spiegel.content.schema import (
    Bool,
    ContentError,
    Context,
    Enum,
    Int,
    Issue,
    List,
    Obj,
    Opt,
    Slug,
    Str,
    load_yaml,
    unique,
    validate,
)
from spiegel.forms.fields import BY_YAML_TYPE, ScaleType
from spiegel.forms.model import (  # noqa: F401 - re-exported for callers of the loader
    ELAPSED,
    HONEYPOT,
    NOT_APPLICABLE,
    Choice,
    Field,
    Form,
    normalise_phone,
    table_schema,
    validate_submission,
)

FIELD_TYPES = tuple(BY_YAML_TYPE)  # "statements": the scale fields
CHOICE_SOURCES = ("sessions", "evaluations", "respondent_groups")
_FIELD_NAME = Str(
    1,
    40,
    r"[a-z][a-z0-9_]*",
    "een veldnaam van kleine letters, cijfers en _",
    example="naam",
)

FIELD = Obj(
    {
        "name": _FIELD_NAME,
        "type": Enum(*FIELD_TYPES),
        "label": Opt(Str(1, 300)),
        "hint": Opt(Str(1, 300)),
        "required": Opt(Bool(), False),
        "personal": Opt(Bool(), False),
        "max_length": Opt(Int(1, 5000)),
        "autocomplete": Opt(Str(1, 40, r"[a-z -]+")),
        "widget": Opt(Enum("radio", "select")),
        "choices": Opt(
            List(
                Obj(
                    {
                        "value": Slug("een waarde van a-z, 0-9 en -"),
                        "label": Str(1, 120),
                        "per_session": Opt(Bool(), False),
                    },
                    docs={
                        "per_session": "true: deze rol staat alleen bij de bijeenkomsten die hem"
                        " noemen (rollen: in sessions.yaml), bijvoorbeeld ouder bij de"
                        " kinderafdeling.",
                    },
                ),
                1,
                30,
                noun="de keuze",
            )
        ),
        "choices_from": Opt(Enum(*CHOICE_SOURCES)),
    }
)

FORM = Obj(
    {
        "id": Slug(),
        "title": Str(1, 120),
        "programme": Enum(
            "spiegelbijeenkomst", "vvg", "groepsevaluatie", "collegiale-ondersteuning", "gluren"
        ),
        "path": Str(
            1,
            80,
            r"[a-z0-9-]+(/[a-z0-9-]+)*",
            "een paginapad als vvg/aanmelden",
            example="vvg/aanmelden",
        ),
        "intro": Str(1, 3000),
        "next_steps": Str(1, 3000),
        "submit_label": Str(1, 40),
        "anonymous": Opt(Bool(), False),
        "capacity_field": Opt(_FIELD_NAME),
        "capacity_counts": Opt(Obj({"field": _FIELD_NAME, "values": List(Str(1, 60), 1, 10)})),
        "unique_field": Opt(_FIELD_NAME),
        "one_of": Opt(List(List(_FIELD_NAME, 2, 4), 1, 4, noun="de groep"), []),
        "privacy": Obj(
            {
                "purpose": Str(1, 600),
                "legal_basis": Str(1, 300),
                "special_category": Bool(),
                "retention_days": Int(1, 3650, 180),
                "recipients": Str(1, 300),
            }
        ),
        "thanks": Obj({"title": Str(1, 120), "body": Str(1, 3000)}),
        "waitlist": Opt(Obj({"title": Str(1, 120), "body": Str(1, 3000)})),
        "fields": List(FIELD, 1, 40, noun="het veld"),
    },
    title="Een formulier op de site. Wijzig met zorg: het bepaalt wat we vragen en bewaren.",
)


MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def session_label(s: Mapping[str, Any]) -> str:
    d = s["date"]
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}, {s['start']}-{s['end']} uur, {s['department']}"


def _choices_from(source: str, parts: Mapping[str, Any], programme: str) -> tuple[Choice, ...]:
    if source == "sessions":
        doc = parts.get("vvg" if programme == "vvg" else "sessions") or {"sessions": []}
        out = []
        for s in sorted(doc.get("sessions") or [], key=lambda s: (s["date"], s["start"])):
            out.append(
                Choice(
                    s["id"],
                    session_label(s),
                    s["capacity"],
                    s["signup_deadline"],
                    roles=tuple(s["rollen"]) if s.get("rollen") else None,
                    seat_roles=tuple(s["plaats_voor"]) if s.get("plaats_voor") else None,
                    cancelled=s.get("status") == "geannuleerd",
                )
            )
        return tuple(out)
    ge = parts["groepsevaluatie"]
    if source == "evaluations":
        return tuple(Choice(e["id"], e["name"]) for e in ge["evaluations"] if e["open"])
    return tuple(Choice(g["id"], g["name"]) for g in ge["respondent_groups"])


def _build(raw: dict[str, Any], parts: Mapping[str, Any], ctx: Context) -> Form | None:
    fields: list[Field] = []
    scale: tuple[str, ...] = ()
    themes: dict[str, str] = {}  # the headings of the statements, as the results pages show them
    for i, f in enumerate(raw["fields"]):
        path = ("fields", i)
        kind = BY_YAML_TYPE[f["type"]]
        if isinstance(kind, ScaleType):  # one field per statement of the content
            ge = parts["groepsevaluatie"]
            scale = (*ge["scale"]["labels"], ge["scale"]["not_applicable"])
            themes = dict(ge["themes"])
            for s in ge["statements"]:
                fields.append(Field(s["id"], kind.name, s["text"], required=True, theme=s["theme"]))
            continue
        if not f["label"]:
            ctx.error(
                (*path, "label"),
                "'label' ontbreekt: de vraag die boven het veld staat. Voeg een regel toe, "
                "bijvoorbeeld: label: Uw naam",
            )
        choices: tuple[Choice, ...] = ()
        if kind.has_choices:
            if bool(f["choices"]) == bool(f["choices_from"]):
                ctx.error(
                    path,
                    "een keuzeveld heeft precies één van 'choices' (de keuzes zelf) of "
                    "'choices_from' (bijvoorbeeld choices_from: sessions) nodig.",
                )
                continue
            choices = (
                tuple(
                    Choice(c["value"], c["label"], per_session=c["per_session"])
                    for c in f["choices"]
                )
                if f["choices"]
                else _choices_from(f["choices_from"], parts, raw["programme"])
            )
        elif f["choices"] or f["choices_from"] or f["widget"]:
            ctx.error(
                path,
                f"'choices' en 'widget' horen alleen bij een veld met type: choice, niet bij {kind.name}. "
                "Haal die regels weg.",
            )
        if kind.refuses_max_length and f["max_length"]:
            ctx.error((*path, "max_length"), kind.refuses_max_length)
        fields.append(
            Field(
                name=f["name"],
                type=kind.name,
                label=f["label"] or "",
                hint=f["hint"],
                required=f["required"],
                personal=f["personal"],
                max_length=f["max_length"] or kind.default_max,
                autocomplete=f["autocomplete"],
                widget=f["widget"] or "radio",
                choices=choices,
            )
        )
    names = [f.name for f in fields]
    for n in set(names):
        if names.count(n) > 1 or n in (HONEYPOT, ELAPSED):
            ctx.error(
                ("fields",),
                f"de veldnaam {n!r} komt twee keer voor of is gereserveerd. Kies een andere naam.",
            )
    for key in ("capacity_field", "unique_field"):
        if raw[key] and raw[key] not in names:
            ctx.error(
                (key,),
                f"{raw[key]!r} is geen veld van dit formulier. Gebruik de 'name' van een van de "
                "velden hieronder.",
            )
    counts = raw["capacity_counts"]
    if counts and (not raw["capacity_field"] or counts["field"] not in names):
        ctx.error(
            ("capacity_counts",),
            "capacity_counts werkt alleen samen met capacity_field, en field moet een veld van dit "
            f"formulier zijn, maar het is {counts['field']!r}.",
        )
    if raw["capacity_field"] and not raw["waitlist"]:
        ctx.error(
            ("waitlist",),
            "een formulier met capacity_field heeft een wachtlijsttekst nodig. Voeg toe: "
            "waitlist: met daaronder title: en body:",
        )
    for group in raw["one_of"]:
        for n in group:
            if n not in names:
                ctx.error(
                    ("one_of",),
                    f"{n!r} is geen veld van dit formulier (meer). one_of noemt velden waarvan er"
                    f" minstens één ingevuld moet worden. Haal {n!r} hier weg, of zet het veld"
                    " terug onder fields. De velden zijn nu: " + ", ".join(names) + ".",
                )
    if raw["anonymous"]:
        for f2 in fields:
            if f2.personal or f2.kind.contact:
                ctx.error(
                    ("fields",),
                    f"een anoniem formulier mag niet om persoonsgegevens vragen ({f2.name}). "
                    "Haal dat veld weg of zet anonymous: false.",
                )
    if ctx.issues:
        return None
    if "groepsevaluatie" in parts:  # the promises follow the configured thresholds
        texts = anonymity_texts(parts["groepsevaluatie"])
        for key in ("intro", "next_steps"):
            raw[key] = _fill(raw[key], texts)
        raw["privacy"] = {**raw["privacy"], "purpose": _fill(raw["privacy"]["purpose"], texts)}
    return Form(
        id=raw["id"],
        title=raw["title"],
        programme=raw["programme"],
        path=raw["path"],
        intro=raw["intro"],
        next_steps=raw["next_steps"],
        submit_label=raw["submit_label"],
        anonymous=raw["anonymous"],
        privacy=raw["privacy"],
        thanks=raw["thanks"],
        waitlist=raw["waitlist"],
        fields=tuple(fields),
        capacity_field=raw["capacity_field"],
        capacity_counts=counts or {},
        unique_field=raw["unique_field"],
        one_of=tuple(tuple(g) for g in raw["one_of"]),
        scale=scale,
        themes=themes,
        source=ctx.file,
    )


def _fill(text: str, texts: dict[str, str]) -> str:
    for key, value in texts.items():
        text = text.replace("{" + key + "}", value)
    return text


def _fill_in(value: Any, parts: Mapping[str, Any]) -> Any:
    """Form texts may say ``{organisatie}``: the organisation's name from site.yaml."""
    site = parts.get("site")
    name = site["organisation"]["name"] if site else "onze organisatie"
    if isinstance(value, dict):
        for k, v in value.items():
            value[k] = _fill_in(v, parts)
    elif isinstance(value, list):
        return [_fill_in(v, parts) for v in value]
    elif isinstance(value, str):
        return value.replace("{organisatie}", name)
    return value


def load_forms(
    forms_dir: Path, parts: Mapping[str, Any], label_root: str = "forms"
) -> dict[str, Form]:
    """Load every ``*.yaml`` in ``forms_dir``; ``parts`` holds validated sessions and groepsevaluatie."""
    issues: list[Issue] = []
    forms: dict[str, Form] = {}
    for path in sorted(forms_dir.glob("*.yaml")):
        label = f"{label_root}/{path.name}"
        try:
            data, lines = load_yaml(path, label)
        except ContentError as exc:
            issues += exc.issues
            continue
        raw, found = validate(FORM, data, label, lines)
        issues += found
        if found:
            continue
        _fill_in(raw, parts)
        ctx = Context(label, lines, schema=FORM)
        if raw["id"] != path.stem:
            ctx.error(
                ("id",),
                f"de id moet gelijk zijn aan de bestandsnaam: id: {path.stem} (nu {raw['id']!r}).",
            )
        unique(raw["fields"], "name", ("fields",), ctx)
        form = _build(raw, parts, ctx)
        issues += ctx.issues
        if form:
            forms[form.id] = form
    if issues:
        raise ContentError(issues)
    return forms


# ------------------------------------------------------------------ validation
