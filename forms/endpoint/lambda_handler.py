"""AWS Lambda entry point (API Gateway HTTP API v2 or a Function URL), through Mangum.

Handler: ``spiegel_endpoint.lambda_handler.handler``. The app is created once per container
(cold start), from the same environment variables as everywhere else.
"""

from mangum import Mangum

from .app import create_app
from .settings import Settings

handler = Mangum(create_app(Settings.from_env()), lifespan="off")
