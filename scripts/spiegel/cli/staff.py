"""Commands for the people who edit content: check, schemas (editor help), snapshot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel import check
    from spiegel.config import ConfigError, build_settings

    try:
        base_ref = build_settings().base_ref
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    issues = check.check(Path(args.content), Path(args.forms), base_ref)
    if args.format == "github":
        if issues:
            print(check.github(issues), file=out)
        print(check.text(issues), file=sys.stderr)
    elif args.format == "gitlab":
        print(check.gitlab(issues), file=out)
        print(check.text(issues), file=sys.stderr)
    else:
        print(check.text(issues), file=out if not issues else sys.stderr)
    return 1 if issues else 0


def cmd_schemas(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel import editor

    root = Path(args.root)
    if args.write:
        changed = editor.write(root)
        print(
            f"{len(changed)} bestand(en) bijgewerkt" + "".join(f"\n  {c}" for c in changed),
            file=out,
        )
        return 0
    stale = editor.stale(root)
    if stale:
        print(
            "Deze bestanden lopen achter op het inhoudsmodel; draai `spiegel schemas --write`:\n  "
            + "\n  ".join(stale),
            file=sys.stderr,
        )
        return 1
    print("De JSON Schemas zijn bij.", file=out)
    return 0


def cmd_snapshot(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel import snapshot
    from spiegel.content.schema import ContentError

    try:
        defs = snapshot.from_sources(Path(args.content), Path(args.forms))
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    out.write(snapshot.dump(defs))
    return 0
