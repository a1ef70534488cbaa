"""The search form: ask only for what this search still needs, accept numbered replies,
"any" and "not sure", and re-ask kindly when a place cannot be used."""
from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import vocabulary
from bot.actions import common
from bot.actions.common import is_answer, latest_intent, place_to_slot
from bot.present import catalogue
from providers import geo, taxonomy

log = logging.getLogger(__name__)


# A question asked this many times and still unanswered is not asked again: the search goes
# ahead without it, and says so.
MAX_ASKS = 2


def search_slots(slots: Mapping[str, Any]) -> list[str]:
    """What this search needs, in the order it asks: a need and a place; for treatment also the
    medication and how they pay, and the kind of care only when the medication does not decide it."""
    needed = ["need", "location"]
    # Before the need is known, its treatment questions are listed after it (it is asked first), so a
    # message that names a medication, a methadone clinic or a payment fills them at once.
    if slots.get("need") in (None, "treatment"):
        needed += ["medication", "payment"]
        if slots.get("medication") in vocabulary.NO_PREFERENCE:
            needed.append("setting")
    return needed


# The texts that ask for each slot (a place is asked in several ways, as the last answer needs).
QUESTION_KEYS = {"location": ("ask_where", "ask_where_again", "ask_where_outside_us", "ask_where_bad_zip")}


def times_asked(tracker: Tracker, slot: str) -> int:
    """How often this search has asked its question for `slot` (since it last started over)."""
    questions = {catalogue.text(key) for key in QUESTION_KEYS.get(slot, (f"ask_{slot}",))}
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_new_search":
            break
        if event.get("event") == "bot" and event.get("text") in questions:
            count += 1
    return count


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
        return search_slots(tracker.slots)

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
        """What a message names decides what it asks for: a medication or a kind of care is
        treatment, even beside naloxone ("narcan and maybe subs": the treatment page carries a
        naloxone line); a support is its own need; a way of paying alone means treatment."""
        entities = tracker.latest_message.get("entities", [])
        kinds = {entity.get("entity") for entity in entities}
        if kinds & {"medication", "setting"}:
            return "treatment"
        for entity in entities:
            term = taxonomy.BY_ID.get(f"support:{entity.get('value')}") if entity.get("entity") == "support" else None
            if term is not None and term.need:
                return term.need
        return "treatment" if kinds & vocabulary.TREATMENT_ENTITIES else None

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
        if choice:
            return {"medication": choice}
        # "methadone clinic", "methadone program": a place for methadone is a request for it.
        implied = vocabulary.SETTING_IMPLIES_MEDICATION.get(tracker.get_slot("setting"))
        if implied and tracker.get_slot("medication") is None and "medication" not in entity_types(tracker):
            return {"medication": implied}
        return self._going_ahead("medication", dispatcher, tracker)

    async def extract_payment(self, dispatcher, tracker, domain) -> dict[str, Any]:
        choice = self._choice("payment", tracker, domain)
        return {"payment": choice} if choice else self._going_ahead("payment", dispatcher, tracker)

    async def extract_setting(self, dispatcher, tracker, domain) -> dict[str, Any]:
        choice = self._choice("setting", tracker, domain)
        return {"setting": choice} if choice else self._going_ahead("setting", dispatcher, tracker)

    @staticmethod
    def _going_ahead(slot: str, dispatcher, tracker: Tracker) -> dict[str, Any]:
        """The question for `slot` was asked twice and this answer is about something else:
        search without it, and say so, rather than ask a third time."""
        if (tracker.get_slot("requested_slot") != slot or tracker.get_slot(slot) is not None
                or slot in entity_types(tracker) or times_asked(tracker, slot) < MAX_ASKS):
            return {}
        catalogue.say(dispatcher, f"going_ahead_{slot}")
        return {slot: vocabulary.no_preference_value(slot, unsure=False)}

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
        if times_asked(tracker, self.slot) < MAX_ASKS:
            catalogue.say(dispatcher, f"ask_{self.slot}", buttons=catalogue.question_buttons(self.slot))
            return []
        # Asked twice already (the person asked questions or answered other things instead):
        # go ahead without it, say so, and ask what is still missing, if anything.
        value = vocabulary.no_preference_value(self.slot, unsure=False)
        catalogue.say(dispatcher, f"going_ahead_{self.slot}")
        slots = {**tracker.slots, self.slot: value}
        missing = [slot for slot in search_slots(slots) if slots.get(slot) is None]
        events: list[dict[str, Any]] = [SlotSet(self.slot, value)]
        if not missing:
            return events + [SlotSet("requested_slot", None), FollowupAction("search_form")]
        ask_next = QUESTIONS[missing[0]]()
        return events + [SlotSet("requested_slot", missing[0])] + await ask_next.run(dispatcher, tracker, domain)


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
        if times_asked(tracker, "location") >= MAX_ASKS:
            catalogue.say(dispatcher, "ask_where_or_helpline")  # a place cannot be assumed: offer a person
            return []
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


# Each question the form asks, by slot.
QUESTIONS: dict[str, type[Action]] = {
    "need": ActionAskNeed, "location": ActionAskLocation, "medication": ActionAskMedication,
    "payment": ActionAskPayment, "setting": ActionAskSetting,
}
