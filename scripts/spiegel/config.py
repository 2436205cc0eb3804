"""The configuration: every ``SPIEGEL_*`` environment variable, read here and only here.

``Config.from_env()`` reads them all once at start-up and reports every problem together
(``ConfigError``). One reader per group (definitions, database, web, keys, mail, runtime); the
README's "Configuration" table lists the variables. Nothing else in the package reads
``os.environ`` (tests/test_architecture.py checks); the few tools that must run while the rest
of the configuration may be wrong (the site build, the command line's defaults) use
``build_settings`` and ``command_defaults``, which read only what they need.

The settings are NamedTuples (immutable; ``config._replace(...)`` for a changed copy), not
dataclasses: a frozen dataclass of 16 fields took 1 ms to define, at every serverless cold start.
A secret (key, SMTP password, OpenID client secret) is left out of their repr.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

Env = Mapping[str, str]
LOCAL = ("http://127.0.0.1", "http://localhost")
DATABASE_URL = "sqlite:///.spiegel/spiegel.sqlite3"
MAIL_FROM = "Spiegel <spiegel@localhost>"
OUTBOX_DIR = Path(".spiegel/outbox")


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))


def _without_secret(settings: tuple[object, ...], secret: str) -> str:
    """The repr of a settings tuple, its secret left out (a repr may end up in a log)."""
    values = zip(type(settings)._fields, settings, strict=True)  # type: ignore[attr-defined]
    shown = ", ".join(f"{k}={v!r}" for k, v in values if k != secret)
    return f"{type(settings).__name__}({shown})"


class MailSettings(NamedTuple):
    smtp_url: str | None = None  # may hold a password: not in the repr
    mail_from: str = MAIL_FROM
    outbox_dir: Path = OUTBOX_DIR
    # the absolute address of the endpoint in links (cancel link); serve fills in its own
    public_url: str = ""
    retry_seconds: float = 30.0
    lease_seconds: float = 120.0
    remind_days: int = 3
    coordinator: str = ""
    digest_hour: int = 7
    signups_per_day: int = 10
    # sign-ups that mail one (normalised) address per day, from any client, across forms
    mails_per_address: int = 3
    # form id -> address for its notices (read only: the default is one shared empty dict)
    notify: dict[str, str] = {}

    def __repr__(self) -> str:
        return _without_secret(self, "smtp_url")

    def public_address(self) -> str:
        """The absolute address links in messages start with; ConfigError without one, so no
        message goes out with a link like ``/api/afmelden/...`` that leads nowhere."""
        if not self.public_url.startswith(("https://", *LOCAL)):
            raise ConfigError(
                [
                    "SPIEGEL_SITE_URL: required to send messages (their links need the site's"
                    " address), e.g. SPIEGEL_SITE_URL=https://spiegel.example.nl; or"
                    " SPIEGEL_PUBLIC_URL for the endpoint's address if it differs"
                ]
            )
        return self.public_url

    @classmethod
    def from_env(cls, env: Env | None = None) -> MailSettings:
        """Only the mail group (the same reader ``Config.from_env`` uses)."""
        reader = _Reader(os.environ if env is None else env)
        mail = _mail(reader)
        reader.done()
        return mail


class Config(NamedTuple):
    database_url: str = DATABASE_URL
    content_dir: Path = Path("content")
    forms_dir: Path = Path("forms")
    snapshot: Path | None = None  # JSON from `spiegel snapshot`; replaces content_dir/forms_dir
    site_url: str = ""  # where the site's pages live; empty = same origin as the endpoint
    allowed_origins: tuple[str, ...] = ()
    rate_limit: int = 30  # requests per minute per client; 0 = off
    max_body: int = 64 * 1024
    body_seconds: float = 10.0  # the whole body must arrive within this, or 408
    min_fill_seconds: float = 3.0
    trust_proxy: int = 0  # how many reverse proxies of our own add to X-Forwarded-For
    log_clients: bool = False  # keep client addresses in uvicorn's access log
    encryption_key: str | None = None  # not in the repr
    production: bool = False
    today: dt.date | None = None  # SPIEGEL_TODAY: a fixed "today" (tests, previews)
    mail: MailSettings = MailSettings()

    def __repr__(self) -> str:
        return _without_secret(self, "encryption_key")

    @classmethod
    def from_env(cls, env: Env | None = None) -> Config:
        reader = _Reader(os.environ if env is None else env)
        values = {
            **_definitions(reader),
            **_database(reader),
            **_runtime(reader),
            **_keys(reader),
            **_web(reader),
        }
        config = cls(**values, mail=_mail(reader))  # type: ignore[arg-type]
        reader.done()
        return config

    @property
    def site_address(self) -> str:
        """The absolute address of the site's pages in messages (agenda, letters): the site's
        own (SPIEGEL_SITE_URL), else the endpoint's (same origin); empty when neither is known."""
        return self.site_url or self.mail.public_url

    def with_public_url(self, url: str) -> Config:
        """The serve process's own address in links, unless one is configured."""
        if self.mail.public_url:
            return self
        return self._replace(mail=self.mail._replace(public_url=url))


Settings = Config  # the name the endpoint used before the configuration became one object


class _Reader:
    """The environment and the problems found in it so far."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.problems: list[str] = []

    def get(self, name: str, default: str = "") -> str:
        return self.env.get(name) or default

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def number(self, name: str, default: float, lo: float, hi: float, whole: bool = True) -> float:
        raw = self.get(name)
        if not raw:
            return default
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            self.problem(f"{name}: expected a {'whole ' if whole else ''}number, got {raw!r}")
            return default
        if not lo <= value <= hi:
            self.problem(f"{name}: expected a number from {lo:g} to {hi:g}, got {raw!r}")
            return default
        return value

    def address(self, name: str, raw: str) -> str:
        url = raw.strip().rstrip("/")
        if url and not url.startswith(("https://", *LOCAL)):
            self.problem(f"{name}: expected an https:// address, got {url!r}")
        return url

    @property
    def production(self) -> bool:
        return self.get("SPIEGEL_ENV") == "production"

    def done(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


def _definitions(r: _Reader) -> dict[str, object]:
    content, forms = (
        Path(r.get("SPIEGEL_CONTENT_DIR", "content")),
        Path(r.get("SPIEGEL_FORMS_DIR", "forms")),
    )
    snapshot = Path(r.get("SPIEGEL_SNAPSHOT")) if r.get("SPIEGEL_SNAPSHOT") else None
    if snapshot:
        if not snapshot.is_file():
            r.problem(
                "SPIEGEL_SNAPSHOT: expected a file from `spiegel snapshot`,"
                f" {str(snapshot)!r} does not exist"
            )
    else:
        for name, path in (("SPIEGEL_CONTENT_DIR", content), ("SPIEGEL_FORMS_DIR", forms)):
            if not path.is_dir():
                r.problem(f"{name}: expected a folder, {str(path)!r} does not exist")
    return {"content_dir": content, "forms_dir": forms, "snapshot": snapshot}


def _database(r: _Reader) -> dict[str, object]:
    url = r.get("SPIEGEL_DATABASE_URL", DATABASE_URL)
    if url.startswith("sqlite:///"):
        db_path = Path(url.removeprefix("sqlite:///"))
        if Path("build").resolve() in db_path.resolve().parents:
            r.problem(f"SPIEGEL_DATABASE_URL: the database may not live under build/, got {url!r}")
    elif not url.startswith(("postgresql://", "postgres://")):
        r.problem(
            "SPIEGEL_DATABASE_URL: expected sqlite:///path/to/file.sqlite3 or postgresql://..., "
            f"got {url.split('@')[-1]!r}"
        )
    return {"database_url": url}


def _runtime(r: _Reader) -> dict[str, object]:
    env = r.get("SPIEGEL_ENV", "development")
    if env not in ("development", "production"):
        r.problem(f"SPIEGEL_ENV: expected development or production, got {env!r}")
    log_clients = r.get("SPIEGEL_LOG_CLIENTS").strip().lower()  # anything else: off
    return {
        "production": env == "production",
        "today": _today(r.get("SPIEGEL_TODAY"), r.problem),
        "log_clients": log_clients in ("1", "true", "yes"),
    }


def _today(raw: str, problem: Callable[[str], None]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problem(f"SPIEGEL_TODAY: expected a date like 2026-11-22, got {raw!r}")
        return None


def _login() -> str:
    try:
        import getpass  # only when SPIEGEL_ACTOR is not set (termios: cold start)

        return getpass.getuser()
    except OSError:  # no login name (a container without a passwd entry)
        return "onbekend"


def _keys(r: _Reader) -> dict[str, object]:
    key = r.get("SPIEGEL_ENCRYPTION_KEY") or None
    if key and not fernet_keys_valid(key):
        r.problem(
            "SPIEGEL_ENCRYPTION_KEY: expected a Fernet key (32 bytes, url-safe base64); "
            "make one with `spiegel keygen`"
        )
    if r.production and not key:
        r.problem("SPIEGEL_ENCRYPTION_KEY: required when SPIEGEL_ENV=production (health data)")
    return {"encryption_key": key}


def fernet_keys_valid(key: str) -> bool:
    """A comma-separated list of Fernet keys (what security/cipher.py accepts), checked with
    the standard library so the configuration needs no cryptography import."""
    keys = [k.strip() for k in key.split(",") if k.strip()]
    for k in keys:
        try:
            if len(base64.urlsafe_b64decode(k.encode("ascii"))) != 32:
                return False
        except (binascii.Error, ValueError):
            return False
    return bool(keys)


def _web(r: _Reader) -> dict[str, object]:
    origins = tuple(
        o.strip().rstrip("/") for o in r.get("SPIEGEL_ALLOWED_ORIGINS").split(",") if o.strip()
    )
    for o in origins:
        if not o.startswith(("https://", *LOCAL)):
            r.problem(f"SPIEGEL_ALLOWED_ORIGINS: expected https:// origins, got {o!r}")
    site_url = r.address("SPIEGEL_SITE_URL", r.get("SPIEGEL_SITE_URL"))
    if r.production and not (site_url or origins):
        r.problem(
            "SPIEGEL_SITE_URL: required when SPIEGEL_ENV=production; the address of the site whose"
            " pages post the forms (only its pages may post), e.g. https://spiegel.example.nl"
        )
    raw_proxy = r.get("SPIEGEL_TRUST_PROXY").strip().lower()
    trust_proxy = 0
    if raw_proxy in ("true", "yes"):
        trust_proxy = 1
    elif raw_proxy not in ("", "0", "false", "no"):
        trust_proxy = int(r.number("SPIEGEL_TRUST_PROXY", 0, 0, 10))
    return {
        "site_url": site_url,
        "allowed_origins": origins,
        "rate_limit": int(r.number("SPIEGEL_RATE_LIMIT", 30, 0, 100000)),
        "max_body": int(r.number("SPIEGEL_MAX_BODY", 64 * 1024, 1024, 10 * 1024 * 1024)),
        "body_seconds": r.number("SPIEGEL_BODY_TIMEOUT", 10.0, 0.5, 120, whole=False),
        "min_fill_seconds": r.number("SPIEGEL_MIN_FILL_SECONDS", 3.0, 0, 600, whole=False),
        "trust_proxy": trust_proxy,
    }


def _mail(r: _Reader) -> MailSettings:
    smtp = r.get("SPIEGEL_SMTP_URL") or None
    if smtp:
        parts = urlsplit(smtp)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            r.problem(
                "SPIEGEL_SMTP_URL: expected smtp://user:password@host:587 or smtps://host:465, "
                f"got a value starting with {smtp.split(':')[0]!r}"
            )
    mail_from = r.get("SPIEGEL_MAIL_FROM", MAIL_FROM)
    if "@" not in mail_from:
        r.problem(f"SPIEGEL_MAIL_FROM: expected an e-mail address, got {mail_from!r}")
    elif smtp and not r.get("SPIEGEL_MAIL_FROM"):
        r.problem("SPIEGEL_MAIL_FROM: required when SPIEGEL_SMTP_URL is set")
    public = r.get("SPIEGEL_PUBLIC_URL") or r.get("SPIEGEL_SITE_URL")
    public = r.address("SPIEGEL_PUBLIC_URL", public) if r.get("SPIEGEL_PUBLIC_URL") else public
    coordinator = r.get("SPIEGEL_COORDINATOR_EMAIL")
    if coordinator and "@" not in coordinator:
        r.problem(f"SPIEGEL_COORDINATOR_EMAIL: expected an e-mail address, got {coordinator!r}")
    notify = {
        name.removeprefix("SPIEGEL_NOTIFY_").lower().replace("_", "-"): value.strip()
        for name, value in r.env.items()
        if name.startswith("SPIEGEL_NOTIFY_") and value.strip()
    }
    for form_id, address in notify.items():
        if "@" not in address:
            r.problem(f"SPIEGEL_NOTIFY_{form_id.upper()}: expected an e-mail address")
    if r.production:  # the pages promise a confirmation e-mail and an answer to every request
        if not smtp:
            r.problem("SPIEGEL_SMTP_URL: required when SPIEGEL_ENV=production")
        if not coordinator:
            r.problem("SPIEGEL_COORDINATOR_EMAIL: required when SPIEGEL_ENV=production")
    return MailSettings(
        smtp_url=smtp,
        mail_from=mail_from,
        outbox_dir=Path(r.get("SPIEGEL_OUTBOX_DIR", str(OUTBOX_DIR))),
        public_url=public.rstrip("/"),
        retry_seconds=r.number("SPIEGEL_MAIL_RETRY_SECONDS", 30.0, 0.05, 3600, whole=False),
        lease_seconds=r.number("SPIEGEL_MAIL_LEASE_SECONDS", 120.0, 0.5, 86400, whole=False),
        remind_days=int(r.number("SPIEGEL_REMIND_DAYS", 3, 0, 60, whole=False)),
        coordinator=coordinator,
        digest_hour=int(r.number("SPIEGEL_DIGEST_HOUR", 7, 0, 23, whole=False)),
        signups_per_day=int(r.number("SPIEGEL_SIGNUPS_PER_DAY", 10, 0, 10000, whole=False)),
        mails_per_address=int(r.number("SPIEGEL_MAILS_PER_ADDRESS", 3, 0, 100, whole=False)),
        notify=notify,
    )


class BuildSettings(NamedTuple):
    """What the site build reads: it runs in CI without a database or keys."""

    today: dt.date | None
    production: bool
    base_ref: str | None = None  # SPIEGEL_BASE_REF: the default branch (content/baseline.py)


def build_settings(env: Env | None = None) -> BuildSettings:
    """SPIEGEL_TODAY and SPIEGEL_ENV for the site build; ConfigError for a malformed date."""
    reader = _Reader(os.environ if env is None else env)
    today = _today(reader.get("SPIEGEL_TODAY"), reader.problem)
    reader.done()
    return BuildSettings(today, reader.production, reader.get("SPIEGEL_BASE_REF") or None)


def command_defaults(env: Env | None = None) -> dict[str, str]:
    """The command line's defaults (shown in --help), before the configuration is checked:
    the audit log's actor and the content and forms folders."""
    reader = _Reader(os.environ if env is None else env)
    return {
        "actor": reader.get("SPIEGEL_ACTOR") or _login(),
        "content": reader.get("SPIEGEL_CONTENT_DIR", "content"),
        "forms": reader.get("SPIEGEL_FORMS_DIR", "forms"),
    }


class BeheerSettings(NamedTuple):
    """The back office (/beheer/): the organisation's OpenID provider and the role mapping."""

    issuer: str = ""  # SPIEGEL_OIDC_ISSUER; empty: development login on loopback only
    client_id: str = ""
    client_secret: str = ""  # not in the repr
    roles_claim: str = "roles"
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # claim value -> Spiegel roles
    public_url: str = ""  # SPIEGEL_BEHEER_URL: this server's public address (redirect URI)
    production: bool = False

    @property
    def enabled(self) -> bool:
        """Production runs the back office only behind the organisation's own login."""
        return bool(self.issuer) or not self.production

    def __repr__(self) -> str:
        return _without_secret(self, "client_secret")


def beheer_from_env(env: Mapping[str, str] | None = None) -> BeheerSettings:
    """SPIEGEL_OIDC_* and SPIEGEL_ROLES (``claim=role,role;claim=role``); every problem at once."""
    env = os.environ if env is None else env
    problems: list[str] = []
    issuer = env.get("SPIEGEL_OIDC_ISSUER", "").strip().rstrip("/")
    roles: list[tuple[str, tuple[str, ...]]] = []
    for part in filter(str.strip, env.get("SPIEGEL_ROLES", "").split(";")):
        claim, eq, mapped = part.partition("=")
        names = tuple(r.strip() for r in mapped.split(",") if r.strip())
        if not eq or not claim.strip() or not names:
            problems.append(f"SPIEGEL_ROLES: expected claim=role,role;claim=role, got {part!r}")
            continue
        roles.append((claim.strip(), names))
    # the endpoint's public address (the login returns there); SPIEGEL_PUBLIC_URL is the same
    # address in the e-mails' cancel links; without either (development) the request's own
    public_url = (env.get("SPIEGEL_BEHEER_URL") or env.get("SPIEGEL_PUBLIC_URL") or "").strip()
    public_url = public_url.rstrip("/")
    production = env.get("SPIEGEL_ENV", "development") == "production"
    if issuer:
        if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            problems.append(f"SPIEGEL_OIDC_ISSUER: expected an https:// address, got {issuer!r}")
        for name in ("SPIEGEL_OIDC_CLIENT_ID", "SPIEGEL_OIDC_CLIENT_SECRET"):
            if not env.get(name):
                problems.append(f"{name}: required with SPIEGEL_OIDC_ISSUER")
        if production and not public_url:
            problems.append(
                "SPIEGEL_BEHEER_URL: required with SPIEGEL_OIDC_ISSUER in production; the address"
                " of this server, e.g. https://spiegel.zorggroep.nl (the login returns there)"
            )
    if problems:
        raise ConfigError(problems)
    return BeheerSettings(
        issuer=issuer,
        client_id=env.get("SPIEGEL_OIDC_CLIENT_ID", ""),
        client_secret=env.get("SPIEGEL_OIDC_CLIENT_SECRET", ""),
        roles_claim=env.get("SPIEGEL_OIDC_ROLES_CLAIM", "").strip() or "roles",
        roles=tuple(roles),
        public_url=public_url,
        production=production,
    )
