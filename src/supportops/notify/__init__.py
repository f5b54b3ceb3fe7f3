"""Notifications: the :class:`Notifier` protocol, Slack's incoming webhook, and a fake::

from supportops.notify import escape, header, message, section, slack_webhook

slack = slack_webhook(settings)  # ConfigError when SUPPORTOPS_SLACK_WEBHOOK_URL is unset
slack.send(message("Weekly review", [header("Weekly review"), section(escape(subject))]))
"""

from supportops.notify.base import FakeNotifier, Notifier
from supportops.notify.slack import (
    SlackWebhook,
    context,
    divider,
    escape,
    fields,
    header,
    link,
    message,
    section,
    slack_webhook,
    truncate,
)

__all__ = [
    "FakeNotifier",
    "Notifier",
    "SlackWebhook",
    "context",
    "divider",
    "escape",
    "fields",
    "header",
    "link",
    "message",
    "section",
    "slack_webhook",
    "truncate",
]
