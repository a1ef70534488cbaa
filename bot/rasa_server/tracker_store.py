"""The conversation store: Rasa's SQL tracker store, keeping less, plus deletion.

Stock Rasa keeps every message and reply word for word, forever, and has no way to delete
a conversation. This store:
- keeps no message text: a person's message is stored as what the assistant understood (its
  intent, the classifier's guesses, the entities found, the flags of `bot.vocabulary.remembered`),
  and a reply only when it is one of the catalogue's fixed texts (a question, a menu), never a
  reply with listings or anything the person said in it. The choices made (slots) are kept: the
  search needs them;
- deletes a conversation when the person asks ("forget me", DELETE, STOP), and every
  conversation idle longer than the retention window (NAVIGATOR_RETENTION_HOURS, default 24):
  checked every few minutes by the Rasa server (bot.rasa_server.patches.housekeeping), as turns
  are saved, and by `python -m bot.rasa_server.retention`;
- on SQLite, overwrites deleted rows in the file and empties the write-ahead log after deleting.

Configure it in endpoints.yml:

    tracker_store:
      type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore
      dialect: sqlite          # or postgresql, with host, port, username, password
      db: var/tracker.db
"""
from __future__ import annotations

import asyncio
import json
import logging
import string
import time
from functools import cache
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import senders, settings, vocabulary
from bot.present import catalogue, national
from providers import db

log = logging.getLogger(__name__)

FORGET_ACTION = "action_forget_me"


def asked_to_forget(tracker: DialogueStateTracker) -> bool:
    """Whether this turn ran the action that confirms a deletion."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == FORGET_ACTION:
            return True
    return False


@cache
def fixed_texts() -> frozenset[str]:
    """The catalogue's texts that say the same to everyone (no value filled in but the national lines)."""
    numbers = national.numbers()
    fixed = set()
    for key, template in catalogue.catalogue().items():
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        if fields <= set(numbers):
            fixed.add(catalogue.text(key))
    return frozenset(fixed)


def at_rest(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the store keeps it: no words of the person, no reply but a fixed one."""
    if event.get("event") == "user":
        parse_data = {key: value for key, value in (event.get("parse_data") or {}).items() if key != "text"}
        parse_data["entities"] = [{key: value for key, value in entity.items() if key != "text"}
                                  for entity in parse_data.get("entities") or []]
        parse_data[vocabulary.REMEMBERED_KEY] = vocabulary.remembered(event)
        return dict(event, text=None, parse_data=parse_data)
    if event.get("event") == "bot" and event.get("text") not in fixed_texts():
        return dict(event, text=None, data={})
    return event


class PrivateSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None, retention_hours: float | None = None,
                 purge_every_seconds: float = 300.0, **kwargs: Any) -> None:
        self.retention_seconds = float(retention_hours or settings.retention_hours()) * 3600
        self.purge_every_seconds = float(purge_every_seconds)
        self._last_purge = 0.0
        super().__init__(domain, **kwargs)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            # Rasa's engine opens and closes a connection per turn (a checkpoint to disk each time).
            url = self.engine.url
            self.engine.dispose()
            self.engine = db.sqlite_engine(url, db.sqlite_private_store)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if asked_to_forget(tracker):
            await self.delete(tracker.sender_id)
            return
        # Rasa's SQLTrackerStore.save, with each event stored as `at_rest` keeps it. No event broker is
        # fed from here: it would receive every message word for word.
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = at_rest(event.as_dict())
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=data.get("name"), data=json.dumps(data)))
            session.commit()
        now = time.time()
        if now - self._last_purge >= self.purge_every_seconds:
            self._last_purge = now
            await self.delete_idle(now)

    async def delete(self, sender_id: str) -> None:
        """Delete every event of one conversation."""
        events = self.SQLEvent.__table__
        with self.session_scope() as session:
            session.execute(sa.delete(events).where(events.c.sender_id == sender_id))
            session.commit()
            if self.sqlite:
                db.sqlite_truncate_log(self.engine)
        await asyncio.to_thread(senders.forget_everywhere, sender_id)
        log.info("deleted a conversation on request")

    async def delete_idle(self, now: float | None = None) -> int:
        """Delete conversations whose last event is older than the retention window;
        returns how many conversations were deleted."""
        cutoff = (now or time.time()) - self.retention_seconds
        events = self.SQLEvent.__table__
        idle = (sa.select(events.c.sender_id).group_by(events.c.sender_id)
                .having(sa.func.max(events.c.timestamp) < cutoff))
        with self.session_scope() as session:
            senders = [row[0] for row in session.execute(idle)]
            for start in range(0, len(senders), 500):
                session.execute(sa.delete(events).where(events.c.sender_id.in_(senders[start:start + 500])))
            session.commit()
            if senders and self.sqlite:
                db.sqlite_truncate_log(self.engine)
        if senders:
            log.info("deleted %d conversations idle longer than %g hours", len(senders),
                     self.retention_seconds / 3600)
        return len(senders)
