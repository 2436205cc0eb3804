"""The fields of a form and their types: one class per type of field.

A type knows everything that differs between fields: which JSON values it takes, how it checks a
submitted value (Dutch messages), its column in the export (Table Schema), its property in the
OpenAPI body (JSON Schema), its HTML, and whether it identifies a person (e-mail, phone). The
rest of the package asks the type (``field.kind``) instead of comparing ``field.type``.
The endpoint imports this on its request path: standard library only.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any, ClassVar, NamedTuple

from spiegel.forms import widgets as w
from spiegel.forms.patterns import (
    CODE,
    EMAIL,
    LINK,
    LINK_RE,
    MSG,
    PHONE,
    PRIVATE_PLANES,
    code_re,
    email_re,
    normalise_phone,
    text_pattern,
    too_long,
)

NOT_APPLICABLE = "nvt"
TRUE_WORDS = {"on", "ja", "true", "1", "yes"}
FALSE_WORDS = ("false", "0", "nee", "off")
# (value, error): a cleaned value to keep, or the Dutch message; (None, None) is "left empty"
Checked = tuple[str | None, str | None]


# Choice and Field are NamedTuples (immutable, ``_replace`` for a changed copy): a frozen
# dataclass took 0.5-0.8 ms each to define, at every serverless cold start.
class Choice(NamedTuple):
    value: str
    label: str
    capacity: int | None = None
    closes: dt.date | None = None  # last day on which this choice can be chosen
    # a session's own roles (values of the form's role field) and those that take a seat;
    # None: the form's (``capacity_counts``); a role choice with ``per_session`` is only offered
    # by the sessions that name it
    roles: tuple[str, ...] | None = None
    seat_roles: tuple[str, ...] | None = None
    cancelled: bool = False  # a session called off: kept for its sign-ups, never offered
    per_session: bool = False  # a role offered only by the sessions that name it

    def offered(self, today: dt.date) -> bool:
        return not self.cancelled and (self.closes is None or self.closes >= today)


class Field(NamedTuple):
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

    @property
    def kind(self) -> FieldType:
        return REGISTRY[self.type]

    def open_choices(self, today: dt.date) -> tuple[Choice, ...]:
        return tuple(c for c in self.choices if c.offered(today))


class FieldType:
    """A free text of one line; the other types change what differs."""

    name: ClassVar[str] = "text"
    yaml_type: ClassVar[str] = "text"  # its ``type:`` in forms/*.yaml
    contact: ClassVar[bool] = False  # reaches a person: contact keys; never on an anonymous form
    receives_mail: ClassVar[bool] = False  # the address confirmations are sent to
    stored: ClassVar[bool] = True  # False: checked, never kept (one-time codes)
    has_choices: ClassVar[bool] = False  # may have choices:/choices_from:/widget: in YAML
    free_text: ClassVar[bool] = True  # typed, not chosen: max_length limits it
    # chosen, not typed: the value must be exactly one the form offers (no white space around
    # it, no other case), as the JSON Schema's enum says; a browser never sends anything else
    exact: ClassVar[bool] = False
    default_max: ClassVar[int | None] = 120
    missing: ClassVar[str] = "required"  # the message when a required field is left empty
    # in the privacy statement: None names the field by its label, "" leaves it out (a tick is
    # not data), another text stands once for all fields of this type
    privacy_text: ClassVar[str | None] = None
    # HTML <input>: type, inputmode, pattern, spellcheck
    input_type: ClassVar[str] = "text"
    inputmode: ClassVar[str | None] = None
    pattern: ClassVar[str | None] = None
    spellcheck: ClassVar[str | None] = None
    # JSON Schema: the pattern of the value, or a free text of one line (or of several)
    schema_pattern: ClassVar[str | None] = None
    one_line: ClassVar[bool] = True
    refuses_max_length: ClassVar[str | None] = None  # the loader's message if YAML sets one

    # ---------------------------------------------------------------- checking a value

    def as_text(self, value: Any) -> str | None:
        """The value as text, or None when this type cannot take a value of this JSON type."""
        return value if isinstance(value, str) else None

    def check(self, f: Field, text: str, today: dt.date) -> Checked:
        """``text`` is cleaned (NFC, stripped, no refused characters)."""
        if not text:
            return None, (MSG[self.missing] if f.required else None)
        if f.max_length and len(text) > f.max_length:
            return None, too_long(f.max_length, len(text))
        return self.parse(f, text, today)

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        return (None, MSG["one_line"]) if "\n" in text else (text, None)

    # ---------------------------------------------------------------- schemas

    def column(self, f: Field) -> dict[str, Any] | None:
        """The Table Schema field of the export (None: not exported)."""
        col: dict[str, Any] = {"name": f.name, "title": f.label, "type": "string"}
        constraints = self.constraints(f)
        if f.required:
            constraints["required"] = True
        if f.max_length and self.free_text:
            constraints["maxLength"] = f.max_length
        if constraints:
            col["constraints"] = constraints
        return col

    def constraints(self, f: Field) -> dict[str, Any]:
        return {}

    def body_property(
        self, f: Field, today: dt.date, *, form_encoded: bool, optional: bool
    ) -> dict[str, Any]:
        """The JSON Schema of the value in a request body, as exact as ``check``.
        ``optional``: an empty string is allowed too (not required, in no "one of" group)."""
        p = {**self._titled(f), "type": "string"}
        if self.schema_pattern:
            if f.max_length:
                p["maxLength"] = f.max_length
            p["pattern"] = f"^{self.schema_pattern}$"
        else:  # the length of a free text is counted without the white space around it
            p["pattern"] = text_pattern(self.one_line, f.max_length)
            p["not"] = {"pattern": PRIVATE_PLANES}
        if optional:
            p = {"title": f.label, "anyOf": [p, {"type": "string", "maxLength": 0}]}
        return p

    @staticmethod
    def _titled(f: Field) -> dict[str, Any]:
        return {"title": f.label, **({"description": f.hint} if f.hint else {})}

    # ---------------------------------------------------------------- HTML

    def answerable(self, f: Field, today: dt.date) -> bool:
        """False when nothing can be chosen today (a required one closes the form)."""
        return True

    def first_input_id(self, f: Field, today: dt.date) -> str:
        """Where an error in the summary links to."""
        return w.field_id(f.name)

    def render(
        self, f: Field, value: str, errors: list[str], today: dt.date, scale: tuple[str, ...]
    ) -> str:
        """The field with its label, hint and errors; ``scale`` labels the statements."""
        return w.labelled(
            f.name, f.label, f.required, f.hint, errors, self.control(f, value, errors, today)
        )

    def control(self, f: Field, value: str, errors: list[str], today: dt.date) -> str:
        common = w.control_attrs(f.name, f.required, f.hint, errors)
        return (
            f"<input{w.attrs(type=self.input_type)}{common}"
            f"{w.attrs(value=value, maxlength=f.max_length, autocomplete=f.autocomplete, pattern=self.pattern)}"
            f"{w.attrs(inputmode=self.inputmode, spellcheck=self.spellcheck)}>"
        )


class TextType(FieldType):
    """A name, a department: one line, and never a web address (issue 20 #5). What is typed
    here comes back in our own e-mails and letters ("Beste ..."), where a mail program would
    turn an address into a link under our name."""

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        if LINK_RE.search(text):
            return None, MSG["link"]
        return super().parse(f, text, today)

    def body_property(
        self, f: Field, today: dt.date, *, form_encoded: bool, optional: bool
    ) -> dict[str, Any]:
        p = super().body_property(f, today, form_encoded=form_encoded, optional=optional)
        text = p["anyOf"][0] if optional else p
        text["not"] = {"anyOf": [text["not"], {"pattern": LINK}]}
        return p


class TextareaType(FieldType):
    name = yaml_type = "textarea"
    default_max = 1000
    one_line = False

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        return text, None

    def control(self, f: Field, value: str, errors: list[str], today: dt.date) -> str:
        common = w.control_attrs(f.name, f.required, f.hint, errors)
        return f'<textarea rows="4"{common}{w.attrs(maxlength=f.max_length)}>{escape(value)}</textarea>'


class EmailType(FieldType):
    name = yaml_type = "email"
    contact = receives_mail = True
    default_max = 254
    input_type = "email"
    spellcheck = "false"
    schema_pattern = EMAIL  # browsers check type="email" themselves: no HTML pattern

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        return (text, None) if email_re().fullmatch(text) else (None, MSG["email"])


class PhoneType(FieldType):
    name = yaml_type = "phone"
    contact = True
    default_max = 20
    input_type = inputmode = "tel"
    pattern = schema_pattern = PHONE

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        phone = normalise_phone(text)
        return (phone, None) if phone else (None, MSG["phone"])


class CodeType(FieldType):
    """A one-time invitation code: checked against the issued codes, never stored."""

    name = yaml_type = "code"
    stored = False
    default_max = 40
    missing = "code_missing"
    spellcheck = "false"
    pattern = schema_pattern = CODE

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        return (text, None) if code_re().fullmatch(text) else (None, MSG["code"])

    def column(self, f: Field) -> dict[str, Any] | None:
        return None


class ChoiceType(FieldType):
    name = yaml_type = "choice"
    has_choices = True
    free_text = False
    exact = True
    default_max = None
    missing = "choose"

    def parse(self, f: Field, text: str, today: dt.date) -> Checked:
        match = next((c for c in f.choices if c.value == text), None)
        if match is None:
            return None, MSG["choice"]
        if match.cancelled:
            return None, MSG["called_off"]
        if match.closes is not None and match.closes < today:
            return None, MSG["closed"]
        return match.value, None

    def constraints(self, f: Field) -> dict[str, Any]:
        return {"enum": [c.value for c in f.choices]}

    def body_property(
        self, f: Field, today: dt.date, *, form_encoded: bool, optional: bool
    ) -> dict[str, Any]:
        return {
            **self._titled(f),
            "type": "string",
            "enum": [c.value for c in f.open_choices(today)],
        }

    def answerable(self, f: Field, today: dt.date) -> bool:
        return bool(f.open_choices(today))

    def first_input_id(self, f: Field, today: dt.date) -> str:
        if f.widget != "radio":
            return w.field_id(f.name)
        opts = f.open_choices(today)
        return w.field_id(f.name, opts[0].value) if opts else w.field_id(f.name)

    def render(
        self, f: Field, value: str, errors: list[str], today: dt.date, scale: tuple[str, ...]
    ) -> str:
        if f.widget != "radio":
            return super().render(f, value, errors, today, scale)
        opts = [(c.value, c.label) for c in f.open_choices(today)]
        legend = escape(f.label) + w.optional(f.required)
        return w.radio_group(
            f.name, legend, opts, value=value, required=f.required, hint=f.hint, errors=errors
        )

    def control(self, f: Field, value: str, errors: list[str], today: dt.date) -> str:
        opts = "".join(
            f"<option{w.attrs(value=c.value, selected=value == c.value)}>{escape(c.label)}</option>"
            for c in f.open_choices(today)
        )
        common = w.control_attrs(f.name, f.required, f.hint, errors)
        return f'<select{common}><option value="">Maak een keuze</option>{opts}</select>'


class ConsentType(FieldType):
    """A tick: "ja" or nothing. JSON ``true``/``false`` are taken too."""

    name = yaml_type = "consent"
    free_text = False
    exact = True
    default_max = None
    privacy_text = ""
    refuses_max_length = "een toestemmingsveld (consent) heeft geen max_length. Haal die regel weg."

    def as_text(self, value: Any) -> str | None:
        return str(value).lower() if isinstance(value, bool) else super().as_text(value)

    def check(self, f: Field, text: str, today: dt.date) -> Checked:
        if text in TRUE_WORDS:
            return "ja", None
        if f.required:
            return None, MSG["consent"]
        if text and text not in FALSE_WORDS:
            return None, MSG["type"]
        return None, None

    def constraints(self, f: Field) -> dict[str, Any]:
        return {"enum": ["ja"]}

    def body_property(
        self, f: Field, today: dt.date, *, form_encoded: bool, optional: bool
    ) -> dict[str, Any]:
        yes = sorted(TRUE_WORDS)
        p = {**self._titled(f), "type": "string"}
        p["enum"] = yes if f.required else [*yes, "", *FALSE_WORDS]
        if form_encoded:
            return p
        boolean = {"type": "boolean", "const": True} if f.required else {"type": "boolean"}
        return {"title": f.label, "oneOf": [boolean, p]}

    def render(
        self, f: Field, value: str, errors: list[str], today: dt.date, scale: tuple[str, ...]
    ) -> str:
        common = w.control_attrs(f.name, f.required, f.hint, errors)
        # the error above the box, the hint under its own label: a hint above would sit right
        # under the box before it and be read as that one's (issue 21)
        return (
            f'<div class="spiegel-field spiegel-consent{" spiegel-invalid" if errors else ""}">'
            f'{w.messages(f.name, None, errors)}<div class="spiegel-option">'
            f'<input type="checkbox" value="ja"{common}{w.attrs(checked=value == "ja")}>'
            f'<label for="{w.field_id(f.name)}">{escape(f.label)}</label></div>'
            f"{w.messages(f.name, f.hint, [])}</div>"
        )


class ScaleType(FieldType):
    """One statement of the questionnaire: 1 to 5, or "nvt" (does not apply / do not know).
    A ``type: statements`` in YAML becomes one of these per statement of the content."""

    name = "scale"
    yaml_type = "statements"
    free_text = False
    exact = True
    default_max = None
    privacy_text = "uw antwoorden op de stellingen"
    ANSWERS = ("1", "2", "3", "4", "5")

    def as_text(self, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # JSON Schema's "integer" includes 5.0
        return super().as_text(value)

    def check(self, f: Field, text: str, today: dt.date) -> Checked:
        if text in ("", NOT_APPLICABLE):
            if text == "" and f.required:
                return None, MSG["choose"]
            return NOT_APPLICABLE, None
        return (text, None) if text in self.ANSWERS else (None, MSG["choice"])

    def column(self, f: Field) -> dict[str, Any] | None:
        return {
            "name": f.name,
            "title": f.label,
            "type": "integer",
            "constraints": {"minimum": 1, "maximum": 5},
        }

    def body_property(
        self, f: Field, today: dt.date, *, form_encoded: bool, optional: bool
    ) -> dict[str, Any]:
        answers = [*self.ANSWERS, NOT_APPLICABLE] + ([] if f.required else [""])
        p = {**self._titled(f), "type": "string", "enum": answers}
        if form_encoded:
            return p
        return {"title": f.label, "oneOf": [{"type": "integer", "minimum": 1, "maximum": 5}, p]}

    def first_input_id(self, f: Field, today: dt.date) -> str:
        return w.field_id(f.name, "1")

    def render(
        self, f: Field, value: str, errors: list[str], today: dt.date, scale: tuple[str, ...]
    ) -> str:
        opts = [(str(i), f"{i} {label}") for i, label in enumerate(scale[:5], start=1)]
        opts.append((NOT_APPLICABLE, scale[5]))
        return w.radio_group(
            f.name,
            escape(f.label),
            opts,
            value=value,
            required=f.required,
            hint=f.hint,
            errors=errors,
            cls="spiegel-field spiegel-scale",
        )


REGISTRY: dict[str, FieldType] = {
    t.name: t()
    for t in (
        TextType,
        TextareaType,
        EmailType,
        PhoneType,
        ChoiceType,
        ConsentType,
        ScaleType,
        CodeType,
    )
}
# forms/*.yaml says "statements" where the form has one scale field per statement
BY_YAML_TYPE: dict[str, FieldType] = {t.yaml_type: t for t in REGISTRY.values()}
