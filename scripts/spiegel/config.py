"""Configuration from environment variables, validated once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///.spiegel/spiegel.sqlite3"
    content_dir: Path = Path("content")
    forms_dir: Path = Path("forms")
    site_url: str = ""  # where thank-you pages live; empty = same origin as the endpoint
    allowed_origins: tuple[str, ...] = ()
    rate_limit: int = 30  # requests per minute per client; 0 = off
    max_body: int = 64 * 1024
    body_seconds: float = 10.0  # the whole body must arrive within this, or 408
    min_fill_seconds: float = 3.0
    encryption_key: str | None = field(default=None, repr=False)
    production: bool = False
    trust_proxy: int = 0  # how many reverse proxies of our own add to X-Forwarded-For
    snapshot: Path | None = None  # JSON from `spiegel snapshot`; replaces content_dir/forms_dir

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems: list[str] = []

        def number(name: str, default: float, lo: float, hi: float, whole: bool = True) -> float:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw) if whole else float(raw)
            except ValueError:
                problems.append(
                    f"{name}: expected a {'whole ' if whole else ''}number, got {raw!r}"
                )
                return default
            if not lo <= value <= hi:
                problems.append(f"{name}: expected a number from {lo:g} to {hi:g}, got {raw!r}")
                return default
            return value

        url = env.get("SPIEGEL_DATABASE_URL") or cls.database_url
        if url.startswith("sqlite:///"):
            db_path = Path(url.removeprefix("sqlite:///"))
            if Path("build").resolve() in db_path.resolve().parents:
                problems.append(
                    f"SPIEGEL_DATABASE_URL: the database may not live under build/, got {url!r}"
                )
        elif not url.startswith(("postgresql://", "postgres://")):
            problems.append(
                "SPIEGEL_DATABASE_URL: expected sqlite:///path/to/file.sqlite3 or postgresql://..., "
                f"got {url.split('@')[-1]!r}"
            )
        origins = tuple(
            o.strip().rstrip("/")
            for o in env.get("SPIEGEL_ALLOWED_ORIGINS", "").split(",")
            if o.strip()
        )
        for o in origins:
            if not o.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                problems.append(f"SPIEGEL_ALLOWED_ORIGINS: expected https:// origins, got {o!r}")
        site_url = env.get("SPIEGEL_SITE_URL", "").rstrip("/")
        if site_url and not site_url.startswith(
            ("https://", "http://127.0.0.1", "http://localhost")
        ):
            problems.append(f"SPIEGEL_SITE_URL: expected an https:// address, got {site_url!r}")
        key = env.get("SPIEGEL_ENCRYPTION_KEY") or None
        if key:
            try:
                from spiegel.security.cipher import FieldCipher

                FieldCipher(key)
            except ValueError:
                problems.append(
                    "SPIEGEL_ENCRYPTION_KEY: expected a Fernet key (32 bytes, url-safe base64); "
                    "make one with `spiegel keygen`"
                )
        production = env.get("SPIEGEL_ENV", "development") == "production"
        if env.get("SPIEGEL_ENV", "development") not in ("development", "production"):
            problems.append(
                f"SPIEGEL_ENV: expected development or production, got {env['SPIEGEL_ENV']!r}"
            )
        if production and not key:
            problems.append(
                "SPIEGEL_ENCRYPTION_KEY: required when SPIEGEL_ENV=production (health data)"
            )
        raw_proxy = env.get("SPIEGEL_TRUST_PROXY", "").strip().lower()
        trust_proxy = 0
        if raw_proxy in ("true", "yes"):
            trust_proxy = 1
        elif raw_proxy not in ("", "0", "false", "no"):
            trust_proxy = int(number("SPIEGEL_TRUST_PROXY", 0, 0, 10))
        if production and not (site_url or origins):
            problems.append(
                "SPIEGEL_SITE_URL: required when SPIEGEL_ENV=production; the address of the site whose"
                " pages post the forms (only its pages may post), e.g. https://spiegel.example.nl"
            )
        settings = cls(
            database_url=url,
            content_dir=Path(env.get("SPIEGEL_CONTENT_DIR") or "content"),
            forms_dir=Path(env.get("SPIEGEL_FORMS_DIR") or "forms"),
            site_url=site_url,
            allowed_origins=origins,
            rate_limit=int(number("SPIEGEL_RATE_LIMIT", 30, 0, 100000)),
            max_body=int(number("SPIEGEL_MAX_BODY", 64 * 1024, 1024, 10 * 1024 * 1024)),
            body_seconds=number("SPIEGEL_BODY_TIMEOUT", 10.0, 0.5, 120, whole=False),
            min_fill_seconds=number("SPIEGEL_MIN_FILL_SECONDS", 3.0, 0, 600, whole=False),
            encryption_key=key,
            production=production,
            trust_proxy=trust_proxy,
            snapshot=Path(env["SPIEGEL_SNAPSHOT"]) if env.get("SPIEGEL_SNAPSHOT") else None,
        )
        if settings.snapshot:
            if not settings.snapshot.is_file():
                problems.append(
                    f"SPIEGEL_SNAPSHOT: expected a file from `spiegel snapshot`, {str(settings.snapshot)!r} does not exist"
                )
        else:
            for name, path in (
                ("SPIEGEL_CONTENT_DIR", settings.content_dir),
                ("SPIEGEL_FORMS_DIR", settings.forms_dir),
            ):
                if not path.is_dir():
                    problems.append(f"{name}: expected a folder, {str(path)!r} does not exist")
        if problems:
            raise ConfigError(problems)
        return settings


@dataclass(frozen=True)
class BeheerSettings:
    """The back office (/beheer/): the organisation's OpenID provider and the role mapping."""

    issuer: str = ""  # SPIEGEL_OIDC_ISSUER; empty: development login on loopback only
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    roles_claim: str = "roles"
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # claim value -> Spiegel roles
    public_url: str = ""  # SPIEGEL_BEHEER_URL: this server's public address (redirect URI)
    production: bool = False

    @property
    def enabled(self) -> bool:
        """Production runs the back office only behind the organisation's own login."""
        return bool(self.issuer) or not self.production


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
