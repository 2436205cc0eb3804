"""The feedback letter after a mirror meeting (`spiegel letter SESSION`).

The leaflet promises everyone who took part "een brief met een korte terugkoppeling". The letter
is made from the actions in ``content/actions.yaml`` whose ``source`` is the session: what we
heard, what we do, and how far it is. Per participant:

- with an e-mail address: one outbox row of kind ``letter`` (at most one per sign-up, however
  often the command runs); the sender adds the greeting with the name when it sends;
- without one: a printable HTML file (A4 print stylesheet, no request to any other host).

The shared part (``LetterText``) holds no personal data; each participant's name is added to
their own copy only, so no name ever appears in someone else's letter.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from spiegel.content.texts import render_html, render_text


@dataclass(frozen=True)
class LetterText:
    subject: str
    paragraphs: tuple[str, ...]  # after the greeting, up to and including the signature

    def to_json(self) -> str:
        return json.dumps({"subject": self.subject, "paragraphs": list(self.paragraphs)})

    @classmethod
    def from_json(cls, text: str) -> LetterText:
        data = json.loads(text)
        return cls(str(data["subject"]), tuple(str(p) for p in data["paragraphs"]))


def greeting(name: str) -> str:
    return f"Beste {name.strip()}," if name.strip() else "Beste meneer of mevrouw,"


def letter_text(
    session: dict[str, Any], actions: list[dict[str, Any]], org: dict[str, Any], site_url: str
) -> LetterText:
    """The letter for one session, from its actions (the caller checks there is at least one).

    The wording is in ``signups/templates/letter.txt.j2``."""
    text = render_text(
        "spiegel.signups",
        "letter.txt.j2",
        day=session["date"] if isinstance(session["date"], dt.date) else None,
        actions=actions,
        org=org,
        site_url=site_url,
        who=org.get("name") or "Spiegel",
    )
    return LetterText(text.subject, text.paragraphs)


def session_actions(actions: list[dict[str, Any]], session_id: str) -> list[dict[str, Any]]:
    return [a for a in actions if a.get("source") == session_id]


def printable(name: str, text: LetterText, org: dict[str, Any], today: dt.date) -> str:
    """One participant's letter as a self-contained HTML page to print (no outside requests);
    the page is ``signups/templates/letter.html.j2`` (autoescaped)."""
    return render_html(
        "spiegel.signups",
        "letter.html.j2",
        subject=text.subject,
        sender="\n".join(str(org[k]) for k in ("name", "address") if org.get(k)),
        name=name.strip() or "de deelnemer",
        today=today,
        paragraphs=(greeting(name), *text.paragraphs),
    )
