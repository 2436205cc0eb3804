"""What `spiegel export` writes: a form's submissions as a table.

Two shapes of the same rows:

- for people (``csv``, ``xlsx``; the default): opens as it should in Dutch Excel (``;`` and a BOM),
  times in Europe/Amsterdam, Dutch status labels, the session by its name, a stable order
  (session, then status, then the order of sign-up) with the waiting-list position as a column;
- ``data``: the comma CSV that `spiegel schema` describes (ISO times in UTC, status codes), the input
  of `spiegel results` and of other programs.

Every cell a spreadsheet could run as a formula is neutralised (both shapes). openpyxl is imported
only when an xlsx is written; nothing here is on the endpoint's request path.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from spiegel.clock import ZONE
from spiegel.db.base import CANCELLED, CONFIRMED, RECEIVED, WAITLIST, StoredRow
from spiegel.forms.fields import ChoiceType, ConsentType
from spiegel.forms.model import NOT_APPLICABLE, Form, table_schema
from spiegel.security.cipher import FieldCipher, KeyMismatch, is_sealed
from spiegel.security.keys import Keys

FORMATS = ("csv", "xlsx", "data")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
STATUS = {
    CONFIRMED: "bevestigd",
    WAITLIST: "wachtlijst",
    CANCELLED: "afgemeld",
    RECEIVED: "ontvangen",
}
# a partner or carer: belongs to the session (mail, reminder), takes no seat of the patients
EXTRA = "bevestigd (telt niet mee voor de plaatsen)"
STATUS_ORDER = {CONFIRMED: 0, RECEIVED: 1, WAITLIST: 2, CANCELLED: 3}


def neutralise(cell: str) -> str:
    """Cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection).

    Spreadsheets also read fullwidth signs (U+FF1D "＝") and signs after leading spaces as a
    formula, so the first character is compared after NFKC folding and with spaces skipped.
    """
    if cell.startswith(FORMULA_START):
        return "'" + cell
    first = unicodedata.normalize("NFKC", cell.lstrip(" \u3000\u00a0")[:1])
    return "'" + cell if first and first in FORMULA_START else cell


class Unreadable(Exception):
    """A stored row that cannot be exported (no key, wrong key, damaged value); Dutch reason."""


def open_payload(row: StoredRow, cipher: FieldCipher | None) -> dict[str, str]:
    payload = row.payload
    if not is_sealed(payload):
        return dict(payload)
    if cipher is None:
        raise Unreadable("versleuteld, en SPIEGEL_ENCRYPTION_KEY is niet ingesteld")
    try:
        return cipher.open(payload)
    except KeyMismatch:
        raise Unreadable(
            "geen van de sleutels in SPIEGEL_ENCRYPTION_KEY opent deze rij (verkeerde of"
            " vervallen sleutel?)"
        ) from None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (row id, reason)


def stamp(moment: dt.datetime) -> str:
    """Day-month-year hours:minutes in Dutch time, as Dutch Excel reads a date."""
    return moment.astimezone(ZONE).strftime("%d-%m-%Y %H:%M")


def _value(payload: dict[str, str], name: str) -> str:
    value = payload.get(name, "")
    return "" if value == NOT_APPLICABLE else str(value)


def kept_in(form: Form) -> set[str]:
    """Columns that never leave the database in an export: an anonymous questionnaire's free
    text (its comments go to the group's own debrief only, through the back office; issue 19)."""
    return {f.name for f in form.fields if form.anonymous and f.type == "textarea"}


def data_table(form: Form, rows: Iterable[StoredRow], cipher: FieldCipher | None) -> Table:
    """The columns of `spiegel schema` (without ``kept_in``), in stored order."""
    kept = kept_in(form)
    table = Table([c["name"] for c in table_schema(form)["fields"] if c["name"] not in kept])
    for row in rows:
        try:
            payload = open_payload(row, cipher)
        except Unreadable as exc:
            table.unreadable.append((row.id, str(exc)))
            continue
        meta = {"id": row.id, "ingediend": row.created_at.isoformat(), "status": row.status}
        if form.anonymous:  # no id, no time finer than the day (issue 19)
            meta |= {"id": "", "ingediend": row.created_at.date().isoformat()}
        table.rows.append([neutralise(meta.get(c) or _value(payload, c)) for c in table.columns])
    return table


def people_table(
    form: Form, rows: Iterable[StoredRow], cipher: FieldCipher | None, keys: Keys
) -> Table:
    """Sorted by session (as the form lists them), status and order of sign-up; the
    waiting-list position counts per session in the order the waiting list moves up."""
    kept = kept_in(form) | {form.capacity_field}
    fields = [c["name"] for c in table_schema(form)["fields"][3:] if c["name"] not in kept]
    seats = form.capacity_field is not None
    table = Table(
        (["bijeenkomst", "status", "plek op de wachtlijst"] if seats else [])
        + ["aangemeld op"]
        + fields
        + ["id"]
    )
    choices = form.by_name[form.capacity_field].choices if form.capacity_field else ()
    by_key = {keys.seat(form.id, c.value): (i, c.label) for i, c in enumerate(choices)}
    found: list[tuple[tuple[int, int, int], list[str]]] = []
    waiting: dict[str | None, int] = {}
    for order, row in enumerate(rows):  # the stores give rows in sign-up order (seq)
        try:
            payload = open_payload(row, cipher)
        except Unreadable as exc:
            table.unreadable.append((row.id, str(exc)))
            continue
        place, label = by_key.get(row.capacity_key or "", (len(choices), ""))
        status = STATUS.get(row.status, row.status)
        if row.status == RECEIVED and row.capacity_key is not None and seats:
            status = EXTRA
        position = ""
        if row.status == WAITLIST:
            waiting[row.capacity_key] = waiting.get(row.capacity_key, 0) + 1
            position = str(waiting[row.capacity_key])
        cells = ([label, status, position] if seats else []) + [stamp(row.created_at)]
        cells += [_value(payload, name) for name in fields] + [row.id]
        found.append(((place, STATUS_ORDER.get(row.status, 9), order), cells))
    table.rows = [[neutralise(c) for c in cells] for _, cells in sorted(found, key=lambda f: f[0])]
    return table


def write_csv(table: Table, out: IO[str], people: bool) -> None:
    if people:
        out.write("\ufeff")  # Excel reads the file as UTF-8 only with a BOM
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    else:
        writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)


HEADINGS = {  # short Dutch column names for people; other fields use their label
    "naam": "Naam",
    "email": "E-mailadres",
    "telefoon": "Telefoonnummer",
    "rol": "Komt als",
    "toegankelijkheid": "Toegankelijkheid",
    "akkoord_vertrouwelijk": "Belooft geheimhouding",
    "doorschuiven": "Wil doorschuiven",
    "akkoord_gegevens": "Toestemming gegevens",
    "id": "Id",
}


def _xlsx_cell(form: Form, column: str, value: str) -> Any:
    """A spreadsheet value: times as dates, the waiting-list position as a number, a choice by
    its label, a consent as ja / nee; everything else the (neutralised) text."""
    f = form.by_name.get(column)
    if column == "aangemeld op" and value:
        return dt.datetime.strptime(value, "%d-%m-%Y %H:%M")
    if column == "plek op de wachtlijst" and value.isdigit():
        return int(value)
    if f is not None and isinstance(f.kind, ChoiceType):
        return next((c.label for c in f.choices if c.value == value), value)
    if f is not None and isinstance(f.kind, ConsentType):
        return "ja" if value == "ja" else "nee"
    return value


def write_xlsx(table: Table, path: Path | IO[Any], title: str, form: Form | None = None) -> None:
    """With ``form`` (the people's table): Dutch headings and values, real dates and numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet: Any = book.active
    sheet.title = title[:31]
    heads = list(table.columns)
    if form is not None:
        heads = [
            HEADINGS.get(c) or (form.by_name[c].label if c in form.by_name else c.capitalize())
            for c in table.columns
        ]
    sheet.append(heads)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        cells = zip(table.columns, row, strict=True)
        sheet.append([_xlsx_cell(form, c, v) for c, v in cells] if form is not None else row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (the values are neutralised as well)
            elif isinstance(cell.value, dt.datetime):
                cell.number_format = "dd-mm-yyyy hh:mm"
    sheet.freeze_panes = "A2"
    for i, name in enumerate(heads, start=1):
        width = max([len(name), *(len(r[i - 1]) for r in table.rows[:200])]) + 2
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(width, 50)
    book.save(path)
