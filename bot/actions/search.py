"""Searching and showing results: the first page, MORE, details of one, and NEW."""
from __future__ import annotations

import dataclasses
import logging
import re
from datetime import datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import vocabulary
from bot.actions import clarify, common
from bot.actions.common import county_of, filters_for, place_from_slot
from bot.actions.form import reply_number
from bot.present import catalogue, listings, sms
from bot.present.cards import page_cards
from bot.present.channels import reply_capabilities
from bot.vocabulary import SEARCH_ENTITIES
from providers.geocode import Place
from providers.search import NEAR_MILES, RADIUS_STEPS, SearchResult
from providers.taxonomy import Filters

log = logging.getLogger(__name__)

PAGE_SIZE = 3
# Harm reduction and recovery support are worth listing only nearby; beyond the second radius,
# the services that work from anywhere (mail, phone lines, meeting finders) serve better.
LOCAL_NEEDS = {"harm_reduction", "recovery_support"}
LOCAL_MILES = RADIUS_STEPS[1]


NIGHT_HOURS = range(6, 22)  # outside these local hours, most clinics are closed


def local_hour(place: Place, now: datetime) -> int:
    """The hour where the person is, from the place's longitude (15 degrees an hour): near
    enough to tell night from day without a time-zone database."""
    return (now.astimezone(timezone.utc).hour + round(place.longitude / 15)) % 24


def clock() -> datetime:
    """Now, in UTC (tests pin it: a reply must not depend on the hour the tests run)."""
    return datetime.now(timezone.utc)


def needs_a_door_now(tracker: Tracker, place: Place, now: datetime | None = None) -> bool:
    """Night where the person is, or they said "tonight", "rn", "open now" since the last results."""
    if local_hour(place, now or clock()) not in NIGHT_HOURS:
        return True
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == ActionSearchProviders.NAME:
            return False
        if event.get("event") == "user" and vocabulary.remembered(event).get("now"):
            return True
    return False


def supports_named_since_last_search(tracker: Tracker) -> list[str]:
    """Every support named since the last results ("needles and tiras"): the slot keeps one."""
    named: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == ActionSearchProviders.NAME:
            break
        if event.get("event") == "user":
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                if entity.get("entity") == "support" and entity.get("value") not in named:
                    named.append(entity["value"])
    return named


def with_other_supports_from_anywhere(result: SearchResult, tracker: Tracker, place: Place) -> SearchResult:
    """No local listing for what was asked: what works from anywhere for each support named,
    not only the one the slot kept ("needles and tiras": the syringe map and NEXT Distro)."""
    asked = set(result.filters.by_facet("support"))
    others = [f"support:{s}" for s in supports_named_since_last_search(tracker) if f"support:{s}" not in asked]
    if not result.empty or not asked or not others:
        return result
    virtual, terms = list(result.virtual), set(result.filters.terms)
    rest = frozenset(t for t in result.filters.terms if not t.startswith("support:"))
    for support in others:
        found = common.registry().searcher.search(place, Filters(rest | {support}), page_size=1,
                                                  max_miles=LOCAL_MILES)
        if found.empty and found.virtual:
            terms.add(support)
            virtual += [r for r in found.virtual if r.id not in {v.id for v in virtual}]
    return dataclasses.replace(result, filters=Filters(frozenset(terms)), virtual=virtual)


def search_changed(tracker: Tracker) -> bool:
    """Whether a place, a need or a detail of the search changed since the last results. Values,
    not events: the form sets every filled slot again each time it starts."""
    current: dict = {}
    at_last_search: dict | None = None
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") in SEARCH_ENTITIES:
            current[event["name"]] = event.get("value")
        elif event.get("event") == "action" and event.get("name") == ActionSearchProviders.NAME:
            at_last_search = dict(current)
    if at_last_search is None:
        return True
    return any(current.get(name) != at_last_search.get(name) for name in set(current) | set(at_last_search))


def max_miles_for(tracker: Tracker) -> float | None:
    return LOCAL_MILES if tracker.get_slot("need") in LOCAL_NEEDS else None


def harm_reduction_line(place: Place) -> str:
    """One line of harm reduction alongside treatment: the nearest listed service within what
    "near" means, or the lines that work anywhere."""
    nearby = common.registry().searcher.search(place, Filters.of("need:harm_reduction"), page_size=1)
    nearest = next((r for r in nearby.results[:1] if r.miles is not None and r.miles <= NEAR_MILES), None)
    return listings.nearby_harm_reduction_line(nearest)


def say_page(dispatcher: CollectingDispatcher, tracker: Tracker, result: SearchResult, first_number: int,
             harm_reduction: str | None = None, open_now: str | None = None) -> None:
    page = listings.page_of(result, first_number, harm_reduction, open_now)
    if reply_capabilities(tracker.events).cards:
        dispatcher.utter_message(json_message=page_cards(page))
    else:
        dispatcher.utter_message(text=sms.page_text(page))


def _log_search(kind: str, place: Place, filters: Filters, result: SearchResult) -> None:
    # Vocabulary terms and a county only: never the message, never a finer place.
    log.info("%s: %s in %s -> %d results within %g mi%s", kind, ",".join(sorted(filters.terms)), county_of(place),
             len(result.results), result.radius_miles, " (widened)" if result.widened else "")


class ActionSearchProviders(Action):
    NAME = "action_search_providers"

    def name(self) -> str:
        return self.NAME

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        place = place_from_slot(tracker.get_slot("place"))
        if place is None:
            catalogue.say(dispatcher, "ask_where")
            return [SlotSet("searched", False)]
        if tracker.get_slot("searched") and not search_changed(tracker):
            # After results, a "detail" that changed nothing (markup, a stray word) is not a new
            # search: the results shown stand, and numbers still pick from them.
            dispatcher.utter_message(response="utter_default")
            return []
        filters = filters_for(tracker)
        result = common.registry().searcher.search(place, filters, page=1, page_size=PAGE_SIZE,
                                                   max_miles=max_miles_for(tracker))
        if tracker.get_slot("need") in LOCAL_NEEDS:
            result = with_other_supports_from_anywhere(result, tracker, place)
        treatment = tracker.get_slot("need") in ("treatment", "not_sure", None)
        extra = harm_reduction_line(place) if treatment else None
        open_now = catalogue.text("open_now_line") if treatment and needs_a_door_now(tracker, place) else None
        if open_now:
            # One line besides the listings fits an SMS page: at night, where to go now.
            extra = None
        say_page(dispatcher, tracker, result, 1, extra, open_now)
        _log_search("search", place, filters, result)
        return [SlotSet("results", [r.id for r in result.results]), SlotSet("results_page", 1.0),
                SlotSet("searched", True)]


class ActionMoreResults(Action):
    def name(self) -> str:
        return "action_more_results"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        place = place_from_slot(tracker.get_slot("place"))
        shown = list(tracker.get_slot("results") or [])
        if place is None or not tracker.get_slot("searched"):
            catalogue.say(dispatcher, "no_results_yet")
            return []
        page = int(tracker.get_slot("results_page") or 1) + 1
        filters = filters_for(tracker)
        result = common.registry().searcher.search(place, filters, page=page, page_size=PAGE_SIZE,
                                                   max_miles=max_miles_for(tracker))
        if not result.results:
            catalogue.say(dispatcher, "no_more_results")
            return []
        say_page(dispatcher, tracker, result, len(shown) + 1)
        _log_search("more", place, filters, result)
        return [SlotSet("results", shown + [r.id for r in result.results]), SlotSet("results_page", float(page))]


class ActionResultDetails(Action):
    def name(self) -> str:
        return "action_result_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # Right after a "did you mean" menu, a number picks from the menu, not from results.
        replay = clarify.picked_choice(tracker, reply_number(tracker))
        if replay is not None:
            return replay
        shown = tracker.get_slot("results") or []
        if not shown:
            catalogue.say(dispatcher, "no_results_yet")
            return []
        number = reply_number(tracker)
        if number is None:
            match = re.search(r"\b(\d{1,2})\b", tracker.latest_message.get("text") or "")
            number = int(match.group(1)) if match else None
        if number is None or not 1 <= number <= len(shown):
            catalogue.say(dispatcher, "which_result")
            return []
        place = place_from_slot(tracker.get_slot("place"))
        listing = common.registry().listing(shown[number - 1], place)
        if listing is None:  # the registry was rebuilt since the search
            catalogue.say(dispatcher, "which_result")
            return []
        # The widget has room for everything; a text channel gets what fits two SMS segments.
        medication, payment = tracker.get_slot("medication"), tracker.get_slot("payment")
        if reply_capabilities(tracker.events).cards:
            dispatcher.utter_message(text=listings.details_text(listing, medication, payment))
        else:
            dispatcher.utter_message(text=sms.details_text(listing, medication, payment, number=number))
        log.info("details of result %d", number)
        return []


class ActionAnswerOpenNow(Action):
    """"is anywhere open rn near 60623": hours are not listed (say so, and what is open 24/7),
    then, when a place was named, search near it rather than ask for it again."""

    def name(self) -> str:
        return "action_answer_open_now"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        dispatcher.utter_message(response="utter_open_now")
        place = next(tracker.get_latest_entity_values("location"), None)
        if place is None or tracker.active_loop.get("name"):
            return []
        return [SlotSet("location", place), FollowupAction("search_form")]


class ActionNewSearch(Action):
    def name(self) -> str:
        return "action_new_search"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        catalogue.say(dispatcher, "start_over")
        return [AllSlotsReset()]
