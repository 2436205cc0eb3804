"""AWS Lambda entry point (API Gateway HTTP API v2 or a Function URL), through Mangum.

Handler: ``spiegel.endpoint.lambda_handler.handler``. The app is created once per container
(cold start), from the same environment variables as everywhere else.
"""

from mangum import Mangum

from spiegel.endpoint import logs
from spiegel.endpoint.app import create_app
from spiegel.endpoint.mailsettings import MailSettings
from spiegel.endpoint.settings import Settings

logs.install()
handler = Mangum(create_app(Settings.from_env(), mail=MailSettings.from_env()), lifespan="off")
