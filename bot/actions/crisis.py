"""What comes after a crisis reply: the person tells us how it is going, and we stay with them.

After the overdose steps: no naloxone -> 911, rescue breathing, stay; they woke up -> stay with
them, naloxone can wear off, withdrawal; help arrived -> what to tell them, Good Samaritan;
anything else -> the steps that matter most, again. After 988 or a check-in: warm, 988 again.
A request for naloxone or a place, or a detail of a search, ends the crisis and goes on to the
search, as the person asked (the search form clears it too); until then the crisis stays, so
the rules keep answering what they say next. The answers are sourced in the catalogue.
"""
from __future__ import annotations

import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import latest_intent
from bot.nlu.crisis_patterns import normalize
from bot.present import catalogue

log = logging.getLogger(__name__)

NO_NALOXONE = re.compile(
    r"\b(?:dont|do not|dnt|didnt|no|not|never|aint|cant find|lost) (?:have |got |has |any |get |gave )*(?:any )?"
    r"(?:narcan|naloxone|naloxona|nasal spray)\b|\b(?:no tengo|no hay|no tenemos|sin) (?:narcan|naloxona)\b"
    r"|\bout of (?:narcan|naloxone)\b|\bwhere (?:do|can) i get (?:narcan|naloxone) (?:now|rn|fast|quick)\b")
HAVE_NALOXONE = re.compile(
    r"\b(?:(?:we|i|ive|weve|yes|yeah|ya)\s+(?:\w+\s+)?(?:have|got|found|do)|found|tengo|tenemos|hay)\b.{0,20}?"
    r"\b(?:narcan|naloxone|naloxona|nasal spray|the spray)\b")
# "still not waking", "isnt breathing", "wont wake up": not a recovery, whatever words follow.
STILL_DOWN = re.compile(
    r"\b(?:not|isnt|wont|hasnt|cant|didnt|doesnt|no|nothing|barely|stopped)\b (?:\w+ )?"
    r"(?:wak|breath|respond|working|work\b|moving)|\bno (?:respira|reacciona|despierta)\b")
# Already given: what comes next is in crisis_still_there (another dose, breaths, 911).
GAVE_NALOXONE = re.compile(r"\b(?:gave|given|used|sprayed|did|le di|le puse|ya le)\b")
WOKE_UP = re.compile(
    r"\b(?:woke|wakes|waking|woken|awake|came to|came back|coming around|coming to|breathing (?:again|now|better)|"
    r"started breathing|is breathing|hes breathing|shes breathing|hes ok|shes ok|theyre ok|responding now|talking now|"
    r"sitting up|desperto|ya respira|reacciono|esta despierto|esta despierta|volvio|"
    # Withdrawal after naloxone means they are awake.
    r"in withdrawal|withdrawing|dopesick|pissed|mad at me|throwing up|puking)\b")
CALLED_911 = re.compile(
    r"\b(?:called|calling|call) (?:911|9 1 1|an ambulance)|"
    r"\b(?:911|ambulance|help) (?:is )?(?:on (?:the|their|its) way|coming)\b|\bllame al 911\b")
HELP_ARRIVED = re.compile(
    r"\b(?:ambulance|ems|paramedics?|medics|emts?|cops|police|fire ?(?:truck|department|dept)|911 (?:is|are) here|"
    r"theyre here|help is here|help came|at the hospital|in the ambulance|ambulancia|paramedicos|policia|"
    r"ya llegaron)\b")
SEARCH_INTENTS = frozenset({"find_harm_reduction", "find_treatment", "find_recovery_support", "inform"})
# Questions the rules would answer outside an emergency; after one, they still get their answer.
EXPLAINED_INTENTS = frozenset({"ask_how_to_start", "ask_what_is_medication"})


class ActionCrisisFollowup(Action):
    def name(self) -> str:
        return "action_crisis_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        crisis = tracker.get_slot("crisis")
        text = normalize(tracker.latest_message.get("text") or "")
        intent = latest_intent(tracker)
        if crisis == "overdose":
            key = overdose_followup(text)
            if key is None and intent in EXPLAINED_INTENTS:
                return [FollowupAction("action_explain_medication")]
            named = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
            if key is None and (intent in SEARCH_INTENTS or named & {"medication", "support", "location"}):
                # Back to what they asked for: naloxone, a place, a detail of the search.
                log.info("after an overdose reply: back to the search")
                return [SlotSet("crisis", None), FollowupAction("search_form")]
            key = key or {"thanks": "crisis_thanks", "ask_naloxone_use": "crisis_give_naloxone"}.get(
                intent or "", "crisis_still_there")
        else:
            key = "crisis_thanks" if intent == "thanks" else "crisis_stay_with_me"
        catalogue.say(dispatcher, key)
        log.info("after a %s reply: %s", crisis, key)
        return []


def overdose_followup(text: str) -> str | None:
    """The answer to what someone says after the overdose steps, or None if it is not about them."""
    if NO_NALOXONE.search(text):
        return "crisis_no_naloxone"
    if HELP_ARRIVED.search(text):
        return "crisis_help_arrived"
    if CALLED_911.search(text):
        return "crisis_called_911"
    if STILL_DOWN.search(text):
        return "crisis_still_there"
    if WOKE_UP.search(text):
        return "crisis_woke_up"
    if HAVE_NALOXONE.search(text) and not GAVE_NALOXONE.search(text):
        return "crisis_give_naloxone"
    return None
