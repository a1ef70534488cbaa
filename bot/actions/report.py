"""Reporting that a listing shown is wrong (issue 18): "WRONG 2", "#2 is wrong", "the phone for 1
is wrong", "2 doesnt have methadone", or a card's "Report a problem" button.

A message that says what is wrong is stored at once; otherwise the person gets a one-line menu
of reasons (buttons on the widget) and their next reply is the reason. A reply is read as a
reason only right after the menu, so "closed" means nothing special anywhere else, and an
emergency, a new search or HELP in between is answered as usual: the menu is no form.

A report stores the listing, the reason, the channel and the day (providers.reports), nothing
about the person; the assistant never asks why or who.
"""
from __future__ import annotations

import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import vocabulary
from bot.actions import common
from bot.actions.common import filters_for, place_from_slot
from bot.actions.form import reply_number
from bot.present import catalogue, sms
from bot.present.channels import reply_capabilities
from providers.reports import REASONS

log = logging.getLogger(__name__)

ACTION_NAME = "action_report_problem"
# The result number the reason menu asked about; cleared when the report is stored.
PENDING_SLOT = "report_listing"
REASON_ENTITY = "reason"
# The channel a report came from, by the input channel's name (bot/rasa_server/channels).
CHANNELS = {"twilio": "sms", "socketio": "web"}
# A listing's name in the menu is cut so the menu stays one SMS.
MENU_NAME_CHARS = 40

_NEGATION = r"(?:doesnt|dont|does not|do not|didnt|did not|aint|wont|cant|no longer|never)"
# What a message says is wrong, tried in this order ("the phone for 1 is wrong" is the phone, not
# "wrong"; "they dont answer the phone" is the phone, not something not offered).
_REASON_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern, re.IGNORECASE)) for reason, pattern in (
        ("closed", r"\b(?:closed|closing|close down|shut|shutdown|out of business|not open|no longer open|"
                   r"boarded up|went under)\b"),
        ("wrong_phone", r"\b(?:phone|wrong number|disconnected|out of service|"
                        r"number (?:is |was )?(?:wrong|bad|dead|disconnected|not working)|"
                        r"(?:no ?one|nobody) (?:answers|picks up))\b"),
        ("wrong_address", r"\b(?:address|moved|wrong (?:place|location|street|building)|not at that)\b"),
        ("not_offered", rf"\b(?:{_NEGATION}\s+(?:even\s+|really\s+|actually\s+)?(?:have|has|offer|offers|do|does|"
                        r"give|gives|carry|carries|provide|provides|take|takes|accept|accepts|prescribe|"
                        r"prescribes|dispense|dispenses|sell|sells|got)|not offered|not offer|no longer offer|"
                        r"stopped (?:offering|giving|doing|taking)|not available)\b"),
        ("other", r"^\W*(?:other|another|something else|other reason|other problem|else)\W*$"),
    )
)


def reason_in(text: str | None) -> str | None:
    """The reason a message gives (providers.reports.REASONS), or None when it gives none."""
    plain = (text or "").replace("'", "").replace("’", "")
    return next((reason for reason, pattern in _REASON_PATTERNS if pattern.search(plain)), None)


def channel_of(tracker: Tracker) -> str:
    return CHANNELS.get(tracker.get_latest_input_channel() or "", "other")


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return value if isinstance(value, str) else None


def listing_number(tracker: Tracker) -> int | None:
    """The result a message reports: a number entity or payload, else the first small number in it."""
    number = reply_number(tracker)
    if number is None:
        match = re.search(r"(?<![\d.,:/$-])(\d{1,2})(?![\d:/%])", tracker.latest_message.get("text") or "")
        number = int(match.group(1)) if match else None
    return number


def menu_pending(tracker: Tracker) -> int | None:
    """The result number the reason menu asked about, if the bot's last answer was that menu."""
    pending = tracker.get_slot(PENDING_SLOT)
    if pending is None:
        return None
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    between = [e.get("name") for e in tracker.events[users[-2] + 1:users[-1]] if e.get("event") == "action"]
    if ACTION_NAME not in between or any(name not in (ACTION_NAME, "action_listen") for name in between):
        return None
    return int(pending)


def reason_reply(tracker: Tracker) -> str | None:
    """The payload to go on with when the classifier was unsure of a reply to the reason menu that
    names a reason ("phone", "other" are short and close to other intents): that report, with the
    number the menu asked about. None for anything else."""
    number = menu_pending(tracker)
    reason = reason_in(tracker.latest_message.get("text")) if number is not None else None
    if reason is None:
        return None
    return catalogue.payload("report_reason", {REASON_ENTITY: reason, "number": str(number)})


def term_reported(tracker: Tracker) -> str | None:
    """For "doesn't offer this": what the message names ("2 doesnt have methadone"), else what the
    search was for, most specific first (a medication, a support, a kind of care)."""
    for kind in ("medication", "support", "setting"):
        value = _entity(tracker, kind)
        terms = vocabulary.entity_terms(kind, value) if value else ()
        if terms:
            return terms[0]
    searched = filters_for(tracker)
    for facet in ("medication", "support", "setting"):
        asked = searched.by_facet(facet)
        if len(asked) == 1:
            return asked[0]
    return None


def reason_buttons(number: int) -> list[dict[str, str]]:
    return [{"title": catalogue.text(f"report_choice_{reason}"),
             "payload": catalogue.payload("report_reason", {REASON_ENTITY: reason, "number": str(number)})}
            for reason in REASONS]


class ActionReportProblem(Action):
    def name(self) -> str:
        return ACTION_NAME

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        shown = tracker.get_slot("results") or []
        done = [SlotSet(PENDING_SLOT, None)] if tracker.get_slot(PENDING_SLOT) is not None else []
        if not shown:
            catalogue.say(dispatcher, "no_results_yet")
            return done
        reason = _entity(tracker, REASON_ENTITY)
        if reason not in REASONS:
            reason = reason_in(tracker.latest_message.get("text"))
        number = listing_number(tracker)
        if number is None:
            # "closed" is a reason only as the answer to the menu.
            number = menu_pending(tracker)
            if number is None:
                reason = None
        if number is None or not 1 <= number <= len(shown):
            catalogue.say(dispatcher, "report_which")
            return done
        listing_id = shown[number - 1]
        if reason is None:
            listing = common.registry().listing(listing_id, place_from_slot(tracker.get_slot("place")))
            if listing is None:  # the registry was rebuilt since the search
                catalogue.say(dispatcher, "report_which")
                return done
            name = listing.name if len(listing.name) <= MENU_NAME_CHARS else \
                listing.name[:MENU_NAME_CHARS - 3].rstrip(" ,-") + "..."
            buttons = reason_buttons(number) if reply_capabilities(tracker.events).cards else []
            dispatcher.utter_message(text=sms.to_gsm7(catalogue.text("report_menu", number=number, name=name)),
                                     buttons=buttons)
            return [SlotSet(PENDING_SLOT, float(number))]
        term = term_reported(tracker) if reason == "not_offered" else None
        stored = common.registry().report_problem(listing_id, reason, channel_of(tracker), term)
        if not stored:  # a listing the registry no longer has: nothing to check, nothing kept
            catalogue.say(dispatcher, "report_which")
            return done
        catalogue.say(dispatcher, "report_thanks")
        # The reason and channel only: never the message, never who.
        log.info("report of result %d: %s by %s", number, reason, channel_of(tracker))
        return done
