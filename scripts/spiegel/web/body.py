"""Reading a request body: bounded size, urlencoded or JSON, and the bot check."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request

from spiegel.forms.model import ELAPSED, HONEYPOT
from spiegel.forms.patterns import ELAPSED_RE

FORM_TYPES = {"application/x-www-form-urlencoded": "html", "application/json": "json"}
DRAIN_LIMIT = 16 * 1024 * 1024


class TooLarge(Exception):
    pass


class BadFraming(Exception):
    """Content-Length and Transfer-Encoding together, or several different lengths: two
    servers on the way could read two different requests out of it (request smuggling)."""


class TooSlow(Exception):
    pass


def check_framing(request: Request) -> None:
    lengths = {v.strip() for v in request.headers.getlist("content-length")}
    if request.headers.getlist("transfer-encoding") and lengths:
        raise BadFraming("both Content-Length and Transfer-Encoding")
    if len(lengths) > 1 or any(not v.isdigit() for v in lengths):
        raise BadFraming("conflicting Content-Length")


def content_kind(request: Request) -> tuple[str, str]:
    """(media type, reply kind): reply in JSON to JSON clients, in HTML to browsers."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    accept_json = "json" in request.headers.get("accept", "")
    return ctype, FORM_TYPES.get(ctype, "json" if accept_json else "html")


async def read_body(request: Request, limit: int, seconds: float) -> bytes:
    """Read at most ``limit`` bytes within ``seconds`` (slow bodies, a Content-Length larger
    than what comes). Past the limit, drain (bounded) so
    the client sees a 413, not a reset. A client that announced a large body and waits for
    ``100 Continue`` gets its 413 at once, without being asked to send anything."""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit
    if too_large and "100-continue" in request.headers.get("expect", "").lower():
        raise TooLarge()
    # asyncio's own timeout: anyio's would import its asyncio backend (15 ms) on the first
    # request of a fresh Lambda container, and costs more on every request
    try:
        async with asyncio.timeout(seconds):
            return await _read(request, limit, too_large)
    except TimeoutError as exc:
        raise TooSlow() from exc


async def _read(request: Request, limit: int, too_large: bool) -> bytes:
    body = bytearray()
    drained = 0
    async for chunk in request.stream():
        if too_large:
            drained += len(chunk)
            if drained > DRAIN_LIMIT:
                break
            continue
        body += chunk
        if len(body) > limit:
            too_large = True
            drained = len(body)
            body.clear()
    if too_large:
        raise TooLarge()
    return bytes(body)


MAX_DEPTH = 4  # a form body is an object of strings (or short lists): nothing nests deeper


def _check(value: Any, depth: int = 0) -> None:
    """Refuse what Python's JSON parser lets through but no form can use: lone surrogates
    (``"\\ud800"``, which cannot be encoded again) and deep nesting."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, depth + 1)
            _check(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check(v, depth + 1)


def parse(kind: str, body: bytes) -> dict[str, Any]:
    """Raises ValueError (UnicodeError included) on a body that cannot be read."""
    text = body.decode("utf-8")
    if kind == "json":
        try:
            data = json.loads(text) if text.strip() else {}
        except RecursionError as exc:  # "[" x 50,000: the parser's own depth limit
            raise ValueError("nested too deeply") from exc
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        _check(data)
        return data
    parsed = parse_qs(text, keep_blank_values=True, max_num_fields=300)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def is_bot(data: Mapping[str, Any], min_fill: float) -> bool:
    """The spam trap filled in, or the form sent faster than a person fills it in. Asked after
    ``validate_submission``, which refuses a trap or a time of any other shape (422)."""
    trap = data.get(HONEYPOT)
    if isinstance(trap, str) and trap:
        return True
    elapsed = data.get(ELAPSED)
    if not isinstance(elapsed, str) or not ELAPSED_RE.fullmatch(elapsed) or not elapsed:
        return False  # no JavaScript: nothing measured, nothing to hold against a person
    return int(elapsed) < min_fill * 1000
