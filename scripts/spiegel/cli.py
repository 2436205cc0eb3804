"""The `spiegel` command for staff and operators.

spiegel export FORM        CSV of a form's submissions to stdout (audited)
spiegel purge [--dry-run]  delete what is past its retention period (safe from cron)
spiegel schema FORM        the Table Schema of the export
spiegel results RAW.csv    raw questionnaire answers -> checked open-data package
spiegel migrate            apply database migrations
spiegel audit-log          who exported what, when
spiegel keygen             a new encryption key for SPIEGEL_ENCRYPTION_KEY
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_OPEN: list[Any] = []  # stores opened by this command, closed when it ends


def neutralise(cell: str) -> str:
    """Cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _settings() -> Any:
    from spiegel_endpoint.settings import ConfigError, Settings

    try:
        return Settings.from_env()
    except ConfigError as exc:
        sys.exit(str(exc))


def _store_and_forms() -> Any:
    from spiegel_endpoint.registry import Registry
    from spiegel_endpoint.store import open_store

    settings = _settings()
    store = open_store(settings.database_url)
    _OPEN.append(store)
    store.migrate()
    return settings, store, Registry(settings).forms()


def export_rows(store: Any, form: Any, cipher: Any) -> Iterator[list[str]]:
    from spiegel.forms import NOT_APPLICABLE, table_schema

    columns = [c["name"] for c in table_schema(form)["fields"]]
    yield columns
    for row in store.rows(form.id):
        values = {"id": row.id, "ingediend": row.created_at.isoformat(), "status": row.status}
        for name in columns[3:]:
            value = row.payload.get(name, "")
            if cipher and isinstance(value, str):
                value = cipher.decrypt(value)
            values[name] = "" if value == NOT_APPLICABLE else value
        yield [neutralise(str(values.get(c, ""))) for c in columns]


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    settings, store, forms = _store_and_forms()
    form = forms.get(args.form)
    if form is None:
        print(f"unknown form {args.form!r}; known: {', '.join(sorted(forms))}", file=sys.stderr)
        return 2
    cipher = None
    if settings.encryption_key:
        from spiegel_endpoint.crypto import FieldCipher

        cipher = FieldCipher(settings.encryption_key)
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for count, line in enumerate(export_rows(store, form, cipher)):  # noqa: B007
        writer.writerow(line)
    store.audit(args.actor, "export", form.id, f"{count} rows")
    print(
        f"exported {count} rows of {form.id}; logged in the audit log as {args.actor}",
        file=sys.stderr,
    )
    return 0


def cmd_purge(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel_endpoint.store import now

    _, store, forms = _store_and_forms()
    cutoffs = {
        f.id: now() - dt.timedelta(days=int(f.privacy["retention_days"])) for f in forms.values()
    }
    if args.dry_run:
        for fid, cutoff in cutoffs.items():
            n = sum(1 for r in store.rows(fid) if r.created_at < cutoff)
            print(f"{fid}: {n} would be deleted (before {cutoff.isoformat()})", file=out)
        return 0
    deleted = store.purge(cutoffs)
    for fid, n in deleted.items():
        print(f"{fid}: {n} deleted", file=out)
        if n:
            store.audit(args.actor, "purge", fid, f"{n} rows past retention")
    return 0


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.forms import table_schema

    _, _, forms = _store_and_forms()
    if args.form not in forms:
        print(f"unknown form {args.form!r}", file=sys.stderr)
        return 2
    json.dump(table_schema(forms[args.form]), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def cmd_results(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.content import load_content
    from spiegel.results import build_results, check_with_frictionless, summary, write_package
    from spiegel.schema import ContentError

    try:
        content = load_content(Path(args.content))
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.k < 3:
        print("--k: expected a whole number of at least 3", file=sys.stderr)
        return 2
    if not Path(args.raw).is_file():
        print(f"{args.raw}: no such file", file=sys.stderr)
        return 2
    result = build_results(Path(args.raw), content, args.k)
    if result.error_count:
        print(
            f"{args.raw}: {result.error_count} problem(s); nothing was published:", file=sys.stderr
        )
        for e in result.errors:
            print(f"  {args.raw}: {e}", file=sys.stderr)
        if result.error_count > len(result.errors):
            print(f"  ... and {result.error_count - len(result.errors)} more", file=sys.stderr)
        return 1
    out_dir = Path(args.out)
    write_package(result, out_dir)
    problems = check_with_frictionless(out_dir)
    from spiegel.results import load_published

    try:
        load_published(out_dir, content, str(out_dir))
    except ContentError as exc:
        problems += [str(i) for i in exc.issues]
    if problems:
        print("the written package failed its checks:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(summary(result), file=out)
    print(f"wrote {out_dir}/datapackage.json, stellingen.csv, themas.csv", file=out)
    return 0


def cmd_migrate(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel_endpoint.store import open_store

    store = open_store(_settings().database_url)
    _OPEN.append(store)
    print(f"{store.migrate()} migration(s) applied ({store.kind})", file=out)
    return 0


def cmd_audit_log(args: argparse.Namespace, out: TextIO) -> int:
    _, store, _ = _store_and_forms()
    for entry in store.audit_log():
        print(
            f"{entry['at']}\t{entry['actor']}\t{entry['action']}\t{entry['form_id']}\t{entry['detail']}",
            file=out,
        )
    return 0


def cmd_snapshot(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel import snapshot
    from spiegel.schema import ContentError

    try:
        defs = snapshot.from_sources(Path(args.content), Path(args.forms))
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    out.write(snapshot.dump(defs))
    return 0


def cmd_keygen(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel_endpoint.crypto import new_key

    print(new_key(), file=out)
    return 0


def parser() -> argparse.ArgumentParser:
    default_actor = os.environ.get("SPIEGEL_ACTOR") or getpass.getuser()
    p = argparse.ArgumentParser(
        prog="spiegel", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="CSV of a form's submissions to stdout")
    e.add_argument("form")
    e.add_argument(
        "--actor",
        default=default_actor,
        help="name for the audit log (default: $SPIEGEL_ACTOR or user)",
    )
    e.set_defaults(func=cmd_export)
    pu = sub.add_parser("purge", help="delete submissions past their retention period")
    pu.add_argument("--dry-run", action="store_true")
    pu.add_argument("--actor", default=default_actor)
    pu.set_defaults(func=cmd_purge)
    s = sub.add_parser("schema", help="Table Schema of a form's export")
    s.add_argument("form")
    s.set_defaults(func=cmd_schema)
    r = sub.add_parser("results", help="raw questionnaire CSV -> anonymised open-data package")
    r.add_argument("raw")
    r.add_argument("--out", default="content/results")
    r.add_argument(
        "--k", type=int, default=5, help="smallest group shown (default 5, never below 3)"
    )
    r.add_argument("--content", default=os.environ.get("SPIEGEL_CONTENT_DIR", "content"))
    r.set_defaults(func=cmd_results)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("audit-log", help="print the audit log").set_defaults(func=cmd_audit_log)
    sub.add_parser("keygen", help="print a new encryption key").set_defaults(func=cmd_keygen)
    sn = sub.add_parser(
        "snapshot", help="JSON of the form definitions for SPIEGEL_SNAPSHOT (serverless)"
    )
    sn.add_argument("--content", default=os.environ.get("SPIEGEL_CONTENT_DIR", "content"))
    sn.add_argument("--forms", default=os.environ.get("SPIEGEL_FORMS_DIR", "forms"))
    sn.set_defaults(func=cmd_snapshot)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args, out or sys.stdout))
    finally:
        while _OPEN:
            _OPEN.pop().close()


if __name__ == "__main__":
    raise SystemExit(main())
