"""The runtime form model: a form, its validation, its export schema. No YAML, no loading.

The endpoint imports only this (plus ``forms.html`` for error pages), which keeps its cold start
small; ``forms.definitions`` loads definitions from YAML and ``snapshot`` from JSON into these
classes. What differs between fields is in their types (``forms.fields``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

from spiegel.forms.fields import NOT_APPLICABLE, Choice, Field
from spiegel.forms.patterns import ELAPSED_RE, MSG, clean_text, normalise_phone

__all__ = ["MSG", "NOT_APPLICABLE", "Choice", "Field", "Form", "normalise_phone"]

HONEYPOT = "website"
ELAPSED = "_elapsed"


class _FormValues(NamedTuple):
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
    capacity_counts: Mapping[str, Any] = {}  # read only (one shared empty dict)
    unique_field: str | None = None
    one_of: tuple[tuple[str, ...], ...] = ()
    scale: tuple[str, ...] = ()
    themes: Mapping[str, str] = {}  # theme id -> heading (content); read only
    source: str = ""


class Form(_FormValues):
    """A form: its texts, fields and rules. Immutable: ``form._replace(...)`` is a changed copy.
    A NamedTuple (the values) under a class with the lookups, not a frozen dataclass: that took
    1.2 ms to define, at every serverless cold start."""

    @functools.cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

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
        return f.open_choices(today)

    # ---------------------------------------------------------------- roles per session

    @property
    def role_field(self) -> str | None:
        """The field whose answer decides whether a sign-up takes a seat (``rol``)."""
        name = self.capacity_counts.get("field") if self.capacity_field else None
        return name if name in self.by_name else None

    def session_choice(self, value: str) -> Choice | None:
        if not self.capacity_field:
            return None
        return next(
            (c for c in self.by_name[self.capacity_field].choices if c.value == value), None
        )

    def session_roles(self, session: Choice) -> tuple[Choice, ...]:
        """The roles one can sign up in for this session, in the form's order."""
        if not self.role_field:
            return ()
        roles = self.by_name[self.role_field].choices
        if session.roles is not None:
            found = [c for c in roles if c.value in session.roles]
        else:
            found = [c for c in roles if not c.per_session]
        # those who take a seat first: "als ouder of verzorger van het kind, of als partner"
        return tuple(sorted(found, key=lambda c: not self.takes_seat(session, c.value)))

    def takes_seat(self, session: Choice | None, role: str | None) -> bool:
        """Whether a sign-up in ``role`` counts against the session's seats."""
        if not self.capacity_counts:
            return True
        seats = session.seat_roles if session and session.seat_roles is not None else None
        return role in (seats if seats is not None else self.capacity_counts["values"])

    def role_notes(self, today: dt.date) -> list[tuple[Choice, tuple[Choice, ...]]]:
        """Open sessions whose roles differ from the usual ones, with their roles (the form says
        so under the role question; the server refuses another role with the same words)."""
        if not self.role_field or not self.capacity_field:
            return []
        usual = self.session_roles(Choice("", ""))
        return [
            (c, self.session_roles(c))
            for c in self.by_name[self.capacity_field].open_choices(today)
            if c.roles is not None and self.session_roles(c) != usual
        ]


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
    # the spam trap is a text (a filled one is a bot's, see web.body.is_bot) and the fill time
    # whole milliseconds, as the page's script sends them: anything else is no form's (issue 20)
    if not isinstance(data.get(HONEYPOT, ""), str):
        err(HONEYPOT, "type")
    elapsed = data.get(ELAPSED, "")
    if not isinstance(elapsed, str) or not ELAPSED_RE.fullmatch(elapsed):
        err(ELAPSED, "type")
    for f in form.fields:
        raw = data.get(f.name)
        kind = f.kind
        # a list is a repeated form field or a JSON array: one value per field, never several
        text = None if raw is None or isinstance(raw, list) else kind.as_text(raw)
        if raw is not None and text is None:
            err(f.name, "type")
            continue
        if kind.exact and text and text != text.strip():
            err(f.name, "type")  # " ja", "2 ": nothing a browser sends (the schema's enum)
            continue
        text = clean_text(text or "")
        if text is None:
            err(f.name, "control")
            continue
        value, message = kind.check(f, text, today)
        if message is not None:
            err(f.name, "", message)
        elif value is not None:
            clean[f.name] = value
    for group in form.one_of:
        if not any(n in clean for n in group) and not any(n in errors for n in group):
            labels = " of ".join(form.by_name[n].label.lower() for n in group)
            err(group[0], "required", f"Vul ten minste één in: {labels}.")
    role = form.role_field
    session = form.session_choice(clean.get(form.capacity_field or "", ""))
    if role and session and role in clean:
        allowed = form.session_roles(session)
        if clean[role] not in {c.value for c in allowed}:
            err(role, "", roles_message(allowed))
    return clean, errors


def roles_message(allowed: tuple[Choice, ...]) -> str:
    """The error when a role does not fit the chosen session (and the form's note says the same)."""
    names = [c.label.lower() for c in allowed]
    listed = names[0] if len(names) == 1 else ", als ".join(names[:-1]) + ", of als " + names[-1]
    return f"Bij deze bijeenkomst kunt u zich alleen aanmelden als {listed}."


# ------------------------------------------------------------------ schemas for export and API

META_COLUMNS = (
    {"name": "id", "type": "string", "title": "Nummer"},
    {"name": "ingediend", "type": "datetime", "title": "Ingediend (UTC)"},
    {"name": "status", "type": "string", "title": "Status"},
)


def table_schema(form: Form) -> dict[str, Any]:
    """The frictionless Table Schema of ``spiegel export <form>``."""
    cols: list[dict[str, Any]] = [dict(c) for c in META_COLUMNS]
    cols += [c for c in (f.kind.column(f) for f in form.fields) if c is not None]
    schema: dict[str, Any] = {"fields": cols, "primaryKey": ["id"], "missingValues": [""]}
    return schema


# ------------------------------------------------------------------ JSON snapshot (no YAML at start-up)


def form_to_dict(form: Form) -> dict[str, Any]:
    d = form._asdict()
    d["fields"] = [
        {
            **f._asdict(),
            "choices": [
                {**c._asdict(), "closes": c.closes.isoformat() if c.closes else None}
                for c in f.choices
            ],
        }
        for f in form.fields
    ]
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
                            "roles": tuple(c["roles"]) if c.get("roles") is not None else None,
                            "seat_roles": tuple(c["seat_roles"])
                            if c.get("seat_roles") is not None
                            else None,
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
