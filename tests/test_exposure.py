"""What people tell the assistant stays out of the logs: conversations through the SMS webhook, the
widget and /api/search, with every logger captured at INFO and above (Rasa's structlog events,
Sanic's and aiohttp's access logs included), and no record may hold the message, the phone number
in any spelling, or the ZIP code.

The SMS and widget conversations run the trained model in this process (tests/test_end_to_end.py
runs it as servers), with the custom actions on an in-process action server."""
from __future__ import annotations

import asyncio
import logging
import re
import socket

import pytest
import structlog
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.endpoint import create_app as create_action_app
from sanic import Sanic

from bot.actions import common
from bot.limits import RateLimiter
from bot.run import DEFAULT_MODEL
from bot.rasa_server.tracker_store import PrivateSQLTrackerStore
from bot.web.app import make_app
from bot.web.config import Settings
from bot.web.middleware import PathOnlyAccessLogger
from test_abuse_limits import start_widget  # noqa: F401  (a fixture)
from test_twilio_channel import PHONE, sms, start_webhook  # noqa: F401  (a fixture)
from test_web import BEARER, NAVIGATOR_TOKEN, RASA_TOKEN, SENDER_KEY_HEX, FakeTwilio, fake_rasa  # noqa: F401

MARKER = "zebraquartz"  # a word no log line has any business holding
ZIP = "19134"  # below the ephemeral port range, so no port number in a log line can be it
PHONE_SPELLINGS = ("+12155550123", "12155550123", "2155550123", "215-555-0123", "(215) 555-0123", "215.555.0123",
                   "555-0123", "5550123")
FIRST_MESSAGE = f"{MARKER} need bupe near {ZIP}, call me at 215-555-0123"
SECRETS = (MARKER, ZIP, *PHONE_SPELLINGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Everything(logging.Handler):
    """Every record at INFO and above, formatted with its exception and stack, as a log file would be."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        # The `extra` attributes too: Sanic's access log keeps its request line and host in them. Not
        # the standard ones (times, thread and process ids), whose digits could hold a ZIP by chance.
        extras = {key: value for key, value in record.__dict__.items() if key not in STANDARD_ATTRIBUTES}
        self.lines.append(f"{self.format(record)} {record.args!r} {extras!r}")


STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


@pytest.fixture
def captured_logs():
    """A handler on the root logger at INFO, and on the loggers that may not propagate; Rasa's
    structlog routed into logging at INFO as `rasa run` does (without caching its loggers)."""
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    others = [logging.getLogger(name) for name in ("sanic.access", "sanic.root", "sanic.error", "aiohttp.access",
                                                   "aiohttp.server", "socketio", "engineio", "rasa", "rasa_sdk")]
    others = [logger for logger in others if not logger.propagate]
    for logger in others:
        logger.addHandler(handler)
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, structlog.processors.add_log_level,
                    structlog.processors.JSONRenderer()],
        context_class=dict, logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO), cache_logger_on_first_use=False)
    yield handler
    structlog.reset_defaults()
    for logger in others:
        logger.removeHandler(handler)
    root.removeHandler(handler)
    root.setLevel(old_level)


def assert_nothing_personal(lines: list[str]) -> None:
    assert lines, "nothing was logged at all: the capture is not working"
    for line in lines:
        for secret in SECRETS:
            assert secret not in line, f"{secret!r} in a log record: {line[:300]}"
        # And no other spelling of the number: its digits in order, whatever separates them.
        assert not re.search(r"215\D{0,3}555\D{0,3}0123", line), line[:300]


# --- the assistant, in this process ---------------------------------------------------------------


async def bot_messages_until(client, done) -> list[str]:
    """The texts of the widget's bot messages, until `done` says they are enough (socket.io's pings
    keep RawSocketIO.next_event waiting, so the caller bounds the whole wait)."""
    texts: list[str] = []
    while not done(texts):
        event, data = await client.next_event()
        texts.append(str(data))
    return texts


def conversation_ran(texts: list[str]) -> bool:
    return any("pay" in text.lower() or "medicaid" in text.lower() for text in texts)


# --- the conversations ----------------------------------------------------------------------------


async def test_an_sms_conversation_logs_no_message_number_or_zip(in_process_assistant, start_webhook, captured_logs):
    webhook = await start_webhook(agent=in_process_assistant, reply_timeout=60, sender_limit=RateLimiter(6),
                                  refused_limit=RateLimiter(2))
    first = await webhook.post(sms(FIRST_MESSAGE))
    assert conversation_ran(first.messages()), first.messages()  # the assistant asked how they would pay
    await webhook.post(sms("medicaid"))
    for text in ("HELP", f"{MARKER} {ZIP}", "DELETE", f"{MARKER} again", f"{MARKER} flood", f"{MARKER} {ZIP}!"):
        assert (await webhook.post(sms(text))).status == 200  # the last ones over the sender's limit
    for _ in range(3):  # unsigned, with everything in it, until it is 429
        await webhook.post(sms(FIRST_MESSAGE), sign=False, headers={"X-Forwarded-For": "2155550123"})
    await webhook.post(body=f"From={PHONE}&Body={MARKER}%FF".encode())  # malformed
    assert (await webhook.post(sms("STOP"))).status == 200

    assert_nothing_personal(captured_logs.lines)


async def test_a_widget_conversation_logs_no_message_number_or_zip(in_process_assistant, start_widget, captured_logs):
    widget = await start_widget(agent=in_process_assistant, access_log=True, session_limit=RateLimiter(3))
    client = await widget.connect()
    token = await client.session(None)
    await client.emit("user_uttered", {"message": FIRST_MESSAGE, "session_id": token})
    replies = await asyncio.wait_for(bot_messages_until(client, conversation_ran), timeout=90)
    await client.emit("user_uttered", {"message": "medicaid", "session_id": token})
    await asyncio.wait_for(client.next_event(), timeout=90)
    for text in (f"{MARKER} {ZIP}", f"{MARKER} 215-555-0123"):  # over the conversation's limit
        await client.emit("user_uttered", {"message": text, "session_id": token})
    await client.emit("user_uttered", {"message": FIRST_MESSAGE, "session_id": "forged." + ZIP})  # refused
    await client.close()

    assert_nothing_personal(captured_logs.lines)


async def test_the_navigator_api_logs_no_query_place_or_number(national_registry, fake_rasa, tmp_path, monkeypatch,
                                                             captured_logs):
    from aiohttp.test_utils import TestClient, TestServer

    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", SENDER_KEY_HEX)
    twilio = FakeTwilio()
    settings = Settings(database_url=str(national_registry.engine.url), rasa_url=fake_rasa.url, rasa_token=RASA_TOKEN,
                        channel_database_url=f"sqlite:///{tmp_path / 'channels.db'}", navigator_token=NAVIGATOR_TOKEN,
                        twilio_from_number="+15005550006", sms_client=twilio, search_per_minute=8)
    fake_rasa.answers[FIRST_MESSAGE] = [{"entity": "location", "value": ZIP}, {"entity": "medication",
                                                                                "value": "buprenorphine"}]
    server = TestServer(make_app(settings))
    await server.start_server(access_log_class=PathOnlyAccessLogger)  # as main() runs it
    async with TestClient(server) as client:
        found = await client.get("/api/search", params={"q": FIRST_MESSAGE}, headers=BEARER)
        assert found.status == 200
        listing = (await found.json())["listings"][0]["id"]
        assert (await client.get("/api/search", params={"place": ZIP}, headers=BEARER)).status == 200
        for place in (f"{MARKER} town", f"<{MARKER}>", "215-555-0123"):
            assert (await client.get("/api/search", params={"place": place}, headers=BEARER)).status in (400, 422)
        sent = await client.post("/api/send", json={"to": "215-555-0123", "listing_ids": [listing]}, headers=BEARER)
        assert sent.status == 200 and twilio.sent
        for _ in range(6):  # until the address is over its limit
            await client.get("/api/search", params={"place": ZIP, "q": MARKER}, headers=BEARER)
        await client.post("/navigator/login", data={"passphrase": f"{MARKER} {ZIP} 2155550123"})
    assert any(line.startswith("aiohttp.access") for line in captured_logs.lines)

    assert_nothing_personal(captured_logs.lines)
