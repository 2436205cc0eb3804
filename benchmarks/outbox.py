"""The outbox: messages per second to a local SMTP relay (aiosmtpd), and the time from a sign-up
(POST to ./scripts/serve's process) to the message arriving at the relay, p50/p99.

    .venv/bin/python benchmarks/outbox.py [--messages 500] [--signups 200]

Baselines from the same run: smtplib sending the same messages over one connection with no
database (what the relay and the MIME encoding cost alone), and the sign-up's own HTTP answer time.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx
from _util import ROOT, median, pct, row
from aiosmtpd.controller import Controller

sys.path.insert(0, str(ROOT / "scripts"))
from spiegel.config import Settings  # noqa: E402
from spiegel.db import open_store  # noqa: E402
from spiegel.db.base import Submission  # noqa: E402
from spiegel.mailsettings import MailSettings  # noqa: E402
from spiegel.outbox.worker import make_sender  # noqa: E402
from spiegel.security.keys import Keys  # noqa: E402
from spiegel.services import Services  # noqa: E402

PG = os.environ.get("SPIEGEL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


class Recorder:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            for rcpt in envelope.rcpt_tos:  # type: ignore[attr-defined]
                self.arrived.setdefault(rcpt, now)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(url: str, n: int) -> None:
    store = open_store(url)
    store.migrate()
    seat = Keys.of(None, store).seat("spiegelbijeenkomst", "2027-01-cardiologie")
    for i in range(n):
        store.submit(
            Submission(
                "spiegelbijeenkomst",
                {"naam": f"P{i}", "email": f"p{i}@example.nl"},
                seat,
                100000,
                notify=True,
            )
        )
    store.close()


def throughput(url: str, relay_port: int, rec: Recorder, n: int) -> tuple[float, list[object]]:
    fill(url, n)
    mail = MailSettings(
        smtp_url=f"smtp://127.0.0.1:{relay_port}",
        mail_from="Spiegel <spiegel@zorggroep.example>",
        public_url="https://spiegel.example",
    )
    settings = Settings(
        database_url=url, content_dir=ROOT / "content", forms_dir=ROOT / "forms", mail=mail
    )
    store = open_store(url)
    sender = make_sender(Services.build(settings, store))
    start, before = time.perf_counter(), rec.count
    while sender.run_once(100):
        pass
    elapsed = time.perf_counter() - start
    sender.transport.close()
    # the same messages again, for the baseline (composed outside the timing)
    msgs = [sender_message(sender, r) for r in store.outbox(("sent",))]
    store.close()
    assert rec.count - before == n, f"{rec.count - before} of {n} arrived"
    return n / elapsed, msgs


def sender_message(sender: object, r: object) -> object:
    from spiegel.outbox.messages import build_message

    letter, to = sender.compose(r)  # type: ignore[attr-defined]
    return build_message(letter, to=to, sender="spiegel@zorggroep.example", message_id=r.id)  # type: ignore[attr-defined]


def baseline(relay_port: int, msgs: list[object]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", relay_port) as smtp:
        for m in msgs:
            smtp.send_message(m)  # type: ignore[arg-type]
    return len(msgs) / (time.perf_counter() - start)


def latency(relay_port: int, rec: Recorder, n: int, db: str) -> tuple[list[float], list[float]]:
    port = free_port()
    site = tempfile.mkdtemp()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "scripts"),
        "SPIEGEL_DATABASE_URL": db,
        "SPIEGEL_RATE_LIMIT": "0",
        "SPIEGEL_MIN_FILL_SECONDS": "0",
        "SPIEGEL_SIGNUPS_PER_DAY": "0",
        "SPIEGEL_SMTP_URL": f"smtp://127.0.0.1:{relay_port}",
        "SPIEGEL_MAIL_FROM": "Spiegel <spiegel@zorggroep.example>",
    }
    cmd = [sys.executable, "-m", "spiegel.serve", "--port", str(port), "--site", site, "--no-watch"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/api/health", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        answers, delivered = [], []
        with httpx.Client() as client:
            for i in range(n):
                to = f"lat{i}@example.nl"
                body = {
                    "sessie": "2027-02-oncologie",
                    "naam": "Bench",
                    "email": to,
                    "rol": "patient",
                    "akkoord_vertrouwelijk": "ja",
                    "akkoord_gegevens": "ja",
                }
                t0 = time.perf_counter()
                r = client.post(base + "/api/forms/spiegelbijeenkomst", data=body)
                answers.append(time.perf_counter() - t0)
                assert r.status_code == 303, r.status_code
                deadline = time.monotonic() + 10
                while to not in rec.arrived and time.monotonic() < deadline:
                    time.sleep(0.0005)
                delivered.append(rec.arrived[to] - t0)
        return answers, delivered
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=500)
    p.add_argument("--signups", type=int, default=200)
    args = p.parse_args()
    rec = Recorder()
    relay_port = free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=relay_port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            import psycopg

            schema = f"bench_{os.getpid()}"
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                conn.execute(f"CREATE SCHEMA {schema}")
            pg = f"{PG}?options=-csearch_path%3D{schema}"
            print(f"outbox -> local aiosmtpd relay, {args.messages} messages")
            rate_sqlite, msgs = throughput(
                f"sqlite:///{Path(tmp) / 'a.sqlite3'}", relay_port, rec, args.messages
            )
            rate_pg, _ = throughput(pg, relay_port, rec, args.messages)
            rate_base = baseline(relay_port, msgs)
            row(
                "outbox sender, SQLite",
                f"{rate_sqlite:,.0f} msg/s",
                f"({rate_sqlite / rate_base:.2f}x)",
            )
            row(
                "outbox sender, PostgreSQL",
                f"{rate_pg:,.0f} msg/s",
                f"({rate_pg / rate_base:.2f}x)",
            )
            row("baseline: smtplib, same messages, no database", f"{rate_base:,.0f} msg/s")
            print(
                f"sign-up (serve, SQLite) to message at the relay, {args.signups} sign-ups one by one"
            )
            answers, delivered = latency(
                relay_port, rec, args.signups, f"sqlite:///{Path(tmp) / 'b.sqlite3'}"
            )
            ms = [x * 1000 for x in delivered]
            base_ms = [x * 1000 for x in answers]
            row("sign-up -> message received", f"p50 {median(ms):.1f} ms, p99 {pct(ms, 99):.1f} ms")
            row(
                "baseline: the sign-up's HTTP answer",
                f"p50 {median(base_ms):.1f} ms, p99 {pct(base_ms, 99):.1f} ms",
            )
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
