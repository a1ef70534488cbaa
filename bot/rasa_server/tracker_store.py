"""The conversation store: Rasa's SQL tracker store, plus deletion.

Stock Rasa keeps every conversation forever and has no way to delete one. This
store deletes a conversation when the person asks ("forget me", DELETE, STOP)
and deletes every conversation idle longer than the retention window
(NAVIGATOR_RETENTION_HOURS, default 24), checked at most every few minutes as
turns are saved. Configure it in endpoints.yml:

    tracker_store:
      type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore
      dialect: sqlite          # or postgresql, with host, port, username, password
      db: var/tracker.db
"""
from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
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


class PrivateSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None, retention_hours: float | None = None,
                 purge_every_seconds: float = 300.0, **kwargs: Any) -> None:
        self.retention_seconds = float(retention_hours or settings.retention_hours()) * 3600
        self.purge_every_seconds = float(purge_every_seconds)
        self._last_purge = 0.0
        super().__init__(domain, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", db.sqlite_write_ahead)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if asked_to_forget(tracker):
            await self.delete(tracker.sender_id)
            return
        await super().save(tracker)
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
        if senders:
            log.info("deleted %d conversations idle longer than %g hours", len(senders),
                     self.retention_seconds / 3600)
        return len(senders)
