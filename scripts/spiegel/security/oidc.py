"""Login through the organisation's OpenID provider: authorization code flow with PKCE (S256),
state and nonce, all through Authlib; the ID token is checked by Authlib's own ``parse_id_token``
(signature against the provider's keys, issuer, audience, expiry, nonce, at_hash).

Authlib and requests are imported only when someone logs in, never at the endpoint's start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

TIMEOUT = 10  # seconds for every call to the provider
SCOPE = "openid profile"


@dataclass(frozen=True)
class Started:
    url: str  # where the browser goes (carries code_challenge, state and nonce)
    state: str
    nonce: str
    verifier: str


class LoginFailed(Exception):
    """The provider said no, or its answer did not check out (reason without personal data)."""


class OidcClient:
    """``redirect_uri`` is given per login (the back office's public address, or in development
    the address the request came to); the same value goes to the authorize and token calls."""

    def __init__(
        self, issuer: str, client_id: str, client_secret: str, roles_claim: str = "roles"
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.roles_claim = roles_claim
        self._metadata: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, fetched once."""
        with self._lock:
            if self._metadata is None:
                import requests

                url = self.issuer + "/.well-known/openid-configuration"
                resp = requests.get(url, timeout=TIMEOUT)
                resp.raise_for_status()
                meta = resp.json()
                if str(meta.get("issuer", "")).rstrip("/") != self.issuer:
                    raise LoginFailed("issuer in discovery document does not match")
                self._metadata = meta
            return self._metadata

    def scope(self) -> str:
        """openid profile, plus a scope named like the roles claim when the provider has one
        (some providers release the roles only for it; Entra ID sends app roles anyway)."""
        offered = set(self.metadata().get("scopes_supported") or ())
        extra = [s for s in (self.roles_claim, "roles") if s in offered]
        return " ".join(dict.fromkeys([*SCOPE.split(), *extra]))

    def _session(self, redirect_uri: str | None = None) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        methods = self.metadata().get("token_endpoint_auth_methods_supported") or []
        post_only = "client_secret_basic" not in methods and "client_secret_post" in methods
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope=self.scope(),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post" if post_only else None,
        )

    def start(self, redirect_uri: str) -> Started:
        from authlib.common.security import generate_token

        verifier, nonce = generate_token(64), generate_token(32)
        with self._session(redirect_uri) as session:
            url, state = session.create_authorization_url(
                self.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
        return Started(url, state, nonce, verifier)

    def finish(self, code: str, verifier: str, nonce: str, redirect_uri: str) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the checked ID token's claims;
        the roles from the userinfo endpoint when the ID token does not carry them."""
        from authlib.integrations.base_client import OAuthError
        from authlib.integrations.base_client.sync_openid import OpenIDMixin

        client = self

        class Checker(OpenIDMixin):  # Authlib's own ID-token check, fed our metadata and session
            client_id = client.client_id
            server_metadata = dict(client.metadata())

            def load_server_metadata(self) -> dict[str, Any]:
                return self.server_metadata

            def _get_session(self) -> Any:
                return client._session()

        try:
            with self._session(redirect_uri) as session:
                token = session.fetch_token(
                    self.metadata()["token_endpoint"],
                    code=code,
                    code_verifier=verifier,
                    timeout=TIMEOUT,
                )
                found = Checker().parse_id_token(token, nonce=nonce)
                if found is None:
                    raise LoginFailed("no ID token")
                claims = dict(found)
                if self.roles_claim not in claims and self.metadata().get("userinfo_endpoint"):
                    info = session.get(self.metadata()["userinfo_endpoint"], timeout=TIMEOUT)
                    info.raise_for_status()
                    extra = info.json()
                    if extra.get("sub") == claims.get("sub"):  # OIDC Core 5.3.2
                        claims.setdefault(self.roles_claim, extra.get(self.roles_claim))
                        claims.setdefault("name", extra.get("name"))
        except LoginFailed:
            raise
        except OAuthError as exc:
            raise LoginFailed(f"token endpoint: {exc.error}") from None
        except Exception as exc:  # signature, issuer, audience, expiry, nonce
            raise LoginFailed(f"ID token refused: {type(exc).__name__}") from None
        return claims


def spiegel_roles(
    claims: dict[str, Any], claim: str, mapping: Iterable[tuple[str, tuple[str, ...]]]
) -> tuple[str, ...]:
    """The Spiegel roles the claim values map to (a string or a list in the token)."""
    raw = claims.get(claim) or ()
    if isinstance(raw, str):  # some providers send one string, space- or comma-separated
        values = set(raw.replace(",", " ").split())
    else:
        values = {v for v in raw if isinstance(v, str)} if isinstance(raw, list) else set()
    out: list[str] = []
    for value, roles in mapping:
        if value in values:
            out.extend(r for r in roles if r not in out)
    return tuple(out)
