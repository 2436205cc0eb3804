"""The daily cap of sign-ups per client (SPIEGEL_SIGNUPS_PER_DAY) is counted in the database:
several instances share one count, the count holds no address, and purge drops old counts."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx2 as httpx
import pytest
from spiegel.db import open_store
from spiegel.db.base import now
from spiegel.web.routes.forms import seconds_until_midnight

from . import servers
from .test_endpoint import person
from .test_forms import VALID

LIMIT = 5


async def _burst(urls: list[str], n: int) -> list[int]:
    async with httpx.AsyncClient(timeout=60) as client:
        replies = await asyncio.gather(
            *(
                client.post(f"{urls[i % len(urls)]}/api/forms/spiegelbijeenkomst", json=person(i))
                for i in range(n)
            )
        )
    return [r.status_code for r in replies]


def _counts(database_url: str) -> list[tuple[str, str, int]]:
    store = open_store(database_url)
    try:
        with store.dialect.read() as conn:  # type: ignore[attr-defined]
            return list(conn.execute("SELECT client_day, day, n FROM signup_counts").fetchall())
    finally:
        store.close()


def test_two_instances_share_one_daily_cap(database_url: str) -> None:
    extra = {"SPIEGEL_SIGNUPS_PER_DAY": str(LIMIT)}
    procs = [servers.start(database_url, extra=extra) for _ in range(2)]
    urls = [base for _, base in procs]
    try:
        # twelve sign-ups from one address at once, alternating between the two instances
        codes = asyncio.run(_burst(urls, 12))
        assert sorted(codes) == [201] * LIMIT + [429] * (12 - LIMIT), codes
        # and later ones, on either instance, are refused as well
        for url in urls:
            r = httpx.post(f"{url}/api/forms/spiegelbijeenkomst", json=person(50), timeout=10)
            assert r.status_code == 429 and "morgen" in r.json()["error"]
            # "morgen": the header says when tomorrow begins in Amsterdam, not "in an hour"
            wait = int(r.headers["retry-after"])
            assert abs(wait - seconds_until_midnight()) <= 60, wait
            assert (
                httpx.post(f"{url}/api/forms/vvg", json=VALID["vvg"], timeout=10).status_code == 201
            )
    finally:
        for proc, _ in procs:
            servers.stop(proc)
    store = open_store(database_url)
    assert store.count("spiegelbijeenkomst") == LIMIT  # a refused sign-up leaves nothing behind
    store.close()
    # the sign-ups' own count (the vvg requests are counted per form, under their own key)
    [(client_day, day, n)] = [c for c in _counts(database_url) if c[2] == LIMIT]
    assert n == LIMIT and "127.0.0.1" not in client_day and len(client_day) == 32
    assert day in {
        (now() + dt.timedelta(hours=h)).date().isoformat() for h in (-1, 0, 1, 2)
    }  # today in Europe/Amsterdam


def test_purge_drops_counts_after_two_days(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    old = (now() - dt.timedelta(days=3)).date().isoformat()
    recent = (now() - dt.timedelta(days=1)).date().isoformat()
    mark = store.dialect.mark  # type: ignore[attr-defined]
    sql = f"INSERT INTO signup_counts (client_day, day, n) VALUES ({mark}, {mark}, 1)"
    with store.dialect.transaction() as conn:  # type: ignore[attr-defined]
        conn.cursor().executemany(sql, [("a" * 32, old), ("b" * 32, recent)])
    store.purge({})
    store.close()
    assert [c[1] for c in _counts(database_url)] == [recent]


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        ("2026-12-01T22:59:00+00:00", 60),  # 23:59 in Amsterdam (winter, UTC+1)
        ("2026-12-01T23:00:00+00:00", 86400),  # midnight exactly: a whole day to go
        ("2027-06-01T21:30:00+00:00", 1800),  # 23:30 in summer (UTC+2)
        ("2027-03-28T00:30:00+00:00", 81000),  # 01:30 on the day the clocks go forward: 23h day
    ],
)
def test_retry_after_of_the_daily_cap_is_the_next_amsterdam_midnight(
    now: str, seconds: int
) -> None:

    assert seconds_until_midnight(dt.datetime.fromisoformat(now)) == seconds
