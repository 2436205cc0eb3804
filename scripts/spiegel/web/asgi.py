"""ASGI entry point for uvicorn and containers: ``uvicorn spiegel.web.asgi:app``."""

from spiegel.config import Settings
from spiegel.mailsettings import MailSettings
from spiegel.web import logs
from spiegel.web.app import create_app

logs.install()  # uvicorn has set up its loggers by now: no client addresses, escaped values
app = create_app(Settings.from_env(), mail=MailSettings.from_env())
