"""Form definitions as the endpoint sees them, reloaded when their files change on disk.

Read from the YAML in ``forms/`` and ``content/`` (development, hospital servers), or from a JSON
snapshot (``SPIEGEL_SNAPSHOT``, serverless: no YAML parsing at cold start). After `git pull` the
endpoint uses the new sessions and forms without a restart; a broken edit keeps the last good
definitions (and is logged) instead of taking sign-ups down.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from spiegel import snapshot
from spiegel.formmodel import Form

from .crypto import FieldCipher, unique_key
from .settings import Settings
from .store import Submission

log = logging.getLogger("spiegel.endpoint")
CHECK_EVERY = 2.0  # seconds between mtime checks


class Registry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] = ()
        self._checked = 0.0
        self._defs: snapshot.Definitions
        self._load(initial=True)

    def _files(self) -> list[Path]:
        if self.settings.snapshot:
            return [self.settings.snapshot]
        return sorted(self.settings.forms_dir.glob("*.yaml")) + [
            self.settings.content_dir / n
            for n in ("site.yaml", "sessions.yaml", "groepsevaluatie.yaml")
        ]

    def _current_stamp(self) -> tuple[Any, ...]:
        out = []
        for p in self._files():
            try:
                st = p.stat()
                out.append((str(p), st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                out.append((str(p), 0, 0))
        return tuple(out)

    def _load(self, initial: bool = False) -> None:
        stamp = self._current_stamp()
        try:
            if self.settings.snapshot:
                defs = snapshot.load(self.settings.snapshot)
            else:
                defs = snapshot.from_sources(self.settings.content_dir, self.settings.forms_dir)
        except Exception as exc:
            if initial:
                raise
            log.error(
                "form definitions changed but are invalid; keeping the previous ones:\n%s", exc
            )
            self._stamp = stamp
            return
        self._defs, self._stamp = defs, stamp

    def forms(self) -> dict[str, Form]:
        now = time.monotonic()
        if now - self._checked > CHECK_EVERY:
            with self._lock:
                self._checked = now
                if self._current_stamp() != self._stamp:
                    self._load()
        return self._defs.forms

    def site_name(self) -> str:
        return self._defs.site_name

    def has_special_category(self) -> bool:
        return any(f.privacy["special_category"] for f in self._defs.forms.values())

    def prepare(
        self, form: Form, clean: dict[str, str], cipher: FieldCipher | None
    ) -> tuple[Submission | None, dict[str, list[str]]]:
        """Turn validated values into what is stored: seats, one-time codes, encryption."""
        errors: dict[str, list[str]] = {}
        payload = dict(clean)
        capacity_key = capacity = None
        if form.capacity_field:
            capacity_key = clean[form.capacity_field]
            choice = next(
                c for c in form.by_name[form.capacity_field].choices if c.value == capacity_key
            )
            capacity = choice.capacity
        ukey = None
        if form.unique_field:
            code = payload.pop(form.unique_field, None)  # the code itself is never stored
            scope = clean.get("evaluatie", "")
            needs_code = scope in self._defs.codes_required
            if code:
                ukey = unique_key(cipher, form.id, scope, code)
            elif needs_code:
                errors[form.unique_field] = ["Vul de code uit uw uitnodiging in."]
        if cipher:
            for name in form.personal_fields:
                if name in payload:
                    payload[name] = cipher.encrypt(payload[name])
        if errors:
            return None, errors
        return Submission(form.id, payload, capacity_key, capacity, ukey), {}
