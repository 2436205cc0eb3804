"""One session's list for the back office: who is confirmed, who came along (partners and carers,
no seat), the waiting list in order with the consent to move up, who cancelled; and the same list
as an Excel workbook with real dates and numbers, Dutch headings and Dutch values.

openpyxl is imported only when a workbook is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo

from spiegel.db.base import CANCELLED, CONFIRMED, RECEIVED, WAITLIST, StoredRow
from spiegel.forms.fields import ChoiceType, ConsentType
from spiegel.forms.model import Form
from spiegel.security.cipher import FieldCipher
from spiegel.security.keys import Keys
from spiegel.signups.export import HEADINGS, Unreadable, neutralise, open_payload
from spiegel.signups.prepare import PROMOTE_FIELD

ZONE = ZoneInfo("Europe/Amsterdam")
GROUPS = (
    (CONFIRMED, "Bevestigd"),
    (RECEIVED, "Komen mee (partner of mantelzorger, telt niet mee voor de plaatsen)"),
    (WAITLIST, "Wachtlijst"),
    (CANCELLED, "Afgemeld"),
)
CALL_KINDS = {  # the call list: what to tell someone without an e-mail address, per message
    "confirmation": "aanmelding bevestigen (heeft een plek)",
    "waitlist": "staat op de wachtlijst",
    "promotion": "heeft alsnog een plek",
    "cancellation": "afmelding bevestigen",
    "reminder": "herinneren aan de bijeenkomst",
    "repeat": "was al aangemeld (niets veranderd)",
    "session_changed": "de bijeenkomst is veranderd: vertel de nieuwe dag, tijd en plaats",
    "session_cancelled": "de bijeenkomst gaat niet door: vertel de reden",
}
STATUS_NL = {
    CONFIRMED: "bevestigd",
    RECEIVED: "komt mee",
    WAITLIST: "wachtlijst",
    CANCELLED: "afgemeld",
}


@dataclass(frozen=True)
class Person:
    id: str
    status: str
    signed_up: dt.datetime
    values: dict[str, str]  # field name -> Dutch value (choice labels, ja / nee)
    position: int | None = None  # on the waiting list, 1 = next to move up

    @property
    def may_promote(self) -> bool:
        return self.values.get(PROMOTE_FIELD) == "ja"


def dutch_values(form: Form, payload: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in form.fields:
        raw = payload.get(f.name, "")
        if isinstance(f.kind, ChoiceType):
            out[f.name] = next((c.label for c in f.choices if c.value == raw), raw)
        elif isinstance(f.kind, ConsentType):
            out[f.name] = "ja" if raw == "ja" else "nee"
        else:
            out[f.name] = raw
    return out


def session_people(
    form: Form,
    session_id: str,
    rows: Iterable[StoredRow],
    cipher: FieldCipher | None,
    keys: Keys,
) -> tuple[list[Person], list[str]]:
    """Everyone signed up for one session, in sign-up order; and the ids no key opens."""
    key = keys.seat(form.id, session_id)
    people: list[Person] = []
    unreadable: list[str] = []
    waiting = 0
    for row in rows:  # the stores give rows in sign-up order
        if row.capacity_key != key:
            continue
        try:
            payload = open_payload(row, cipher)
        except Unreadable:
            unreadable.append(row.id)
            continue
        position = None
        if row.status == WAITLIST:
            waiting += 1
            position = waiting
        people.append(
            Person(row.id, row.status, row.created_at, dutch_values(form, payload), position)
        )
    return people, unreadable


def columns(form: Form) -> list[tuple[str, str]]:
    """(field name, heading) for the fields shown, without the session choice itself."""
    return [
        (f.name, HEADINGS.get(f.name, f.label))
        for f in form.fields
        if f.name != form.capacity_field
    ]


def write_workbook(
    form: Form,
    session: dict[str, Any],
    title: str,
    people: list[Person],
    attendance: dict[str, bool],
    out: IO[bytes],
) -> None:
    """One row per person; dates as dates, the waiting-list position as a number."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet: Any = book.active
    sheet.title = "Aanmeldingen"
    cols = columns(form)
    heads = ["Bijeenkomst", "Datum", "Status", "Plek op de wachtlijst", "Aangemeld op"]
    heads += [h for _, h in cols] + ["Aanwezig"]
    sheet.append(heads)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    day = dt.date.fromisoformat(str(session["date"]))
    for p in people:
        mark = attendance.get(p.id)
        came = "" if mark is None else ("aanwezig" if mark else "niet gekomen")
        local = p.signed_up.astimezone(ZONE).replace(tzinfo=None)
        sheet.append(
            [neutralise(title), day, STATUS_NL.get(p.status, p.status), p.position, local]
            + [neutralise(p.values.get(name, "")) for name, _ in cols]
            + [came]
        )
    for row in sheet.iter_rows(min_row=2):
        row[1].number_format = "dd-mm-yyyy"
        row[4].number_format = "dd-mm-yyyy hh:mm"
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (and neutralised as well)
    sheet.freeze_panes = "A2"
    for i, name in enumerate(heads, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(len(name) + 6, 50)
    book.save(out)
