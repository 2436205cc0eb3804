"""Test helpers: invitation codes issued through the real command (a sheet of slips, the only
place a code is ever shown), and answers given with them through the real endpoint."""

from __future__ import annotations

import io
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from spiegel.cli import main
from starlette.testclient import TestClient

from .conftest import ROOT
from .test_endpoint import app_for

DEADLINE = "2030-12-31"
SLIP_CODE = re.compile(r'class="slip-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')


def codes_in(html: str) -> list[str]:
    return SLIP_CODE.findall(html)


def issue(ev: str, group: str, count: int, content: Path = ROOT / "content") -> list[str]:
    """``count`` codes for slips (`spiegel invite --slips`), read back from the sheet."""
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "strookjes.html"
        args = ["invite", ev, "--group", group, "--slips", str(count), "--out", str(sheet)]
        args += ["--deadline", DEADLINE, "--content", str(content)]
        assert main(args, io.StringIO()) == 0
        found = codes_in(sheet.read_text(encoding="utf-8"))
    assert len(found) == count
    return found


def body(row: dict[str, str], code: str) -> dict[str, str]:
    """An answer as the questionnaire posts it (an empty statement is n.v.t.)."""
    out = {k: v for k, v in row.items() if k not in ("id", "ingediend", "status")}
    for k, v in out.items():
        if re.fullmatch(r"s\d\d", k) and v in ("", "n.v.t.", "NVT"):
            out[k] = "nvt"
    return out | {"code": code}


def answer(
    url: str, data: list[dict[str, str]], content: Path = ROOT / "content", **kw: Any
) -> None:
    """Every row answered with a code of its own, through the endpoint (by default the ROOT
    content, where the evaluations are open); the answers wait in the ballot box."""
    by_group: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in data:
        by_group[(row["evaluatie"], row["respondentgroep"])].append(row)
    app = app_for(url, content_dir=content, **kw)
    with TestClient(app) as client:
        for (ev, group), rows in by_group.items():
            for row, code in zip(rows, issue(ev, group, len(rows), content), strict=True):
                r = client.post("/api/forms/groepsevaluatie", json=body(row, code))
                assert r.status_code == 201, r.text
    app.state.store.close()
