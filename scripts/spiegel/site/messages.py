"""The build's Dutch messages to staff that are about the project as a whole, not one field.

- ``refuse_examples``: a production build (``SPIEGEL_ENV=production``) refuses to publish while
  any ``# VOORBEELD`` value is left, and lists them as file:line;
- ``overdue_reviews``: actions past their review date without an update since (the instrument's
  six-month check), told on their line; the site is published all the same.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from spiegel.content.calendar import datum
from spiegel.content.examples import Example
from spiegel.content.model import ACTIONS, Content
from spiegel.content.schema import describe

__all__ = ["overdue_reviews", "refuse_examples"]


def refuse_examples(examples: Sequence[Example]) -> str:
    """The production build's message: every example value that is still there, as file:line."""
    count = len(examples)
    return "\n".join(
        [
            f"De site is niet gepubliceerd: er {'staat' if count == 1 else 'staan'} nog {count} "
            f"voorbeeldwaarde{'' if count == 1 else 'n'} in (gemarkeerd met # VOORBEELD).",
            "Vul op elke regel hieronder de echte gegevens van uw organisatie in, en haal daarna",
            "'# VOORBEELD' aan het eind van die regel weg. Verwijder verzonnen bijeenkomsten,",
            "evaluaties en acties helemaal.",
            *(f"  {e}" for e in sorted(examples)),
        ]
    )


def overdue_reviews(content: Content, today: dt.date, label: str) -> list[str]:
    """Actions past their 6-month review without an update since (the instrument's check).

    Told to staff in Dutch with the file, the line and what to do; publishing goes on.
    """
    try:
        rows = (content.root / "actions.yaml").read_text(encoding="utf-8").splitlines()
    except OSError:
        rows = []
    out = []
    for index, a in enumerate(content.actions["actions"]):
        if (
            a["status"] != "klaar"
            and a["review"] < today
            and (a["updated"] is None or a["updated"] < a["review"])
        ):
            item = re.compile(rf"^\s*-\s*id:\s*[\"']?{re.escape(a['id'])}[\"']?\s*(#.*)?$")
            line = next((n for n, row in enumerate(rows, 1) if item.match(row)), 0)
            where = f"{label}/actions.yaml:{line}" if line else f"{label}/actions.yaml"
            out.append(
                f"{where}: {describe(ACTIONS, ('actions', index))} ({a['id']}): deze actie "
                f"had op {datum(a['review'])} bekeken moeten worden, en is sindsdien niet "
                "bijgewerkt. Kijk met de betrokkenen of de actie heeft gewerkt. Zet dan bij deze "
                f"actie updated: {today.isoformat()} (de datum van vandaag) en pas status: of "
                "outcome: aan, bijvoorbeeld: status: klaar en outcome: De folder ligt nu bij de "
                "balie. Dit is een herinnering: de site wordt wel gewoon bijgewerkt."
            )
    return out
