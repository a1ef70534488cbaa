"""Who texts us, without keeping their phone number.

A phone number becomes a keyed hash (the sender id) as soon as a request arrives; the
conversation, the STOP list and the logs only ever see that id. Without the key the id
cannot be turned back into a number by hashing every possible number.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Column, DateTime, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base

from bot import settings
from providers.db import make_engine

DEFAULT_CHANNEL_DATABASE_URL = f"sqlite:///{settings.VAR / 'channels.db'}"
SENDER_ID_PREFIX = "sms-"
REPLY_KEPT_SECONDS = 600


def normalize_phone(phone: str) -> str:
    """Digits of the number in E.164 form without '+', so every spelling of it gets one id."""
    digits = re.sub(r"\D", "", phone)
    if not digits:  # not a phone number (an alphanumeric sender): use it as written
        return phone.strip().lower()
    if digits.startswith("00"):  # international dialling prefix
        digits = digits[2:]
    if len(digits) == 10:  # a North American number written without its country code
        digits = "1" + digits
    return digits


def sender_id(phone: str, key: bytes) -> str:
    digest = hmac.new(key, normalize_phone(phone).encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_ID_PREFIX + digest


def sender_key() -> bytes:
    """The key from NAVIGATOR_SENDER_KEY, else one made once in var/sender.key, so a deployment
    works with no configuration and keeps the same ids across restarts."""
    return settings.secret_bytes(settings.SENDER_KEY, "sender.key")


Base: Any = declarative_base()  # SQLAlchemy 1.4 ships no types


class Suppression(Base):
    """A sender who texted STOP: nothing is sent to them until they text START."""

    __tablename__ = "sms_suppression"
    sender_hash = Column(String(80), primary_key=True)
    since = Column(DateTime, nullable=False)


class MessageSeen(Base):
    """A message Twilio delivered, so a retry of it gets the same reply and is not run twice."""

    __tablename__ = "sms_message_seen"
    sid_hash = Column(String(64), primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True)
    reply = Column(Text)  # the TwiML sent, kept only REPLY_KEPT_SECONDS


class ChannelStore:
    """The SMS channel's own tables: the STOP list and recently seen messages.

    SQLite file by default, any SQLAlchemy URL (PostgreSQL) through
    NAVIGATOR_CHANNEL_DATABASE_URL. Methods block: call them from a worker thread.
    """

    def __init__(self, url: str | None = None) -> None:
        url = url or settings.CHANNEL_DATABASE_URL.read() or DEFAULT_CHANNEL_DATABASE_URL
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)
        # Rasa builds its channels before Sanic may fork workers: leave no pooled connection behind.
        self.engine.dispose()

    def suppress(self, sender: str) -> None:
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(Suppression, sender) is None:
                    session.add(Suppression(sender_hash=sender, since=_utcnow()))
        except IntegrityError:  # a simultaneous STOP got there first
            pass

    def unsuppress(self, sender: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(Suppression).where(Suppression.sender_hash == sender))

    def is_suppressed(self, sender: str) -> bool:
        with Session(self.engine) as session:
            return session.get(Suppression, sender) is not None

    def claim(self, message_sid: str) -> bool:
        """Whether this is the first request for `message_sid` (a retry is not)."""
        try:
            with Session(self.engine) as session, session.begin():
                session.add(MessageSeen(sid_hash=_sid_hash(message_sid), created_at=_utcnow()))
        except IntegrityError:
            return False
        return True

    def store_reply(self, message_sid: str, twiml: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(MessageSeen).where(MessageSeen.sid_hash == _sid_hash(message_sid)).values(reply=twiml)
            )

    def reply_for(self, message_sid: str) -> str | None:
        with Session(self.engine) as session:
            return session.scalar(select(MessageSeen.reply).where(MessageSeen.sid_hash == _sid_hash(message_sid)))

    def purge(self, older_than_seconds: float = REPLY_KEPT_SECONDS) -> None:
        cutoff = _utcnow() - timedelta(seconds=older_than_seconds)
        with Session(self.engine) as session, session.begin():
            session.execute(delete(MessageSeen).where(MessageSeen.created_at < cutoff))


def _sid_hash(message_sid: str) -> str:
    # The id of a message is not needed in clear: its hash finds the row just as well.
    return hashlib.sha256(message_sid.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    # Naive UTC: compares the same way in SQLite and PostgreSQL.
    return datetime.now(timezone.utc).replace(tzinfo=None)
