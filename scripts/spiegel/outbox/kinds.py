"""Every kind of message Spiegel sends, one line each, with what it says in Dutch (B1).

The privacy statement lists the messages from this table (``site/templates/privacy.md.j2``), so
it names every message the code can send and no other: ``outbox/messages.py`` renders only kinds
that are here, and ``tests/test_texts.py`` checks that every ``enqueue`` in the code names a kind
of this table. A new kind is one line in ``KINDS``.

Standard library and ``db.base`` only: the site build imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from spiegel.db.base import (
    CANCELLATION,
    CONFIRMATION,
    DIGEST,
    INVITATION,
    INVITATION_REMINDER,
    LETTER,
    NOTICE,
    PROMOTION,
    REMINDER,
    REPEAT,
    SESSION_CANCELLED,
    SESSION_CHANGED,
    WAITLIST_MSG,
)

__all__ = ["KINDS", "Kind", "participant_kinds", "respondent_kinds", "staff_kinds"]


@dataclass(frozen=True)
class Kind:
    name: str  # the outbox row's kind
    description: str  # for the privacy statement: what the message says, and when it comes
    template: str | None = (
        None  # outbox/templates/<template>.txt.j2; None: its text is made elsewhere
    )
    ics: bool = False  # the appointment is attached as an .ics file
    to_participant: bool = True  # False: to staff, with counts only, never personal data
    respondent: bool = False  # to someone the coordinator invited to the groepsevaluatie


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            CONFIRMATION,
            "Een bevestiging als u een plek heeft: met de datum, de tijd, de plek en een link om u af te melden.",
            "confirmation",
            ics=True,
        ),
        Kind(
            WAITLIST_MSG,
            "Een bericht dat u op de wachtlijst staat, als de bijeenkomst vol is.",
            "waitlist",
        ),
        Kind(
            PROMOTION,
            "Een bericht als er een plek vrijkomt en u die plek krijgt.",
            "promotion",
            ics=True,
        ),
        Kind(
            REMINDER, "Een herinnering, een paar dagen voor de bijeenkomst.", "reminder", ics=True
        ),
        Kind(CANCELLATION, "Een bevestiging als u zich afmeldt.", "cancellation"),
        Kind(
            REPEAT,
            "Een bericht als u nog een keer wordt aangemeld voor dezelfde bijeenkomst.",
            "repeat",
        ),
        Kind(
            SESSION_CHANGED,
            "Een bericht als de dag, de tijd of de plaats van de bijeenkomst verandert: wat u eerder"
            " hoorde en wat het nu is, met de nieuwe afspraak voor uw agenda.",
            "session_changed",
            ics=True,
        ),
        Kind(
            SESSION_CANCELLED,
            "Een bericht als de bijeenkomst niet doorgaat, met de reden. Heeft u een plek, dan"
            " haalt de bijlage de afspraak uit uw agenda.",
            "session_cancelled",
        ),
        Kind(
            INVITATION,
            "Een uitnodiging voor de vragenlijst, met een eigen code, als de coördinator uw"
            " e-mailadres aan ons gaf. Is de e-mail bezorgd, dan wissen wij de code.",
            "invitation",
            respondent=True,
        ),
        Kind(
            INVITATION_REMINDER,
            "Eén herinnering aan de hele groep, zonder code.",
            "invitation_reminder",
            respondent=True,
        ),
        Kind(
            LETTER,
            "Na een spiegelbijeenkomst een brief met een korte terugkoppeling: wat wij hoorden en"
            " waar wij aan werken.",
            None,
        ),
        Kind(
            DIGEST,
            "De coördinator krijgt elke dag een overzicht met aantallen: plaatsen, wachtlijst en afmeldingen. Daarin staan geen namen of adressen.",
            None,
            to_participant=False,
        ),
        Kind(
            NOTICE,
            "Komt er een aanvraag binnen via een formulier, dan krijgt de coördinator een bericht: welk formulier en wanneer, niet van wie.",
            None,
            to_participant=False,
        ),
    )
}


def participant_kinds() -> list[Kind]:
    """The messages to people who signed up, in the order of the table."""
    return [k for k in KINDS.values() if k.to_participant and not k.respondent]


def respondent_kinds() -> list[Kind]:
    """The messages to people invited to a groepsevaluatie's questionnaire."""
    return [k for k in KINDS.values() if k.respondent]


def staff_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if not k.to_participant]
