"""Who texts us, without keeping their phone number.

A phone number becomes a keyed hash (the sender id) as soon as a request arrives; the
conversation, the STOP list and the logs only ever see that id. Without the key the id
cannot be turned back into a number by hashing every possible number.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import weakref
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Column, DateTime, String, Text, delete, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base

from bot import settings
from providers import migrations
from providers.db import make_engine, sqlite_private_store, sqlite_truncate_log

DEFAULT_CHANNEL_DATABASE_URL = f"sqlite:///{settings.VAR / 'channels.db'}"
SENDER_ID_PREFIX = "sms-"
log = logging.getLogger(__name__)
# A reply is kept for Twilio's retries of the message (it gives up after 15 s), then deleted.
REPLY_KEPT_SECONDS = 120
# A message's id is kept (hashed) longer, so a captured signed request sent again later (a STOP
# that would silence someone who has opted back in) is recognised and ignored.
SEEN_KEPT_SECONDS = 48 * 3600


def channel_database_url(url: str | None = None, env: Mapping[str, str] | None = None) -> str:
    return url or settings.CHANNEL_DATABASE_URL.read(env) or DEFAULT_CHANNEL_DATABASE_URL


def channel_engine(url: str | None = None) -> Engine:
    """The SMS store's engine; a SQLite file with deleted rows overwritten (providers.db.sqlite_private_store)."""
    engine = make_engine(channel_database_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_private_store)
    return engine


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


# The tables' shape as the code reads them; providers/migrations/channels/ makes them in a database.
Base: Any = declarative_base()  # SQLAlchemy 1.4 ships no types


class Suppression(Base):
    """A sender who texted STOP: nothing is sent to them until they text START."""

    __tablename__ = "sms_suppression"
    sender_hash = Column(String(80), primary_key=True)
    since = Column(DateTime, nullable=False)


class MessageSeen(Base):
    """A message Twilio delivered (its id hashed), kept SEEN_KEPT_SECONDS: a retry or a replay of it is
    not run twice."""

    __tablename__ = "sms_message_seen"
    sid_hash = Column(String(64), primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True)


class SmsReply(Base):
    """The reply sent to a message, kept REPLY_KEPT_SECONDS for Twilio's retries of it, and deleted
    with the sender's conversation."""

    __tablename__ = "sms_reply"
    sid_hash = Column(String(64), primary_key=True)
    sender_hash = Column(String(80), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, index=True)
    twiml = Column(Text, nullable=False)


_OPEN_STORES: weakref.WeakSet[ChannelStore] = weakref.WeakSet()


def forget_everywhere(sender: str) -> None:
    """Delete the replies every open SMS store of this process keeps for a sender: the conversation
    store calls this when it deletes a conversation ("forget me" as well as DELETE and STOP)."""
    if not sender.startswith(SENDER_ID_PREFIX):
        return
    for store in list(_OPEN_STORES):
        try:
            store.forget(sender)
        except Exception as error:  # noqa: BLE001 - the conversation is deleted whatever this store says
            log.error("could not delete a sender's SMS replies: %s", type(error).__name__)


class ChannelStore:
    """The SMS channel's own tables: the STOP list and recently seen messages.

    SQLite file by default, any SQLAlchemy URL (PostgreSQL) through
    NAVIGATOR_CHANNEL_DATABASE_URL. Methods block: call them from a worker thread.
    """

    def __init__(self, url: str | None = None, *, migrate: bool = False) -> None:
        """`migrate`: bring the tables up to date first (`python -m bot.migrate`, tests); a serving process
        leaves it off, and a schema older than the code raises migrations.SchemaError (one line)."""
        self.engine = channel_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if migrate:
            migrations.upgrade(self.engine, migrations.CHANNELS)
        else:
            migrations.require_current(self.engine, migrations.CHANNELS)
        _OPEN_STORES.add(self)
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

    def seen_seconds_ago(self, message_sid: str) -> float | None:
        """How long ago a message was first seen; None if it never was (or was forgotten)."""
        with Session(self.engine) as session:
            seen = session.scalar(select(MessageSeen.created_at).where(MessageSeen.sid_hash == _sid_hash(message_sid)))
        return None if seen is None else (_utcnow() - seen).total_seconds()

    def store_reply(self, message_sid: str, sender: str, twiml: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.merge(SmsReply(sid_hash=_sid_hash(message_sid), sender_hash=sender, created_at=_utcnow(),
                                   twiml=twiml))

    def reply_for(self, message_sid: str) -> str | None:
        with Session(self.engine) as session:
            return session.scalar(select(SmsReply.twiml).where(SmsReply.sid_hash == _sid_hash(message_sid)))

    def forget(self, sender: str) -> None:
        """Delete the replies kept for a sender's retries (DELETE, STOP, "forget me")."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(SmsReply).where(SmsReply.sender_hash == sender))
        self._empty_log()

    def purge(self, now: datetime | None = None) -> None:
        """Delete replies older than REPLY_KEPT_SECONDS and message ids older than SEEN_KEPT_SECONDS."""
        now = now or _utcnow()
        with Session(self.engine) as session, session.begin():
            replies = session.execute(
                delete(SmsReply).where(SmsReply.created_at < now - timedelta(seconds=REPLY_KEPT_SECONDS)))
            session.execute(
                delete(MessageSeen).where(MessageSeen.created_at < now - timedelta(seconds=SEEN_KEPT_SECONDS)))
        if replies.rowcount:
            self._empty_log()

    def _empty_log(self) -> None:
        if self.sqlite:
            sqlite_truncate_log(self.engine)


def _sid_hash(message_sid: str) -> str:
    # The id of a message is not needed in clear: its hash finds the row just as well.
    return hashlib.sha256(message_sid.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    # Naive UTC: compares the same way in SQLite and PostgreSQL.
    return datetime.now(timezone.utc).replace(tzinfo=None)
