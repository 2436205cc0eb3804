"""What every `spiegel` command shares: settings, the store (closed when the command ends), the
cipher and the mail settings. A configuration mistake ends the command with its Dutch message."""

from __future__ import annotations

import sys
from typing import Any

OPEN: list[Any] = []  # stores opened by this command, closed when it ends


def settings() -> Any:
    from spiegel.config import ConfigError, Settings

    try:
        return Settings.from_env()
    except ConfigError as exc:
        sys.exit(str(exc))


def open_store(config: Any = None) -> Any:
    from spiegel.db import open_store as _open

    store = _open((config or settings()).database_url)
    OPEN.append(store)
    return store


def store_and_forms() -> Any:
    from spiegel.signups.registry import Registry

    config = settings()
    store = open_store(config)
    store.migrate()
    return config, store, Registry(config).forms()


def cipher(config: Any) -> Any:
    if not config.encryption_key:
        return None
    from spiegel.security.cipher import FieldCipher

    return FieldCipher(config.encryption_key)


def mail() -> Any:
    from spiegel.config import ConfigError
    from spiegel.mailsettings import MailSettings

    try:
        return MailSettings.from_env()
    except ConfigError as exc:
        sys.exit(str(exc))


def close_all() -> None:
    while OPEN:
        OPEN.pop().close()
