"""Commands on the stored data: export, purge, schema, audit-log, rekey, migrate, keygen."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

import spiegel.cli.common as common
from spiegel.security.files import open_private


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.signups import export

    settings, store, forms = common.store_and_forms()
    form = forms.get(args.form)
    if form is None:
        print(
            f"spiegel export: formulier {args.form!r} bestaat niet. Kies uit:"
            f" {', '.join(sorted(forms))}.",
            file=sys.stderr,
        )
        return 2
    if args.format == "xlsx" and not args.output:
        print(
            "spiegel export: een xlsx-bestand kan niet naar het scherm. Geef een bestandsnaam op,"
            f" bijvoorbeeld: spiegel export {form.id} --format xlsx -o aanmeldingen.xlsx",
            file=sys.stderr,
        )
        return 2
    cipher = common.cipher(settings)
    rows = store.rows(form.id, shuffled=form.anonymous)  # no order that follows arrival
    waiting = store.ballots_waiting() if form.anonymous else 0
    if waiting:
        print(
            f"spiegel export: {waiting} antwoord(en) wachten nog in de stembus en staan hier niet"
            " in; na de sluiting: spiegel ballots --alles",
            file=sys.stderr,
        )
    if args.format == "data":
        table = export.data_table(form, rows, cipher)
    else:
        table = export.people_table(form, rows, cipher, common.services().keys)
    for rid, reason in table.unreadable:  # one bad row never stops the export
        print(f"spiegel export: rij {rid} overgeslagen: {reason}.", file=sys.stderr)
    if args.format == "xlsx":
        with open_private(Path(args.output), "wb") as fh:
            export.write_xlsx(table, fh, form.id, form)  # Dutch, with real dates and numbers
    elif args.output:
        with open_private(Path(args.output), encoding="utf-8", newline="") as fh:
            export.write_csv(table, fh, people=args.format == "csv")
    else:
        export.write_csv(table, out, people=args.format == "csv")
    bad = [rid for rid, _ in table.unreadable]
    count = len(table.rows)
    detail = f"{count} rows" + (f"; {len(bad)} unreadable: {', '.join(bad[:20])}" if bad else "")
    store.audit(args.actor, "export", form.id, detail)
    print(
        f"spiegel export: {count} rij(en) van {form.id} geëxporteerd"
        + (f" naar {args.output}" if args.output else "")
        + f"; vastgelegd in het auditlog op naam van {args.actor}.",
        file=sys.stderr,
    )
    if bad:
        print(
            f"spiegel export: {len(bad)} rij(en) konden niet worden gelezen en staan NIET in de"
            " export. Controleer SPIEGEL_ENCRYPTION_KEY (alle sleutels, nieuwste eerst) en"
            " exporteer opnieuw.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_rekey(args: argparse.Namespace, out: TextIO) -> int:
    """Re-encrypt every stored value with the first key, and re-key the seat counts."""
    from spiegel.security.cipher import KeyMismatch

    settings, store, forms = common.store_and_forms()
    cipher, keys = common.cipher(), common.services().keys
    if cipher is None:
        return _rekey_seats(args, out)
    done = failed = 0
    for form in forms.values():
        for row in list(store.rows(form.id)):
            try:
                plain = cipher.open(row.payload)
            except KeyMismatch:
                failed += 1
                print(
                    f"spiegel rekey: rij {row.id} ({form.id}): geen sleutel past.", file=sys.stderr
                )
                continue
            seat = None
            if form.capacity_field and form.capacity_field in plain:
                seat = keys.seat(form.id, plain[form.capacity_field])
            store.replace_payload(row.id, cipher.seal(plain), seat)
            done += 1
    store.audit(args.actor, "rekey", "*", f"{done} rows re-encrypted, {failed} failed")
    print(f"{done} rij(en) opnieuw versleuteld met de eerste sleutel; {failed} mislukt.", file=out)
    return 1 if failed else 0


def _rekey_seats(args: argparse.Namespace, out: TextIO) -> int:
    """Without a key (development): only the seat hashes of unencrypted rows, e.g. rows from
    before seat keys were keyed hashes in development too (they held the session id)."""
    from spiegel.security.cipher import is_sealed

    _, store, forms = common.store_and_forms()
    keys, done = common.services().keys, 0
    for form in forms.values():
        field = form.capacity_field
        for row in list(store.rows(form.id)):
            if field and not is_sealed(row.payload) and field in row.payload:
                seat = keys.seat(form.id, row.payload[field])
                if seat != row.capacity_key:
                    store.replace_payload(row.id, row.payload, seat)
                    done += 1
    store.audit(args.actor, "rekey", "*", f"{done} seat keys re-keyed (no encryption key)")
    print(
        f"SPIEGEL_ENCRYPTION_KEY is niet ingesteld: niets versleuteld; {done} plaats(en)"
        " opnieuw gesleuteld. Voor versleuteling: stel eerst SPIEGEL_ENCRYPTION_KEY in.",
        file=out,
    )
    return 0


def cmd_purge(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.db.base import now
    from spiegel.signups import retention

    s = common.services()
    store, registry = s.store, s.registry
    forms = registry.forms()
    if args.dry_run:
        plan = retention.session_plan(forms, registry, now())
        for fid, cutoff in retention.cutoffs(forms, now()).items():
            expired, known = plan.get(fid, ([], []))
            n = sum(
                1
                for r in store.rows(fid)
                if r.capacity_key in expired
                or (r.capacity_key not in known and r.created_at < cutoff)
            )
            what = "na hun bijeenkomst, of " if fid in plan else ""
            print(
                f"{fid}: {n} zou(den) worden verwijderd ({what}verstuurd voor {cutoff:%d-%m-%Y})",
                file=out,
            )
        return 0
    for fid, n in retention.purge(store, forms, args.actor, now(), registry).items():
        print(f"{fid}: {n} verwijderd", file=out)
    return 0


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.forms.definitions import table_schema

    _, _, forms = common.store_and_forms()
    if args.form not in forms:
        print(
            f"spiegel schema: formulier {args.form!r} bestaat niet. Kies uit:"
            f" {', '.join(sorted(forms))}.",
            file=sys.stderr,
        )
        return 2
    json.dump(table_schema(forms[args.form]), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def cmd_migrate(args: argparse.Namespace, out: TextIO) -> int:
    store = common.open_store()
    print(f"{store.migrate()} migratie(s) uitgevoerd ({store.kind})", file=out)
    return 0


def cmd_audit_log(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.signups.accesslog import audit_lines

    _, store, _ = common.store_and_forms()
    for entry in store.audit_log():
        print(
            f"{entry['at']}\t{entry['actor']}\t{entry['action']}\t{entry['form_id']}\t{entry['detail']}",
            file=out,
        )
    for line in audit_lines(store):  # the back office's access log, in the same columns
        print(line, file=out)
    return 0


def cmd_keygen(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.security.cipher import new_key

    print(new_key(), file=out)
    return 0


def cmd_ballots(args: argparse.Namespace, out: TextIO) -> int:
    """Move the waiting answers into the answer table, shuffled, once enough of them wait."""
    from spiegel.signups import ballots  # here, not at the top: `spiegel check` stays light
    from spiegel.signups.invitations import open_evaluations

    _, store, forms = common.store_and_forms()
    waiting = store.ballots_waiting()
    # --alles: the answers of closed evaluations, however few; an open one's wait for a batch
    open_now = (open_evaluations(forms) or set()) if args.alles else None
    moved = ballots.move(store, common.cipher(), open_now)
    print(
        f"spiegel ballots: {moved} antwoord(en) verplaatst, {waiting - moved} wachten nog"
        + (
            ""
            if moved or not waiting
            else f" (minder dan {ballots.BALLOT_BATCH}; --alles na sluiting)"
        ),
        file=out,
    )
    return 0
