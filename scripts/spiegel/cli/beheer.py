"""`spiegel access-log`: the back office's access log (who saw or changed which personal data)."""

from __future__ import annotations

import argparse
from typing import TextIO

import spiegel.cli.common as common


def cmd_access_log(args: argparse.Namespace, out: TextIO) -> int:
    from spiegel.db.base import now
    from spiegel.signups import accesslog

    _, store, _ = common.store_and_forms()
    if args.purge:
        n = accesslog.purge(store, now())
        print(f"{n} regel(s) ouder dan de bewaartermijn verwijderd", file=out)
        return 0
    for line in accesslog.lines(store):
        print(line, file=out)
    return 0
