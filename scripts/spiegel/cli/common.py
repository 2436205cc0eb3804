"""What every `spiegel` command shares: the process's ``Services`` (configuration, store, form
definitions, keys, cipher, clock), built once and closed when the command ends. A configuration
mistake ends the command with its message."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spiegel.config import Config, MailSettings
    from spiegel.db.base import Store
    from spiegel.security.cipher import FieldCipher
    from spiegel.services import Services

OPEN: list[Any] = []  # stores opened by this command, closed when it ends
BUILT: list[Services] = []  # the one Services of this command


def settings() -> Config:
    from spiegel.config import Config, ConfigError

    try:
        return Config.from_env()
    except ConfigError as exc:
        sys.exit(str(exc))


def services() -> Services:
    """Built on first use (commands such as `spiegel check` need no database), then shared."""
    if not BUILT:
        from spiegel.services import Services

        config = settings()
        store = open_store(config)
        BUILT.append(Services.build(config, store))
    return BUILT[0]


def open_store(config: Config | None = None) -> Store:
    """A store without migrations (`spiegel migrate`, `spiegel schema`)."""
    from spiegel.db import open_store as _open

    store = _open((config or settings()).database_url)
    OPEN.append(store)
    return store


def store_and_forms() -> Any:
    s = services()
    return s.config, s.store, s.registry.forms()


def cipher(config: Any = None) -> FieldCipher | None:
    return services().cipher


def mail() -> MailSettings:
    return services().config.mail


def close_all() -> None:
    BUILT.clear()
    while OPEN:
        OPEN.pop().close()
