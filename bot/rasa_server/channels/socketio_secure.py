"""The web widget's channel: Rasa's socket.io channel with sessions only this server can issue.

Rasa's own SocketIOInput lets a client pick any session id and joins it to that room, so
anyone who guesses or copies an id (from a shared screen, a browser extension, a log) can
read the rest of that conversation and speak in it. It also accepts connections from any
web page. Here:

- a connection must come from a page on an allowed origin (NAVIGATOR_WIDGET_ORIGINS,
  comma-separated, else `cors_allowed_origins` in credentials.yml, else http://localhost:8080);
- the server issues every session: a random conversation id signed with an HMAC under a
  server secret (NAVIGATOR_WIDGET_SECRET, else a random one kept in var/widget.secret,
  mode 0600). A client that asks to continue a session must present a token this server
  signed, no older than the retention window; anything else gets a new session;
- a message is accepted only for the session this socket was issued or resumed;
- every message says the widget shows cards (bot.present.channels), so results come as
  cards;
- custom JSON (the result cards) reaches the client as {"custom": {...}}: Rasa's output
  channel passes it to emit() as keyword arguments, which fails with a TypeError;
- joining the room is awaited: Rasa 3.6's channel calls python-socketio 5's coroutine
  enter_room without await, so with session_persistence no reply reaches the browser;
- a conversation gets NAVIGATOR_LIMIT_WIDGET_PER_SESSION messages a minute and an address
  NAVIGATOR_LIMIT_WIDGET_PER_IP (bot.limits; an address is shared by everyone behind one
  network, so its limit is higher). The first message over a limit gets a short note to wait,
  as a bot message, and later ones are dropped until the limit allows again: socket.io has no
  status code to answer with;
- a socket.io request body or websocket message is at most NAVIGATOR_WIDGET_MAX_BODY_BYTES
  (16 KB): a longer polling request gets 413 before it is read (the Rasa server would otherwise
  read up to 100 MB of it), a longer websocket message closes that socket.

The conversation is stored under "web-" + the random id; the signature never leaves the
browser's sessionStorage and this process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError as ConnectionRefused

from bot import settings
from bot.limits import RateLimiter, client_ip
from bot.present import catalogue
from bot.present.channels import ReplyCapabilities, web_text
from bot.present.sms import clean_incoming

logger = logging.getLogger(__name__)

SENDER_PREFIX = "web-"
# The entity extractor reads no more than this; a longer message is cut, not refused.
MAX_MESSAGE_CHARS = 2000
SLOW_DOWN_TEXT = catalogue.text("widget_slow_down")
# What the widget can show besides text.
REPLY_CAPABILITIES = ReplyCapabilities(cards=True)

_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


def allowed_origins(configured: Any = None) -> list[str]:
    """NAVIGATOR_WIDGET_ORIGINS, else the credentials' list (or comma-separated string), else the default."""
    return list(settings.WIDGET_ORIGINS.read(configured=configured)) or list(settings.WIDGET_ORIGINS.default)


def widget_secret(directory: Path = settings.VAR) -> bytes:
    """NAVIGATOR_WIDGET_SECRET, else a random secret made once in var/widget.secret (mode 0600)."""
    return settings.secret_bytes(settings.WIDGET_SECRET, "widget.secret", directory)


class SessionTokens:
    """Issues and checks the tokens that name a widget conversation: id.issued_at.signature."""

    def __init__(self, secret: bytes, max_age_seconds: float) -> None:
        self.secret = secret
        self.max_age_seconds = max_age_seconds

    def _signature(self, conversation_id: str, issued_at: str) -> str:
        digest = hmac.new(self.secret, f"{conversation_id}.{issued_at}".encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def issue(self) -> tuple[str, str]:
        """A new (token, conversation id)."""
        conversation_id, issued_at = secrets.token_hex(16), str(int(time.time()))
        return f"{conversation_id}.{issued_at}.{self._signature(conversation_id, issued_at)}", conversation_id

    def conversation_of(self, token: Any) -> str | None:
        """The conversation id a token names, if this server signed it and it has not expired."""
        match = _TOKEN.match(token) if isinstance(token, str) else None
        if match is None:
            return None
        conversation_id, issued_at, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(conversation_id, issued_at)):
            return None
        if time.time() - int(issued_at) > self.max_age_seconds:
            return None  # the conversation has been deleted by now
        return conversation_id


class CustomJsonSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom JSON sent as the `custom` field of one bot message, and
    texts written for SMS ("Reply with a number", "Text HELP") in the widget's wording
    (bot.present.channels.web_text)."""

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, web_text(text), **kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, web_text(text), buttons, **kwargs)


class CappedSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, with the engine.io route streamed so its body can be capped.

    engine.io registers a plain route, whose body Sanic reads whole (up to REQUEST_MAX_SIZE, 100 MB)
    before the handler runs. This registers the same handler on a streamed route instead, which
    reads at most `max_body_bytes` and answers 413 past that. (A Sanic signal could lower the limit
    too, but Sanic 21.12 rewrites request handling for every app in the process from the signals
    of the last one started.)
    """

    def __init__(self, sio: AsyncServer, socketio_path: str, max_body_bytes: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.max_body_bytes = max_body_bytes

    def register(self, app: Any, options: dict) -> None:
        sio, max_body_bytes = self.ctx.sio, self.ctx.max_body_bytes

        async def engineio_capped(request: Request) -> Any:
            if request.stream is not None:
                request.stream.request_max_size = max_body_bytes  # PayloadTooLarge (413) past it
                await request.receive_body()
            return await sio.handle_request(request)

        # What sio.attach(app, path) does, with stream=True.
        path = "/" + self.ctx.socketio_path.strip("/") + "/"
        app.add_route(engineio_capped, path, methods=["GET", "POST", "OPTIONS"], stream=True,
                      name=f"{self.name}_engineio")
        app.enable_websocket()
        Blueprint.register(self, app, options)


class SecureSocketIOInput(SocketIOInput):
    """The `socketio` channel for the web widget (see the module's docstring)."""

    @classmethod
    def name(cls) -> str:
        # The actions send result cards to the "socketio" channel by this name.
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecureSocketIOInput:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            cors_allowed_origins=credentials.get("cors_allowed_origins"),
        )

    def __init__(self, user_message_evt: str = "user_uttered", bot_message_evt: str = "bot_uttered",
                 namespace: str | None = None, socketio_path: str = "/socket.io",
                 cors_allowed_origins: Any = None, secret: bytes | None = None,
                 session_limit: RateLimiter | None = None, ip_limit: RateLimiter | None = None,
                 max_body_bytes: int | None = None, trust_forwarded_headers: bool | None = None) -> None:
        super().__init__(user_message_evt, bot_message_evt, namespace, session_persistence=True,
                         socketio_path=socketio_path)
        self.origins = allowed_origins(cors_allowed_origins)
        self.tokens = SessionTokens(secret or widget_secret(), settings.retention_hours() * 3600)
        self.session_limit = session_limit if session_limit is not None \
            else RateLimiter.from_settings(settings.WIDGET_PER_SESSION)
        self.ip_limit = ip_limit if ip_limit is not None else RateLimiter.from_settings(settings.WIDGET_PER_IP)
        self.max_body_bytes = max_body_bytes or settings.WIDGET_MAX_BODY_BYTES.read()
        self.trust_forwarded_headers = settings.TRUST_FORWARDED_HEADERS.read() if trust_forwarded_headers is None \
            else trust_forwarded_headers

    def get_output_channel(self) -> CustomJsonSocketIOOutput | None:
        if self.sio is None:
            return None
        return CustomJsonSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # engine.io refuses requests whose Origin is not listed and answers CORS for those that are.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origins,
                          max_http_buffer_size=self.max_body_bytes)
        socketio_webhook = CappedSocketBlueprint(sio, self.socketio_path, self.max_body_bytes, "socketio_webhook",
                                                 __name__)
        self.sio = sio
        namespace = self.namespace

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> None:
            # A browser always sends Origin on these requests; without one it is not our widget.
            if environ.get("HTTP_ORIGIN") not in self.origins:
                raise ConnectionRefused("origin not allowed")
            # engine.io's Sanic driver writes 127.0.0.1 as REMOTE_ADDR: the request knows the peer.
            request = environ.get("sanic.request")
            address = client_ip(getattr(request, "ip", None), environ.get("HTTP_X_FORWARDED_FOR"),
                                self.trust_forwarded_headers)
            await sio.save_session(sid, {"address": address}, namespace=namespace)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = self.tokens.conversation_of(token)
            if conversation_id is None:  # new, forged, tampered with or expired: a new conversation
                token, conversation_id = self.tokens.issue()
            room = SENDER_PREFIX + conversation_id
            async with sio.session(sid, namespace=namespace) as session:
                previous = session.get("room")
                if previous and previous != room:
                    await sio.leave_room(sid, previous, namespace=namespace)
                session.update(token=token, room=room)
            await sio.enter_room(sid, room, namespace=namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            token = data.get("session_id") if isinstance(data, dict) else None
            if not session.get("token") or not isinstance(token, str) \
                    or not hmac.compare_digest(token, session["token"]):
                logger.warning("refused a widget message for a session not issued to its socket")
                return
            text = data.get("message")
            text = clean_incoming(text) if isinstance(text, str) else ""
            if not text.strip():
                return
            verdict = self.session_limit.check(session["room"])
            if verdict.allowed:
                verdict = self.ip_limit.check(session.get("address", "unknown"))
            if not verdict.allowed:
                if verdict.first_refusal:
                    logger.warning("a widget conversation or address is over its message limit")
                    await sio.emit(self.bot_message_evt, {"text": SLOW_DOWN_TEXT}, room=sid, namespace=namespace)
                return
            # Client metadata is not passed on: nothing the browser claims is trusted.
            await on_new_message(UserMessage(
                text[:MAX_MESSAGE_CHARS], CustomJsonSocketIOOutput(sio, self.bot_message_evt), session["room"],
                input_channel=self.name(), metadata=REPLY_CAPABILITIES.as_metadata()))

        return socketio_webhook
