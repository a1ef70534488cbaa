"""Never silence when the action server fails.

Stock Rasa waits up to 300 seconds for a custom action and, when one fails,
logs the error and says nothing: the person who texted at 3 a.m. gets no
answer at all. Here every call to the action server has a short time limit
(NAVIGATOR_ACTION_TIMEOUT, 4 seconds by default, so a reply still arrives
within 5), and a failed or late action answers with a short apology and the
helplines. The conversation goes on: the next message tries the action server
again, so it recovers as soon as the action server is back.

One apology per turn, never two: a turn may call the action server more than
once (a form's validation, then the form's search), and with it down each call
fails. Each apology would be its own SMS, billed, saying the same thing. So a
failure after the turn's first apology returns no events: the turn is known by
the message it answers (the sender and the user message's id, the same in every
copy of the tracker Rasa passes within a turn), and also by an apology already
among the tracker's events since that message.

Installed by bot.rasa_server.patches.install(), whatever stores a deployer configures.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from functools import wraps

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, UserUttered

from bot import settings
from bot.present import catalogue

log = logging.getLogger(__name__)

APOLOGY = catalogue.text("apology")


def action_timeout() -> float:
    return float(settings.ACTION_TIMEOUT.read())


# The turns (sender id, user message id) that have had their apology, newest last; a turn lasts
# seconds, so a few thousand cover every turn in flight on one server.
_APOLOGISED: OrderedDict[tuple[str, str], None] = OrderedDict()
_REMEMBERED_TURNS = 4096


def _turn(tracker) -> tuple[str, str] | None:
    message_id = getattr(tracker.latest_message, "message_id", None)
    return (tracker.sender_id, message_id) if message_id else None


def apologised_this_turn(tracker) -> bool:
    """Whether this turn has already had the apology."""
    turn = _turn(tracker)
    if turn is not None and turn in _APOLOGISED:
        return True
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.text == APOLOGY:
            return True
    return False


def apology(tracker) -> list:
    """The apology, or nothing if this turn already has it."""
    if apologised_this_turn(tracker):
        return []
    turn = _turn(tracker)
    if turn is not None:
        _APOLOGISED[turn] = None
        while len(_APOLOGISED) > _REMEMBERED_TURNS:
            _APOLOGISED.popitem(last=False)
    return [BotUttered(APOLOGY)]


def _resilient(run):
    @wraps(run)
    async def resilient_run(self: RemoteAction, output_channel, nlg, tracker, domain):
        try:
            return await asyncio.wait_for(run(self, output_channel, nlg, tracker, domain), action_timeout())
        except ActionExecutionRejection:
            raise  # a form's normal "that was not an answer"
        except asyncio.TimeoutError:
            log.error("custom action %s took longer than %gs; apologised instead", self.name(), action_timeout())
        except Exception as error:  # noqa: BLE001 - any failure must still answer the person
            log.error("custom action %s failed (%s); apologised instead", self.name(), type(error).__name__)
        return apology(tracker)

    resilient_run.is_resilient = True
    return resilient_run


def install() -> None:
    """Wrap Rasa's remote action calls once per process."""
    if not getattr(RemoteAction.run, "is_resilient", False):
        RemoteAction.run = _resilient(RemoteAction.run)
