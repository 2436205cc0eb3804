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
    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
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
                if meta.get("issuer", "").rstrip("/") != self.issuer:
                    raise LoginFailed("issuer in discovery document does not match")
                self._metadata = meta
            return self._metadata

    def _session(self) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope=SCOPE,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
        )

    def start(self) -> Started:
        from authlib.common.security import generate_token

        verifier, nonce = generate_token(64), generate_token(32)
        with self._session() as session:
            url, state = session.create_authorization_url(
                self.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
        return Started(url, state, nonce, verifier)

    def finish(self, code: str, verifier: str, nonce: str) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the checked ID token's claims."""
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
            with self._session() as session:
                token = session.fetch_token(
                    self.metadata()["token_endpoint"],
                    code=code,
                    code_verifier=verifier,
                    timeout=TIMEOUT,
                )
            claims = Checker().parse_id_token(token, nonce=nonce)
        except OAuthError as exc:
            raise LoginFailed(f"token endpoint: {exc.error}") from None
        except Exception as exc:  # signature, issuer, audience, expiry, nonce
            raise LoginFailed(f"ID token refused: {type(exc).__name__}") from None
        if claims is None:
            raise LoginFailed("no ID token")
        return dict(claims)


def spiegel_roles(
    claims: dict[str, Any], claim: str, mapping: Iterable[tuple[str, tuple[str, ...]]]
) -> tuple[str, ...]:
    """The Spiegel roles the claim values map to (a string or a list in the token)."""
    raw = claims.get(claim) or ()
    values = {raw} if isinstance(raw, str) else {str(v) for v in raw if isinstance(v, str)}
    out: list[str] = []
    for value, roles in mapping:
        if value in values:
            out.extend(r for r in roles if r not in out)
    return tuple(out)
