"""When the classifier is unsure: offer its best guesses as numbered choices instead of only
"Sorry, I didn't get that".

A message below the fallback threshold usually still has the right intent near the top of
the ranking (for 17 of the 18 fresh messages in tests/nlu_holdout.yml that fell back, it
is one of the two offered). The person gets up to two guesses in plain words; a tap (web,
`rasa shell`) sends the choice's payload, and a reply of "1" or "2" (SMS) is turned back
into that payload here. Either way the conversation goes on as if the person had said it
plainly, with what they named (a medication, a place) kept.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Action
from rasa_sdk.types import DomainDict

from bot.actions import report
from bot.present import catalogue
from bot.vocabulary import OFFERABLE_INTENTS, SEARCH_ENTITIES
from providers import taxonomy

log = logging.getLogger(__name__)

ACTION_NAME = "action_not_understood"
# Guesses below this are noise: "asdfghjkl" gets the plain reply, not a menu of long shots.
MIN_CONFIDENCE = 0.2
MAX_CHOICES = 2
# Guesses that all start the search form.
SEARCH_INTENTS = frozenset({"inform", "find_treatment", "find_harm_reduction", "find_recovery_support"})


def choices(parse_data: dict[str, Any]) -> list[dict[str, str]]:
    """The buttons for a message the classifier was unsure of: its best guesses that can be
    offered, each with a payload that carries the message's entities."""
    ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") in OFFERABLE_INTENTS]
    entities: dict[str, str] = {}
    for e in parse_data.get("entities") or []:
        if e.get("entity") in SEARCH_ENTITIES and isinstance(e.get("value"), str):
            entities.setdefault(e["entity"], e["value"])
    medication = taxonomy.BY_ID.get(f"medication:{entities.get('medication')}")
    buttons = []
    for guess in ranking[:MAX_CHOICES]:
        if (guess.get("confidence") or 0.0) < MIN_CONFIDENCE:
            break
        key = f"choice_{guess['name']}"
        if medication and catalogue.has(f"{key}_named"):
            key += "_named"
        title = catalogue.text(key, medication=medication.label if medication else "")
        buttons.append({"title": title, "payload": catalogue.payload(guess["name"], entities)})
    return buttons


def _payload_parse(payload: str) -> dict[str, Any]:
    """Parse data for a payload this module wrote, as Rasa's own payload reader would give it."""
    intent, values = catalogue.read_payload(payload)
    return {
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": [{"entity": k, "value": v, "start": 0, "end": len(payload)} for k, v in values.items()],
        "text": payload,
    }


def picked_choice(tracker: Tracker, number: int | None) -> list[dict[str, Any]] | None:
    """Events that replay the choice numbered `number`, if the bot's last answer was this
    module's menu; None otherwise (then a number means a search result, as usual)."""
    if number is None:
        return None
    events = tracker.events
    # The latest user message is the number; the one before it is what the menu was about.
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    between = [e.get("name") for e in events[users[-2] + 1:users[-1]] if e.get("event") == "action"]
    if ACTION_NAME not in between or any(name not in (ACTION_NAME, "action_listen") for name in between):
        return None
    offered = choices(events[users[-2]].get("parse_data") or {})
    if not 1 <= number <= len(offered):
        return None
    payload = offered[number - 1]["payload"]
    log.info("picked choice %d of %d", number, len(offered))
    # Rasa's two-stage fallback does the same: take back the number (a revert also takes the
    # listen before it, so that goes back in), then say the choice instead.
    return _replay(tracker, payload)


def _replay(tracker: Tracker, payload: str) -> list[dict[str, Any]]:
    return [
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        UserUttered(text=payload, parse_data=_payload_parse(payload), input_channel=tracker.get_latest_input_channel()),
    ]


def search_without_asking(buttons: list[dict[str, str]], parse_data: dict[str, Any]) -> str | None:
    """The payload to go on with when every guess starts the same search and the message names
    what to search for ("narcan and maybe subs 15213"): a menu of two searches only slows the
    person down. A named medication makes it a treatment search (its page carries naloxone)."""
    intents = [catalogue.read_payload(b["payload"])[0] for b in buttons]
    named = {e.get("entity") for e in parse_data.get("entities") or []} & set(SEARCH_ENTITIES)
    if not buttons or not named or not set(intents) <= SEARCH_INTENTS:
        return None
    if "medication" in named:
        for button, intent in zip(buttons, intents, strict=True):
            if intent in ("inform", "find_treatment"):
                return button["payload"]
    return buttons[0]["payload"]


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return ACTION_NAME

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # Right after a report's reason menu, a reply that names a reason is that reason.
        reason = report.reason_reply(tracker)
        if reason is not None:
            log.info("unsure of a reply to the report menu that names a reason")
            return _replay(tracker, reason)
        buttons = choices(tracker.latest_message)
        payload = search_without_asking(buttons, tracker.latest_message)
        if payload is not None:
            log.info("unsure only between searches: %s", payload.split("{")[0])
            return _replay(tracker, payload)
        if not buttons:
            dispatcher.utter_message(response="utter_default")
            return []
        catalogue.say(dispatcher, "did_you_mean", buttons=buttons)
        # Intent names only, never the message.
        log.info("offered %s", ",".join(b["payload"].split("{")[0] for b in buttons))
        return []
