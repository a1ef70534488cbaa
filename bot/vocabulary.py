"""The conversation's view of the vocabulary (providers.taxonomy): pure, with no Rasa in it.

Everything the assistant says or decides about the taxonomy is here once: the slot values
the domain declares, which intents are never a form answer, what "no insurance" and "any"
mean as search filters, which medication family a value belongs to, the choices a question
offers and the guesses a "did you mean" menu may offer. The actions, the presenter and the
web app read it; tests/unit/test_vocabulary.py checks domain.yml against it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers import taxonomy
from providers.taxonomy import Filters

# A message with one of these intents is never taken as an answer to the form's question: the
# form lets the rules answer it (an emergency first, a question, a request) and resumes.
# domain.yml's `not_intent` lists on the form's slot mappings must be this set.
NOT_AN_ANSWER = frozenset({
    "crisis_overdose", "crisis_suicide", "crisis_distress", "overdose_aftercare", "ask_open_now",
    "ask_what_is_medication", "ask_how_to_start", "ask_first_visit",
    "ask_naltrexone_wait", "ask_compare_medications", "ask_privacy", "forget_me", "help", "bot_challenge",
    "goodbye", "new_search", "ask_pregnancy", "ask_teens", "ask_guest_dosing", "ask_cost", "ask_naloxone_use",
    "use_alone", "lost_tolerance", "ask_test_strip_use", "report_problem", "report_reason",
})

# Questions whose words still describe the person's own search ("im on methadone, how do i guest
# dose", "how much is suboxone without insurance", "can i stay on subs pregnant"): the medication,
# payment and the like they name are kept, so the search does not ask for them again. Where they
# are and what they need are still only taken from an answer.
DESCRIBES_THE_SEARCH = frozenset({
    "ask_guest_dosing", "ask_pregnancy", "ask_cost", "ask_teens", "lost_tolerance", "ask_open_now",
})
NOT_A_DETAIL = NOT_AN_ANSWER - DESCRIBES_THE_SEARCH
# The slots whose entity mapping takes a detail from such a question (domain.yml's `not_intent`
# on them is NOT_A_DETAIL; on the others, NOT_AN_ANSWER).
DETAIL_SLOTS = frozenset({"medication", "setting", "payment", "population", "language", "support"})

# Slot values that are answers but not filters.
ANY = "any"
NOT_SURE = "not_sure"
NO_PREFERENCE = frozenset({ANY, NOT_SURE, ""})
# A person without insurance can use any of these.
UNINSURED = "uninsured"
PAYMENT_ALIASES: dict[str, tuple[str, ...]] = {
    UNINSURED: ("payment:self_pay", "payment:sliding_fee", "payment:free", "payment:state_funded"),
}

def _codes(facet: str) -> tuple[str, ...]:
    return tuple(term.code for term in taxonomy.terms_of(facet))


# The categorical slots and the values domain.yml declares for each: the taxonomy's codes
# (with "any" / "not sure" where a person may answer so) and the payment aliases.
SLOT_VALUES: dict[str, tuple[str, ...]] = {
    "need": (*_codes("need"), NOT_SURE),
    "medication": (*_codes("medication"), ANY, NOT_SURE),
    # "health_center": a doctor or primary care asked for; the search offers health centers beside the
    # treatment listings (providers.search), never as a place for a medication.
    "setting": (*_codes("setting"), ANY),
    "payment": (*_codes("payment"), *PAYMENT_ALIASES, ANY),
}

# The form's questions with numbered choices, each choice a slot value, in the order a
# person numbers them. The catalogue has each choice's words (`choice_<slot>_<value>`).
QUESTION_CHOICES: dict[str, tuple[str, ...]] = {
    "need": ("treatment", "harm_reduction", "recovery_support", NOT_SURE),
    "medication": ("buprenorphine", "methadone", "naltrexone", ANY, NOT_SURE),
    "payment": ("medicaid", "medicare", "private_insurance", UNINSURED, ANY),
    "setting": ("outpatient", "residential", "detox", "telehealth", ANY),
}

def no_preference_value(slot: str, *, unsure: bool) -> str:
    """What a question's slot is set to when the person says "not sure" (`unsure`) or "any"."""
    if slot == "need":
        return NOT_SURE
    return NOT_SURE if unsure and slot == "medication" else ANY


# A kind of care that names a medication: "methadone clinic", "methadone program" (certified
# opioid treatment programs) is a request for methadone, the medication only they may dispense.
SETTING_IMPLIES_MEDICATION = {"otp": "methadone"}

# Entities that say the person wants treatment, when they have not said what they need.
TREATMENT_ENTITIES = frozenset({"medication", "setting", "payment"})
# The entities that say something about a search: what a "did you mean" choice carries over (a
# result number belongs to the menu), and what a message after results must name to search again.
SEARCH_ENTITIES = ("need", "location", "medication", "setting", "payment", "population", "language", "access",
                    "support")
# The intents a "did you mean" menu may offer, in the person's words (catalogue `choice_<intent>`,
# and `choice_<intent>_named` where it can name the medication). Greetings, yes/no, small talk and
# "out of scope" are never offered: guessing them helps no one.
OFFERABLE_INTENTS = (
    "find_treatment", "find_harm_reduction", "find_recovery_support", "inform", "ask_what_is_medication",
    "ask_how_to_start", "ask_first_visit", "ask_naltrexone_wait", "ask_compare_medications", "family_member",
    "help", "ask_privacy", "forget_me", "new_search",
)


def medication_family(code: str | None) -> str | None:
    """The medicine a slot or entity value belongs to: its broadest medication term
    ("buprenorphine_injectable" -> "buprenorphine"); None for "any", "not sure" or unknown."""
    term_id = f"medication:{code}"
    if not code or term_id not in taxonomy.BY_ID:
        return None
    return taxonomy.BY_ID[([term_id] + taxonomy.ancestors(term_id))[-1]].code


MEDICATION_FAMILIES = tuple(dict.fromkeys(f for f in map(medication_family, _codes("medication")) if f))


def entity_terms(entity: str, value: str) -> tuple[str, ...]:
    """Vocabulary terms for one NLU entity or slot value: () for "any"/"not sure" and for what
    the vocabulary does not know; a payment alias becomes every payment it stands for."""
    if value in NO_PREFERENCE:
        return ()
    if entity == "payment" and value in PAYMENT_ALIASES:
        return PAYMENT_ALIASES[value]
    term_id = f"{entity}:{value}"
    return (term_id,) if term_id in taxonomy.BY_ID else ()


def filters_from_slots(slots: Mapping[str, Any]) -> Filters:
    """The person's choices as search filters. Only what the need uses: a harm reduction
    search is not narrowed by the insurance given for treatment."""
    need = slots.get("need") or "treatment"
    terms: list[str] = []
    if need in ("treatment", NOT_SURE):
        terms.append("need:treatment")
        facets: tuple[str, ...] = ("medication", "setting", "payment", "population", "language", "access")
    else:
        terms += entity_terms("need", need)
        facets = ("support", "language", "access")
    for facet in facets:
        value = slots.get(facet)
        if isinstance(value, str):
            terms += entity_terms(facet, value)
    return Filters.of(*dict.fromkeys(terms))


def payment_terms(payment: str | None) -> tuple[str, ...]:
    """The payment terms a slot value stands for (several for "uninsured")."""
    return entity_terms("payment", payment) if payment else ()


# --- what a stored message still says ------------------------------------------------------------
#
# The conversation store keeps no message text (bot/rasa_server/tracker_store.py); what a later
# turn needs from an earlier message's words is kept as these flags in its parse data instead.

REMEMBERED_KEY = "remembered"
# Words of someone who needs a door now; the listings have no hours, so the reply says so.
NOW_WORDS = re.compile(r"\b(?:rn|right now|tonight|open now|still open|this late|at night|late night|"
                       r"middle of the night|(?:1[0-2]|[1-9]) ?am|ahora mismo|esta noche)\b", re.IGNORECASE)


def remembered_from(text: str | None) -> dict[str, bool]:
    """The flags a message's words leave once the words are gone."""
    return {"now": True} if NOW_WORDS.search(text or "") else {}


def remembered(user_event: Mapping[str, Any]) -> dict[str, bool]:
    """The flags of a user event: from its text while the turn is in memory, from its parse data once stored."""
    if user_event.get("text"):
        return remembered_from(user_event["text"])
    return dict((user_event.get("parse_data") or {}).get(REMEMBERED_KEY) or {})
