"""Never silence when the action server fails.

Stock Rasa waits up to 300 seconds for a custom action and, when one fails,
logs the error and says nothing: the person who texted at 3 a.m. gets no
answer at all. Here every call to the action server has a short time limit
(NAVIGATOR_ACTION_TIMEOUT, 4 seconds by default, so a reply still arrives
within 5), and a failed or late action answers with a short apology and the
helplines. The conversation goes on: the next message tries the action server
again, so it recovers as soon as the action server is back.

Installed by bot.rasa_server.patches.install(), whatever stores a deployer configures.
"""
from __future__ import annotations

import asyncio
import logging
from functools import wraps

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered

from bot import settings
from bot.present import catalogue

log = logging.getLogger(__name__)

APOLOGY = catalogue.text("apology")


def action_timeout() -> float:
    return float(settings.ACTION_TIMEOUT.read())


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
        return [BotUttered(APOLOGY)]

    resilient_run.is_resilient = True
    return resilient_run


def install() -> None:
    """Wrap Rasa's remote action calls once per process."""
    if not getattr(RemoteAction.run, "is_resilient", False):
        RemoteAction.run = _resilient(RemoteAction.run)
