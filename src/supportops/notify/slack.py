"""Slack: Block Kit builders that keep a message valid, and the incoming-webhook adapter.

**Blocks.** Ticket text is untrusted: :func:`escape` turns ``&``, ``<`` and ``>`` into the
entities Slack asks for, so a subject such as ``<!channel>`` or ``<https://evil|click>`` shows
as typed and neither pings a channel nor becomes a link. Functions taking ``text``
(:func:`header`, :func:`message`'s fallback) escape or need no escaping; those taking
``mrkdwn`` expect mrkdwn you composed, with every untrusted piece passed through
:func:`escape` (or :func:`link`). Slack refuses a whole message when one limit is exceeded, so
each builder truncates to Slack's limits with "…" instead: header 150 characters, section text
3,000, 10 fields of 2,000, 10 context elements, 50 blocks.

**The webhook.** Its URL is a secret: the path is the token that lets anyone post to the
channel. It is held as a ``SecretStr``, never logged, and every error message shows at most
its scheme and host (``https://hooks.slack.com/…``), with any trace of the path scrubbed from
text that comes back (Slack's answer, the network error). Requests go straight to an httpx
transport rather than through ``httpx.Client``, whose INFO log line would carry the full URL.
Proxies come from the usual environment variables (``HTTPS_PROXY``, ``NO_PROXY`` …). One
retry on 429 (after ``Retry-After``, capped) and on 5xx; none on other answers, nor after a
timeout or a dropped connection, when Slack may have posted the message already.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import SecretStr

from supportops.errors import ConfigError, NotifyError
from supportops.settings import Settings

log = logging.getLogger(__name__)

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_MAX = 10
CONTEXT_LIMIT = 2000
CONTEXT_MAX = 10
BLOCKS_MAX = 50
TEXT_LIMIT = 3000  # the notification fallback; Slack itself cuts at 40,000
ELLIPSIS = "…"
EMPTY = "–"  # Slack rejects empty text objects

Block = dict[str, Any]


def escape(text: str) -> str:
    """Untrusted text made safe inside mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(mrkdwn: str, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut; never cuts an entity (``&amp;``)
    or a ``<link|label>`` in half, and drops the spaces before the "…"."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: limit - 1]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut.rstrip() + ELLIPSIS


def _plain(text: str, limit: int) -> str:
    text = text.strip() or EMPTY
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _mrkdwn(mrkdwn: str, limit: int) -> Block:
    return {"type": "mrkdwn", "text": truncate(mrkdwn.strip() or EMPTY, limit)}


def link(url: str, label: str) -> str:
    """A mrkdwn link with an untrusted label; a URL that is not http(s) gives the label only."""
    if not re.match(r"^https?://[^\s]+$", url):
        return escape(label)
    safe_url = escape(url).replace("|", "%7C")
    return f"<{safe_url}|{escape(label.replace('|', '/'))}>"


def header(text: str) -> Block:
    """A header block (plain text, which Slack never formats; 150 characters at most)."""
    return {"type": "header", "text": {"type": "plain_text", "text": _plain(text, HEADER_LIMIT)}}


def section(mrkdwn: str) -> Block:
    """A section of mrkdwn (3,000 characters at most)."""
    return {"type": "section", "text": _mrkdwn(mrkdwn, SECTION_LIMIT)}


def fields(*items: tuple[str, str] | str, mrkdwn: str | None = None) -> Block:
    """A section of two-column fields, with optional mrkdwn above them. Each item is a
    ``(label, value)`` pair of plain text (escaped here, shown as a bold label over the
    value) or a mrkdwn string. At most 10 fields of 2,000 characters; the tenth then says
    how many more there were."""
    shown = [f"*{escape(i[0])}*\n{escape(i[1])}" if isinstance(i, tuple) else i for i in items]
    if len(shown) > FIELDS_MAX:
        shown = [*shown[: FIELDS_MAX - 1], f"_… and {len(items) - FIELDS_MAX + 1} more_"]
    block: Block = {"type": "section", "fields": [_mrkdwn(f, FIELD_LIMIT) for f in shown]}
    if mrkdwn is not None:
        block["text"] = _mrkdwn(mrkdwn, SECTION_LIMIT)
    return block


def context(*items: str) -> Block:
    """Small grey mrkdwn lines (at most 10 elements)."""
    shown = list(items) or [EMPTY]
    if len(shown) > CONTEXT_MAX:
        shown = [*shown[: CONTEXT_MAX - 1], f"… and {len(items) - CONTEXT_MAX + 1} more"]
    return {"type": "context", "elements": [_mrkdwn(i, CONTEXT_LIMIT) for i in shown]}


def divider() -> Block:
    return {"type": "divider"}


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A webhook payload: the blocks (at most 50; the last then says how many were left
    out) and ``text``, the plain fallback shown in notifications, escaped here."""
    shown = list(blocks)
    if len(shown) > BLOCKS_MAX:
        left_out = len(shown) - BLOCKS_MAX + 1
        shown = [*shown[: BLOCKS_MAX - 1], context(f"_{left_out} more blocks left out_")]
    return {"text": truncate(escape(text.strip() or EMPTY), TEXT_LIMIT), "blocks": shown}


# ----------------------------------------------------------------- the webhook

REVOKED = (
    "the webhook was removed or its URL is wrong; create an incoming webhook in Slack and set "
    "SUPPORTOPS_SLACK_WEBHOOK_URL"
)
CHANNEL = "the webhook's channel does not take posts; create a webhook for another channel"
#: Slack's answers (the response body) and what to do about them.
HINTS = {
    "invalid_payload": "Slack could not read the message; see it with --dry-run and report a bug",
    "invalid_token": REVOKED,
    "no_service": REVOKED,
    "no_team": REVOKED,
    "team_disabled": REVOKED,
    "no_active_hooks": REVOKED,
    "channel_not_found": CHANNEL,
    "channel_is_archived": CHANNEL,
    "action_prohibited": CHANNEL,
    "posting_to_general_channel_denied": CHANNEL,
    "user_not_found": CHANNEL,
}


def _hint(status: int, body: str) -> str:
    if body in HINTS:
        return HINTS[body]
    if status == 429:
        return "Slack is rate-limiting this webhook; try again in a minute"
    if status >= 500:
        return "Slack is having trouble; try again later"
    if status in (401, 403, 404, 410):
        return REVOKED
    return "check the webhook in Slack's app settings"


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class SlackWebhook:
    """A Slack incoming webhook (implements :class:`~supportops.notify.base.Notifier`).

    ``timeout`` bounds connecting, sending and waiting for the answer, each; a 429 answer is
    retried once after its Retry-After (at most ``max_retry_after`` seconds), a 5xx answer
    once after ``backoff`` seconds. ``transport`` replaces the default httpx transport.
    """

    def __init__(
        self,
        url: SecretStr,
        *,
        timeout: float = 10.0,
        max_retry_after: float = 30.0,
        backoff: float = 1.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        secret = url.get_secret_value().strip()
        try:
            parsed = httpx.URL(secret)
        except (httpx.InvalidURL, TypeError):
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigError(
                "the Slack webhook URL is not an http(s) URL: set SUPPORTOPS_SLACK_WEBHOOK_URL "
                "to the incoming-webhook URL Slack gave you (https://hooks.slack.com/services/…)"
            )
        # only the SecretStr is kept: vars(), debuggers and error reporters show it masked
        self._secret = SecretStr(secret)
        host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
        port = f":{parsed.port}" if parsed.port is not None else ""
        self._where = f"{parsed.scheme}://{host}{port}/…"
        self.timeout = timeout
        self.max_retry_after = max_retry_after
        self.backoff = backoff
        self._transport = transport

    @property
    def destination(self) -> str:
        """Scheme and host only: the path is the secret."""
        return f"Slack webhook {self._where}"

    def __repr__(self) -> str:
        return f"SlackWebhook({self._where!r})"

    def send(self, payload: Mapping[str, Any]) -> None:
        """Post one message; :class:`NotifyError` (saying why and what to do) if Slack does
        not take it."""
        try:
            body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise NotifyError(f"the Slack message is not JSON: {exc}") from None
        for attempt in (1, 2):
            status, text, headers = self._send(body)
            if 200 <= status < 300:
                log.info("posted %d bytes to %s", len(body), self.destination)
                return
            if attempt == 1 and (status == 429 or status >= 500):
                delay = self.backoff
                if status == 429:
                    after = _retry_after(headers.get("retry-after"))
                    delay = self.backoff if after is None else min(after, self.max_retry_after)
                log.info("%s answered HTTP %d; retrying in %.1f s", self.destination, status, delay)
                time.sleep(delay)
                continue
            raise NotifyError(self._refusal(status, text, retried=attempt == 2))

    # ------------------------------------------------------------- internals
    def _send(self, body: bytes) -> tuple[int, str, httpx.Headers]:
        url = httpx.URL(self._secret.get_secret_value())
        request = httpx.Request(
            "POST",
            url,
            headers={"Content-Type": "application/json; charset=utf-8"},
            content=body,
            extensions={"timeout": httpx.Timeout(self.timeout).as_dict()},
        )
        transport = self._transport or httpx.HTTPTransport(proxy=_proxy(url), retries=0)
        try:
            response = transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
        except httpx.TimeoutException:
            raise NotifyError(
                f"the Slack webhook at {self._where} did not answer within {self.timeout:g} s; "
                "check the network and try again"
            ) from None
        except httpx.ConnectError as exc:
            raise NotifyError(
                f"cannot reach the Slack webhook at {self._where}: {self._scrub(str(exc))}; "
                "check the network (and any proxy)"
            ) from None
        except httpx.RemoteProtocolError:
            raise NotifyError(
                f"the Slack webhook at {self._where} closed the connection without answering; "
                "try again later"
            ) from None
        except httpx.HTTPError as exc:
            raise NotifyError(
                f"cannot post to the Slack webhook at {self._where}: "
                f"{type(exc).__name__}: {self._scrub(str(exc))}"
            ) from None
        finally:
            if self._transport is None:
                transport.close()
        return response.status_code, response.text, response.headers

    def _refusal(self, status: int, text: str, *, retried: bool) -> str:
        """The message for an answer Slack gave that is not a success."""
        body = " ".join(text.split())
        if not body or len(body) > 200 or "<" in body:  # an HTML error page says nothing
            body = httpx.codes.get_reason_phrase(status)
        body = self._scrub(body)
        again = " (after one retry)" if retried else ""
        hint = _hint(status, body)
        return f"Slack webhook {self._where} answered HTTP {status} {body}{again}: {hint}"

    def _scrub(self, text: str) -> str:
        """The text with every piece of the URL past the host replaced by "…"."""
        secret = self._secret.get_secret_value()
        url = httpx.URL(secret)
        pieces = {secret, url.raw_path.decode("ascii", "replace"), url.path}
        pieces |= {p for p in url.path.split("/") if len(p) >= 6}
        pieces |= {url.query.decode("ascii", "replace")}
        for piece in sorted(pieces - {"", "/"}, key=len, reverse=True):
            text = text.replace(piece, "…")
        return text


def _proxy(url: httpx.URL) -> str | None:
    """The proxy the environment names for this URL (HTTPS_PROXY, NO_PROXY …), if any."""
    if urllib.request.proxy_bypass(url.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(url.scheme) or proxies.get("all")


def slack_webhook(settings: Settings, **options: Any) -> SlackWebhook:
    """The webhook the settings name; ConfigError saying how to set one when none is."""
    if settings.slack_webhook_url is None or not settings.slack_webhook_url.get_secret_value():
        raise ConfigError(
            "no Slack webhook: set SUPPORTOPS_SLACK_WEBHOOK_URL to an incoming-webhook URL "
            "(Slack → Apps → Incoming WebHooks), or use --dry-run to print the message"
        )
    return SlackWebhook(settings.slack_webhook_url, **options)
