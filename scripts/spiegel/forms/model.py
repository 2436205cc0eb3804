"""The runtime form model: fields, validation, export and API schemas. No YAML, no loading.

The endpoint imports only this (plus ``formhtml`` for error pages), which keeps its cold start
small; ``forms`` loads definitions from YAML and ``snapshot`` from JSON into these classes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

HONEYPOT = "website"
ELAPSED = "_elapsed"
NOT_APPLICABLE = "nvt"


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
    # Only sign-ups with these answers take a seat, e.g. {"rol": ["patient"]}: partners and
    # carers come in addition to the patients the leaflet counts.
    capacity_counts: Mapping[str, Any] = field(default_factory=dict)
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
    "control": "Deze tekst bevat onzichtbare of speciale tekens die wij niet kunnen bewaren."
    " Typ de tekst zelf opnieuw in, zonder te kopiëren en te plakken.",
}

# Characters that change how text looks without being text: bidi overrides (U+202E turns
# "exe.txt" into "txt.exe"), zero-width and byte-order marks, line/paragraph separators.
# Joiners (U+200C/D) and the plain direction marks (U+200E/F, U+061C) stay allowed: emoji and
# right-to-left text need them, and they cannot reorder the text around them.
INVISIBLE = frozenset(
    "\u200b\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _text(value: Any, f: Field) -> str | None:
    """The value as text, or None when this field cannot take a value of this JSON type:
    ``true`` only for a checkbox, a number only for a scale, a string for everything."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower() if f.type == "consent" else None
    if isinstance(value, int | float) and f.type == "scale" and float(value).is_integer():
        return str(int(value))  # JSON Schema's "integer" includes 5.0
    return None


def _bad_char(ch: str) -> bool:
    if ch in INVISIBLE:
        return True
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:  # Unicode non-characters
        return True
    cat = unicodedata.category(ch)
    return (cat == "Cc" and ch not in "\n\t") or cat in ("Cs", "Co")


def _clean(text: str) -> str | None:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if any(_bad_char(ch) for ch in text):
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
        # a list is a repeated form field or a JSON array: one value per field, never several
        text = None if raw is None or isinstance(raw, list) else _text(raw, f)
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


# ------------------------------------------------------------------ JSON snapshot (no YAML at start-up)


def form_to_dict(form: Form) -> dict[str, Any]:
    d = asdict(form)
    d.pop("by_name")
    for f in d["fields"]:
        for c in f["choices"]:
            c["closes"] = c["closes"].isoformat() if c["closes"] else None
    return d


def form_from_dict(d: Mapping[str, Any]) -> Form:
    fields = tuple(
        Field(
            **{
                **f,
                "choices": tuple(
                    Choice(
                        **{
                            **c,
                            "closes": dt.date.fromisoformat(c["closes"]) if c["closes"] else None,
                        }
                    )
                    for c in f["choices"]
                ),
            }
        )
        for f in d["fields"]
    )
    return Form(
        **{
            **d,
            "fields": fields,
            "one_of": tuple(tuple(g) for g in d["one_of"]),
            "scale": tuple(d["scale"]),
        }
    )
