"""Spiegel voor medewerkers en beheerders. Elke opdracht heeft eigen hulp: spiegel OPDRACHT --help.

Inhoud en resultaten:
  spiegel check              controleer content/ en forms/ (in ongeveer een seconde)
  spiegel results EV         antwoorden uit de database -> open-datapakket (één keer, na sluiting)
  spiegel invite EV --group G --addresses BESTAND   uitnodigingen per e-mail (Spiegel stuurt ze)
  spiegel letter SESSIE      de terugkoppelbrief: per e-mail, of als bestand om te printen
  spiegel schemas --write    hulpbestanden voor de editor bijwerken

Aanmeldingen en gegevens:
  spiegel export FORMULIER   de aanmeldingen van een formulier (komt in het auditlog)
  spiegel purge              verwijder wat over de bewaartermijn is (de server doet dit ook zelf)
  spiegel outbox [send]      berichten die wachten of mislukten; send verstuurt ze
  spiegel remind / digest    herinneringen en het dagoverzicht klaarzetten (cron)
  spiegel audit-log, access-log, schema, migrate, keygen, rekey, snapshot   voor de beheerder
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from spiegel.cli import beheer, data, mail, publish, staff
from spiegel.cli.common import close_all

# argparse's own words, in Dutch (it has no Dutch catalogue of its own)
ERRORS = (
    (r"^argument (\S+): ", r"bij \1: "),
    (r"the following arguments are required: ", "dit ontbreekt nog: "),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"\1 kan niet; kies uit \2"),
    (r"unrecognized arguments: ", "dit begrijp ik niet: "),
    (r"invalid int value: (.*)", r"\1 is geen heel getal"),
    (r"expected one argument", "hier hoort een waarde achter"),
    (r"ambiguous option: (\S+) could match (.*)", r"\1 is niet duidelijk; bedoelt u een van: \2"),
    (r"one of the arguments (.*) is required", r"kies een van: \1"),
    (r"not allowed with argument (\S+)", r"gaat niet samen met \1"),
)


class Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any = None) -> None:
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Dutch: headings, -h, and its error messages."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("formatter_class", Formatter)
        kw["add_help"] = False
        super().__init__(*args, **kw)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help="toon deze hulp"
        )

    def error(self, message: str) -> NoReturn:
        for pattern, dutch in ERRORS:
            message = re.sub(pattern, dutch, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}\nMeer uitleg: {self.prog} --help\n")


def parser() -> argparse.ArgumentParser:
    from spiegel.config import command_defaults

    defaults = command_defaults()
    actor, content, forms = defaults["actor"], defaults["content"], defaults["forms"]
    p = Parser(prog="spiegel", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, title="opdrachten", metavar="OPDRACHT")

    def command(name: str, func: Any, text: str, audited: bool = False) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        c.set_defaults(func=func)
        if audited:
            c.add_argument(
                "--actor",
                default=actor,
                metavar="NAAM",
                help="naam in het auditlog (standaard: SPIEGEL_ACTOR of uw gebruikersnaam)",
            )
        return c

    e = command("export", data.cmd_export, "de aanmeldingen van een formulier", audited=True)
    e.add_argument("form", metavar="FORMULIER", help="bijvoorbeeld spiegelbijeenkomst of vvg")
    e.add_argument(
        "--format",
        choices=["csv", "xlsx", "data"],
        default="csv",
        help="csv (standaard): opent goed in Excel, met Nederlandse kopjes, gesorteerd;"
        " xlsx: hetzelfde als werkmap (met -o); data: de ruwe kolommen van `spiegel schema`"
        " (invoer voor `spiegel results`)",
    )
    e.add_argument("-o", "--output", metavar="BESTAND", help="schrijf naar dit bestand")
    pu = command("purge", data.cmd_purge, "verwijder aanmeldingen na hun bewaartermijn", True)
    pu.add_argument("--dry-run", action="store_true", help="laat alleen zien wat weg zou gaan")
    b = command("ballots", data.cmd_ballots, "wachtende antwoorden geschud naar de antwoordtabel")
    b.add_argument("--alles", action="store_true", help="ook minder dan 10 (na de sluiting)")
    s = command("schema", data.cmd_schema, "de kolommen van de data-export (Table Schema)")
    s.add_argument("form", metavar="FORMULIER")
    r = command(
        "results", publish.cmd_results, "antwoorden uit de database -> open-datapakket", True
    )
    r.add_argument(
        "evaluations",
        nargs="+",
        metavar="EVALUATIE",
        help="gesloten evaluatie(s), bijv. cardiologie-2026",
    )
    r.add_argument("--out", default="content/results", metavar="MAP", help="standaard: %(default)s")
    r.add_argument(
        "--k", type=int, default=None, help="moet gelijk zijn aan disclosure.k in de inhoud"
    )
    r.add_argument("--replace", action="store_true", help="vervang een gepubliceerde versie")
    r.add_argument("--reden", help="waarom u een gepubliceerde versie vervangt (komt in het log)")
    r.add_argument("--content", default=content, metavar="MAP", help="standaard: %(default)s")
    iv = command("invite", publish.cmd_invite, "uitnodigingen voor een groepsevaluatie", True)
    iv.add_argument("evaluation", metavar="EVALUATIE", help="bijvoorbeeld cardiologie-2026")
    iv.add_argument("--group", metavar="GROEP", help="de respondentgroep, bijvoorbeeld managers")
    what = iv.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--addresses",
        metavar="BESTAND",
        help="e-mailadressen, één per regel (- : lees ze van de invoer); elk adres krijgt een"
        " eigen code per e-mail",
    )
    what.add_argument(
        "--slips", type=int, metavar="AANTAL", help="codes op strookjes om uit te delen (met --out)"
    )
    what.add_argument("--remind", action="store_true", help="één herinnering aan de hele groep")
    what.add_argument(
        "--resend", action="store_true", help="niet bezorgde uitnodigingen opnieuw versturen"
    )
    what.add_argument("--status", action="store_true", help="hoeveel codes, bezorgd, niet bezorgd")
    iv.add_argument("--deadline", metavar="DATUM", help="tot en met wanneer (2026-12-31)")
    iv.add_argument(
        "--out", metavar="BESTAND", help="--slips: het HTML-bestand (nooit overschreven)"
    )
    iv.add_argument("--content", default=content, metavar="MAP", help="standaard: %(default)s")
    command("migrate", data.cmd_migrate, "werk de database bij (migraties)")
    command("audit-log", data.cmd_audit_log, "toon het auditlog: wie deed wat, wanneer")
    al = command("access-log", beheer.cmd_access_log, "toon het logboek van de beheeromgeving")
    al.add_argument("--purge", action="store_true", help="verwijder regels na de bewaartermijn")
    command("keygen", data.cmd_keygen, "maak een nieuwe sleutel voor SPIEGEL_ENCRYPTION_KEY")
    ob = command("outbox", mail.cmd_outbox, "berichten die wachten of mislukten", True)
    ob.add_argument(
        "action",
        nargs="?",
        choices=["list", "send"],
        default="list",
        metavar="list|send",
        help="list (standaard): toon ze; send: verstuur ze",
    )
    ob.add_argument("--personal", action="store_true", help="toon ook de adressen (auditlog)")
    ob.add_argument("--once", action="store_true", help="send: maar één ronde")
    rm = command("remind", mail.cmd_remind, "zet herinneringen klaar voor de komende dagen")
    rm.add_argument("--days", type=int, default=None, metavar="DAGEN", help="standaard: 3")
    command("rekey", data.cmd_rekey, "versleutel alles opnieuw met de eerste sleutel", True)
    command("digest", mail.cmd_digest, "zet het dagoverzicht klaar voor de coördinator")
    lt = command("letter", mail.cmd_letter, "de terugkoppelbrief van een bijeenkomst", True)
    lt.add_argument("session", metavar="SESSIE", help="de id uit content/sessions.yaml")
    lt.add_argument(
        "--out", default=".spiegel/brieven", metavar="MAP", help="brieven om te printen"
    )
    sn = command("snapshot", staff.cmd_snapshot, "de formulieren als JSON (SPIEGEL_SNAPSHOT)")
    ch = command("check", staff.cmd_check, "controleer content/ en forms/ zonder de site te bouwen")
    ch.add_argument(
        "--format",
        choices=("text", "github", "gitlab"),
        default="text",
        help="text (standaard); github of gitlab: meldingen bij de regel in de pipeline",
    )
    for c in (sn, ch):
        c.add_argument("--content", default=content, metavar="MAP", help="standaard: %(default)s")
        c.add_argument("--forms", default=forms, metavar="MAP", help="standaard: %(default)s")
    sc = command("schemas", staff.cmd_schemas, "JSON Schemas voor de editor, uit het inhoudsmodel")
    sc.add_argument("--write", action="store_true", help="schrijf ze (anders: controleer ze)")
    sc.add_argument("--root", default=".", metavar="MAP", help="de projectmap")
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args, out or sys.stdout))
    finally:
        close_all()
