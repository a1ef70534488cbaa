"""What every action needs: the registry, the person's choices as search filters, whether a
message answers the form's question, and the place slot."""
from __future__ import annotations

import logging
from functools import lru_cache

from rasa_sdk import Tracker

from bot import vocabulary
from providers.geocode import Place
from providers.registry import Registry
from providers.taxonomy import Filters

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry named by NAVIGATOR_DATABASE_URL (var/registry.db by default), opened once."""
    return Registry()


def warm_up() -> None:
    """Load the geocoder's index and open the registry before the action server listens, so
    it answers only when it can answer fast: the first person to text after a start or a
    restart does not wait for them (nor hit the action time limit)."""
    try:
        registry().geocode("19134")
    except Exception as error:  # noqa: BLE001 - a database that is down now may be back by the first search
        log.error("warm-up could not open the registry (%s); searches will retry", type(error).__name__)


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def is_answer(tracker: Tracker) -> bool:
    return latest_intent(tracker) not in vocabulary.NOT_AN_ANSWER


def place_from_slot(value) -> Place | None:
    if not isinstance(value, dict):
        return None
    try:
        return Place(float(value["latitude"]), float(value["longitude"]), value["precision"], value["display_name"],
                     value.get("state"), value.get("county"), value.get("postal_code"))
    except (KeyError, TypeError, ValueError):
        return None


def place_to_slot(place: Place) -> dict:
    return {"latitude": place.latitude, "longitude": place.longitude, "precision": place.precision,
            "display_name": place.display_name, "state": place.state, "county": place.county,
            "postal_code": place.postal_code}


def filters_for(tracker: Tracker) -> Filters:
    """The person's choices so far, as search filters."""
    return vocabulary.filters_from_slots(tracker.slots)


def county_of(place: Place | None) -> str:
    """The finest location an action may log."""
    if place is None:
        return "unknown"
    return f"{place.county or '?'}, {place.state or '?'}"
