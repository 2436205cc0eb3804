"""The mail group of the configuration, read with the rest by ``spiegel.config.Config``.

Kept as a module so ``from spiegel.mailsettings import MailSettings`` keeps working; the variables
(SPIEGEL_SMTP_URL, SPIEGEL_MAIL_FROM, SPIEGEL_OUTBOX_DIR, SPIEGEL_PUBLIC_URL, ...) are in the
README's "Configuration" table and read in ``spiegel.config``.
"""

from spiegel.config import MailSettings

__all__ = ["MailSettings"]
