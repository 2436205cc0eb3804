"""The privacy statement promises "Na de bewaartermijn verwijderen wij uw gegevens automatisch":
the serve process purges at start-up and once a day (audited as "spiegel serve"), without cron."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from spiegel.db.base import Store, now
from spiegel.mailsettings import MailSettings
from spiegel.outbox.worker import start_in_process
from spiegel.signups.registry import Registry

from .test_endpoint import services_for
from .test_forms import VALID

PEER = "collegiale-ondersteuning"  # kept 30 days


def _submit(store: Store, registry: Registry, form_id: str) -> str:
    form = registry.forms()[form_id]
    sub, errors = registry.prepare(form, VALID[form_id], None)
    assert sub is not None and not errors
    return store.submit(sub).id


def _until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def _serve_purges(store: Store) -> list[dict[str, Any]]:
    return [e for e in store.audit_log() if e["actor"] == "spiegel serve"]


def test_serve_purges_at_start_up_and_once_a_day(database_url: str, tmp_path: Any) -> None:
    mail = MailSettings(outbox_dir=tmp_path / "outbox", public_url="http://127.0.0.1:8000")
    services = services_for(database_url, mail=mail)
    store, registry = services.store, services.registry
    old = _submit(store, registry, PEER)
    kept = _submit(store, registry, "vvg")  # kept 365 days
    clock = {"now": now() + dt.timedelta(days=31), "day": dt.date(2026, 11, 22)}
    _, stop = start_in_process(
        services, tick=0.02, today=lambda: clock["day"], clock=lambda: clock["now"]
    )
    try:
        # start-up: the 31-day-old peer-support request is past its 30 days, the VVG is not
        assert _until(lambda: store.submission(old) is None)
        assert store.submission(kept) is not None
        assert _until(lambda: len(_serve_purges(store)) == 1)  # audited after the purge's commit
        [entry] = _serve_purges(store)
        assert (entry["action"], entry["form_id"]) == ("purge", PEER)
        assert entry["detail"] == "1 rows past retention"
        # the same day: no second purge, however often the housekeeping wakes
        fresh = _submit(store, registry, PEER)
        clock["now"] += dt.timedelta(days=31)
        time.sleep(0.3)
        assert store.submission(fresh) is not None
        # the next day it goes
        clock["day"] += dt.timedelta(days=1)
        assert _until(lambda: store.submission(fresh) is None)
        assert _until(lambda: len(_serve_purges(store)) == 2)
        assert [e["form_id"] for e in _serve_purges(store)] == [PEER, PEER]
        assert store.submission(kept) is not None
    finally:
        stop.set()
        time.sleep(0.05)
        store.close()
