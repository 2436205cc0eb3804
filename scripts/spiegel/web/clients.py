"""Who is asking: the client address behind trusted proxies, and whether a page's origin may post.

Both decisions use configuration only, never a value the client chooses alone: the address is the
one the outermost trusted proxy added to ``X-Forwarded-For`` (its rightmost entries), and an
``Origin`` is compared with the configured site origin(s), not with the ``Host`` header.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def client_address(peer: str | None, forwarded: Iterable[str], trusted_hops: int) -> str:
    """The rate-limit key of a request.

    ``forwarded``: every ``X-Forwarded-For`` header, in order. Each trusted proxy appends the
    address it saw, so with ``trusted_hops`` proxies in front the client is the entry that many
    places from the right; everything left of it is whatever the client sent. Too few entries, or
    one that is not an IP address: the connection's own peer. IPv6 is keyed per /64, the block
    one subscriber gets, so rotating addresses inside it gains nothing.
    """
    address = peer or "unknown"
    if trusted_hops > 0:
        entries = [e.strip() for h in forwarded for e in h.split(",") if e.strip()]
        if len(entries) >= trusted_hops:
            address = entries[-trusted_hops]
    # a peer that is no address was written by something in front that trusted a header
    # (uvicorn with proxy headers on): one shared key, never one per value
    return _ip_key(address) or _ip_key(peer or "") or "unknown"


@functools.lru_cache(maxsize=4096)  # the same clients come back; parsing was a twentieth of a post
def _ip_key(address: str) -> str | None:
    """The rate-limit key of an IP address (IPv6 per /64); None when it is not one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def normalise_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default port dropped; None when it is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    if ":" in host:
        host = f"[{host}]"
    suffix = f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{suffix}"


def site_origins(site_url: str, allowed: Iterable[str]) -> frozenset[str]:
    """The origins whose pages may post: the site's own and the configured CORS origins."""
    out = {normalise_origin(o) for o in (site_url, *allowed) if o}
    return frozenset(o for o in out if o)


def origin_allowed(origin: str | None, allowed: frozenset[str]) -> bool:
    """A browser always sends ``Origin`` on a cross-site POST; a request without one is not a
    page on another site (curl, a server). ``null`` (sandboxed frame, ``data:`` page) never
    passes. Without configured origins (development) only pages on this machine may post."""
    if origin is None:
        return True
    norm = normalise_origin(origin)
    if norm is None:
        return False
    if allowed:
        return norm in allowed
    host = urlsplit(norm).hostname or ""
    return host in LOOPBACK
