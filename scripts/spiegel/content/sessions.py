"""Sessions: the dated meetings people sign up for, and the rules for changing them.

Spiegelbijeenkomsten are in ``sessions.yaml``; the dates of the verwonder- en verbetergesprekken
(VVG) in ``vvg.yaml`` under ``sessions:``, with the same fields, so staff edit both the same way.
A session can be called off (``status: geannuleerd`` with a ``reden``) or moved (date, time, place
edited): the endpoint tells everyone who signed up (``signups/changes.py``). It has an arrival
time (``welkom_vanaf``, by default the leaflet's ``before_minutes`` before the start) and may name
the roles people sign up in (``rollen``) and which of them take a seat (``plaats_voor``).

``published_issues`` compares an edit with what is already published (the default branch, read
through ``content/baseline.py``): a new session dated in the past is a typo (a year, a month),
and a published session that is still to come may not be deleted, only called off, because
people may have signed up for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import yaml

from spiegel.content.baseline import Baseline
from spiegel.content.calendar import datum
from spiegel.content.schema import (
    Context,
    Date,
    Enum,
    Int,
    Issue,
    List,
    Obj,
    Opt,
    Slug,
    Str,
    Time,
    Validator,
)

PLANNED, CANCELLED = "gepland", "geannuleerd"
# which programme's sessions are in which file, under which key
SESSION_FILES = (("spiegelbijeenkomst", "sessions.yaml"), ("vvg", "vvg.yaml"))
# what a participant is told about a session: a change to one of these is a change they hear of
FACTS = ("date", "welkom_vanaf", "start", "end", "location", "status", "reden")


def minutes(hhmm: str) -> int:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return hour * 60 + minute


def hhmm(total: int) -> str:
    total = max(total, 0)
    return f"{total // 60:02d}:{total % 60:02d}"


def _check_session(s: dict[str, Any], path: tuple[Any, ...], ctx: Context) -> None:
    if s["end"].zfill(5) <= s["start"].zfill(5):
        ctx.error(
            (*path, "end"),
            f'de eindtijd "{s["end"]}" ligt niet na de begintijd "{s["start"]}". '
            'Schrijf de tijd als uren:minuten op een 24-uursklok, bijvoorbeeld: end: "15:30"',
        )
    if s["signup_deadline"] is None:
        s["signup_deadline"] = s["date"] - dt.timedelta(days=7)
    elif s["signup_deadline"] > s["date"]:
        ctx.error(
            (*path, "signup_deadline"),
            f"de laatste aanmelddag {s['signup_deadline']} ligt na de bijeenkomst zelf "
            f"({s['date']}). Kies een dag ervoor, of haal de regel weg (dan is het 7 dagen "
            "ervoor).",
        )
    s["start"], s["end"] = s["start"].zfill(5), s["end"].zfill(5)
    if s["welkom_vanaf"] is not None:
        s["welkom_vanaf"] = s["welkom_vanaf"].zfill(5)
        if s["welkom_vanaf"] > s["start"]:
            ctx.error(
                (*path, "welkom_vanaf"),
                f'mensen zijn welkom vanaf "{s["welkom_vanaf"]}", maar de bijeenkomst begint al om'
                f' "{s["start"]}". Kies een tijd vóór de begintijd, bijvoorbeeld: welkom_vanaf:'
                f' "{hhmm(minutes(s["start"]) - 30)}"',
            )
    if s["status"] == CANCELLED and not s["reden"]:
        ctx.error(
            (*path, "status"),
            "een bijeenkomst die niet doorgaat, heeft een reden nodig. Die staat op de site en in"
            " het bericht aan wie zich aanmeldde. Voeg een regel toe, bijvoorbeeld: reden: De"
            " gespreksleider is ziek.",
        )
    if s["reden"] and s["status"] != CANCELLED:
        ctx.error(
            (*path, "reden"),
            "een reden hoort alleen bij een bijeenkomst die niet doorgaat. Zet erbij: status:"
            " geannuleerd, of haal de regel met reden weg.",
        )
    roles, seats = s["rollen"], s["plaats_voor"]
    if seats is not None and roles is not None:
        for role in seats:
            if role not in roles:
                ctx.error(
                    (*path, "plaats_voor"),
                    f"{role!r} staat bij plaats_voor, maar niet bij rollen. Zet de rol ook bij"
                    f" rollen, bijvoorbeeld: rollen: [{', '.join([*roles, role])}]",
                )


SESSION_FIELDS: dict[str, Validator | Opt] = {
    "id": Slug(),
    "date": Date(),
    "start": Time(),
    "end": Time(),
    "location": Str(1, 200),
    "department": Str(1, 120),
    "audience": Str(1, 200),
    "capacity": Opt(Int(1, 20, example=7), 7),
    "signup_deadline": Opt(Date()),
    "welkom_vanaf": Opt(Time()),
    "status": Opt(Enum(PLANNED, CANCELLED), PLANNED),
    "reden": Opt(Str(1, 300)),
    "rollen": Opt(List(Slug("een rol uit het formulier, zoals patient"), 1, 10, noun="de rol")),
    "plaats_voor": Opt(
        List(Slug("een rol uit het formulier, zoals patient"), 1, 10, noun="de rol")
    ),
}

SESSION_DOCS = {
    "id": "Een unieke naam voor deze bijeenkomst, bijvoorbeeld jaar-maand-afdeling. Verander"
    " hem niet meer als de bijeenkomst op de site staat.",
    "date": "De dag van de bijeenkomst. Na deze dag verdwijnt hij vanzelf van de site. Een"
    " nieuwe bijeenkomst kan niet in het verleden liggen.",
    "start": "Begintijd van het gesprek.",
    "end": "Eindtijd; na de begintijd.",
    "welkom_vanaf": "Vanaf hoe laat mensen welkom zijn (kennismaken, koffie). Staat op de"
    " site, in de e-mails en in de agenda. Mag weg; dan is het de begintijd min de minuten bij"
    " practical: before_minutes in spiegelbijeenkomst.yaml.",
    "location": "Waar de bijeenkomst is, zo dat een patiënt de weg vindt.",
    "department": "De afdeling die in de spiegel kijkt.",
    "audience": "Wie er worden uitgenodigd.",
    "capacity": "Aantal plaatsen.",
    "signup_deadline": "Laatste dag om zich aan te melden.",
    "status": "gepland, of geannuleerd als de bijeenkomst niet doorgaat. Wis een bijeenkomst"
    " die al op de site stond niet: zet status: geannuleerd en een reden. Dan krijgt iedereen"
    " die zich aanmeldde bericht.",
    "reden": "Waarom de bijeenkomst niet doorgaat, in één zin. Alleen bij status: geannuleerd.",
    "rollen": "Als wie mensen zich voor deze bijeenkomst kunnen aanmelden, met de waarden uit"
    " het formulier, bijvoorbeeld [ouder, partner]. Mag weg; dan gelden de gewone rollen.",
    "plaats_voor": "Welke van die rollen een plaats innemen (de anderen komen erbij),"
    " bijvoorbeeld [ouder]. Mag weg; dan zoals in het formulier (capacity_counts).",
}


def session_schema(
    extra: dict[str, Validator | Opt] | None = None, extra_docs: dict[str, str] | None = None
) -> Obj:
    """The schema of one session; ``extra``: fields another part adds (the room's access)."""
    return Obj(
        {**SESSION_FIELDS, **(extra or {})},
        check=_check_session,
        docs={**(extra_docs or {}), **SESSION_DOCS},
    )


def SessionList(session: Obj, noun: str = "de bijeenkomst") -> List:  # noqa: N802
    return List(session, 0, 500, noun=noun)


def arrival_defaults(sessions: Iterable[dict[str, Any]], before_minutes: int) -> None:
    """``welkom_vanaf`` when a session leaves it out: ``before_minutes`` before the start."""
    for s in sessions:
        if s.get("welkom_vanaf") is None:
            s["welkom_vanaf"] = hhmm(minutes(s["start"]) - before_minutes)


# ------------------------------------------------------------------ compared with what is published


def _published(text: str | None) -> list[dict[str, Any]] | None:
    """The session blocks of a published file (id and date are enough); None when unreadable."""
    if text is None:
        return None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    items = doc.get("sessions") if isinstance(doc, dict) else None
    return [s for s in items if isinstance(s, dict)] if isinstance(items, list) else []


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def baseline_text(baseline: Baseline, relpath: str) -> tuple[str | None, str]:
    """The published file and what it is: the default branch, else (a local git copy without
    one) the last commit; outside git nothing."""
    if baseline.ref is not None:
        return baseline.text(relpath), baseline.ref
    if baseline.in_git and not baseline.asked:
        return baseline.text_at("HEAD", relpath), "de laatste commit"
    return None, ""


def _suggest(day: dt.date, today: dt.date) -> dt.date:
    """The same day in a year that makes it come (for the example in the message)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:  # 29 February
            continue
        if candidate >= today:
            return candidate
    return today


def published_issues(
    docs: dict[str, tuple[list[dict[str, Any]], Validator]],
    lines: dict[str, dict[tuple[Any, ...], int]],
    baseline: Baseline,
    today: dt.date,
    label_root: str,
) -> list[Issue]:
    """``docs``: file name -> (its validated sessions, the file's schema, to name items in
    words); ``lines``: file name -> its line map.

    - a session dated before ``today`` must be on the published side with the same date;
    - a published session dated ``today`` or later may not disappear (call it off instead).

    Outside git there is nothing to compare with, and nothing is refused (the tests' copies, an
    archive without history): the pipelines and a local git copy always have a baseline. A
    ``SPIEGEL_BASE_REF`` that names nothing refuses, so a pipeline that forgot to fetch the
    default branch fails closed."""
    if baseline.asked and baseline.ref is None:
        return [
            Issue(
                f"{label_root}/sessions.yaml",
                0,
                "",
                f"SPIEGEL_BASE_REF={baseline.asked} bestaat niet in deze kopie, dus kan niet worden"
                " nagegaan welke bijeenkomsten al op de site staan. Haal de standaardbranch op"
                " (bijvoorbeeld: git fetch origin), of zet SPIEGEL_BASE_REF goed.",
            )
        ]
    issues: list[Issue] = []
    for filename, (sessions, schema) in docs.items():
        text, what = baseline_text(baseline, f"{label_root}/{filename}")
        if not what:
            continue
        before = _published(text) or []
        known = {str(s.get("id")): _as_date(s.get("date")) for s in before}
        ctx = Context(f"{label_root}/{filename}", lines.get(filename, {}), schema=schema)
        this = "dit gesprek" if filename == "vvg.yaml" else "deze bijeenkomst"
        for i, s in enumerate(sessions):
            if s["date"] >= today or known.get(s["id"], "nieuw") == s["date"]:
                continue  # to come, or published before and now simply past: it drops off
            example = (
                f"Kies een datum vanaf vandaag, bijvoorbeeld: date: {_suggest(s['date'], today)}"
            )
            if s["id"] in known:
                message = (
                    f"{this} is verplaatst naar {datum(s['date'])}, een dag in het"
                    f" verleden. Klopt het jaar? {example}"
                )
            else:
                message = (
                    f"deze datum ({datum(s['date'])}) ligt in het verleden, en {this} stond nog"
                    f" niet op de site ({what}). Klopt het jaar? {example}"
                )
            ctx.error(("sessions", i, "date"), message)
        now_ids = {s["id"] for s in sessions}
        for s in before:
            sid, day = str(s.get("id")), _as_date(s.get("date"))
            if sid in now_ids or day is None or day < today:
                continue
            ctx.error(
                ("sessions",),
                f"de bijeenkomst {sid} van {datum(day)} is weggehaald, maar stond al op de site:"
                " er kunnen mensen voor aangemeld zijn. Wis een bijeenkomst niet: zet hem terug,"
                " met status: geannuleerd en een regel reden: (waarom hij niet doorgaat). Dan"
                " krijgt iedereen die zich aanmeldde bericht, en de site toont tot de datum dat hij"
                " niet doorgaat. Na de datum mag hij weg.",
            )
        issues += ctx.issues
    return issues
