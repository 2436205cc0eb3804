"""ASGI entry point for uvicorn and containers: ``uvicorn spiegel.endpoint.asgi:app``."""

from spiegel.endpoint import logs
from spiegel.endpoint.app import create_app
from spiegel.endpoint.mailsettings import MailSettings
from spiegel.endpoint.settings import Settings

logs.install()  # uvicorn has set up its loggers by now: no client addresses, escaped values
app = create_app(Settings.from_env(), mail=MailSettings.from_env())
