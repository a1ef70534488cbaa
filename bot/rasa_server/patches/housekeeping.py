"""Retention on a schedule in the Rasa server itself, in every mode.

The conversation store deletes idle conversations as turns are saved, but a quiet night saves
none, and the SMS store's replies were deleted only when the next text arrived. Once the agent
is loaded, the server deletes every few minutes (HOUSEKEEPING_SECONDS): conversations idle past
the retention window (bot.rasa_server.tracker_store) and SMS replies and message ids past theirs
(bot.senders). Several replicas doing it at once is harmless: each deletion is idempotent.

Installed by bot.rasa_server.patches.install().
"""
from __future__ import annotations

import asyncio
import logging
from functools import wraps
from typing import Any

import rasa.core.run

from bot import senders

log = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 300.0


def conversation_store(agent: Any) -> Any:
    """The configured store inside Rasa's wrappers (FailSafeTrackerStore, AwaitableTrackerStore)."""
    store = agent.tracker_store
    while not hasattr(store, "delete_idle") and hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store if hasattr(store, "delete_idle") else None


async def keep_within_retention(agent: Any, every_seconds: float = HOUSEKEEPING_SECONDS) -> None:
    """Delete what has outlived its window now, then every `every_seconds`, until cancelled."""
    conversations = conversation_store(agent)
    if conversations is None:
        log.warning("the tracker store cannot delete idle conversations: configure PrivateSQLTrackerStore")
    sms = await asyncio.to_thread(senders.ChannelStore)
    while True:
        try:
            if conversations is not None:
                await conversations.delete_idle()
            await asyncio.to_thread(sms.purge)
        except Exception as error:  # noqa: BLE001 - a database down now may be back at the next round
            log.error("scheduled deletion failed: %s; trying again in %g s", type(error).__name__, every_seconds)
        await asyncio.sleep(every_seconds)


def _with_housekeeping(load_agent_on_start):
    @wraps(load_agent_on_start)
    async def load_agent_then_keep_house(model_path, endpoints, remote_storage, app, loop):
        agent = await load_agent_on_start(model_path, endpoints, remote_storage, app, loop)
        app.add_task(keep_within_retention(agent), name="navigator_retention")
        return agent

    load_agent_then_keep_house.keeps_house = True
    return load_agent_then_keep_house


def install() -> None:
    if not getattr(rasa.core.run.load_agent_on_start, "keeps_house", False):
        rasa.core.run.load_agent_on_start = _with_housekeeping(rasa.core.run.load_agent_on_start)
