"""What every action needs: the registry, the person's choices as vocabulary filters, and
which intents are not answers to a form question."""
from __future__ import annotations

import logging
from functools import lru_cache

from rasa_sdk import Tracker

from providers import taxonomy
from providers.geocode import Place
from providers.registry import Registry
from providers.taxonomy import Filters

log = logging.getLogger(__name__)

# A message with one of these intents is never taken as an answer to the form's question:
# the form lets the rules answer it (an emergency first, a question, a request) and resumes.
NOT_AN_ANSWER = frozenset({
    "crisis_overdose", "crisis_suicide", "ask_what_is_medication", "ask_how_to_start", "ask_first_visit",
    "ask_naltrexone_wait", "ask_compare_medications", "ask_privacy", "forget_me", "help", "bot_challenge",
    "goodbye", "new_search",
})

# A person without insurance can use any of these.
PAYMENT_ALIASES = {
    "uninsured": ("payment:self_pay", "payment:sliding_fee", "payment:free", "payment:state_funded"),
}
NO_PREFERENCE = {"any", "not_sure", None, ""}


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
    return latest_intent(tracker) not in NOT_AN_ANSWER


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
    """The person's choices as vocabulary terms. Only what the need uses: a harm reduction
    search is not narrowed by the insurance given for treatment."""
    need = tracker.get_slot("need") or "treatment"
    terms: set[str] = set()
    support = tracker.get_slot("support")
    if need in ("treatment", "not_sure"):
        terms.add("need:treatment")
        medication = tracker.get_slot("medication")
        if medication not in NO_PREFERENCE:
            terms.add(f"medication:{medication}")
        setting = tracker.get_slot("setting")
        if setting not in NO_PREFERENCE:
            terms.add(f"setting:{setting}")
        payment = tracker.get_slot("payment")
        if payment not in NO_PREFERENCE:
            terms.update(PAYMENT_ALIASES.get(payment, (f"payment:{payment}",)))
        for slot in ("population", "language", "access"):
            value = tracker.get_slot(slot)
            if value:
                terms.add(f"{slot}:{value}")
    else:
        terms.add(f"need:{need}")
        if support:
            terms.add(f"support:{support}")
        for slot in ("language", "access"):
            value = tracker.get_slot(slot)
            if value:
                terms.add(f"{slot}:{value}")
    return Filters.of(*(t for t in terms if t in taxonomy.BY_ID))


def county_of(place: Place | None) -> str:
    """The finest location an action may log."""
    if place is None:
        return "unknown"
    return f"{place.county or '?'}, {place.state or '?'}"
