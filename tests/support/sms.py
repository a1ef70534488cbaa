"""The SMS webhook as tests drive it: the numbers and keys, signed requests from twilio's own
RequestValidator, TwiML replies, and a fake agent in place of the assistant. The `start_webhook`
fixture (tests/conftest.py) mounts the channel with these."""
from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlencode

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from bot.senders import ChannelStore, MessageSeen, SmsReply, Suppression, sender_id

TOKEN = "test-auth-token"
KEY = b"test-sender-key"
PHONE = "+12155550123"
SENDER = sender_id(PHONE, KEY)
WEBHOOK_PATH = "/webhooks/twilio/webhook"
GREETING = "Hi! I can help you find treatment, naloxone and support near you."


class RecordingTrackerStore(InMemoryTrackerStore):
    """An in-memory tracker store with the `delete` our real store has, recording every call."""

    def __init__(self) -> None:
        super().__init__(Domain.empty())
        self.calls: list[tuple] = []

    async def save(self, tracker: DialogueStateTracker) -> None:
        self.calls.append(("save", tracker.sender_id, tracker.current_state()))
        await super().save(tracker)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        self.calls.append(("retrieve", sender_id))
        return await super().retrieve(sender_id)

    async def delete(self, sender_id: str) -> None:
        self.calls.append(("delete", sender_id))
        self.store.pop(sender_id, None)


class FakeAgent:
    """What `register` reaches through `app.ctx.agent`: handle_message, tracker_store, lock_store."""

    def __init__(self, tracker_store: InMemoryTrackerStore) -> None:
        self.tracker_store = FailSafeTrackerStore(tracker_store)  # as rasa's Agent wraps every store
        self.lock_store = InMemoryLockStore()
        self.received: list[UserMessage] = []
        self.finished = asyncio.Event()
        self.answer: Callable[[UserMessage], Awaitable[None]] = self.greet_or_echo

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await self.answer(message)
        self.finished.set()

    async def greet_or_echo(self, message: UserMessage) -> None:
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        await self.tracker_store.save(tracker)
        reply = GREETING if message.text == "/greet" else f"You said: {message.text}"
        await message.output_channel.send_text_message(message.sender_id, reply)


@dataclass
class Reply:
    status: int
    body: str
    content_type: str

    def messages(self) -> list[str]:
        assert self.status == 200 and self.content_type.startswith("text/xml")
        root = ElementTree.fromstring(self.body)
        assert root.tag == "Response"
        assert all(child.tag == "Message" for child in root)
        return [child.text or "" for child in root]


@dataclass
class Webhook:
    port: int
    agent: Any  # a FakeAgent, or rasa's Agent
    tracker_store: InMemoryTrackerStore
    store: ChannelStore
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def post(
        self,
        params: Optional[dict[str, str]] = None,
        *,
        body: Optional[bytes] = None,
        signed_url: Optional[str] = None,
        signed_params: Optional[dict[str, str]] = None,
        token: str = TOKEN,
        sign: bool = True,
        headers: Optional[dict[str, str]] = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Reply:
        params = params or {}
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            signed = signed_params if signed_params is not None else params
            all_headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(signed_url or self.url, signed)
        data = body if body is not None else urlencode(params).encode()
        async with self.session.post(self.url, data=data, headers=all_headers) as response:
            return Reply(response.status, await response.text(), response.headers.get("Content-Type", ""))


def sms(body: Optional[str] = "hello", **extra: str) -> dict[str, str]:
    params = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": "SM" + uuid.uuid4().hex,
        "From": PHONE,
        "To": "+15005550006",
        "NumMedia": "0",
    }
    if body is not None:
        params["Body"] = body
    return {**params, **extra}


def table_rows(store: ChannelStore) -> list[tuple]:
    with Session(store.engine) as session:
        suppressed = [(row.sender_hash, row.since) for row in session.scalars(select(Suppression))]
        seen = [(row.sid_hash, row.created_at) for row in session.scalars(select(MessageSeen))]
        replies = [(row.sid_hash, row.sender_hash, row.created_at, row.twiml) for row in session.scalars(select(SmsReply))]
    return suppressed + seen + replies
