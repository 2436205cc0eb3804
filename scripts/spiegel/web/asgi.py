"""ASGI entry point for uvicorn and containers: ``uvicorn spiegel.web.asgi:app``."""

from spiegel.services import Services
from spiegel.web import logs
from spiegel.web.app import create_app

SERVICES = Services.from_env()
# uvicorn has set up its loggers by now: no client addresses, escaped values
logs.install(SERVICES.config.log_clients)
app = create_app(SERVICES)
