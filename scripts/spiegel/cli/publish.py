"""Commands that publish or hand out: results (the open-data package), invite (codes)."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import TextIO

import spiegel.cli.common as common
from spiegel.security.files import open_private


def cmd_results(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.content.model import load_content
    from spiegel.content.schema import ContentError
    from spiegel.results.package import (
        build_results,
        check_with_frictionless,
        configured_k,
        load_published,
        summary,
    )
    from spiegel.results.publish import publish

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
    if not Path(args.raw).is_file():
        print(
            f"{args.raw}: dit bestand bestaat niet. Maak het met"
            " `spiegel export groepsevaluatie --format data -o ruw.csv`.",
            file=sys.stderr,
        )
        return 2
    result = build_results(Path(args.raw), content, k)
    if result.error_count:
        print(
            f"{args.raw}: {result.error_count} fout(en); er is niets gepubliceerd."
            " Verbeter het bestand en probeer opnieuw:",
            file=sys.stderr,
        )
        for e in result.errors:
            print(f"  {args.raw}: {e}", file=sys.stderr)
        if result.error_count > len(result.errors):
            print(f"  ... en nog {result.error_count - len(result.errors)}", file=sys.stderr)
        return 1
    _, store, _ = common.store_and_forms()
    from spiegel.signups import ballots

    ballots.move(store, common.cipher(), everything=True)  # the evaluation is closed: all of them
    out_dir = Path(args.out)
    outcome = publish(
        result,
        out_dir,
        content,
        store.invited_counts(),
        args.replace,
        args.reden or "",
        used=store.used_counts(),
        frozen_k=store.frozen_k(),
    )
    for note in outcome.notes:
        print(note, file=sys.stderr)
    if outcome.errors:
        print("Er is niets gepubliceerd:\n  " + "\n  ".join(outcome.errors), file=sys.stderr)
        return 1
    problems = check_with_frictionless(out_dir)
    try:
        load_published(out_dir, content, str(out_dir))
    except ContentError as exc:
        problems += [str(i) for i in exc.issues]
    if problems:
        print(
            "Het geschreven pakket haalt de controle niet; meld dit bij de beheerder:\n  "
            + "\n  ".join(problems),
            file=sys.stderr,
        )
        return 1
    print(summary(result), file=out)
    print(
        f"geschreven: {out_dir}/datapackage.json, stellingen.csv, themas.csv, publicaties.json",
        file=out,
    )
    return 0


def cmd_invite(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.content.model import RESPONDENT_GROUPS, load_content
    from spiegel.content.schema import ContentError
    from spiegel.security.invites import code_key, new_code, normalise

    try:
        content = load_content(Path(args.content))
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    evaluations = {e["id"]: e for e in content.groepsevaluatie["evaluations"]}
    if args.evaluation not in evaluations:
        print(
            f"{args.evaluation}: onbekende evaluatie; kies uit: {', '.join(evaluations)}",
            file=sys.stderr,
        )
        return 2
    if args.group not in RESPONDENT_GROUPS:
        print(f"--group: kies uit {', '.join(RESPONDENT_GROUPS)}", file=sys.stderr)
        return 2
    if not 1 <= args.count <= 5000:
        print("--count: een heel getal van 1 tot 5000", file=sys.stderr)
        return 2
    target = Path(args.out) if args.out else None
    if target and target.exists():
        print(
            f"{target}: bestaat al; codes worden maar één keer geschreven. Kies een nieuwe naam.",
            file=sys.stderr,
        )
        return 2
    services = common.services()
    store = services.store
    from spiegel.results.package import configured_k

    k = configured_k(content)  # frozen for this evaluation from its first code on (issue 19)
    if (frozen := store.freeze_k(args.evaluation, k)) != k:
        print(
            f"{args.evaluation}: k ligt vast op {frozen} sinds de eerste code; de inhoud zegt nu"
            f" k={k}. Zet disclosure.k terug op {frozen}.",
            file=sys.stderr,
        )
        return 2
    codes = [new_code() for _ in range(args.count)]
    assert all(normalise(c) for c in codes)
    keys = [code_key(services.keys, normalise(c) or "") for c in codes]
    # the file first: if it cannot be written, no code exists that nobody can hand out
    fh = open_private(target, exclusive=True, newline="", encoding="utf-8") if target else out
    try:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["evaluatie", "respondentgroep", "code"])
        writer.writerows([args.evaluation, args.group, c] for c in codes)
    finally:
        if target:
            fh.close()
    store.add_invitations(args.evaluation, args.group, keys)
    store.audit(
        args.actor, "invite", "groepsevaluatie", f"{args.evaluation} {args.group} {args.count}"
    )
    print(
        f"{args.count} codes voor {args.evaluation} / {args.group}"
        + (f" geschreven naar {target}" if target else "")
        + "; alleen een sleutel-hash van elke code is bewaard",
        file=sys.stderr,
    )
    return 0
