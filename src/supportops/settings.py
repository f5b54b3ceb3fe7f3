"""Runtime settings from the environment (``SUPPORTOPS_*``) and command-line flags.

Built once in the CLI's entry point and passed down; nothing reads settings at import time.
Secrets (webhook URLs, SMTP passwords) are ``SecretStr`` so they never print by accident.
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from supportops.store import DEFAULT_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUPPORTOPS_", extra="ignore")

    #: Database URL: ``sqlite:///supportops.db`` (default) or ``postgresql://…``.
    db: str = DEFAULT_URL
    #: Slack incoming-webhook URL for review summaries (a secret).
    slack_webhook_url: SecretStr | None = None
