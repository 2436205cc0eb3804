"""The composition root: everything a process needs, built once from the configuration.

``Services.from_env()`` is called by the entry points only (web/asgi.py, web/lambda_handler.py,
serve.py, cli/common.py); ``create_app``, the sender and the commands receive the result. One
store (migrated once), one registry of form definitions, one ``Keys``, one cipher, one clock.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple

from spiegel.clock import Clock
from spiegel.config import Config, Env, MailSettings
from spiegel.db import open_store
from spiegel.db.base import Store
from spiegel.security.keys import Keys
from spiegel.signups.registry import Registry

if TYPE_CHECKING:  # typing only: the cryptography package is imported when a key is configured
    from spiegel.security.cipher import FieldCipher

log = logging.getLogger("spiegel.endpoint")


class Services(NamedTuple):  # immutable; a NamedTuple is cheaper to define at a cold start
    config: Config
    store: Store
    registry: Registry
    keys: Keys
    cipher: FieldCipher | None
    clock: Clock

    @property
    def mail(self) -> MailSettings:
        return self.config.mail

    @classmethod
    def from_env(cls, env: Env | None = None) -> Services:
        """Raises ConfigError with every problem of the environment."""
        return cls.build(Config.from_env(env))

    @classmethod
    def build(cls, config: Config, store: Store | None = None, migrate: bool = True) -> Services:
        """``store``: one already open (tests, a read-only database); otherwise opened from
        SPIEGEL_DATABASE_URL. Migrates once, here."""
        store = store or open_store(config.database_url)
        if migrate:
            store.migrate()
        keys = Keys.of(config.encryption_key, store)
        if migrate and not config.encryption_key:
            keys.link()  # the database's secret read now, not on the first request's event loop
        cipher = None
        if config.encryption_key:
            from spiegel.security.cipher import FieldCipher

            cipher = FieldCipher(config.encryption_key)
        registry = Registry(config, keys)
        if cipher is None and registry.has_special_category():
            log.warning(
                "spiegel: SPIEGEL_ENCRYPTION_KEY is niet gezet: persoonsgegevens worden"
                " onversleuteld bewaard. Goed voor proberen op uw eigen computer; maak voor"
                " echt gebruik een sleutel met `spiegel keygen`."
            )
        return cls(config, store, registry, keys, cipher, Clock(config.today))
