"""The REST channel, for this machine's tools and tests: closed to everyone else unless a token opens it.

Rasa's own REST channel (POST /webhooks/rest/webhook {"sender": ..., "message": ...}) answers anyone
who can reach the port, lets the caller name any conversation (a widget's "web-<id>" or a texter's
"sms-<hash>", so reading another person's results and writing into their conversation), reads a body
of any size and logs the message text when a turn fails. This one, at the same path:

- answers only requests from this machine (loopback, and not relayed by a proxy on it) unless
  NAVIGATOR_REST_TOKEN is set; then only requests with `Authorization: Bearer <token>`, from
  anywhere. In production it is off unless that token is set;
- refuses a sender id of another channel ("web-", "sms-"): those conversations are reached only
  through their own channels, which prove who is speaking;
- reads at most NAVIGATOR_WIDGET_MAX_BODY_BYTES of body (413 past it, before reading the rest), cuts
  a message to the widget's length, and gives each sender NAVIGATOR_LIMIT_REST_PER_SENDER messages a
  minute (429 with Retry-After past that);
- logs no message text.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.limits import RateLimiter
from bot.present.sms import clean_incoming
from bot.rasa_server.channels.socketio_secure import MAX_MESSAGE_CHARS
from bot.rasa_server.channels.socketio_secure import SENDER_PREFIX as WIDGET_PREFIX
from bot.senders import SENDER_ID_PREFIX as SMS_PREFIX

logger = logging.getLogger(__name__)

OTHER_CHANNELS_PREFIXES = (WIDGET_PREFIX, SMS_PREFIX)
MAX_SENDER_CHARS = 128
# Headers a proxy adds: a request relayed from elsewhere through a proxy on this machine is not local.
RELAY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


class LocalRestInput(InputChannel):
    """Rasa's REST channel, closed to other machines and other channels' conversations; see the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> LocalRestInput:
        return cls(token=settings.REST_TOKEN.read(), production=settings.production())

    def __init__(self, token: str | None = None, production: bool = False, sender_limit: RateLimiter | None = None,
                 max_body_bytes: int | None = None) -> None:
        self.token = token
        self.production = production
        self.sender_limit = sender_limit if sender_limit is not None \
            else RateLimiter.from_settings(settings.REST_PER_SENDER)
        self.max_body_bytes = max_body_bytes or settings.WIDGET_MAX_BODY_BYTES.read()
        if production and not token:
            logger.info("the REST channel is off in production: set %s to turn it on", settings.REST_TOKEN.name)

    def refusal(self, request: Request) -> HTTPResponse | None:
        """Why this request may not use the channel, as a response; None when it may."""
        if self.token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
                return None
            return response.json({"error": f"send Authorization: Bearer <{settings.REST_TOKEN.name}>"}, status=401)
        if self.production:
            return response.json({"error": f"the REST channel is off; set {settings.REST_TOKEN.name}"}, status=403)
        if not is_loopback(request.ip) or any(header in request.headers for header in RELAY_HEADERS):
            return response.json({"error": "the REST channel answers only this machine"}, status=403)
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("local_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return self.refusal(request) or response.json({"status": "ok"})

        # Streamed, so that an oversized body is refused before it is read.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            body = await self._read_body(request)
            if body is None:
                return response.json({"error": f"the body is over {self.max_body_bytes} bytes"}, status=413)
            try:
                data = json.loads(body)
            except ValueError:
                return response.json({"error": "the body is not JSON"}, status=400)
            sender = data.get("sender") if isinstance(data, dict) else None
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return response.json({"error": f"sender must be an id of at most {MAX_SENDER_CHARS} characters"},
                                     status=400)
            if sender.startswith(OTHER_CHANNELS_PREFIXES):
                return response.json({"error": "this sender id belongs to another channel"}, status=403)
            if not isinstance(text, str):
                return response.json({"error": "message must be text"}, status=400)
            verdict = self.sender_limit.check(sender)
            if not verdict.allowed:
                return response.json({"error": "too many messages; wait a minute"}, status=429,
                                     headers={"Retry-After": verdict.retry_after_header})
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(clean_incoming(text)[:MAX_MESSAGE_CHARS], collector, sender,
                                                 input_channel=self.name()))
            except Exception as error:  # noqa: BLE001 - the reply says what was said so far; no text is logged
                logger.error("a REST turn failed: %s", type(error).__name__)
            return response.json(collector.messages)

        return webhook

    async def _read_body(self, request: Request) -> bytes | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        body = bytearray()
        async for chunk in request.stream:
            body += chunk
            if len(body) > self.max_body_bytes:
                return None
        return bytes(body)
