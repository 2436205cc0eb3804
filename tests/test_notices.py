"""A new request on a form that promises an answer reaches the coordinator: one notice per
request, over a real SMTP server, with no personal data in it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spiegel.config import ConfigError
from spiegel.db.base import NOTICE, PENDING, Store, now
from spiegel.mailsettings import MailSettings
from spiegel.outbox.worker import make_sender
from spiegel.signups.letters import LetterText
from spiegel.signups.notices import queue_notices
from starlette.testclient import TestClient

from .smtp import Relay
from .test_endpoint import app_for, services_for
from .test_forms import VALID

PEER = {**VALID["collegiale-ondersteuning"], "naam": "Dr. Geheim Voorbeeldnaam"}


def mail_for(relay: Relay, **kw: Any) -> MailSettings:
    return MailSettings(
        smtp_url=relay.url,
        mail_from="Spiegel <spiegel@zorggroep.example>",
        coordinator="coordinator@zorggroep.example",
        public_url="https://spiegel.example",
        **kw,
    )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The store after one request on each form: three that promise an answer, one sign-up."""
    app = app_for(database_url, min_fill_seconds=0)
    with TestClient(app) as client:
        post_all(client)
    yield app.state.store
    app.state.store.close()


def post_all(client: TestClient) -> None:
    # VVG dates have seats now (issue 22): like a mirror meeting, no notice (the digest counts it)
    for form_id in ("collegiale-ondersteuning", "vvg", "gluren-bij-de-buren"):
        body = PEER if form_id == "collegiale-ondersteuning" else VALID[form_id]
        assert client.post(f"/api/forms/{form_id}", json=body).status_code == 201
    assert (
        client.post("/api/forms/spiegelbijeenkomst", json=VALID["spiegelbijeenkomst"]).status_code
        == 201
    )
    return client.app.state.store


def test_one_notice_per_request_without_personal_data(store: Store, database_url: str) -> None:
    relay = Relay().start()
    try:
        mail = mail_for(relay, notify={"collegiale-ondersteuning": "peer@zorggroep.example"})
        services = services_for(database_url, store, mail=mail, migrate=False)
        registry = services.registry
        assert queue_notices(store, registry, mail.coordinator, mail.notify, now()) == 2
        # every process may run it, as often as it likes: still one notice per request
        assert queue_notices(store, registry, mail.coordinator, mail.notify, now()) == 0
        assert len([r for r in store.outbox((PENDING,)) if r.kind == NOTICE]) == 2
        sender = make_sender(services)
        sender.run_once()
        sender.transport.close()
        received = relay.wait_for(4)  # three notices and the sign-up's own confirmation
    finally:
        relay.stop()
    messages = [m for m in received if m["Subject"] == "Nieuwe aanvraag via Spiegel"]
    assert len(messages) == 2
    by_to = {m["To"]: m for m in messages}
    assert set(by_to) == {"peer@zorggroep.example", "coordinator@zorggroep.example"}
    peer = by_to["peer@zorggroep.example"]
    text = peer.get_body(("plain",)).get_content()
    assert "spiegel export collegiale-ondersteuning" in text
    for secret in ("Geheim", "Voorbeeldnaam", "1234 5678", "+31"):
        assert all(secret not in str(m) for m in messages), secret


def test_no_coordinator_means_no_notice_and_old_requests_are_left_alone(
    store: Store, database_url: str
) -> None:
    registry = services_for(database_url, store).registry
    assert queue_notices(store, registry, "", {}, now()) == 0
    later = now() + dt.timedelta(days=3)  # a new deployment does not mail about old requests
    assert queue_notices(store, registry, "c@zorggroep.example", {}, later) == 0


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SPIEGEL_ENV": "production"}, "SPIEGEL_SMTP_URL: required when SPIEGEL_ENV=production"),
        (
            {
                "SPIEGEL_ENV": "production",
                "SPIEGEL_SMTP_URL": "smtp://relay.example:587",
                "SPIEGEL_MAIL_FROM": "s@zorggroep.example",
            },
            "SPIEGEL_COORDINATOR_EMAIL: required when SPIEGEL_ENV=production",
        ),
        ({"SPIEGEL_NOTIFY_VVG": "geen-adres"}, "SPIEGEL_NOTIFY_VVG: expected an e-mail address"),
    ],
)
def test_mail_settings_that_would_break_a_promise_stop_start_up(
    env: dict[str, str], problem: str
) -> None:
    with pytest.raises(ConfigError) as info:
        MailSettings.from_env(env)
    assert problem in info.value.problems


def test_per_form_address_from_the_environment() -> None:
    mail = MailSettings.from_env({"SPIEGEL_NOTIFY_COLLEGIALE_ONDERSTEUNING": "peer@x.example"})
    assert mail.notify == {"collegiale-ondersteuning": "peer@x.example"}


def test_outbox_send_for_cron_queues_and_delivers_the_notices(
    store: Store, cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Serverless and cron deployments have no serve process: `spiegel outbox send` does it."""
    from spiegel.cli import main

    monkeypatch.setenv("SPIEGEL_COORDINATOR_EMAIL", "coordinator@zorggroep.example")
    monkeypatch.setenv("SPIEGEL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("SPIEGEL_SITE_URL", "https://spiegel.example")  # links in the sign-up's mail
    for _ in range(2):
        assert main(["outbox", "send"], io.StringIO()) == 0
    files = [p.read_text() for p in (tmp_path / "outbox").glob("*.eml")]
    notices = [f for f in files if "Nieuwe aanvraag via Spiegel" in f]
    assert len(notices) == 2
    assert all("Geheim" not in f for f in notices)


def test_a_flood_of_requests_gives_at_most_two_notices_per_window(database_url: str) -> None:
    """32 peer-support requests in a minute once gave 30 notice mails (issue 20 #6): now the
    first of a window is announced at once and the rest in one notice when the window ends."""
    from spiegel.signups.notices import GRACE, WINDOW, window_of

    app = app_for(
        database_url, min_fill_seconds=0, rate_limit=0, mail=MailSettings(signups_per_day=0)
    )
    with TestClient(app) as client:
        for i in range(32):
            body = {**PEER, "naam": f"Aanvrager {i}"}
            assert client.post("/api/forms/collegiale-ondersteuning", json=body).status_code == 201
    store = app.state.store
    registry = app.state.services.registry
    to = "peer@zorggroep.example"
    windows = {window_of(r.created_at) for r in store.rows("collegiale-ondersteuning")}
    assert queue_notices(store, registry, to, {}, now()) == len(windows)  # the first ones only
    later = max(windows) + WINDOW + GRACE
    queued = len(windows) + queue_notices(store, registry, to, {}, later)
    assert queued <= 2 * len(windows) <= 4
    assert queue_notices(store, registry, to, {}, later) == 0  # once, however often it runs
    texts = [LetterText.from_json(r.data) for r in store.outbox((PENDING,)) if r.kind == NOTICE]
    mentioned = 0
    for t in texts:
        first = t.paragraphs[0]
        mentioned += int(first.split(" nog ")[1].split()[0]) if " nog " in first else 1
    assert mentioned == 32  # every request is announced, none twice
    assert any(t.subject.endswith("nieuwe aanvragen via Spiegel") for t in texts)
    assert all("Aanvrager" not in t.to_json() for t in texts)
    store.close()


def test_a_notice_points_to_the_back_office_when_the_address_is_known(
    store: Store, database_url: str
) -> None:
    from spiegel.outbox.worker import beheer_url
    from spiegel.signups.notices import notice_text

    services = services_for(database_url, store, migrate=False)
    form = services.registry.forms()["collegiale-ondersteuning"]
    text = "\n".join(
        notice_text(form, now(), "Zorggroep", beheer_url("https://spiegel.example")).paragraphs
    )
    assert "https://spiegel.example/beheer/verzoeken/collegiale-ondersteuning" in text
    assert "spiegel export" not in text
