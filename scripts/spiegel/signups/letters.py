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
from html import escape
from typing import Any

from spiegel.content.calendar import datum, ways_sentence

SUBJECT = "Wat wij doen met uw feedback"  # neutral: nothing about health or a department
STATUS_TEXT = {
    "gepland": "Wij beginnen hiermee op {start}.",
    "bezig": "Wij zijn hiermee bezig sinds {start}.",
    "klaar": "Dit is klaar.",
}


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


def _action(a: dict[str, Any]) -> str:
    heard = a.get("heard") or f"U vertelde ons over {str(a['theme']).lower()}."
    status = STATUS_TEXT[a["status"]].format(start=datum(a["start"]))
    if a["status"] == "klaar" and a.get("outcome"):
        status += " " + str(a["outcome"])
    return f"Wat wij hoorden: {heard}\nWat wij doen: {a['what']}\nHoe ver zijn wij: {status}"


def letter_text(
    session: dict[str, Any], actions: list[dict[str, Any]], org: dict[str, Any], site_url: str
) -> LetterText:
    """The letter for one session, from its actions (the caller checks there is at least one)."""
    who = org.get("name") or "Spiegel"
    day = session["date"] if isinstance(session["date"], dt.date) else None
    when = f"op {datum(day)} " if day else ""
    intro = (
        f"U was {when}bij de spiegelbijeenkomst. Dank u wel dat u uw ervaringen met ons deelde. "
        "In deze brief leest u wat wij hoorden, en wat wij daarmee doen."
    )
    more = (
        f"Hoe het verder gaat, leest u op onze website:\n{site_url.rstrip('/')}/verbeteringen/"
        if site_url
        else "Wilt u weten hoe het verder gaat? Neem dan contact met ons op."
    )
    ways = [f"bel {org['phone']}"] if org.get("phone") else []
    if org.get("email"):
        ways.append(f"mail naar {org['email']}")
    contact = "Heeft u een vraag? " + (ways_sentence(ways) if ways else "Neem contact met ons op.")
    paragraphs = (
        intro,
        *(_action(a) for a in actions),
        more,
        contact[0].upper() + contact[1:],
        f"Met vriendelijke groet,\n{who}",
    )
    return LetterText(SUBJECT, paragraphs)


def session_actions(actions: list[dict[str, Any]], session_id: str) -> list[dict[str, Any]]:
    return [a for a in actions if a.get("source") == session_id]


PRINT_CSS = """
@page { size: A4; margin: 25mm 22mm; }
body { font-family: sans-serif; font-size: 12pt; line-height: 1.5; color: #000; max-width: 42em;
  margin: 2em auto; }
.afzender { margin-bottom: 3em; }
p { margin: 0 0 1em; white-space: pre-line; }
@media print { body { margin: 0; } }
"""


def printable(name: str, text: LetterText, org: dict[str, Any], today: dt.date) -> str:
    """One participant's letter as a self-contained HTML page to print (no outside requests)."""
    sender = "\n".join(str(org[k]) for k in ("name", "address") if org.get(k))
    body = "\n".join(f"<p>{escape(p)}</p>" for p in (greeting(name), *text.paragraphs))
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>{escape(text.subject)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{PRINT_CSS}</style></head><body><main>"
        f'<p class="afzender">{escape(sender)}</p>'
        f"<p>Aan: {escape(name.strip() or 'de deelnemer')}</p>"
        f"<p>{escape(datum(today))}</p>"
        f"<h1>{escape(text.subject)}</h1>{body}</main></body></html>\n"
    )
