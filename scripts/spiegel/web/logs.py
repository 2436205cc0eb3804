"""What the endpoint's logs may hold: no client addresses, no raw control characters.

An access-log line "203.0.113.9 - POST /api/forms/spiegelbijeenkomst 303" says that this address
signed up for a mirror meeting (health data). ``install()`` adds a filter to uvicorn's access
logger that drops the address, and to every logger we write to that escapes control characters in
the values, so a header or path can never forge or hide a log line. The ASGI entry point and the
local server call it, so the documented ``uvicorn spiegel.web.asgi:app`` command is covered
without a flag. Set ``SPIEGEL_LOG_CLIENTS=1`` only while chasing abuse, for a short time.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "spiegel.endpoint", "spiegel.serve")


@functools.cache
def _control() -> re.Pattern[str]:
    """Compiled with the first value logged (0.3 ms a serverless cold start need not pay)."""
    return re.compile(CONTROL)


def escape(value: Any) -> Any:
    if isinstance(value, str):
        return _control().sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


class Sanitise(logging.Filter):
    def __init__(self, drop_client: bool) -> None:
        super().__init__()
        self.drop_client = drop_client

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            if self.drop_client and record.name == "uvicorn.access" and len(args) == 5:
                args = ("-", *args[1:])  # (client, method, path, version, status)
            record.args = tuple(escape(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: escape(v) for k, v in args.items()}
        record.msg = escape(record.msg)
        return True


def install(log_clients: bool = False) -> None:
    """``log_clients``: SPIEGEL_LOG_CLIENTS (keep client addresses in the access log)."""
    drop = not log_clients
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Sanitise) for f in logger.filters):
            logger.addFilter(Sanitise(drop))
