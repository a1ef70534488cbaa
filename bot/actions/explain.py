"""Plain answers about the medications and about privacy."""
from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import settings
from bot.actions.common import latest_intent
from bot.present import catalogue
from bot.vocabulary import medication_family

# Starting after fentanyl needs its own answer: it lingers, so the usual wait is too short.
AFTER_FENTANYL = re.compile(r"\b(?:fent\w*|fetty|fetti|fentanilo|blues)\b", re.IGNORECASE)


def medication_asked_about(tracker: Tracker) -> str | None:
    """The medication named in this message, else the one chosen earlier."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "medication" and medication_family(entity.get("value")):
            return medication_family(entity["value"])
    return medication_family(tracker.get_slot("medication"))


class ActionExplainMedication(Action):
    def name(self) -> str:
        return "action_explain_medication"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        family = medication_asked_about(tracker)
        if latest_intent(tracker) == "ask_how_to_start":
            if family in (None, "buprenorphine") and AFTER_FENTANYL.search(tracker.latest_message.get("text") or ""):
                catalogue.say(dispatcher, "how_to_start_buprenorphine_after_fentanyl")
            else:
                catalogue.say(dispatcher, f"how_to_start_{family}" if family else "how_to_start")
        elif family:
            catalogue.say(dispatcher, f"about_{family}")
        else:
            dispatcher.utter_message(response="utter_about_medications")  # also said by a rule
        return []


class ActionExplainPrivacy(Action):
    def name(self) -> str:
        return "action_explain_privacy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        catalogue.say(dispatcher, "privacy", retention_hours=f"{settings.retention_hours():g}")
        return []


class ActionForgetMe(Action):
    """Confirms; the tracker store deletes the whole conversation when it saves this turn
    (bot.tracker_store), so nothing of it is kept, this turn included."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        catalogue.say(dispatcher, "forgotten")
        return [AllSlotsReset()]
