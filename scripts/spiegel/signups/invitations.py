"""Invitations for the groepsevaluatie, sent by Spiegel itself: nobody holds the code list
(issue 19, attack 3).

The coordinator gives e-mail addresses per respondent group (``spiegel invite --addresses`` or
the back office). Each address gets its own code in its own e-mail through the outbox; the
address and the code are sealed in that outbox row until the relay took the message, and wiped
in the same commit that marks it sent (``db/outbox.py``). What stays is a count: N codes for
the group, M delivered, F not delivered. A message the relay refused can be sent again, to a
corrected address, without anyone seeing its code. For people without e-mail the codes come on
a sheet of slips, shuffled, shown once (a file or a back-office page) and stored nowhere.

The reminder carries no code. It goes to every address of the group, answered or not, with the
same text ("gebruik de code uit onze eerste e-mail"), so neither its recipients, the relay nor
the database learn whose code is still unused. For it the addresses (never the codes) are kept
sealed, each in a row of its own, until the reminder went out; their keyed hashes (one person,
one code) until the evaluation closes. Closing wipes whatever is left (``close_finished``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spiegel.db.base import (
    FAILED,
    INVITATION_REMINDER,
    PENDING,
    SENT,
    DuplicateError,
    Store,
)
from spiegel.db.evaluations import EvaluationDB
from spiegel.forms.patterns import email_re, normalise_email
from spiegel.security.cipher import FieldCipher, is_sealed
from spiegel.security.invites import code_key, new_code, normalise
from spiegel.security.keys import Keys

MAX_ADDRESSES = 5000  # in one batch
MAX_SLIPS = 500
FORM = "groepsevaluatie"


@dataclass(frozen=True)
class Target:
    """One respondent group of one evaluation, with what its messages say."""

    evaluation: str
    evaluation_name: str
    group: str
    group_name: str
    deadline: dt.date | None = None  # given with this batch (else the one stored for the group)
    k: int = 5  # disclosure.k as configured (frozen at the first code)
    minutes: int = 15  # how long filling in takes


def target(
    ge: Mapping[str, Any], evaluation: str, group: str, deadline: dt.date | None, today: dt.date
) -> tuple[Target | None, list[str]]:
    """The group to invite, from content/groepsevaluatie.yaml; Dutch problems otherwise."""
    errors: list[str] = []
    evs = {e["id"]: e for e in ge["evaluations"]}
    groups = {g["id"]: g["name"] for g in ge["respondent_groups"]}
    ev = evs.get(evaluation)
    if ev is None:
        errors.append(f"{evaluation}: onbekende evaluatie; kies uit: {', '.join(evs)}")
    elif not ev["open"]:
        errors.append(
            f"{evaluation}: deze evaluatie is gesloten (open: false); uitnodigen kan niet meer"
        )
    if group not in groups:
        errors.append(f"{group or '(leeg)'}: onbekende groep; kies uit: {', '.join(groups)}")
    if deadline is not None and deadline < today:
        errors.append(f"sluitingsdatum {deadline.isoformat()}: die ligt in het verleden")
    if errors or ev is None:
        return None, errors
    k = int(ge.get("disclosure", {}).get("k", 5))
    minutes = int(ge.get("minutes") or 15)
    return Target(evaluation, str(ev["name"]), group, groups[group], deadline, k, minutes), []


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """One address per line; empty lines and lines starting with # are skipped. Returns the
    addresses and every problem at once (line numbers from 1); any problem means: none."""
    found: list[str] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        if len(value) > 254 or not email_re().fullmatch(value):
            errors.append(f"regel {number}: {value[:80]!r} is geen e-mailadres")
            continue
        person = normalise_email(value)
        if person in seen:
            errors.append(
                f"regel {number}: {value} staat er al (regel {seen[person]}); één code per persoon"
            )
            continue
        seen[person] = number
        found.append(value)
    if not found and not errors:
        errors.append("er staat geen e-mailadres in (één adres per regel)")
    if len(found) > MAX_ADDRESSES:
        errors.append(f"{len(found)} adressen: hoogstens {MAX_ADDRESSES} per keer")
    return ([] if errors else found), errors


def seal(cipher: FieldCipher | None, values: dict[str, str]) -> str:
    return json.dumps(cipher.seal(values) if cipher else values, ensure_ascii=False)


def unseal(cipher: FieldCipher | None, text: str) -> dict[str, str]:
    data = json.loads(text) if text else {}
    if is_sealed(data):
        if cipher is None:
            raise ValueError("sealed, and SPIEGEL_ENCRYPTION_KEY is not set")
        return cipher.open(data)
    return {str(k): str(v) for k, v in data.items()}


def _letter(t: Target, deadline: dt.date, to: str, code: str | None = None) -> dict[str, str]:
    values = {
        "aan": to,
        "evaluatie": t.evaluation,
        "evaluatie_naam": t.evaluation_name,
        "groep": t.group,
        "groep_naam": t.group_name,
        "tot": deadline.isoformat(),
        "k": str(t.k),
        "minuten": str(t.minutes),
    }
    return values | ({"code": code} if code else {})


def _deadline(db: EvaluationDB, t: Target) -> dt.date | None:
    stored = db.groups().get((t.evaluation, t.group))
    return t.deadline or (stored.deadline if stored else None)


def _freeze(store: Store, t: Target) -> list[str]:
    k = t.k
    frozen = store.freeze_k(t.evaluation, k)  # from the first code on (issue 19, attack 7)
    if frozen != k:
        return [
            f"{t.evaluation}: k ligt vast op {frozen} sinds de eerste code; de inhoud zegt nu"
            f" k={k}. Zet disclosure.k terug op {frozen}."
        ]
    return []


def _fresh_codes(n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(new_code())
    return list(codes)


def invite(
    store: Store,
    keys: Keys,
    cipher: FieldCipher | None,
    t: Target,
    addresses: list[str],
) -> list[str]:
    """Queue one invitation per address (a code each); the problems, or [] when queued."""
    db = EvaluationDB(store)
    deadline = _deadline(db, t)
    if deadline is None:
        return ["geef een sluitingsdatum: tot wanneer kan de groep de vragenlijst invullen?"]
    known = db.known_addresses(t.evaluation)
    person = {a: keys.invitee(t.evaluation, normalise_email(a)) for a in addresses}
    twice = [a for a in addresses if person[a] in known]
    if twice:
        return [
            f"{a}: heeft voor {t.evaluation} al een code gekregen; één code per persoon"
            for a in twice
        ]
    if problems := _freeze(store, t):
        return problems
    codes = _fresh_codes(len(addresses))
    messages = [
        seal(cipher, _letter(t, deadline, a, c)) for a, c in zip(addresses, codes, strict=True)
    ]
    kept = [(person[a], seal(cipher, {"aan": a})) for a in addresses]
    hashes = [code_key(keys, normalise(c) or "") for c in codes]
    try:
        db.issue_by_mail(t.evaluation, t.group, t.deadline, hashes, messages, kept)
    except DuplicateError:  # invited at the same moment from elsewhere
        return ["een van deze adressen is net al uitgenodigd; probeer het opnieuw"]
    return []


def paper_codes(
    store: Store, keys: Keys, t: Target, count: int
) -> tuple[list[str], dt.date | None, list[str]]:
    """``count`` codes for slips, in random order; they exist only in what the caller shows or
    writes once. Returns (codes, the group's deadline, problems)."""
    if not 1 <= count <= MAX_SLIPS:
        return [], None, [f"aantal: een heel getal van 1 tot {MAX_SLIPS}"]
    db = EvaluationDB(store)
    deadline = _deadline(db, t)
    if deadline is None:
        return (
            [],
            None,
            ["geef een sluitingsdatum: tot wanneer kan de groep de vragenlijst invullen?"],
        )
    if problems := _freeze(store, t):
        return [], None, problems
    codes = _fresh_codes(count)
    hashes = [code_key(keys, normalise(c) or "") for c in codes]
    db.issue_on_paper(t.evaluation, t.group, t.deadline, hashes)
    return codes, deadline, []


@dataclass
class GroupStatus:
    """What anyone can know of a group's invitations: counts, never who or which code."""

    codes: int = 0
    mailed: int = 0
    delivered: int = 0
    waiting: int = 0
    failed: int = 0
    paper: int = 0
    deadline: dt.date | None = None
    reminded_on: dt.date | None = None
    reminders: dict[str, int] = field(default_factory=dict)
    closed_on: dt.date | None = None


def overview(store: Store) -> dict[str, dict[str, GroupStatus]]:
    db = EvaluationDB(store)
    out: dict[str, dict[str, GroupStatus]] = {}
    for ev, groups in store.invited_counts().items():
        for g, n in groups.items():
            out.setdefault(ev, {}).setdefault(g, GroupStatus()).codes = n
    for (ev, g), row in db.groups().items():
        s = out.setdefault(ev, {}).setdefault(g, GroupStatus())
        s.paper, s.deadline, s.reminded_on, s.closed_on = (
            row.paper,
            row.deadline,
            row.reminded_on,
            row.closed_on,
        )
    for (ev, g, kind), by_status in db.mail_counts().items():
        s = out.setdefault(ev, {}).setdefault(g, GroupStatus())
        if kind == INVITATION_REMINDER:
            s.reminders = dict(by_status)
            continue
        s.mailed = sum(by_status.values())
        s.delivered = by_status.get(SENT, 0)
        s.waiting = by_status.get(PENDING, 0)
        s.failed = by_status.get(FAILED, 0)
    return out


@dataclass(frozen=True)
class Undelivered:
    id: str  # the outbox message
    address: str  # the coordinator gave it; its code is never shown
    reason: str


def undelivered(
    store: Store, cipher: FieldCipher | None, evaluation: str, group: str
) -> list[Undelivered]:
    out = []
    for mid, data, reason in EvaluationDB(store).undelivered(evaluation, group):
        try:
            to = unseal(cipher, data).get("aan", "")
        except ValueError:
            to = "(niet te lezen: controleer SPIEGEL_ENCRYPTION_KEY)"
        out.append(Undelivered(mid, to, reason))
    return out


def resend(
    store: Store,
    keys: Keys,
    cipher: FieldCipher | None,
    evaluation: str,
    group: str,
    mid: str,
    corrected: str = "",
) -> str | None:
    """Send an undelivered invitation again, to ``corrected`` when given; a problem or None.
    Only this message is opened, and only for a corrected address (the same address: the row
    goes back in the queue as it is)."""
    db = EvaluationDB(store)
    row = next((r for r in db.undelivered(evaluation, group) if r[0] == mid), None)
    if row is None:
        return "dit bericht staat niet (meer) bij de niet bezorgde uitnodigingen"
    if not corrected.strip():
        return None if db.resend(mid, None, None) else "niet gelukt; laad de pagina opnieuw"
    try:
        values = unseal(cipher, row[1])
    except ValueError:
        return "dit bericht is niet te lezen; controleer SPIEGEL_ENCRYPTION_KEY"
    old = values.get("aan", "")
    if corrected.strip() == old:
        return None if db.resend(mid, None, None) else "niet gelukt; laad de pagina opnieuw"
    new, errors = parse_addresses(corrected)
    if errors or len(new) != 1:
        return f"{corrected.strip()[:80]!r} is geen e-mailadres"
    person = keys.invitee(evaluation, normalise_email(new[0]))
    wrong = keys.invitee(evaluation, normalise_email(old))  # its row goes: no reminder there
    if person != wrong and person in db.known_addresses(evaluation):
        return f"{new[0]}: heeft voor {evaluation} al een code gekregen"
    ok = db.resend(
        mid, seal(cipher, values | {"aan": new[0]}), (person, seal(cipher, {"aan": new[0]})), wrong
    )
    return None if ok else "niet gelukt; laad de pagina opnieuw"


def resend_all(store: Store, evaluation: str, group: str) -> int:
    """Every undelivered invitation of the group once more, each to the same address: no
    message is opened for that. Returns how many."""
    db = EvaluationDB(store)
    return sum(db.resend(mid, None, None) for mid, _, _ in db.undelivered(evaluation, group))


def remind(
    store: Store, cipher: FieldCipher | None, t: Target, today: dt.date
) -> tuple[int, str | None]:
    """The reminder to every address of the group (the same text for all, no code); once.

    It says "wij stuurden u een uitnodiging met een code", so it goes only to those whose
    invitation the relay took. While invitations are still being sent it waits (they will
    arrive; once reminded, a group is never reminded again). Invitations the relay refused for
    good are left out: those people never got a code, and the reminder cannot give one.
    Everyone it does go to gets the same text, answered or not."""
    db = EvaluationDB(store)
    row = db.groups().get((t.evaluation, t.group))
    if row is None:
        return 0, "deze groep heeft nog geen uitnodigingen"
    if row.reminded_on is not None:
        return 0, f"deze groep kreeg al een herinnering op {row.reminded_on:%d-%m-%Y}"
    if waiting := db.waiting(t.evaluation, t.group):
        return 0, (
            f"{waiting} uitnodiging(en) van deze groep zijn nog niet verstuurd. De herinnering"
            " zegt dat iedereen een code kreeg. Wacht tot ze verstuurd zijn en probeer het dan"
            " opnieuw"
        )
    refused = {
        normalise_email(unseal(cipher, data).get("aan", ""))
        for _, data, _ in db.undelivered(t.evaluation, t.group)
    }
    everyone = [unseal(cipher, s)["aan"] for s in db.reminder_addresses(t.evaluation, t.group)]
    reached = [a for a in everyone if normalise_email(a) not in refused]
    if not reached:
        if everyone:
            return 0, (
                "geen uitnodiging van deze groep is bezorgd. Stuur ze eerst opnieuw, bij"
                " 'niet bezorgd' (een verbeterd adres kan daar ook)"
            )
        return 0, "voor deze groep is geen e-mailadres bewaard (alleen codes op papier?)"
    messages = [seal(cipher, _letter(t, row.deadline, a)) for a in reached]
    queued = db.queue_reminder(t.evaluation, t.group, messages, today)
    return queued, None if queued else "deze groep kreeg al een herinnering"


def open_evaluations(forms: Mapping[str, Any]) -> set[str] | None:
    """The evaluations that take answers (the questionnaire's choices); None without it."""
    form = forms.get(FORM)
    field = form.by_name.get("evaluatie") if form is not None else None
    return {c.value for c in field.choices} if field is not None else None


def close_finished(store: Store, open_now: Iterable[str], today: dt.date) -> list[str]:
    """Wipe what is kept for evaluations that no longer take answers."""
    db = EvaluationDB(store)
    closed = sorted(db.still_kept() - set(open_now))
    for ev in closed:
        db.close(ev, today)
    return closed


def slips_html(
    codes: list[str], t: Target, deadline: dt.date, link: str, standalone: bool = True
) -> str:
    """The sheet of slips (``standalone``: a page of its own, for the file; else the part the
    back office puts in its print page). The codes are shuffled; nothing keeps them."""
    from spiegel.content.texts import render_html

    shuffled = list(codes)
    random.SystemRandom().shuffle(shuffled)
    name = "slips.html.j2" if standalone else "_slips.html.j2"
    return render_html("spiegel.signups", name, codes=shuffled, t=t, deadline=deadline, link=link)
