"""AWS Lambda entry point (API Gateway HTTP API v2 or a Function URL), through Mangum.

Handler: ``spiegel.web.lambda_handler.handler``. The app is created once per container
(cold start), from the same environment variables as everywhere else.
"""

from mangum import Mangum

from spiegel.services import Services
from spiegel.web import logs
from spiegel.web.app import create_app

SERVICES = Services.from_env()
logs.install(SERVICES.config.log_clients)
handler = Mangum(create_app(SERVICES), lifespan="off")
