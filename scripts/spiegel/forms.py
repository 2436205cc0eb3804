"""Form definitions: one YAML file per form in ``forms/`` drives everything.

From a ``Form`` come its HTML (``formhtml``), the server-side validation (``validate_submission``),
the export columns (``table_schema``), the OpenAPI body schema (``json_schema``) and its entry in the
privacy statement. Only PyYAML and the standard library are imported: the endpoint uses this.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .schema import (
    INVALID,
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

FIELD_TYPES = ("text", "textarea", "email", "phone", "choice", "consent", "statements", "code")
CHOICE_SOURCES = ("sessions", "evaluations", "respondent_groups")
HONEYPOT = "website"
ELAPSED = "_elapsed"
NOT_APPLICABLE = "nvt"

_FIELD_NAME = Str(1, 40, r"[a-z][a-z0-9_]*", "a field name of lower-case letters, digits and _")

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
            List(Obj({"value": Slug("a value of a-z, 0-9 and -"), "label": Str(1, 120)}), 1, 30)
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
        "path": Str(1, 80, r"[a-z0-9-]+(/[a-z0-9-]+)*", 'a page path like "vvg/aanmelden"'),
        "intro": Str(1, 3000),
        "next_steps": Str(1, 3000),
        "submit_label": Str(1, 40),
        "anonymous": Opt(Bool(), False),
        "capacity_field": Opt(_FIELD_NAME),
        "unique_field": Opt(_FIELD_NAME),
        "one_of": Opt(List(List(_FIELD_NAME, 2, 4), 1, 4), []),
        "privacy": Obj(
            {
                "purpose": Str(1, 600),
                "legal_basis": Str(1, 300),
                "special_category": Bool(),
                "retention_days": Int(1, 3650),
                "recipients": Str(1, 300),
            }
        ),
        "thanks": Obj({"title": Str(1, 120), "body": Str(1, 3000)}),
        "waitlist": Opt(Obj({"title": Str(1, 120), "body": Str(1, 3000)})),
        "fields": List(FIELD, 1, 40),
    }
)

DEFAULT_MAX = {"text": 120, "textarea": 1000, "email": 254, "phone": 20, "code": 40}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    capacity: int | None = None
    closes: dt.date | None = None  # last day on which this choice can be chosen


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str
    hint: str | None = None
    required: bool = False
    personal: bool = False
    max_length: int | None = None
    autocomplete: str | None = None
    widget: str = "radio"
    choices: tuple[Choice, ...] = ()
    theme: str | None = None


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    programme: str
    path: str
    intro: str
    next_steps: str
    submit_label: str
    anonymous: bool
    privacy: Mapping[str, Any]
    thanks: Mapping[str, str]
    waitlist: Mapping[str, str] | None
    fields: tuple[Field, ...]
    capacity_field: str | None = None
    unique_field: str | None = None
    one_of: tuple[tuple[str, ...], ...] = ()
    scale: tuple[str, ...] = ()
    source: str = ""
    by_name: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    @property
    def url(self) -> str:
        return f"/{self.path}/"

    @property
    def thanks_url(self) -> str:
        return f"/{self.path}/bedankt/"

    @property
    def waitlist_url(self) -> str:
        return f"/{self.path}/wachtlijst/"

    @property
    def personal_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.personal)

    def open_choices(self, f: Field, today: dt.date) -> tuple[Choice, ...]:
        return tuple(c for c in f.choices if c.closes is None or c.closes >= today)


# ------------------------------------------------------------------ loading


def _choices_from(source: str, parts: Mapping[str, Any]) -> tuple[Choice, ...]:
    if source == "sessions":
        months = (
            "jan",
            "feb",
            "mrt",
            "apr",
            "mei",
            "jun",
            "jul",
            "aug",
            "sep",
            "okt",
            "nov",
            "dec",
        )
        out = []
        for s in sorted(parts["sessions"]["sessions"], key=lambda s: (s["date"], s["start"])):
            d = s["date"]
            label = f"{d.day} {months[d.month - 1]} {d.year}, {s['start']}-{s['end']} uur, {s['department']}"
            out.append(Choice(s["id"], label, s["capacity"], s["signup_deadline"]))
        return tuple(out)
    ge = parts["groepsevaluatie"]
    if source == "evaluations":
        return tuple(Choice(e["id"], e["name"]) for e in ge["evaluations"] if e["open"])
    return tuple(Choice(g["id"], g["name"]) for g in ge["respondent_groups"])


def _build(raw: dict[str, Any], parts: Mapping[str, Any], ctx: Context) -> Form | None:
    fields: list[Field] = []
    scale: tuple[str, ...] = ()
    for i, f in enumerate(raw["fields"]):
        path = ("fields", i)
        kind = f["type"]
        if kind == "statements":
            ge = parts["groepsevaluatie"]
            scale = (*ge["scale"]["labels"], ge["scale"]["not_applicable"])
            for s in ge["statements"]:
                fields.append(Field(s["id"], "scale", s["text"], required=True, theme=s["theme"]))
            continue
        if not f["label"]:
            ctx.error((*path, "label"), "missing required key 'label'")
        choices: tuple[Choice, ...] = ()
        if kind == "choice":
            if bool(f["choices"]) == bool(f["choices_from"]):
                ctx.error(
                    path, "expected exactly one of 'choices' or 'choices_from' for a choice field"
                )
                continue
            choices = (
                tuple(Choice(c["value"], c["label"]) for c in f["choices"])
                if f["choices"]
                else _choices_from(f["choices_from"], parts)
            )
        elif f["choices"] or f["choices_from"] or f["widget"]:
            ctx.error(path, f"choices and widget are only for choice fields, not {kind}")
        if kind in ("consent",) and f["max_length"]:
            ctx.error((*path, "max_length"), "max_length is not used for a consent field")
        fields.append(
            Field(
                name=f["name"],
                type=kind,
                label=f["label"] or "",
                hint=f["hint"],
                required=f["required"],
                personal=f["personal"],
                max_length=f["max_length"] or DEFAULT_MAX.get(kind),
                autocomplete=f["autocomplete"],
                widget=f["widget"] or "radio",
                choices=choices,
            )
        )
    names = [f.name for f in fields]
    for n in set(names):
        if names.count(n) > 1 or n in (HONEYPOT, ELAPSED):
            ctx.error(("fields",), f"field name {n!r} is used twice or reserved")
    for key in ("capacity_field", "unique_field"):
        if raw[key] and raw[key] not in names:
            ctx.error((key,), f"expected the name of a field of this form, got {raw[key]!r}")
    if raw["capacity_field"] and not raw["waitlist"]:
        ctx.error(("waitlist",), "a form with capacity_field needs a waitlist text")
    for group in raw["one_of"]:
        for n in group:
            if n not in names:
                ctx.error(("one_of",), f"expected field names of this form, got {n!r}")
    if raw["anonymous"]:
        for f2 in fields:
            if f2.personal or f2.type in ("email", "phone"):
                ctx.error(
                    ("fields",), f"an anonymous form cannot ask for personal data ({f2.name})"
                )
    if ctx.issues:
        return None
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
        unique_field=raw["unique_field"],
        one_of=tuple(tuple(g) for g in raw["one_of"]),
        scale=scale,
        source=ctx.file,
    )


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
        ctx = Context(label, lines)
        if raw["id"] != path.stem:
            ctx.error(("id",), f"expected the file name {path.stem!r}, got {raw['id']!r}")
        unique(raw["fields"], "name", ("fields",), ctx)
        form = _build(raw, parts, ctx)
        issues += ctx.issues
        if form:
            forms[form.id] = form
    if issues:
        raise ContentError(issues)
    return forms


# ------------------------------------------------------------------ validation

EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
PHONE_STRIP = re.compile(r"[\s\-().]")
PHONE_RE = re.compile(r"(?:\+31|0031|0)([1-9][0-9]{8})")
CODE_RE = re.compile(r"[A-Za-z0-9-]{4,40}")
TRUE_WORDS = {"on", "ja", "true", "1", "yes"}

MSG = {
    "required": "Vul dit veld in.",
    "choose": "Maak een keuze.",
    "consent": "Zet een vinkje om verder te gaan.",
    "choice": "Kies een van de mogelijkheden.",
    "email": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    "phone": "Vul een Nederlands telefoonnummer in, zoals 06 12345678 of 071 123 45 67.",
    "code": "Vul de code uit uw uitnodiging in: 4 tot 40 letters of cijfers.",
    "type": "Deze waarde kunnen we niet gebruiken.",
    "unknown": "Dit veld kennen we niet.",
    "closed": "Aanmelden voor deze bijeenkomst kan niet meer.",
    "control": "Gebruik geen onzichtbare stuurtekens.",
}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None if value is None else str(value).lower()
    if isinstance(value, int | str):
        return str(value)
    return None


def _clean(text: str) -> str | None:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        return None
    return text


def normalise_phone(text: str) -> str | None:
    m = PHONE_RE.fullmatch(PHONE_STRIP.sub("", text))
    return "0" + m.group(1) if m else None


def validate_submission(
    form: Form, data: Mapping[str, Any], today: dt.date
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Check a submission. Returns cleaned values (all strings) and Dutch errors per field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}

    def err(name: str, key: str, text: str | None = None) -> None:
        errors.setdefault(name, []).append(text or MSG[key])

    for name in data:
        if name not in form.by_name and name not in (HONEYPOT, ELAPSED):
            err(str(name)[:60], "unknown")
    for f in form.fields:
        raw = data.get(f.name)
        if isinstance(raw, list):
            raw = raw[0] if len(raw) == 1 else INVALID
        text = None if raw is INVALID else _text(raw)
        if raw is not None and text is None:
            err(f.name, "type")
            continue
        text = _clean(text or "")
        if text is None:
            err(f.name, "control")
            continue
        if f.type == "consent":
            if text.lower() in TRUE_WORDS:
                clean[f.name] = "ja"
            elif f.required:
                err(f.name, "consent")
            elif text and text.lower() not in ("false", "0", "nee", "off"):
                err(f.name, "type")
            continue
        if f.type == "scale":
            if text.lower() in ("", "nvt", "none"):
                if text == "" and f.required:
                    err(f.name, "choose")
                else:
                    clean[f.name] = NOT_APPLICABLE
            elif text in ("1", "2", "3", "4", "5"):
                clean[f.name] = text
            else:
                err(f.name, "choice")
            continue
        if not text:
            if f.required:
                err(f.name, "choose" if f.type == "choice" else "required")
            continue
        if f.max_length and len(text) > f.max_length:
            err(f.name, "type", f"Gebruik maximaal {f.max_length} tekens (nu {len(text)}).")
            continue
        if f.type == "email" and not EMAIL_RE.fullmatch(text):
            err(f.name, "email")
        elif f.type == "phone":
            phone = normalise_phone(text)
            if phone is None:
                err(f.name, "phone")
            else:
                clean[f.name] = phone
            continue
        elif f.type == "code" and not CODE_RE.fullmatch(text):
            err(f.name, "code")
        elif f.type == "choice":
            match = next((c for c in f.choices if c.value == text), None)
            if match is None:
                err(f.name, "choice")
            elif match.closes is not None and match.closes < today:
                err(f.name, "closed")
            else:
                clean[f.name] = match.value
            continue
        elif f.type == "text" and "\n" in text:
            err(f.name, "type", "Gebruik één regel.")
        if f.name not in errors:
            clean[f.name] = text
    for group in form.one_of:
        if not any(n in clean for n in group) and not any(n in errors for n in group):
            labels = " of ".join(form.by_name[n].label.lower() for n in group)
            err(group[0], "required", f"Vul ten minste één in: {labels}.")
    return clean, errors


# ------------------------------------------------------------------ schemas for export and API

META_COLUMNS = (
    {"name": "id", "type": "string", "title": "Nummer"},
    {"name": "ingediend", "type": "datetime", "title": "Ingediend (UTC)"},
    {"name": "status", "type": "string", "title": "Status"},
)


def table_schema(form: Form) -> dict[str, Any]:
    """The frictionless Table Schema of ``spiegel export <form>``."""
    cols: list[dict[str, Any]] = [dict(c) for c in META_COLUMNS]
    for f in form.fields:
        if f.type == "code":
            continue  # one-time codes are checked, never stored
        col: dict[str, Any] = {"name": f.name, "title": f.label, "type": "string"}
        if f.type == "scale":
            col.update(type="integer", constraints={"minimum": 1, "maximum": 5})
        elif f.type == "choice":
            col["constraints"] = {"enum": [c.value for c in f.choices]}
        elif f.type == "consent":
            col["constraints"] = {"enum": ["ja"]}
        if f.required and f.type not in ("scale",):
            col.setdefault("constraints", {})["required"] = True
        if f.max_length and f.type not in ("choice", "scale", "consent"):
            col.setdefault("constraints", {})["maxLength"] = f.max_length
        cols.append(col)
    schema: dict[str, Any] = {"fields": cols, "primaryKey": ["id"], "missingValues": [""]}
    return schema


def json_schema(form: Form) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in form.fields:
        p: dict[str, Any] = {"title": f.label}
        if f.type == "consent":
            p["oneOf"] = [
                {"type": "boolean", "const": True},
                {"type": "string", "enum": ["on", "ja"]},
            ]
        elif f.type == "scale":
            p["oneOf"] = [{"type": "integer", "minimum": 1, "maximum": 5}, {"type": "string"}]
        elif f.type == "choice":
            p.update(type="string", enum=[c.value for c in f.choices])
        else:
            p.update(type="string", maxLength=f.max_length)
            if f.type == "email":
                p["format"] = "email"
        props[f.name] = p
    required = [f.name for f in form.fields if f.required]
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
