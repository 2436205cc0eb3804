"""Commands that publish or hand out: results (the open-data package), invite (codes)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, TextIO

import spiegel.cli.common as common
from spiegel.security.files import open_private


def cmd_results(args: argparse.Namespace, out: TextIO) -> int:
    """The closed evaluations' answers, read from the database, to a checked Data Package and
    the ledger (file and database); nothing is written unless every check passes."""
    from spiegel.content.model import load_content
    from spiegel.content.schema import ContentError
    from spiegel.results.package import configured_k, summary
    from spiegel.signups import publication

    try:
        content = load_content(Path(args.content))
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    k = configured_k(content)
    if args.k is not None and args.k != k:
        print(
            f"--k {args.k}: de ingestelde k is {k} (disclosure.k in content/groepsevaluatie.yaml)."
            " Een andere k kan alleen via die instelling, met een reden als k lager is dan 5.",
            file=sys.stderr,
        )
        return 2
    if args.replace and not args.reden:
        print(
            "--replace: geef met --reden in een zin aan waarom u opnieuw publiceert",
            file=sys.stderr,
        )
        return 2
    if problems := publication.closed_problems(content, args.evaluations):
        print("\n".join(problems), file=sys.stderr)
        return 2
    services = common.services()
    out_dir = Path(args.out)
    run = publication.stage(
        services.store,
        services.cipher,
        content,
        args.evaluations,
        out_dir,
        args.replace,
        args.reden or "",
        services.clock.today(),
    )
    for note in run.outcome.notes:
        print(note, file=sys.stderr)
    if run.staged is None:
        print(
            "Er is niets gepubliceerd:\n  " + "\n  ".join(run.outcome.errors or ["niets te doen"]),
            file=sys.stderr,
        )
        return 1
    publication.commit(services.store, run, out_dir)
    versions = ", ".join(f"{ev} versie {n}" for ev, n, _, _ in run.outcome.versions)
    services.store.audit(args.actor, "results", "groepsevaluatie", versions or "ongewijzigd")
    assert run.result is not None
    print(summary(run.result), file=out)
    print(
        f"geschreven: {out_dir}/datapackage.json, stellingen.csv, themas.csv, publicaties.json"
        + (f"; in het grootboek van de database: {versions}" if versions else ""),
        file=out,
    )
    return 0


def _target(args: argparse.Namespace) -> Any:
    """The evaluation and group from the content; prints the problems and returns None."""
    from spiegel.content.model import load_content
    from spiegel.content.schema import ContentError
    from spiegel.signups.invitations import target

    try:
        content = load_content(Path(args.content))
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return None
    deadline = None
    if args.deadline:
        try:
            deadline = dt.date.fromisoformat(args.deadline)
        except ValueError:
            print(f"--deadline {args.deadline}: schrijf een datum als 2026-12-31", file=sys.stderr)
            return None
    found, errors = target(
        content.groepsevaluatie,
        args.evaluation,
        args.group or "",
        deadline,
        common.services().clock.today(),
    )
    for e in errors:
        print(e, file=sys.stderr)
    return found


def cmd_invite(args: argparse.Namespace, out: TextIO) -> int:
    """Invitations by e-mail (Spiegel sends them), slips on paper, the reminder, the counts."""
    from spiegel.signups import invitations

    if args.status:
        return _invite_status(args, out)
    if not args.group:
        print("--group: kies de respondentgroep", file=sys.stderr)
        return 2
    t = _target(args)
    if t is None:
        return 2
    services = common.services()
    store, ev, group = services.store, t.evaluation, t.group
    if args.addresses:
        return _invite_by_mail(args, t, out)
    if args.slips is not None:
        return _invite_on_paper(args, t, out)
    if args.remind:
        queued, problem = invitations.remind(store, services.cipher, t, services.clock.today())
        if problem:
            print(f"{ev} / {group}: {problem}", file=sys.stderr)
            return 1
        store.audit(args.actor, "invite-remind", "groepsevaluatie", f"{ev} {group} {queued}")
        print(f"{queued} herinnering(en) klaargezet voor {ev} / {group}; {SENDS}", file=out)
        return 0
    # --resend: every undelivered invitation of the group once more, to the same address
    again = invitations.resend_all(store, ev, group)
    store.audit(args.actor, "invite-resend", "groepsevaluatie", f"{ev} {group} {again}")
    print(
        f"{again} niet bezorgde uitnodiging(en) opnieuw klaargezet; een ander adres kan via"
        " de beheeromgeving",
        file=out,
    )
    return 0


SENDS = "`spiegel outbox send` verstuurt ze (./scripts/serve doet dat zelf)"


def _invite_by_mail(args: argparse.Namespace, t: Any, out: TextIO) -> int:
    from spiegel.signups import invitations

    source = args.addresses
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{source}: dit bestand kan ik niet lezen ({exc})", file=sys.stderr)
        return 2
    addresses, errors = invitations.parse_addresses(text)
    services = common.services()
    if not errors:
        errors = invitations.invite(services.store, services.keys, services.cipher, t, addresses)
    if errors:
        print(
            f"{source}: {len(errors)} probleem/problemen; er is niemand uitgenodigd:",
            file=sys.stderr,
        )
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    detail = f"{t.evaluation} {t.group} {len(addresses)} e-mail"
    services.store.audit(args.actor, "invite", "groepsevaluatie", detail)
    if not services.mail.smtp_url:
        print(
            "Let op: SPIEGEL_SMTP_URL is niet gezet. Uitnodigingen worden nooit als .eml-bestand"
            " geschreven (dan bleven de codes bewaard); ze wachten als niet bezorgd tot er een"
            " relay is en u ze opnieuw verstuurt (--resend).",
            file=sys.stderr,
        )
    print(
        f"{len(addresses)} uitnodiging(en) met elk een eigen code klaargezet voor {t.evaluation} /"
        f" {t.group}; {SENDS}. Adres en code worden gewist zodra het bericht is bezorgd.",
        file=out,
    )
    return 0


def _invite_on_paper(args: argparse.Namespace, t: Any, out: TextIO) -> int:
    from spiegel.signups import invitations

    if not args.out:
        print("--slips: geef met --out het bestand voor de strookjes (.html)", file=sys.stderr)
        return 2
    target = Path(args.out)
    if target.exists():
        print(
            f"{target}: bestaat al; codes worden maar één keer geschreven. Kies een nieuwe naam.",
            file=sys.stderr,
        )
        return 2
    services = common.services()
    # the file first: if it cannot be made, no code exists that nobody can hand out
    fh = open_private(target, exclusive=True, encoding="utf-8")
    try:
        codes, deadline, errors = invitations.paper_codes(
            services.store, services.keys, t, args.slips
        )
        if not errors:
            site = services.config.site_url or services.mail.public_url
            link = f"{site.rstrip('/')}/groepsevaluatie/vragenlijst/"
            fh.write(invitations.slips_html(codes, t, deadline or services.clock.today(), link))
    finally:
        fh.close()
    if errors:
        target.unlink()
        for e in errors:
            print(e, file=sys.stderr)
        return 1
    detail = f"{t.evaluation} {t.group} {len(codes)} papier"
    services.store.audit(args.actor, "invite", "groepsevaluatie", detail)
    print(
        f"{len(codes)} strookjes geschreven naar {target} (alleen voor u leesbaar). Druk ze af,"
        " knip ze los, schud ze en deel ze willekeurig uit; verwijder daarna het bestand.",
        file=out,
    )
    return 0


def _invite_status(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.signups.invitations import overview

    groups = overview(common.services().store).get(args.evaluation, {})
    if not groups:
        print(f"{args.evaluation}: nog geen uitnodigingen", file=out)
        return 0
    for group, s in sorted(groups.items()):
        if args.group and group != args.group:
            continue
        print(
            f"{args.evaluation} / {group}: {s.codes} codes; per e-mail {s.mailed}: {s.delivered}"
            f" bezorgd, {s.waiting} wachten, {s.failed} niet bezorgd; op papier {s.paper};"
            f" tot {s.deadline or '-'}; herinnering {s.reminded_on or 'nog niet'}",
            file=out,
        )
    return 0
