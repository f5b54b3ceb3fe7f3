"""What a notifier is: something that delivers one JSON message somewhere, plus a fake.

Like httpx's transports, the real adapters (:class:`~supportops.notify.slack.SlackWebhook`)
and the fake (:class:`FakeNotifier`) share one small protocol, so the review can post for real
or in tests through the same call, and a dry run can print the payload instead.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from supportops.errors import NotifyError


@runtime_checkable
class Notifier(Protocol):
    """Delivers messages; raises :class:`~supportops.errors.NotifyError` when it cannot."""

    @property
    def destination(self) -> str:
        """Where messages go, safe to print (never a secret)."""
        ...

    def send(self, payload: Mapping[str, Any]) -> None:
        """Deliver one message (a JSON object: Slack's ``{"text": …, "blocks": […]}``)."""
        ...


class FakeNotifier:
    """Records what it is given instead of sending it; can be told to fail.

    Payloads must be JSON-serializable (as on the wire); each is kept as a deep copy, so a
    test sees exactly what would have been sent.
    """

    destination = "fake notifier"

    def __init__(self, *, error: NotifyError | None = None) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.error = error

    def send(self, payload: Mapping[str, Any]) -> None:
        try:
            json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise NotifyError(f"the message is not JSON: {exc}") from exc
        if self.error is not None:
            raise self.error
        self.payloads.append(copy.deepcopy(dict(payload)))
