"""AWS Lambda entry point (API Gateway HTTP API v2 or a Function URL), through Mangum.

Handler: ``spiegel.web.lambda_handler.handler``. The app is created once per container
(cold start), from the same environment variables as everywhere else.
"""

from mangum import Mangum

from spiegel.config import Settings
from spiegel.mailsettings import MailSettings
from spiegel.web import logs
from spiegel.web.app import create_app

logs.install()
handler = Mangum(create_app(Settings.from_env(), mail=MailSettings.from_env()), lifespan="off")
