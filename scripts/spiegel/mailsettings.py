"""Configuration of the e-mail loop (outbox, sender, reminders) from environment variables.

Separate from ``settings.py`` so the request path only needs what it uses; validated once at
start-up, every problem reported together.

SPIEGEL_SMTP_URL          smtp://user:password@host:587 (STARTTLS) or smtps://host:465; empty = write
                          each message as an .eml file under SPIEGEL_OUTBOX_DIR (development)
SPIEGEL_MAIL_FROM         the sender address, e.g. "Spiegel <spiegel@zorggroep.nl>"
SPIEGEL_OUTBOX_DIR        where .eml files go without a relay (default .spiegel/outbox)
SPIEGEL_PUBLIC_URL        the address of the endpoint in links (cancel link); default SPIEGEL_SITE_URL
SPIEGEL_MAIL_RETRY_SECONDS first wait after a failed delivery (default 30; doubles, at most an hour)
SPIEGEL_MAIL_LEASE_SECONDS how long a sender holds a message it is sending (default 120); after a
                          crash, the message goes out again when this has passed
SPIEGEL_REMIND_DAYS       days before a session the reminder goes out (default 3)
SPIEGEL_COORDINATOR_EMAIL where the daily digest and the notices of new requests go (no personal
                          data); empty = neither; required in production
SPIEGEL_NOTIFY_<FORM>     another address for the notices of one form, e.g.
                          SPIEGEL_NOTIFY_COLLEGIALE_ONDERSTEUNING=peersupport@zorggroep.nl
SPIEGEL_DIGEST_HOUR       from which hour (Europe/Amsterdam) serve queues the digest (default 7)
SPIEGEL_SIGNUPS_PER_DAY   sign-ups one client may send per day, all instances together (default 10; 0 = no cap)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from spiegel.config import ConfigError


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "Spiegel <spiegel@localhost>"
    outbox_dir: Path = Path(".spiegel/outbox")
    public_url: str = ""
    retry_seconds: float = 30.0
    lease_seconds: float = 120.0
    remind_days: int = 3
    coordinator: str = ""
    digest_hour: int = 7
    signups_per_day: int = 10
    notify: dict[str, str] = field(default_factory=dict)  # form id -> address for its notices

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if env is None else env
        problems: list[str] = []

        def number(name: str, default: float, lo: float, hi: float) -> float:
            raw = env.get(name) or ""
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = lo - 1
            if not lo <= value <= hi:
                problems.append(f"{name}: expected a number from {lo:g} to {hi:g}, got {raw!r}")
                return default
            return value

        smtp = env.get("SPIEGEL_SMTP_URL") or None
        if smtp:
            parts = urlsplit(smtp)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                problems.append(
                    "SPIEGEL_SMTP_URL: expected smtp://user:password@host:587 or smtps://host:465, "
                    f"got a value starting with {smtp.split(':')[0]!r}"
                )
        mail_from = env.get("SPIEGEL_MAIL_FROM") or cls.mail_from
        if "@" not in mail_from:
            problems.append(f"SPIEGEL_MAIL_FROM: expected an e-mail address, got {mail_from!r}")
        elif smtp and not env.get("SPIEGEL_MAIL_FROM"):
            problems.append("SPIEGEL_MAIL_FROM: required when SPIEGEL_SMTP_URL is set")
        public = (env.get("SPIEGEL_PUBLIC_URL") or env.get("SPIEGEL_SITE_URL") or "").rstrip("/")
        if public and not public.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            problems.append(f"SPIEGEL_PUBLIC_URL: expected an https:// address, got {public!r}")
        coordinator = env.get("SPIEGEL_COORDINATOR_EMAIL", "")
        if coordinator and "@" not in coordinator:
            problems.append(
                f"SPIEGEL_COORDINATOR_EMAIL: expected an e-mail address, got {coordinator!r}"
            )
        notify = {
            name.removeprefix("SPIEGEL_NOTIFY_").lower().replace("_", "-"): value.strip()
            for name, value in env.items()
            if name.startswith("SPIEGEL_NOTIFY_") and value.strip()
        }
        for form_id, address in notify.items():
            if "@" not in address:
                problems.append(f"SPIEGEL_NOTIFY_{form_id.upper()}: expected an e-mail address")
        if env.get("SPIEGEL_ENV") == "production":
            # the pages promise a confirmation e-mail and an answer to every request
            if not smtp:
                problems.append("SPIEGEL_SMTP_URL: required when SPIEGEL_ENV=production")
            if not coordinator:
                problems.append("SPIEGEL_COORDINATOR_EMAIL: required when SPIEGEL_ENV=production")
        settings = cls(
            smtp_url=smtp,
            mail_from=mail_from,
            outbox_dir=Path(env.get("SPIEGEL_OUTBOX_DIR") or cls.outbox_dir),
            public_url=public,
            retry_seconds=number("SPIEGEL_MAIL_RETRY_SECONDS", 30.0, 0.05, 3600),
            lease_seconds=number("SPIEGEL_MAIL_LEASE_SECONDS", 120.0, 0.5, 86400),
            remind_days=int(number("SPIEGEL_REMIND_DAYS", 3, 0, 60)),
            coordinator=coordinator,
            digest_hour=int(number("SPIEGEL_DIGEST_HOUR", 7, 0, 23)),
            signups_per_day=int(number("SPIEGEL_SIGNUPS_PER_DAY", 10, 0, 10000)),
            notify=notify,
        )
        if problems:
            raise ConfigError(problems)
        return settings
