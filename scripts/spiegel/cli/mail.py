"""Commands around the outbox: outbox (list / send), remind, digest, letter."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

import spiegel.cli.common as common
from spiegel.clock import ZONE

OUTBOX_LABEL = {
    "pending": "wacht",
    "failed": "mislukt",
    "manual": "bellen (geen e-mailadres)",
    "sent": "verstuurd",
}


def cmd_outbox(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.config import ConfigError
    from spiegel.db.base import FAILED, MANUAL, PENDING
    from spiegel.outbox.worker import make_sender

    services = common.services()
    store = services.store
    if args.action == "send":
        from spiegel.outbox.worker import send_due

        try:
            changed, total = send_due(services, once=args.once)
        except ConfigError as exc:  # no message goes out with links that lead nowhere
            print(f"spiegel outbox send: niets verstuurd.\n{exc}", file=sys.stderr)
            return 2
        left = len(store.outbox((PENDING,)))
        if changed:
            print(
                f"{changed} bericht(en) over bijeenkomsten die niet doorgaan of veranderden"
                " klaargezet",
                file=out,
            )
        print(
            f"{total} bericht(en) afgehandeld; {left} wachten nog (nieuwe poging later, of nog"
            " niet aan de beurt)",
            file=out,
        )
        return 0
    rows = store.outbox((PENDING, FAILED, MANUAL))
    opener = make_sender(services, require_address=False) if args.personal else None
    if args.personal:
        store.audit(args.actor, "outbox", "-", f"{len(rows)} rows shown with addresses")
    if rows:
        print("aangemaakt (Nederlandse tijd)\tsoort\tstatus\tpogingen\treden", file=out)
    for r in rows:
        # the status says it for the call list (older rows hold the English reason)
        reason = "" if r.status == MANUAL else (r.last_error or "")
        created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.UTC)
        line = (
            f"{created.astimezone(ZONE):%Y-%m-%d %H:%M}\t{r.kind}"
            f"\t{OUTBOX_LABEL.get(r.status, r.status)}\tpogingen {r.attempts}\t{reason}"
        )
        if opener is not None:
            try:
                _, to = opener.compose(r)
            except Exception as exc:
                to = f"({exc})"
            line += f"\t{to or '-'}"
        print(line, file=out)
    print(f"{len(rows)} bericht(en) niet verstuurd", file=out)
    return 0


def cmd_remind(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.outbox.worker import remind

    s = common.services()
    days = args.days if args.days is not None else s.mail.remind_days
    added = remind(s.store, s.registry, days, s.clock.today())
    print(f"{added} herinnering(en) klaargezet; `spiegel outbox send` verstuurt ze", file=out)
    return 0


def cmd_digest(args: argparse.Namespace, out: TextIO) -> int:
    """Queue today's digest for the coordinator (cron / serverless; serve does this itself)."""
    from spiegel.outbox.worker import beheer_url
    from spiegel.signups.digest import queue_digest

    s = common.services()
    to = s.mail.coordinator
    if not to:
        print(
            "spiegel digest: er is geen adres voor het dagoverzicht. Zet het e-mailadres van de"
            " coördinator in SPIEGEL_COORDINATOR_EMAIL, bijvoorbeeld"
            " SPIEGEL_COORDINATOR_EMAIL=spiegel@zorggroep.nl",
            file=sys.stderr,
        )
        return 2
    link = beheer_url(s.mail.public_url)
    if queue_digest(s.store, s.registry, s.cipher, to, s.clock.today(), s.clock.now(), link):
        print("dagoverzicht klaargezet; `spiegel outbox send` verstuurt het", file=out)
    else:
        print("het dagoverzicht van vandaag stond al klaar (of is al verstuurd)", file=out)
    return 0


def cmd_letter(args: argparse.Namespace, out: TextIO) -> int:
    """The feedback letter of one session: e-mail through the outbox, print files otherwise."""
    from spiegel.content.model import ContentError, load_content
    from spiegel.db.beheer import BeheerDB
    from spiegel.outbox.worker import letters
    from spiegel.signups.letters import letter_text, session_actions

    s = common.services()
    store, today = s.store, s.clock.today
    try:
        content = load_content(s.config.content_dir)
    except ContentError as exc:
        print(f"spiegel letter: de inhoud in content/ klopt niet:\n{exc}", file=sys.stderr)
        return 2
    session = next((s for s in content.sessions["sessions"] if s["id"] == args.session), None)
    if session is None:
        known = ", ".join(s["id"] for s in content.sessions["sessions"])
        print(
            f"spiegel letter: bijeenkomst {args.session!r} staat niet in content/sessions.yaml."
            f" Kies uit: {known}.",
            file=sys.stderr,
        )
        return 2
    if session["status"] == "geannuleerd":
        print(
            f"spiegel letter: de bijeenkomst {args.session} ging niet door (status: geannuleerd)."
            " Er komt geen brief.",
            file=sys.stderr,
        )
        return 2
    if session["date"] > today():
        print(
            f"spiegel letter: de bijeenkomst {args.session} is nog niet geweest"
            f" ({session['date']}). Stuur de brief na de bijeenkomst.",
            file=sys.stderr,
        )
        return 2
    actions = session_actions(content.actions["actions"], args.session)
    if not actions:
        print(
            f"spiegel letter: er staat nog geen actie met 'source: {args.session}' in"
            " content/actions.yaml. Zet daar eerst wat u hoorde en wat u gaat doen; de brief"
            " wordt daarvan gemaakt.",
            file=sys.stderr,
        )
        return 2
    org = content.site["organisation"]
    text = letter_text(session, actions, org, s.config.site_address)
    skip = BeheerDB(store).not_for_letter()  # "niet gekomen", or sent from the back office
    run = letters(store, s.registry, s.cipher, args.session, text, Path(args.out), today(), skip)
    detail = f"{args.session}: {run.mailed} mailed, {len(run.printed)} printed"
    store.audit(args.actor, "letter", "-", detail)
    print(
        f"{run.mailed} brief/brieven klaargezet om te mailen (`spiegel outbox send` of de"
        f" server verstuurt ze); {run.already} had(den) de brief al.",
        file=out,
    )
    if run.printed:
        print(
            f"{len(run.printed)} deelnemer(s) zonder e-mailadres: print de brieven in"
            f" {run.printed[0].parent}/ ({', '.join(p.name for p in run.printed)}).",
            file=out,
        )
    if run.unreadable:
        print(
            f"spiegel letter: {len(run.unreadable)} aanmelding(en) konden niet worden gelezen"
            " (SPIEGEL_ENCRYPTION_KEY?) en kregen GEEN brief.",
            file=sys.stderr,
        )
        return 1
    return 0
