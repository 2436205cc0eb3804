"""A real SMTP server for the tests (aiosmtpd on a free loopback port) that records every message."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from .servers import free_port


class Recorder:
    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[EmailMessage] = []
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            time.sleep(self.delay)  # a slow relay: widens the window a kill -9 can hit
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self._lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"


class Relay:
    """Start, stop and start again on the same port (a relay that goes down and comes back)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.recorder = Recorder(delay)
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.recorder.messages)

    def start(self) -> Relay:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            # the controller made its own event loop and does not close it: its self-pipe
            # (a socket pair) would otherwise leak into a later test as a ResourceWarning
            self._controller.loop.close()
            self._controller = None

    def wait_for(self, n: int, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.recorder.messages) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages
