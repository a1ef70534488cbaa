"""The search form: ask only for what this search still needs, accept numbered replies,
"any" and "not sure", and re-ask kindly when a place cannot be used."""
from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import vocabulary
from bot.actions import common
from bot.actions.common import is_answer, latest_intent, place_to_slot
from bot.present import catalogue
from providers import geo, taxonomy

log = logging.getLogger(__name__)


def reply_number(tracker: Tracker) -> int | None:
    """ "2", "#2", "2)" or a number entity."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "number":
            try:
                return int(entity["value"])
            except (TypeError, ValueError):
                return None
    match = re.fullmatch(r"\s*#?\s*(\d{1,2})\s*[).]?\s*", tracker.latest_message.get("text") or "")
    return int(match.group(1)) if match else None


def entity_types(tracker: Tracker) -> set[str]:
    return {e.get("entity") for e in tracker.latest_message.get("entities", [])}


class ValidateSearchForm(FormValidationAction):
    def name(self) -> str:
        return "validate_search_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # An emergency, a question or a request is not an answer: setting nothing lets the form
        # reject this turn, so the rules answer it first and the form resumes after.
        if not is_answer(tracker):
            return []
        events = await super().run(dispatcher, tracker, domain)
        # Back to the search: what they say now is about it, not about the emergency before.
        return ([SlotSet("crisis", None)] if tracker.get_slot("crisis") else []) + events

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        slots = ["need", "location"]
        if tracker.get_slot("need") == "treatment":
            slots += ["medication", "payment"]
            # The medication mostly decides the kind of care; ask only when it does not.
            if tracker.get_slot("medication") in vocabulary.NO_PREFERENCE:
                slots.append("setting")
        return slots

    # --- extracting what plain mappings cannot ----------------------------------------------

    def _choice(self, slot: str, tracker: Tracker, domain: DomainDict) -> str | None:
        if tracker.get_slot("requested_slot") != slot:
            return None
        number = reply_number(tracker)
        choices = vocabulary.QUESTION_CHOICES[slot]
        if number is not None and 1 <= number <= len(choices):
            return choices[number - 1]
        intent = latest_intent(tracker)
        if intent in ("no_preference", "not_sure"):
            return vocabulary.no_preference_value(slot, unsure=intent == "not_sure")
        return None

    async def extract_need(self, dispatcher, tracker, domain) -> dict[str, Any]:
        choice = self._choice("need", tracker, domain)
        if choice:
            return {"need": choice}
        if tracker.get_slot("need") is None and "need" not in entity_types(tracker):
            implied = self._implied_need(tracker)
            if implied:
                return {"need": implied}
        return {}

    @staticmethod
    def _implied_need(tracker: Tracker) -> str | None:
        for entity in tracker.latest_message.get("entities", []):
            if entity.get("entity") in vocabulary.TREATMENT_ENTITIES:
                return "treatment"
            if entity.get("entity") == "support":
                term = taxonomy.BY_ID.get(f"support:{entity.get('value')}")
                if term is not None and term.need:
                    return term.need
        return None

    async def extract_location(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "location":
            return {}
        found = entity_types(tracker)
        if "location" in found:
            return {}  # the entity mapping has it
        candidates = tracker.get_slot("location_candidates") or []
        number = reply_number(tracker)
        if candidates and number is not None and 1 <= number <= len(candidates):
            return {"location": candidates[number - 1]}
        text = (tracker.latest_message.get("text") or "").strip()
        # A reply that says something else ("bupe", "medicaid") is not a failed place.
        if not text or text.startswith("/") or found - {"number"}:
            return {}
        return {"location": text[:200]}

    async def extract_medication(self, dispatcher, tracker, domain) -> dict[str, Any]:
        choice = self._choice("medication", tracker, domain)
        return {"medication": choice} if choice else {}

    async def extract_payment(self, dispatcher, tracker, domain) -> dict[str, Any]:
        choice = self._choice("payment", tracker, domain)
        return {"payment": choice} if choice else {}

    async def extract_setting(self, dispatcher, tracker, domain) -> dict[str, Any]:
        choice = self._choice("setting", tracker, domain)
        return {"setting": choice} if choice else {}

    # --- validating -----------------------------------------------------------------------

    @staticmethod
    def _allowed(slot: str, value, domain: DomainDict):
        return value if value in vocabulary.SLOT_VALUES[slot] else None

    async def validate_need(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"need": self._allowed("need", value, domain)}

    async def validate_medication(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        value = self._allowed("medication", value, domain)
        if value == vocabulary.NOT_SURE and tracker.get_slot("requested_slot") == "medication":
            catalogue.say(dispatcher, "medication_choices")
        return {"medication": value}

    async def validate_payment(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"payment": self._allowed("payment", value, domain)}

    async def validate_setting(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"setting": self._allowed("setting", value, domain)}

    async def validate_location(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        result = common.registry().geocode(str(value or ""))
        place = result.place
        if place is not None and place.precision == "state":
            # A whole state is no place to measure "nearest" from.
            return {"location": None, "place": None, "location_candidates": None,
                    "location_problem": f"state:{place.state}"}
        if place is not None:
            return {"location": place.display_name, "place": place_to_slot(place),
                    "location_candidates": None, "location_problem": None}
        if result.reason == "ambiguous" and result.candidates:
            return {"location": None, "place": None, "location_problem": "ambiguous",
                    "location_candidates": [c.display_name for c in result.candidates]}
        return {"location": None, "place": None, "location_candidates": None, "location_problem": result.reason}


class AskFor(Action, ABC):
    """The form's question for a slot, with its numbered choices. Abstract, so the action
    server registers only the questions below."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        catalogue.say(dispatcher, f"ask_{self.slot}", buttons=catalogue.question_buttons(self.slot))
        return []


class ActionAskNeed(AskFor):
    slot = "need"


class ActionAskMedication(AskFor):
    slot = "medication"


class ActionAskPayment(AskFor):
    slot = "payment"


class ActionAskSetting(AskFor):
    slot = "setting"


class ActionAskLocation(Action):
    """Where are you? Asked the way the last answer needs."""

    def name(self) -> str:
        return "action_ask_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        problem = tracker.get_slot("location_problem") or ""
        candidates = tracker.get_slot("location_candidates") or []
        if problem == "ambiguous" and candidates:
            catalogue.say(dispatcher, "ask_which_place", buttons=[{"title": c, "payload": c} for c in candidates],
                         location=candidates[0].split(",")[0])
        elif problem.startswith("state:") and problem[6:] in geo.STATES:
            catalogue.say(dispatcher, "ask_where_in_state", state=geo.STATES[problem[6:]].name)
        else:
            catalogue.say(dispatcher, {
                "not_found": "ask_where_again", "empty": "ask_where_again",
                "outside_us": "ask_where_outside_us", "unknown_zip": "ask_where_bad_zip",
            }.get(problem, "ask_where"))
        return []
