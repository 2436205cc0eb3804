"""ASGI entry point for uvicorn and containers: ``uvicorn spiegel_endpoint.asgi:app``."""

from .app import create_app
from .settings import Settings

app = create_app(Settings.from_env())
