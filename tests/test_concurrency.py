"""Real servers on loopback: concurrent submissions, capacity across instances, kill -9 safety."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from spiegel.db import open_store
from spiegel.db.base import CONFIRMED, WAITLIST
from spiegel.security.keys import Keys

from . import servers
from .test_forms import VALID

pytestmark = pytest.mark.slow
SIGNUP = VALID["spiegelbijeenkomst"]
# a form without seats: every acknowledged request is a row of its own
FORM = "gluren-bij-de-buren"


async def _burst(
    urls: list[str], n: int, form: str, body: dict[str, object]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(f"{urls[i % len(urls)]}/api/forms/{form}", json=_other(body, i))
                for i in range(n)
            )
        )


def _other(body: dict[str, object], i: int) -> dict[str, object]:
    """Different people (one person gets one seat per session)."""
    return {**body, "email": f"persoon{i}@example.nl"} if "email" in body else body


def test_200_concurrent_submissions_stored_exactly_once(database_url: str) -> None:
    proc, base = servers.start(database_url)
    try:
        responses = asyncio.run(_burst([base], 200, FORM, VALID[FORM]))
    finally:
        servers.stop(proc)
    assert [r.status_code for r in responses].count(201) == 200
    ids = {r.json()["id"] for r in responses}
    store = open_store(database_url)
    stored = [r.id for r in store.rows(FORM)]
    store.close()
    assert len(stored) == 200 and set(stored) == ids


@pytest.mark.parametrize("instances", [1, 2])
def test_capacity_holds_across_instances(database_url: str, instances: int) -> None:
    procs = [servers.start(database_url) for _ in range(instances)]
    try:
        responses = asyncio.run(_burst([b for _, b in procs], 100, "spiegelbijeenkomst", SIGNUP))
    finally:
        for p, _ in procs:
            servers.stop(p)
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count(CONFIRMED) == 7 and statuses.count(WAITLIST) == 93
    store = open_store(database_url)
    seat = Keys.of(None, store).seat("spiegelbijeenkomst", "2027-01-cardiologie")
    assert store.count("spiegelbijeenkomst", seat, CONFIRMED) == 7
    assert store.count("spiegelbijeenkomst") == 100
    store.close()


def test_kill_9_loses_no_acknowledged_submission(database_url: str) -> None:
    port = servers.free_port()
    proc, base = servers.start(database_url, port)
    acked: list[str] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(timeout=5) as c:
            for _ in range(400):  # bounded
                if stop.is_set():
                    return
                try:
                    r = c.post(f"{base}/api/forms/{FORM}", json=VALID[FORM])
                except httpx.HTTPError:
                    return
                if r.status_code == 201:
                    acked.append(r.json()["id"])

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(acked) < 50 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join(10)
    if proc.stderr:
        proc.stderr.close()
    assert len(acked) >= 50
    proc2, _ = servers.start(database_url, port)  # restart on the same database
    servers.stop(proc2)
    store = open_store(database_url)
    stored = [r.id for r in store.rows(FORM)]
    store.close()
    assert len(stored) == len(set(stored))
    assert set(acked) <= set(stored)


def test_serve_gives_site_and_endpoint_on_one_origin(built_site: object, tmp_path: Path) -> None:
    site = built_site.site  # type: ignore[attr-defined]
    proc, base = servers.start(f"sqlite:///{tmp_path / 'db.sqlite3'}", site=site)
    try:
        for url in (
            "/",
            "/spiegelbijeenkomst/",
            "/vvg/aanmelden/",
            "/privacy/",
            "/toegankelijkheid/",
        ):
            r = httpx.get(base + url)
            assert r.status_code == 200 and '<html lang="nl"' in r.text
        r = httpx.post(base + "/api/forms/vvg", data=VALID["vvg"])
        assert r.status_code == 303
        assert httpx.get(base + r.headers["location"]).status_code == 200
    finally:
        servers.stop(proc)


@pytest.mark.parametrize("instances", [1, 2])
def test_concurrent_cancels_and_signups_keep_every_seat_filled(
    database_url: str, instances: int
) -> None:
    """Cancels (each promoting someone) racing new sign-ups: never more than 7 seats, and never a
    free seat while someone who agreed to move up is still waiting."""
    from spiegel.signups.prepare import cancel_token, link_key

    procs = [servers.start(database_url) for _ in range(instances)]
    urls = [b for _, b in procs]
    body = {**SIGNUP, "doorschuiven": "ja"}
    try:
        first = [
            httpx.post(f"{urls[0]}/api/forms/spiegelbijeenkomst", json=_other(body, i)).json()
            for i in range(12)
        ]
        assert [f["status"] for f in first] == ["confirmed"] * 7 + ["waitlist"] * 5
        store = open_store(database_url)
        key = link_key(None, store)
        cancels = [cancel_token(key, f["id"]) for f in first[:6]]  # 6 seats free up, 5 wait

        async def race() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=60) as client:
                jobs = [
                    client.post(f"{urls[i % len(urls)]}/api/afmelden/{t}")
                    for i, t in enumerate(cancels)
                ] + [
                    client.post(
                        f"{urls[i % len(urls)]}/api/forms/spiegelbijeenkomst",
                        json=_other(body, 100 + i),
                    )
                    for i in range(30)
                ]
                return await asyncio.gather(*jobs)

        answers = asyncio.run(race())
    finally:
        for p, _ in procs:
            servers.stop(p)
    assert all(r.status_code in (200, 201) for r in answers)
    assert all("status" in r.json() for r in answers[len(cancels) :])
    seat = Keys.of(None, store).seat("spiegelbijeenkomst", "2027-01-cardiologie")
    confirmed = store.count("spiegelbijeenkomst", seat, CONFIRMED)
    waiting = store.count("spiegelbijeenkomst", seat, WAITLIST)
    store.close()
    assert confirmed == 7  # 42 people wanted a seat, 6 gave theirs back: all 7 seats are taken
    assert waiting == 12 + 30 - 6 - 7
