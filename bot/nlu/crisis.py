"""CrisisOverride: an emergency is never out-voted by the classifier.

Runs last in the NLU pipeline. The patterns in ``bot.nlu.crisis_patterns`` read every
message; when they find an overdose happening now the intent becomes ``crisis_overdose``,
a risk of suicide ``crisis_suicide``, despair without a plan ``crisis_distress`` (a gentle
check-in that names 988), and a past overdose ``overdose_aftercare``; each with confidence 1.0
at the top of the ranking, the classifier's ranking kept below it.

When the patterns read something, their reading stands; when they read nothing, the
classifier's crisis reading is kept (it learns the crisis intents from data/nlu/crisis.yml, so
wordings the patterns miss still reach the crisis rules). Two learned guesses are overruled
when the patterns see no emergency: any emergency in a question about overdose in general
("how do i know if someone is overdosing"), and an overdose told in the past ("he overdosed in
the fall"); the first becomes the classifier's next guess, the second the patterns' reading
(aftercare) or the next guess.

Nothing here logs the message.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import crisis_patterns
from bot.nlu.override import IntentOverride

logger = logging.getLogger(__name__)

CRISIS_OVERDOSE = "crisis_overdose"
CRISIS_SUICIDE = "crisis_suicide"
CRISIS_DISTRESS = "crisis_distress"
OVERDOSE_AFTERCARE = "overdose_aftercare"
CRISIS_INTENTS = frozenset({CRISIS_OVERDOSE, CRISIS_SUICIDE, CRISIS_DISTRESS})
INTENT_OF = {
    crisis_patterns.OVERDOSE: CRISIS_OVERDOSE,
    crisis_patterns.SUICIDE: CRISIS_SUICIDE,
    crisis_patterns.DISTRESS: CRISIS_DISTRESS,
    crisis_patterns.AFTERCARE: OVERDOSE_AFTERCARE,
}
# Most urgent first: a reading never replaces a more urgent one.
URGENCY = {CRISIS_OVERDOSE: 4, CRISIS_SUICIDE: 3, CRISIS_DISTRESS: 2, OVERDOSE_AFTERCARE: 1}


def crisis_intent(text: Any) -> str | None:
    """The intent the patterns read in a message, or None."""
    if not isinstance(text, str) or not text:
        return None
    kind = crisis_patterns.crisis_kind(text)
    return INTENT_OF[kind] if kind else None


# Entities that make a message a request the assistant can act on.
REQUEST_ENTITIES = frozenset({"need", "medication", "setting", "support", "location"})


def _asks_for_something(message: Message) -> bool:
    return any(entity.get("entity") in REQUEST_ENTITIES for entity in message.get(ENTITIES) or [])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverride(IntentOverride):
    """Sets a crisis intent when the patterns above match (see the module docstring)."""

    def override(self, message: Message) -> None:
        text = message.get(TEXT)
        detected = crisis_intent(text)
        predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        ranking = message.get(INTENT_RANKING_KEY) or []
        ruled_out = predicted in URGENCY and predicted != detected and isinstance(text, str) and (
            crisis_patterns.general_question(text)
            or (predicted == CRISIS_OVERDOSE and crisis_patterns.told_in_the_past(text)))
        if detected is None:
            if ruled_out:
                self._demote(message, ranking)
            return
        if predicted == detected:
            return
        if detected == CRISIS_DISTRESS and _asks_for_something(message):
            # "im living in my car, need subs near 19134": the request is answered; despair said
            # alongside a request does not stop it (an emergency would).
            return
        top = {INTENT_NAME_KEY: detected, PREDICTED_CONFIDENCE_KEY: 1.0}
        # The fallback's entry was a decision, not a score, and it no longer holds.
        rest = [ranked for ranked in ranking
                if ranked.get(INTENT_NAME_KEY) not in (detected, DEFAULT_NLU_FALLBACK_INTENT_NAME)]
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(top), *rest], add_to_output=True)
        logger.debug("crisis override: %s", detected)

    @staticmethod
    def _demote(message: Message, ranking: list[dict[str, Any]]) -> None:
        rest = [ranked for ranked in ranking if ranked.get(INTENT_NAME_KEY) not in URGENCY]
        if not rest:
            return
        message.set(INTENT, dict(rest[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
        logger.debug("crisis override: a learned emergency in a question or a past overdose, demoted")
