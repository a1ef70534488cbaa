"""UnreadableMessage: a message with nothing to read is not understood, whatever the
classifier says.

Only emoji, symbols or markup tags ("🙂🙂🙂", "<img src=x onerror=alert(1)>") give the
classifier no words to go on, so its answer is its bias, and that changes with every
training: one model read both as a detail at 0.94-1.00 and searched again after results,
the model before it fell back. Such a message gets ``nlu_fallback`` at 1.0, so the person
gets the kind "didn't get that" reply and nothing else changes. Runs after the classifiers
and before CrisisOverride, so an emergency written inside angle brackets still wins.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.override import IntentOverride

_TAG = re.compile(r"<[^<>]*>")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def has_something_to_read(text: Any) -> bool:
    """Whether a letter or digit is left once markup tags are taken out."""
    return isinstance(text, str) and bool(_LETTER_OR_DIGIT.search(_TAG.sub(" ", text)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnreadableMessage(IntentOverride):
    """Sets ``nlu_fallback`` on messages with nothing to read (see the module docstring)."""

    def override(self, message: Message) -> None:
        text = message.get(TEXT)
        if text is None or has_something_to_read(text):
            return
        fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(fallback)], add_to_output=True)
