"""Form definitions as the endpoint sees them, reloaded when their files change on disk.

Read from the YAML in ``forms/`` and ``content/`` (development, hospital servers), or from a JSON
snapshot (``SPIEGEL_SNAPSHOT``, serverless: no YAML parsing at cold start). After `git pull` the
endpoint uses the new sessions and forms without a restart; a broken edit keeps the last good
definitions (and is logged) instead of taking sign-ups down.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spiegel import snapshot
from spiegel.clock import start_of, today
from spiegel.config import Settings
from spiegel.db.base import Submission
from spiegel.forms.model import Choice, Form
from spiegel.security.keys import Keys

if TYPE_CHECKING:
    from spiegel.security.cipher import FieldCipher

log = logging.getLogger("spiegel.endpoint")
CHECK_EVERY = 2.0  # seconds between mtime checks
# One answer for an unknown, foreign, used or mismatching code: no oracle for guessers.
CODE_REFUSED = (
    "Met deze code kunt u de vragenlijst niet versturen. Controleer de code, de groep die u"
    " beoordeelt en wat u kiest bij 'Ik vul de lijst in als'. Een code werkt maar één keer."
    " Lukt het niet? Vraag dan een nieuwe code aan bij wie u uitnodigde."
)
CODE_TYPO = (
    "Deze code klopt niet: er is waarschijnlijk een teken verkeerd overgenomen. Vergelijk de code"
    " met uw uitnodiging (12 tekens, bijvoorbeeld ABCD-EF23-4567)."
)


class Registry:
    def __init__(self, settings: Settings, keys: Keys) -> None:
        self.settings = settings
        self.keys = keys  # the seat keys of the sessions are keyed hashes
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] = ()
        self._defs_stamp: tuple[Any, ...] = ()  # the files the loaded definitions came from
        self._checked = 0.0
        self.generation = 0
        self._defs: snapshot.Definitions
        self._load(initial=True)

    def _files(self) -> list[Path]:
        if self.settings.snapshot:
            return [self.settings.snapshot]
        return sorted(self.settings.forms_dir.glob("*.yaml")) + [
            self.settings.content_dir / n
            for n in (
                "site.yaml",
                "sessions.yaml",
                "spiegelbijeenkomst.yaml",
                "vvg.yaml",
                "groepsevaluatie.yaml",
            )
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
                "spiegel: de formulieren of de agenda zijn gewijzigd, maar er staat een fout in;"
                " de formulieren werken verder met de vorige versie. De fout:"
            )
            # one line per problem: a log line holds no line break (web/logs.py escapes it)
            for problem in getattr(exc, "issues", None) or [exc]:
                log.error("  %s", problem)
            self._stamp = stamp
            return
        self._defs, self._stamp, self._defs_stamp = defs, stamp, stamp
        self.generation += 1  # the sender looks for changed sessions when this moves

    def content_time(self) -> dt.datetime:
        """How old the loaded definitions are: the newest of their files (the snapshot, or the
        YAML). An instance with older content than a recorded version never overrides it."""
        stamps = [mtime for (_, mtime, _) in self._defs_stamp if mtime]
        newest = max(stamps) / 1e9 if stamps else 0.0
        return dt.datetime.fromtimestamp(newest, dt.UTC).replace(microsecond=0)

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

    def seat_choices(self, form: Form) -> dict[str, Choice]:
        """The stored seat key (a keyed hash) of each session of ``form``."""
        if not form.capacity_field:
            return {}
        return {
            self.keys.seat(form.id, c.value): c for c in form.by_name[form.capacity_field].choices
        }

    def seat(self, form_id: str, key: str | None) -> tuple[Choice, dict[str, str]] | None:
        """The session choice (capacity) and session details a stored seat key stands for."""
        form = self.forms().get(form_id)
        choice = self.seat_choices(form).get(key or "") if form else None
        session = self._defs.sessions.get(choice.value) if choice else None
        return (choice, session) if choice and session else None

    def session(self, session_id: str) -> dict[str, str] | None:
        """A session's details as the content says them now (date as ISO text)."""
        self.forms()  # reload first when the files changed
        return self._defs.sessions.get(session_id)

    def codes_required(self) -> frozenset[str]:
        return self._defs.codes_required

    def organisation(self) -> dict[str, Any]:
        """content.site["organisation"]: name, phone, e-mail... for pages and e-mails."""
        return self._defs.organisation

    def practical(self) -> dict[str, str]:
        """The leaflet's practical texts (room access, travel costs, recording, own doctor)."""
        return self._defs.practical

    def has_special_category(self) -> bool:
        return any(f.privacy["special_category"] for f in self._defs.forms.values())

    def prepare(
        self, form: Form, clean: dict[str, str], cipher: FieldCipher | None
    ) -> tuple[Submission | None, dict[str, list[str]]]:
        """Turn validated values into what is stored: seats, one-time codes, encryption."""
        errors: dict[str, list[str]] = {}
        payload = dict(clean)
        seat_key = capacity = None
        if form.capacity_field:
            # everyone belongs to the session (mail, cancel link, reminder, letter); only those
            # who take a seat are counted against its capacity (partners and carers come extra);
            # which roles take one is the session's (``plaats_voor``) or else the form's
            value = clean[form.capacity_field]
            choice = form.session_choice(value)
            seat_key = self.keys.seat(form.id, value)
            role = clean.get(form.role_field or "")
            capacity = choice.capacity if choice and form.takes_seat(choice, role) else None
        ukey = invitation = None
        if form.unique_field:
            code = payload.pop(form.unique_field, None)  # the code itself is never stored
            scope = clean.get("evaluatie", "")
            if scope in self._defs.codes_required:
                from spiegel.security.invites import normalise  # the questionnaire's only

                canonical = normalise(code or "")
                if not code:
                    errors[form.unique_field] = ["Vul de code uit uw uitnodiging in."]
                elif canonical is None:
                    errors[form.unique_field] = [CODE_TYPO]
                else:
                    group = clean.get("respondentgroep", "")
                    invitation = (self.keys.invitation(canonical), scope, group)
            elif code:
                ukey = self.keys.one_response(form.id, scope, code)
        if cipher:  # every value: free text and choices say as much as a name does
            # an answer with a code waits in the ballot box with its day only: its token too
            # (a Fernet token shows when it was made, without the key)
            payload = cipher.seal(payload, start_of(today()) if invitation else None)
        if errors:
            return None, errors
        return Submission(form.id, payload, seat_key, capacity, ukey, invitation=invitation), {}
