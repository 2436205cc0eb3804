"""Declarative validation of YAML data with Dutch file:line messages, and JSON Schema from it.

A schema is a tree of small validator objects (``Obj``, ``List``, ``Str``, ``Int``...). Validation
walks the data, converts values, and collects every problem as an ``Issue`` naming the file, the
line, the item in words ("de vijfde bijeenkomst, capacity"), what is wrong and how to fix it,
with an example. Nothing raises half-way: the caller decides to fail once, with the whole list.
The same tree writes the JSON Schemas that editors use (each value's ``json_schema``, shaped
into Dutch messages by ``content/editorschema.py``), so the rules and the editor help come from
one declaration.

Only PyYAML is imported here: the endpoint uses this module too and must start fast.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spiegel.content.issues import ContentError, Issue, ordinal
from spiegel.content.yamlio import Lines, load_yaml, parse_yaml, short

__all__ = ["ContentError", "Issue", "Lines", "load_yaml", "parse_yaml"]

JSON = dict[str, Any]


def show(value: Any) -> str:
    """How a found value is quoted in a message: text in quotes, others as YAML shows them."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return '"' + text.replace("\n", " ") + '"'
    if value is None:
        return "niets"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "een onderdeel met eigen regels"
    if isinstance(value, list):
        return f"een lijst van {len(value)}"
    return str(value)


@dataclass
class Context:
    file: str
    lines: Lines = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    schema: Validator | None = None  # to name list items in words ("de derde bijeenkomst")

    def line(self, path: tuple[Any, ...]) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)  # an empty file: its first line

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.issues.append(Issue(self.file, self.line(path), describe(self.schema, path), message))

    def expected(self, path: tuple[Any, ...], v: Validator, got: Any) -> None:
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        hint = v.hint(key)
        if got is None and not hint and key:  # "title:" with nothing after it
            hint = f"Schrijf de waarde achter {key}: op dezelfde regel."
        self.error(path, f"hier hoort {v.what}, maar er staat {show(got)}. {hint}".strip())


def describe(schema: Validator | None, path: tuple[Any, ...]) -> str:
    """("sessions", 4, "capacity") -> "de vijfde bijeenkomst, capacity"."""
    words: list[str] = []
    keys: list[str] = []
    node = schema
    for part in path:
        if isinstance(part, int):
            noun = node.noun if isinstance(node, List) else "het onderdeel"
            article, _, name = noun.partition(" ")
            if keys and isinstance(node, List) and node.noun != List.noun:
                keys.pop()  # "de derde bijeenkomst" says more than "sessions"
            words += [*([" > ".join(keys)] if keys else []), f"{article} {ordinal(part)} {name}"]
            keys = []
            node = node.item if isinstance(node, List) else None
        else:
            keys.append(str(part))
            spec = node.fields.get(str(part)) if isinstance(node, Obj) else None
            node = spec.validator if isinstance(spec, Opt) else spec
    if keys:
        words.append(" > ".join(keys))
    return ", ".join(words)


INVALID: Any = object()


class Validator:
    what = "een waarde"
    example = ""

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        raise NotImplementedError

    def hint(self, key: str) -> str:
        return f"Voorbeeld: {key}: {self.example}" if key and self.example else ""

    def json_schema(self) -> JSON:
        raise NotImplementedError


class Str(Validator):
    def __init__(
        self,
        min_len: int = 1,
        max_len: int = 2000,
        pattern: str | None = None,
        what: str | None = None,
        strip: bool = True,
        example: str = "",
    ) -> None:
        self.min_len, self.max_len, self.strip = min_len, max_len, strip
        self.pattern = re.compile(pattern) if pattern else None
        self.example = example
        self.what = what or (
            f"een tekst van {min_len} tot {max_len} tekens"
            if min_len > 1
            else f"een tekst van hoogstens {max_len} tekens"
        )

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and not self.pattern:
            value = str(value)  # "title: 2027" is text too
        if not isinstance(value, str):
            ctx.expected(path, self, value)
            return INVALID
        text = value.strip() if self.strip else value
        if self.pattern and text[:1] in _CURLY and text[-1:] in _CURLY and len(text) > 1:
            key = _key(path)
            ctx.error(
                path,
                f"hier staan gekrulde aanhalingstekens ({text[0]} {text[-1]}), zoals Word en"
                " e-mail ze maken. YAML kent alleen rechte: typ ze opnieuw, zo: "
                f'{key}: "{text[1:-1]}"',
            )
            return INVALID
        if len(text) > self.max_len:
            ctx.error(
                path,
                f"deze tekst is {len(text)} tekens lang; hier mogen hoogstens {self.max_len} "
                "tekens staan. Maak hem korter.",
            )
            return INVALID
        if len(text) < self.min_len or (self.pattern and not self.pattern.fullmatch(text)):
            ctx.expected(path, self, value)
            return INVALID
        return text

    def hint(self, key: str) -> str:
        return super().hint(key) if self.pattern else ""

    def json_schema(self) -> JSON:
        # without a pattern a number is text too ("title: 2027")
        kind: Any = "string" if self.pattern else ["string", "number"]
        out: JSON = {"type": kind, "minLength": self.min_len, "maxLength": self.max_len}
        if self.pattern:
            out["pattern"] = f"^(?:{self.pattern.pattern})$"
        if self.example:
            out["examples"] = [self.example.strip('"')]
        return out


_CURLY = "\u201c\u201d\u201e\u2018\u2019\u201a\u00ab\u00bb"  # “ ” „ ‘ ’ ‚ « »


def Slug(what: str = "een id van kleine letters, cijfers en streepjes") -> Str:  # noqa: N802
    return Str(1, 60, r"[a-z0-9]+(-[a-z0-9]+)*", what, example="2027-01-cardiologie")


def Color() -> Str:  # noqa: N802
    return Str(
        7,
        7,
        r"#[0-9a-fA-F]{6}",
        'een kleur als "#1d4f91", tussen aanhalingstekens (zonder die leest YAML # als begin '
        "van een opmerking)",
        example='"#1d4f91"',
    )


def Email() -> Str:  # noqa: N802
    return Str(
        3,
        254,
        r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}",
        "een e-mailadres",
        example="naam@voorbeeld.nl",
    )


_RANGE = re.compile(
    r"\s*(\d{1,2}[:.]\d{2})\s*(?:-|\u2013|\u2014|tot)\s*(\d{1,2}[:.]\d{2})\s*(?:uur)?\s*"
)
_DOTTED = re.compile(r"\s*(\d{1,2})\.(\d{2})\s*(?:uur)?\s*")


class TimeOfDay(Str):
    """A time "14:30". A range pasted from Word ("14:00–15:30") or a Dutch "14.30 uur" is
    explained (where the end time goes, which sign to use) instead of "too long"."""

    def __init__(self) -> None:
        super().__init__(
            4,
            5,
            r"([01]?\d|2[0-3]):[0-5]\d",
            "een tijd van 00:00 tot 23:59, tussen aanhalingstekens",
            example='"14:30"',
        )

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if isinstance(value, str):
            key = path[-1] if path else "start"
            if m := _RANGE.fullmatch(value):
                begin, end = (t.replace(".", ":") for t in m.groups())
                ctx.error(
                    path,
                    f'hier staat een tijdvak ("{value.strip()}"); bij {key} hoort één tijd. Zet de'
                    f' begintijd bij start en de eindtijd bij end, zo: start: "{begin}" en op de'
                    f' regel eronder end: "{end}"',
                )
                return INVALID
            if m := _DOTTED.fullmatch(value):
                ctx.error(
                    path,
                    f'schrijf de tijd met een dubbele punt en zonder "uur", zo: {key}:'
                    f' "{m.group(1)}:{m.group(2)}"',
                )
                return INVALID
        return super().__call__(value, path, ctx)


def Time() -> Str:  # noqa: N802
    return TimeOfDay()


class Int(Validator):
    def __init__(self, lo: int, hi: int, example: int | None = None) -> None:
        self.lo, self.hi = lo, hi
        self.example = str(example if example is not None else lo)
        self.what = f"een heel getal van {lo} tot en met {hi}, in cijfers"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            if not _words_after(value, r"\d+", path, ctx):
                ctx.expected(path, self, value)
            return INVALID
        return value

    def json_schema(self) -> JSON:
        return {"type": "integer", "minimum": self.lo, "maximum": self.hi}


class Bool(Validator):
    what = "true (ja) of false (nee)"
    example = "true"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, bool):
            if not _words_after(value, "true|false", path, ctx):
                ctx.expected(path, self, value)
            return INVALID
        return value

    def json_schema(self) -> JSON:
        return {"type": "boolean"}


def _words_after(value: Any, shape: str, path: tuple[Any, ...], ctx: Context) -> bool:
    """ "730  hoe lang wij bewaren": a value with an explanation after it that lost its ``#``
    (staff who removed only the word VOORBEELD from "# VOORBEELD  uitleg"). Told as such."""
    m = re.fullmatch(rf"\s*({shape})\s+(\S.*)", value) if isinstance(value, str) else None
    if m is None:
        return False
    key, rest = _key(path), short(m.group(2).strip())
    ctx.error(
        path,
        f'achter {m.group(1)} staat nog tekst ("{rest}"). Is dat uitleg? Zet er dan een # voor,'
        f" zo: {key}: {m.group(1)}  # {rest}",
    )
    return True


_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Date(Validator):
    what = "een datum als jaar-maand-dag"
    example = "2027-03-14"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        text = value.strip() if isinstance(value, str) else ""
        if _DATE_SHAPE.fullmatch(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                ctx.error(
                    path,
                    f"de datum {text} bestaat niet (kijk naar de maand en de dag; februari heeft "
                    f"28 of 29 dagen). {self.hint(_key(path))}",
                )
                return INVALID
        ctx.expected(path, self, value)
        return INVALID

    def json_schema(self) -> JSON:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _key(path: tuple[Any, ...]) -> str:
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "")


class Enum(Validator):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.example = choices[0]
        self.what = "één van: " + ", ".join(choices)

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, str) or value not in self.choices:
            ctx.expected(path, self, value)
            return INVALID
        return value

    def hint(self, key: str) -> str:
        return "Schrijf het precies zo, met kleine letters. " + super().hint(key)

    def json_schema(self) -> JSON:
        return {"enum": list(self.choices)}


class List(Validator):
    noun = "het onderdeel"

    def __init__(
        self, item: Validator, min_len: int = 0, max_len: int = 1000, noun: str | None = None
    ) -> None:
        self.item, self.min_len, self.max_len = item, min_len, max_len
        if noun:
            self.noun = noun
        self.what = f"een lijst van {min_len} tot {max_len} onderdelen, elk op een regel met '- '"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if value is None and self.min_len == 0:
            return []  # "sessions:" with every item removed: an empty list, as the editor says
        if not isinstance(value, list):
            ctx.expected(path, self, value)
            return INVALID
        if not self.min_len <= len(value) <= self.max_len:
            wanted = (
                f"precies {self.min_len}"
                if self.min_len == self.max_len
                else f"{self.min_len} tot en met {self.max_len}"
            )
            ctx.error(path, f"deze lijst heeft {len(value)} onderdelen; hier horen er {wanted}.")
            return INVALID
        return [self.item(v, (*path, i), ctx) for i, v in enumerate(value)]

    def hint(self, key: str) -> str:
        return f"Voorbeeld:  {key}:  - eerste  - tweede (elk op een eigen regel)."


@dataclass(frozen=True)
class Opt:
    """An optional key of an ``Obj``, with the value used when it is absent."""

    validator: Validator
    default: Any = None


class Obj(Validator):
    """A mapping with known keys. Unknown keys are errors: a typo must not drop text silently.

    ``docs`` holds the Dutch help per key that editors show on hover (JSON Schema descriptions).
    """

    what = "een onderdeel met eigen regels eronder (ingesprongen)"

    def __init__(
        self,
        fields: Mapping[str, Validator | Opt],
        check: Callable[[dict[str, Any], tuple[Any, ...], Context], None] | None = None,
        docs: Mapping[str, str] | None = None,
        title: str = "",
    ) -> None:
        self.fields = dict(fields)
        self.check = check
        self.docs = dict(docs or {})
        self.title = title

    def hint(self, key: str) -> str:
        first = next(iter(self.fields))
        return f"Bijvoorbeeld: {key}: en op de regel eronder, twee spaties verder: {first}: ..."

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, dict):
            ctx.expected(path, self, value)
            return INVALID
        out: dict[str, Any] = {}
        for key in value:
            if key not in self.fields:
                hint = difflib.get_close_matches(str(key), self.fields, n=1)
                known = (
                    f"Bedoelt u '{hint[0]}'? Controleer de spelling."
                    if hint
                    else "Hier kan staan: " + ", ".join(self.fields) + "."
                )
                ctx.error((*path, key), f"'{key}' is hier onbekend. {known}")
        for key, spec in self.fields.items():
            if key in value and not (isinstance(spec, Opt) and value[key] is None):
                validator = spec.validator if isinstance(spec, Opt) else spec
                out[key] = validator(value[key], (*path, key), ctx)
            elif isinstance(spec, Opt):
                out[key] = spec.default
            else:
                example = spec.example or ("uw tekst" if isinstance(spec, Str) else "...")
                ctx.error(
                    path,
                    f"'{key}' ontbreekt; hier hoort {spec.what}. Voeg een regel toe, "
                    f"bijvoorbeeld: {key}: {example}",
                )
                out[key] = INVALID
        # cross-field rules only over values that are all valid, however deep (a missing
        # group_size.min once reached "min > max" and crashed the check with a TypeError)
        if self.check and not _holds_invalid(out):
            self.check(out, path, ctx)
        return out


def validate(schema: Validator, data: Any, name: str, lines: Lines) -> tuple[Any, list[Issue]]:
    ctx = Context(name, lines, schema=schema)
    result = schema(data, (), ctx)
    return result, ctx.issues


def _holds_invalid(value: Any) -> bool:
    if value is INVALID:
        return True
    if isinstance(value, dict):
        return any(_holds_invalid(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_invalid(v) for v in value)
    return False


def unique(items: list[dict[str, Any]], key: str, path: tuple[Any, ...], ctx: Context) -> None:
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get(key) is INVALID:
            continue
        if item.get(key) in seen:
            first = seen[item[key]]
            ctx.error(
                (*path, i, key),
                f"{show(item[key])} is al gebruikt (regel {ctx.line((*path, first, key))}, "
                f"{describe(ctx.schema, (*path, first))}). Elke {key} moet anders zijn; "
                "geef deze een eigen naam.",
            )
        else:
            seen[item[key]] = i
