"""The Slack notifier over real HTTP, against a receiver on 127.0.0.1, and the Block Kit
builders. The webhook URL's path is a secret: no message, log line or output may show it."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from supportops.errors import ConfigError, NotifyError
from supportops.notify import (
    FakeNotifier,
    Notifier,
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
from supportops.settings import Settings

TOKEN = "q9XsecretTOKENw2Zk7"
PATH = f"/services/T0TEAM1/B0HOOK2/{TOKEN}"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "reply"  # reply | close (drop the connection) | hang (never answer)


class Receiver:
    """What the webhook received, and the answers to give, in order (then 200 "ok")."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[Received] = []
        self.answers: list[Answer] = []
        self.errors: list[BaseException] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    @property
    def where(self) -> str:
        return f"http://127.0.0.1:{self.port}/…"

    def webhook(self, **options: Any) -> SlackWebhook:
        return SlackWebhook(SecretStr(self.url), **{"timeout": 2.0, "backoff": 0.05, **options})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver.requests.append(
            Received(self.command, self.path, dict(self.headers.items()), body, time.monotonic())
        )
        answer = receiver.answers.pop(0) if receiver.answers else Answer()
        if answer.action == "close":
            self.close_connection = True
            return
        if answer.action == "hang":
            receiver.release.wait(10)
            self.close_connection = True
            return
        data = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        for k, v in answer.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        self.receiver.errors.append(sys.exc_info()[1])  # type: ignore[arg-type]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.receiver
    server.receiver.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
    assert server.receiver.errors == []


@pytest.fixture(autouse=True)
def _no_secret_anywhere(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[None]:
    """Every test, whatever happens: the token is in no log record and no output."""
    caplog.set_level(logging.DEBUG)  # httpx, httpcore and ours at their most talkative
    yield
    out, err = capsys.readouterr()
    records = caplog.get_records("setup") + caplog.get_records("call")
    if "receiver" in request.fixturenames:
        assert records  # the logging is really captured (httpcore's debug lines at least)
    for text in (out, err, *(f"{r.name} {r.getMessage()}" for r in records)):
        assert TOKEN not in text
        assert "/services/" not in text


def send_error(notifier: SlackWebhook, payload: dict[str, Any]) -> str:
    with pytest.raises(NotifyError) as info:
        notifier.send(payload)
    text = str(info.value)
    assert TOKEN not in text
    assert "/services/" not in text
    return text


PAYLOAD = message(
    "Weekly review: escalations 1.43% (target 2%)",
    [
        header("Weekly escalation review · 2026-W47"),
        section(f"*Top problem:* {escape('SSO <login> loops & fails — “ünïcode” 🚀')}"),
        fields(("Created", "1,204"), "*Escalated*\n17"),
        context("<https://example.com|report>"),
        divider(),
    ],
)


# ------------------------------------------------------------------ delivery


def test_the_payload_arrives_intact(receiver: Receiver) -> None:
    receiver.webhook().send(PAYLOAD)
    [got] = receiver.requests
    assert (got.method, got.path) == ("POST", PATH)
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(got.body.decode("utf-8")) == PAYLOAD
    assert "🚀" in got.body.decode("utf-8")  # sent as UTF-8, not \\u escapes


def test_a_rejected_payload_is_not_retried(receiver: Receiver) -> None:
    receiver.answers = [Answer(400, "invalid_payload")]
    text = send_error(receiver.webhook(), PAYLOAD)
    assert text == (
        f"Slack webhook {receiver.where} answered HTTP 400 invalid_payload: "
        "Slack could not read the message; see it with --dry-run and report a bug"
    )
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            Answer(404, "no_service"),
            "answered HTTP 404 no_service: the webhook was removed or its URL is wrong; create an "
            "incoming webhook in Slack and set SUPPORTOPS_SLACK_WEBHOOK_URL",
        ),
        (
            Answer(403, "action_prohibited"),
            "answered HTTP 403 action_prohibited: the webhook's channel does not take posts; "
            "create a webhook for another channel",
        ),
        (
            Answer(418, ""),
            "answered HTTP 418 I'm a teapot: check the webhook in Slack's app settings",
        ),
        (  # an answer that echoes the URL has it scrubbed
            Answer(400, f"bad hook {PATH}"),
            "answered HTTP 400 bad hook …: check the webhook in Slack's app settings",
        ),
    ],
)
def test_other_4xx_answers_are_explained(receiver: Receiver, answer: Answer, expected: str) -> None:
    receiver.answers = [answer]
    assert send_error(receiver.webhook(), PAYLOAD) == f"Slack webhook {receiver.where} {expected}"
    assert len(receiver.requests) == 1


def test_429_is_retried_after_retry_after(receiver: Receiver) -> None:
    receiver.answers = [Answer(429, "rate_limited", {"Retry-After": "1"})]
    receiver.webhook().send(PAYLOAD)
    first, second = receiver.requests
    assert second.at - first.at >= 1.0
    assert second.body == first.body


def test_retry_after_is_capped_and_retried_only_once(receiver: Receiver) -> None:
    limited = Answer(429, "rate_limited", {"Retry-After": "120"})
    receiver.answers = [limited, limited]
    text = send_error(receiver.webhook(max_retry_after=0.3), PAYLOAD)
    assert text == (
        f"Slack webhook {receiver.where} answered HTTP 429 rate_limited (after one retry): "
        "Slack is rate-limiting this webhook; try again in a minute"
    )
    first, second = receiver.requests
    assert 0.3 <= second.at - first.at < 5  # waited the cap, not 120 s


def test_5xx_is_retried_once(receiver: Receiver) -> None:
    receiver.answers = [Answer(503, "service_unavailable")]
    receiver.webhook().send(PAYLOAD)
    assert len(receiver.requests) == 2

    receiver.requests.clear()
    page = "<html><body><h1>500 Internal Server Error</h1></body></html>"
    receiver.answers = [Answer(500, page), Answer(500, page)]
    text = send_error(receiver.webhook(), PAYLOAD)
    assert text == (
        f"Slack webhook {receiver.where} answered HTTP 500 Internal Server Error "
        "(after one retry): Slack is having trouble; try again later"
    )
    assert len(receiver.requests) == 2


def test_a_dropped_connection_is_not_retried(receiver: Receiver) -> None:
    receiver.answers = [Answer(action="close")]
    text = send_error(receiver.webhook(), PAYLOAD)
    assert text == (
        f"the Slack webhook at {receiver.where} closed the connection without answering; "
        "try again later"
    )
    assert len(receiver.requests) == 1


def test_a_silent_webhook_times_out(receiver: Receiver) -> None:
    receiver.answers = [Answer(action="hang")]
    started = time.monotonic()
    text = send_error(receiver.webhook(timeout=0.3), PAYLOAD)
    assert time.monotonic() - started < 3
    assert text == (
        f"the Slack webhook at {receiver.where} did not answer within 0.3 s; "
        "check the network and try again"
    )
    assert len(receiver.requests) == 1


def test_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = SlackWebhook(SecretStr(f"http://127.0.0.1:{port}{PATH}"), timeout=2.0)
    assert send_error(hook, PAYLOAD) == (
        f"cannot reach the Slack webhook at http://127.0.0.1:{port}/…: "
        "[Errno 111] Connection refused; check the network (and any proxy)"
    )


def test_the_url_is_never_shown() -> None:
    hook = SlackWebhook(SecretStr(f"https://hooks.slack.com{PATH}"))
    assert hook.destination == "Slack webhook https://hooks.slack.com/…"
    assert repr(hook) == "SlackWebhook('https://hooks.slack.com/…')"
    assert TOKEN not in f"{hook!r} {hook} {vars(hook)}"  # debuggers, error reporters
    for bad in (f"hooks.slack.com{PATH}", f"ftp://hooks.slack.com{PATH}", f"https://{TOKEN}:x"):
        with pytest.raises(ConfigError) as info:
            SlackWebhook(SecretStr(bad))
        assert TOKEN not in str(info.value)
        assert str(info.value).startswith("the Slack webhook URL is not an http(s) URL")


def test_the_webhook_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"^no Slack webhook: set SUPPORTOPS_SLACK_WEBHOOK_URL"):
        slack_webhook(Settings())
    monkeypatch.setenv("SUPPORTOPS_SLACK_WEBHOOK_URL", f"https://hooks.slack.com{PATH}")
    settings = Settings()
    assert TOKEN not in repr(settings)
    assert slack_webhook(settings).destination == "Slack webhook https://hooks.slack.com/…"


# ------------------------------------------------------------------ the fake


def test_the_fake_records_what_would_be_sent() -> None:
    fake = FakeNotifier()
    payload = message("hi", [section("one")])
    fake.send(payload)
    payload["blocks"].append(divider())  # later changes do not reach the record
    assert fake.payloads == [{"text": "hi", "blocks": [section("one")]}]
    with pytest.raises(NotifyError, match=r"^the message is not JSON"):
        fake.send({"text": object()})
    failing = FakeNotifier(error=NotifyError("down"))
    with pytest.raises(NotifyError, match=r"^down$"):
        failing.send(payload)
    assert failing.payloads == []
    assert isinstance(fake, Notifier)
    assert isinstance(SlackWebhook(SecretStr("https://hooks.slack.com/x")), Notifier)


# ------------------------------------------------------------------ Block Kit


def test_escape_neutralises_slack_control_characters() -> None:
    assert escape("a & b <!channel> <https://evil|click> > c") == (
        "a &amp; b &lt;!channel&gt; &lt;https://evil|click&gt; &gt; c"
    )
    assert section(escape("<@U123>"))["text"] == {"type": "mrkdwn", "text": "&lt;@U123&gt;"}
    assert message("<!here> Q&A", [])["text"] == "&lt;!here&gt; Q&amp;A"


def test_links_escape_labels_and_refuse_other_schemes() -> None:
    assert link("https://kb.example.com/a?x=1&y=2", "SSO <loops> | fix") == (
        "<https://kb.example.com/a?x=1&amp;y=2|SSO &lt;loops&gt; / fix>"
    )
    assert link("https://x.example/a|b", "t") == "<https://x.example/a%7Cb|t>"
    assert link("javascript:alert(1)", "<b>") == "&lt;b&gt;"


def test_header_is_plain_text_of_at_most_150() -> None:
    h = header("x" * 200)
    assert h["type"] == "header"
    assert h["text"]["type"] == "plain_text"
    assert h["text"]["text"] == "x" * 149 + "…"  # 149 + the ellipsis = 150
    assert header("Q&A <b>")["text"]["text"] == "Q&A <b>"  # plain text is never formatted
    assert header("   ")["text"]["text"] == "–"  # Slack rejects empty text


def test_section_text_is_cut_at_3000_without_breaking_entities_or_links() -> None:
    assert section("y" * 3000)["text"]["text"] == "y" * 3000
    assert section("y" * 3001)["text"]["text"] == "y" * 2999 + "…"
    # 2997 y then "&amp;": the cut at 2999 would leave "&a"; it backs off to before the "&"
    assert section("y" * 2997 + "&amp;tail")["text"]["text"] == "y" * 2997 + "…"
    cut = truncate("see <https://example.com/long|the article> now", 20)
    assert cut == "see…"  # the link would have been cut open
    # the first 9 characters are "a &lt; b ": the complete entity stays, the space goes
    assert truncate("a &lt; b &gt; c", 10) == "a &lt; b…"


def test_fields_and_context_are_capped_at_ten() -> None:
    block = fields(*(f"*f{i}*" for i in range(14)), mrkdwn="intro")
    assert [f["text"] for f in block["fields"]] == [
        *(f"*f{i}*" for i in range(9)),
        "_… and 5 more_",  # 14 fields: 9 shown, 5 in the tenth
    ]
    assert block["text"] == {"type": "mrkdwn", "text": "intro"}
    assert fields("z" * 2500)["fields"][0]["text"] == "z" * 1999 + "…"
    # (label, value) pairs are plain text: escaped, the label in bold
    assert fields(("SLA <met>", "95% & up"), "*mrkdwn*")["fields"] == [
        {"type": "mrkdwn", "text": "*SLA &lt;met&gt;*\n95% &amp; up"},
        {"type": "mrkdwn", "text": "*mrkdwn*"},
    ]
    elements = context(*(str(i) for i in range(12)))["elements"]
    assert [e["text"] for e in elements] == [*(str(i) for i in range(9)), "… and 3 more"]


def test_a_message_has_at_most_50_blocks() -> None:
    m = message("t", [section(str(i)) for i in range(60)])
    assert len(m["blocks"]) == 50
    assert m["blocks"][48] == section("48")
    # 60 blocks: 49 shown, 11 left out
    assert m["blocks"][49] == context("_11 more blocks left out_")
    assert len(message("t" * 5000, [])["text"]) == 3000
    assert len(message("t", [divider()] * 50)["blocks"]) == 50
