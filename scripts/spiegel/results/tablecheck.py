"""A fast, streaming check of CSV rows against a frictionless Table Schema.

Covers the part of the Table Schema spec our schemas use: types string, integer, number, date,
datetime; constraints required, enum, minimum, maximum, maxLength, pattern; missingValues.
Row numbers follow frictionless: the header is row 1. Tests check that it agrees with
``frictionless.validate`` on the same files; it exists because frictionless needs ~27 s for a
million rows here, and the build and ``spiegel results`` must be quick.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"rij {self.row}: {self.field}: {self.message}"
            if self.field
            else f"rij {self.row}: {self.message}"
        )


TYPES = {  # the Table Schema types, as staff read them
    "integer": "een heel getal",
    "number": "een getal",
    "date": "een datum (jjjj-mm-dd)",
    "datetime": "een tijdstip",
    "string": "tekst",
}


def _show(value: str) -> str:
    return '"' + (value if len(value) <= 30 else value[:27] + "...") + '"'


def _converter(field: dict[str, Any]) -> Callable[[str], Any]:
    kind = field.get("type", "string")
    if kind == "integer":
        return lambda v: int(v) if re.fullmatch(r"[+-]?\d+", v) else None
    if kind == "number":

        def number(v: str) -> Any:
            try:
                return float(v)
            except ValueError:
                return None

        return number
    if kind == "date":

        def date(v: str) -> Any:
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                return None

        return date
    if kind == "datetime":

        def datetime(v: str) -> Any:
            try:
                return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                return None

        return datetime
    return lambda v: v


class FieldCheck:
    def __init__(self, field: dict[str, Any]) -> None:
        self.name = field["name"]
        self.type = field.get("type", "string")
        self.convert = _converter(field)
        c = field.get("constraints", {})
        self.required = bool(c.get("required"))
        self.enum = set(map(str, c["enum"])) if "enum" in c else None
        self.minimum, self.maximum = c.get("minimum"), c.get("maximum")
        self.max_length = c.get("maxLength")
        self.pattern = re.compile(c["pattern"]) if "pattern" in c else None

    def check(self, value: str, missing: frozenset[str]) -> tuple[Any, str | None]:
        if value in missing:
            return None, ("is leeg, maar moet ingevuld zijn" if self.required else None)
        converted = self.convert(value)
        if converted is None:
            return None, f"verwacht {TYPES.get(self.type, self.type)}, maar er staat {_show(value)}"
        if self.enum is not None and value not in self.enum:
            return (
                None,
                f"verwacht een van {', '.join(sorted(self.enum))}, maar er staat {_show(value)}",
            )
        if self.minimum is not None and converted < self.minimum:
            return None, f"verwacht minstens {self.minimum}, maar er staat {_show(value)}"
        if self.maximum is not None and converted > self.maximum:
            return None, f"verwacht hoogstens {self.maximum}, maar er staat {_show(value)}"
        if self.max_length is not None and len(value) > self.max_length:
            return (
                None,
                f"verwacht hoogstens {self.max_length} tekens, maar het zijn er {len(value)}",
            )
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return None, f"heeft niet de verwachte vorm, er staat {_show(value)}"
        return converted, None


def check_rows(
    rows: Iterable[list[str]], schema: dict[str, Any], first_row: int = 2
) -> Iterator[tuple[int, list[Any] | None, list[RowError]]]:
    """Yield (row number, converted values or None, errors) for each data row."""
    checks = [FieldCheck(f) for f in schema["fields"]]
    missing = frozenset(schema.get("missingValues", [""]))
    width = len(checks)
    for number, row in enumerate(rows, start=first_row):
        if len(row) != width:
            yield (
                number,
                None,
                [RowError(number, "", f"verwacht {width} cellen, maar het zijn er {len(row)}")],
            )
            continue
        values: list[Any] = []
        errors: list[RowError] = []
        for check, value in zip(checks, row, strict=True):
            converted, problem = check.check(value, missing)
            if problem:
                errors.append(RowError(number, check.name, problem))
            values.append(converted)
        yield number, (None if errors else values), errors
