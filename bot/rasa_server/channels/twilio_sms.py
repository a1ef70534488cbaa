"""SMS through Twilio, answered in the webhook's own response (TwiML).

Replaces Rasa's built-in Twilio channel at the same path, /webhooks/twilio/webhook. That
channel checks no signature, keeps the phone number as the conversation id, fails on a
message without a body and blocks the server while it sends replies through the API.
Here every request must carry Twilio's signature, the number becomes a keyed hash at once
(bot.senders), and the reply goes back in the HTTP response, so nothing is sent later and
no number needs to be kept. STOP, START, HELP and DELETE are handled here, before the
assistant. The signature is checked against NAVIGATOR_PUBLIC_URL (required with a token), never a
URL the request's headers name. A message's id is kept hashed for 48 hours, so a captured request
sent again later (a STOP) changes nothing; its reply is kept 2 minutes for Twilio's retries. Once
answered, a message and its replies can be deleted from Twilio's log (bot/rasa_server/channels/twilio_logs.py).

Abuse limits (bot.limits; the numbers are settings in bot.settings):
- a phone number (its hashed sender id) gets NAVIGATOR_LIMIT_SMS_PER_SENDER messages a minute.
  Past that a signed message still gets 200 and TwiML, not 429: Twilio would log a 429 as a
  webhook failure and the person would hear nothing. The first message over the limit gets a
  short note to wait a minute; the ones after it get an empty reply (no SMS is sent, nothing is
  billed, an auto-responder texting us in a loop stops getting answers) until the sender is
  under the limit again. STOP is never limited.
- there is no limit per address on signed requests: every SMS arrives from Twilio's addresses,
  shared by all its customers, so one would silence everyone. Requests that fail the signature
  are counted per address (NAVIGATOR_LIMIT_SMS_REFUSED_PER_IP a minute); past that they get 429
  with Retry-After instead of 403, and are no longer logged one by one. A request with a valid
  signature is never refused for its address, even one whose address others misuse.
- a body over NAVIGATOR_SMS_MAX_BODY_BYTES (64 KB) gets 413 before it is read.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from multidict import MultiDict
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot import settings
from bot.limits import RateLimiter, client_ip
from bot.present import catalogue
from bot.present.sms import clean_incoming, split_reply, to_gsm7
from bot.rasa_server.channels.twilio_logs import TwilioLogCleaner
from bot.senders import ChannelStore, sender_id, sender_key

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = settings.SMS_MAX_BODY_BYTES.default
MAX_TEXT_CHARS = 1000
MAX_MESSAGES = 5
RETRY_POLL_SECONDS = 0.2
# A retry of a message arrives within Twilio's 15 s; one seen longer ago than the reply time and this is a replay.
RETRY_GRACE_SECONDS = 30
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Twilio's opt-out and opt-in keywords; the carrier or Twilio answers those itself.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
DELETE_KEYWORD = "DELETE"
GREET_INTENT = "/greet"

HELP_TEXT = catalogue.text("sms_help")
DELETED_TEXT = catalogue.text("sms_deleted")
PICTURE_TEXT = catalogue.text("sms_picture")
EMPTY_TEXT = catalogue.text("sms_empty")
APOLOGY_TEXT = catalogue.text("apology")
MORE_TEXT = catalogue.text("sms_more")
SLOW_DOWN_TEXT = catalogue.text("sms_slow_down")

_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_BLANK_LINE = re.compile(r"\n\s*\n")
# Characters XML 1.0 cannot carry at all, escaped or not.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class RejectedRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class TwilioSmsInput(InputChannel):
    """Twilio SMS webhook that answers with TwiML; see the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwilioSmsInput:
        credentials = credentials or {}
        auth_token = settings.TWILIO_AUTH_TOKEN.read(configured=credentials.get("auth_token"))
        return cls(
            auth_token=auth_token,
            public_url=settings.PUBLIC_URL.read(configured=credentials.get("public_url")),
            log_cleaner=TwilioLogCleaner.from_settings(auth_token),
            trust_forwarded_headers=settings.TRUST_FORWARDED_HEADERS.read(
                configured=credentials.get("trust_forwarded_headers")),
            reply_timeout=settings.SMS_REPLY_TIMEOUT.read(configured=credentials.get("reply_timeout")),
        )

    def __init__(
        self,
        auth_token: str | None,
        public_url: str | None = None,
        trust_forwarded_headers: bool = False,
        reply_timeout: float = settings.SMS_REPLY_TIMEOUT.default,
        key: bytes | None = None,
        store: ChannelStore | None = None,
        sender_limit: RateLimiter | None = None,
        refused_limit: RateLimiter | None = None,
        max_body_bytes: int | None = None,
        log_cleaner: TwilioLogCleaner | None = None,
    ) -> None:
        if not auth_token:
            logger.warning("No Twilio auth token (%s): every SMS webhook request will be refused.",
                           settings.TWILIO_AUTH_TOKEN.name)
        elif not public_url:
            # Without it the signature would be checked against whatever URL the Host header names.
            raise ValueError(f"{settings.TWILIO_AUTH_TOKEN.name} is set but {settings.PUBLIC_URL.name} is not: set "
                             "it to the public https address Twilio calls")
        self.auth_token = auth_token
        self.public_url = public_url.rstrip("/") if public_url else None
        self.trust_forwarded_headers = trust_forwarded_headers
        self.reply_timeout = reply_timeout
        self.key = key if key is not None else sender_key()
        self.store = store if store is not None else ChannelStore()
        self._background_turns: set[asyncio.Task] = set()
        self.sender_limit = sender_limit if sender_limit is not None \
            else RateLimiter.from_settings(settings.SMS_PER_SENDER)
        self.refused_limit = refused_limit if refused_limit is not None \
            else RateLimiter.from_settings(settings.SMS_REFUSED_PER_IP)
        self.max_body_bytes = max_body_bytes or settings.SMS_MAX_BODY_BYTES.read()
        self.log_cleaner = log_cleaner

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # Streamed, so that an oversized body is refused without holding it all in memory.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            signature = request.headers.get("X-Twilio-Signature")
            if not self.auth_token or not signature:
                return self._refused(request)
            try:
                form = await _read_form(request, self.max_body_bytes)
            except RejectedRequest as rejected:
                return response.text(rejected.reason, status=rejected.status)
            if not RequestValidator(self.auth_token).validate(self._signed_url(request), form, signature):
                return self._refused(request)
            if not form.get("From"):
                return response.text("Missing From", status=400)
            try:
                twiml = await self._answer(request.app.ctx.agent, on_new_message, form)
            except Exception as error:  # a store or tracker store failing: still answer the person
                logger.error("SMS webhook failed: %s", type(error).__name__)
                twiml = render_twiml([APOLOGY_TEXT])
            return response.text(twiml, content_type="text/xml; charset=utf-8")

        return webhook

    def _refused(self, request: Request) -> HTTPResponse:
        """403 for a request without a valid signature; 429 once its address has sent too many of those."""
        address = client_ip(request.ip, request.headers.get("x-forwarded-for"), self.trust_forwarded_headers)
        verdict = self.refused_limit.check(address)
        if not verdict.allowed:
            if verdict.first_refusal:
                logger.warning("Too many SMS webhook requests without a valid signature from one address: "
                               "answering 429 until it slows down.")
            return response.text("Too many requests", status=429,
                                 headers={"Retry-After": verdict.retry_after_header})
        logger.warning("Refused an SMS webhook request: missing or invalid Twilio signature.")
        return response.text("Forbidden", status=403)

    def _signed_url(self, request: Request) -> str:
        """The URL Twilio requested, which its signature covers: the configured public URL, never one
        the request's Host or X-Forwarded-* headers name."""
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        return f"{self.public_url}{path}"

    async def _answer(self, agent: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      form: MultiDict) -> str:
        """The TwiML for a request, the same one for every retry of a message."""
        sender = sender_id(form["From"], self.key)
        logger.debug("SMS from %s", sender[:8])
        message_sid = form.get("MessageSid") or form.get("SmsSid")
        await asyncio.to_thread(self.store.purge)
        if message_sid and not await asyncio.to_thread(self.store.claim, message_sid):
            return await self._reply_to_retry(message_sid)
        texts = await self._reply_texts(agent, on_new_message, sender, form)
        twiml = render_twiml(texts)
        if message_sid:
            await asyncio.to_thread(self.store.store_reply, message_sid, sender, twiml)
        if self.log_cleaner is not None:
            self.log_cleaner.after_reply(form)
        return twiml

    async def _reply_to_retry(self, message_sid: str) -> str:
        """Twilio retried a message we have seen: wait for the first request's reply. A message seen
        longer ago than any retry is a captured request sent again: it changes nothing and gets no text."""
        seen = await asyncio.to_thread(self.store.seen_seconds_ago, message_sid)
        if seen is not None and seen > self.reply_timeout + RETRY_GRACE_SECONDS:
            logger.warning("Ignored an SMS webhook request for a message handled %d minutes ago (a replay).",
                           seen // 60)
            return render_twiml([])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_timeout
        while loop.time() < deadline:
            reply = await asyncio.to_thread(self.store.reply_for, message_sid)
            if reply is not None:
                return reply
            await asyncio.sleep(RETRY_POLL_SECONDS)
        return render_twiml([APOLOGY_TEXT])

    async def _reply_texts(self, agent: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                           sender: str, form: MultiDict) -> list[str]:
        text = clean_incoming(form.get("Body") or "").strip()
        keyword = _EDGE_PUNCTUATION.sub("", text).upper()
        if keyword in OPT_OUT_KEYWORDS:
            await asyncio.to_thread(self.store.suppress, sender)
            await delete_conversation(agent, sender)
            await asyncio.to_thread(self.store.forget, sender)
            return []  # Twilio and the carrier send the opt-out confirmation
        suppressed = await asyncio.to_thread(self.store.is_suppressed, sender)
        verdict = self.sender_limit.check(sender)
        if not verdict.allowed:
            if verdict.first_refusal:
                logger.warning("SMS sender %s is over its limit of %d messages a minute.", sender[:8],
                               self.sender_limit.per_minute)
            # A note once, then silence; and never a text to someone who opted out.
            return [SLOW_DOWN_TEXT] if verdict.first_refusal and not suppressed else []
        # YES is also an everyday answer to the assistant's questions: it opts in only a sender who opted out.
        if keyword in OPT_IN_KEYWORDS and (suppressed or keyword != "YES"):
            await asyncio.to_thread(self.store.unsuppress, sender)
            return await self._ask_assistant(on_new_message, GREET_INTENT, sender)
        if keyword in HELP_KEYWORDS:
            return [HELP_TEXT]
        if suppressed:
            return []
        if keyword == DELETE_KEYWORD:
            await delete_conversation(agent, sender)
            await asyncio.to_thread(self.store.forget, sender)
            return [DELETED_TEXT]
        if not text:
            return [PICTURE_TEXT] if _media_count(form) > 0 else [EMPTY_TEXT]
        return await self._ask_assistant(on_new_message, text[:MAX_TEXT_CHARS], sender)

    async def _ask_assistant(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                             text: str, sender: str) -> list[str]:
        """The assistant's text replies, or the apology if it fails or is too slow to answer in time."""
        collector = CollectingOutputChannel()
        turn = asyncio.ensure_future(
            on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=None))
        )
        try:
            # Shielded: a turn that misses the reply still finishes and is saved.
            await asyncio.wait_for(asyncio.shield(turn), self.reply_timeout)
        except asyncio.TimeoutError:
            logger.warning("The assistant took longer than %.1f s to answer an SMS; sent the apology.",
                           self.reply_timeout)
            return [APOLOGY_TEXT]
        except Exception as error:
            logger.error("The assistant failed to answer an SMS: %s", type(error).__name__)
            return [APOLOGY_TEXT]
        finally:
            if not turn.done():
                self._finish_in_background(turn)
        texts = [_message_text(message) for message in collector.messages if message.get("text")]
        if not texts:  # no model loaded, or a story that says nothing: silence helps no one
            logger.warning("The assistant gave no text reply to an SMS; sent the apology.")
            return [APOLOGY_TEXT]
        return texts

    def _finish_in_background(self, turn: asyncio.Future) -> None:
        self._background_turns.add(turn)  # a task nobody references may be garbage collected
        turn.add_done_callback(self._background_turn_done)

    def _background_turn_done(self, turn: asyncio.Future) -> None:
        self._background_turns.discard(turn)
        if not turn.cancelled() and turn.exception() is not None:
            logger.error("An SMS turn that missed its reply failed: %s", type(turn.exception()).__name__)


async def delete_conversation(agent: Any, sender: str) -> None:
    """Erase what the assistant keeps about a sender.

    `agent.tracker_store` is Rasa's FailSafeTrackerStore around the configured store (and
    around an AwaitableTrackerStore too when that store is not fully async); both keep the
    store they wrap in `_tracker_store`, and neither has `delete`.
    """
    store = agent.tracker_store
    while not hasattr(store, "delete") and hasattr(store, "_tracker_store"):
        store = store._tracker_store
    # Under the conversation's lock, so a turn still running cannot save it again afterwards.
    async with agent.lock_store.lock(sender, wait_time_in_seconds=0.1):
        if hasattr(store, "delete"):
            await store.delete(sender)
        else:
            logger.warning("The tracker store has no delete(): saved an empty conversation over it instead.")
            await agent.tracker_store.save(DialogueStateTracker(sender, slots=[]))


def render_twiml(texts: list[str]) -> str:
    """TwiML with one <Message> per SMS; the builder escapes the text."""
    blocks = [paragraph for text in texts for paragraph in _BLANK_LINE.split(text)]
    messages = split_reply([_NOT_XML.sub("", to_gsm7(block)) for block in blocks])
    if len(messages) > MAX_MESSAGES:
        messages = messages[: MAX_MESSAGES - 1] + [MORE_TEXT]
    reply = MessagingResponse()
    for message in messages:
        reply.message(message)
    return reply.to_xml()


def _message_text(message: dict[str, Any]) -> str:
    """A bot message as SMS text: its text, then its buttons as numbered lines."""
    titles = [button["title"] for button in message.get("buttons") or [] if button.get("title")]
    return "\n".join([message["text"], *(f"{number}) {title}" for number, title in enumerate(titles, start=1))])


async def _read_form(request: Request, max_bytes: int = MAX_BODY_BYTES) -> MultiDict:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise RejectedRequest(415, "Unsupported content type")
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > max_bytes:
        raise RejectedRequest(413, "Request too large")
    body = bytearray()
    async for chunk in request.stream:
        body += chunk
        if len(body) > max_bytes:
            raise RejectedRequest(413, "Request too large")
    if not body:
        return MultiDict()
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError:  # also UnicodeDecodeError
        raise RejectedRequest(400, "Malformed form body") from None
    # A multidict: the signature covers every value of a repeated field.
    return MultiDict(fields)


def _media_count(form: MultiDict) -> int:
    count = form.get("NumMedia", "0")
    return int(count) if count.isascii() and count.isdigit() else 0  # "²".isdigit() is True

