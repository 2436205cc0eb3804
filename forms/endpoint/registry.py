"""Form definitions as the endpoint sees them, reloaded when content or forms change on disk.

After `git pull` the endpoint uses the new sessions and forms without a restart; a broken edit
keeps the last good definitions (and is logged) instead of taking sign-ups down.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from spiegel.content import load_parts
from spiegel.forms import Form, load_forms

from .crypto import FieldCipher, unique_key
from .settings import Settings
from .store import Submission

log = logging.getLogger("spiegel.endpoint")
CONTENT_KEYS = ("site", "sessions", "groepsevaluatie")
CHECK_EVERY = 2.0  # seconds between mtime checks


class Registry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] = ()
        self._checked = 0.0
        self._forms: dict[str, Form] = {}
        self._parts: dict[str, Any] = {}
        self._load(initial=True)

    def _files(self) -> list[Path]:
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
            parts = load_parts(self.settings.content_dir, CONTENT_KEYS)
            forms = load_forms(self.settings.forms_dir, parts)
        except Exception as exc:
            if initial:
                raise
            log.error(
                "form definitions changed but are invalid; keeping the previous ones:\n%s", exc
            )
            self._stamp = stamp
            return
        self._forms, self._parts, self._stamp = forms, parts, stamp

    def forms(self) -> dict[str, Form]:
        import time

        now = time.monotonic()
        if now - self._checked > CHECK_EVERY:
            with self._lock:
                self._checked = now
                if self._current_stamp() != self._stamp:
                    self._load()
        return self._forms

    def site_name(self) -> str:
        return str(self._parts["site"]["site_name"])

    def has_special_category(self) -> bool:
        return any(f.privacy["special_category"] for f in self._forms.values())

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
            needs_code = any(
                e["id"] == scope and e["uses_codes"]
                for e in self._parts["groepsevaluatie"]["evaluations"]
            )
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
