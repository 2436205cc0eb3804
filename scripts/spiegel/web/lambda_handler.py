"""AWS Lambda entry point (API Gateway HTTP API v2 or a Function URL), through Mangum.

Handler: ``spiegel.web.lambda_handler.handler``. The app is created once per container
(cold start), from the same environment variables as everywhere else.

The same handler takes a scheduled EventBridge event (``"source": "aws.events"``, e.g. a rule
``rate(5 minutes)``): it does what ``spiegel outbox send`` does from cron (notices, sessions
called off or moved, then delivery), so a serverless deployment needs no other machine.
"""

from typing import Any

from mangum import Mangum

from spiegel.services import Services
from spiegel.web import logs
from spiegel.web.app import create_app

SERVICES = Services.from_env()
logs.install(SERVICES.config.log_clients)
http = Mangum(create_app(SERVICES), lifespan="off")


def scheduled(event: Any) -> bool:
    return isinstance(event, dict) and (
        event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event"
    )


def handler(event: Any, context: Any) -> Any:
    if scheduled(event):
        from spiegel.outbox.worker import send_due

        changed, handled = send_due(SERVICES)
        return {"sessies": changed, "afgehandeld": handled}
    return http(event, context)
