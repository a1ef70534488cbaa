"""CrisisOverride: an emergency is never out-voted by the classifier.

Runs last in the NLU pipeline. When a message says an overdose is happening now,
the intent becomes ``crisis_overdose``; when it says the person may end their
life, ``crisis_suicide``; either with confidence 1.0 at the top of the intent
ranking, the classifier's ranking kept below it. If both match, overdose wins:
it is the more immediate emergency (call 911 now).

A crisis the classifier already found is left alone, with one exception: the
overdose patterns replace a ``crisis_suicide`` prediction, for the same reason.

The patterns below are the whole rule set; a reviewer can read them top to
bottom. They run on a normalized copy of the message: lowercase, accents
folded, apostrophes dropped ("od'ing" is "oding", "he's" is "hes", "can't" is
"cant") and every other non-letter, non-digit a single space. They aim to catch
what people type in a panic (no punctuation, typos, slang) and to stay quiet on
questions about overdose ("what is an overdose", "what happens if someone ods")
and on figures of speech ("this withdrawal is killing me", "dying to know").
Every pattern is a plain alternation with bounded gaps, so matching is linear in
the length of the message.

Nothing here logs the message.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.override import IntentOverride

logger = logging.getLogger(__name__)

CRISIS_OVERDOSE = "crisis_overdose"
CRISIS_SUICIDE = "crisis_suicide"
CRISIS_INTENTS = frozenset({CRISIS_OVERDOSE, CRISIS_SUICIDE})


@dataclass(frozen=True)
class CrisisPattern:
    signal: str  # what it catches, in words
    regex: re.Pattern

    def search(self, normalized: str) -> bool:
        return self.regex.search(normalized) is not None


def _pattern(signal: str, regex: str) -> CrisisPattern:
    return CrisisPattern(signal, re.compile(regex))


# Spellings of "overdosing" and "ODing" people text.
_ODING = r"(?:oding|odding|odin|odeing|overdosing|overdosin|overdoseing|overdossing|overdozing)"
_BREATHING = r"(?:breathing|breathin|breating|breathng|breath|breathe)"
# Someone else, as a subject: "he", "my friend is", "shes".
_THEY = r"(?:he|she|they|hes|shes|theyre|he is|she is|they are)"

OVERDOSE_PATTERNS: tuple[CrisisPattern, ...] = (
    _pattern("someone is ODing or overdosing now: 'my friend is od'ing', 'hes overdosing', 'i think im overdosing'",
             rf"(?:\b(?!(?:what|how|why|where|when|who|which)\b)\w+ (?:is|are|am|was|were|keeps)"
             rf"|\bhes|\bshes|\btheyre|\bim)\s+(?:\w+\s+)?{_ODING}\b"),
    _pattern("a person and 'od': 'she od', 'hes od', 'someone just od'",
             r"\b(?:he|she|they|hes|shes|theyre|im|i|someone|somebody)\s+(?:is\s+|just\s+)?od\b"),
    _pattern("just overdosed, or thinks so: 'he just odd', 'i think my friend overdosed'",
             r"\b(?:just|think (?:he|she|they|i|my \w+|someone|somebody)|might have|may have|maybe)\s+(?:\w+\s+)?"
             r"(?:od|odd|oded|odded|overdosed)\b"),
    _pattern("'having an overdose'", r"\b(?:having|havin)\s+an?\s+(?:od|overdose)\b"),
    _pattern("an overdose emergency said plainly: 'od help', 'overdose rn', 'help overdose'",
             r"^(?:(?:help|please|pls|plz|omg|sos)\s+)*(?:od|oding|overdose|overdosing)"
             r"(?:\s+(?:help|please|pls|plz|now|rn|asap|911|emergency))+$"
             r"|^(?:help|sos)\s+(?:\w+\s+)?(?:od|oding|overdose|overdosing)$"
             r"|\b(?:od|overdose)\s+emergency\b"),
    _pattern("not breathing: 'hes not breathing', 'stopped breathing', 'barely breathing', 'cant breathe'",
             rf"\b(?:not|isnt|aint|stopped|stop|barely|hardly|cant|cannot|no longer)\s+(?:\w+\s+)?{_BREATHING}\b"),
    _pattern("breathing wrong: 'breathing really slow', 'shallow breathing'",
             rf"\b{_BREATHING}\s+(?:really\s+|so\s+|very\s+|real\s+)?(?:slow|slowly|weird|shallow|funny|strange)\b"
             rf"|\b(?:slow|shallow)\s+{_BREATHING}\b"),
    _pattern("cannot wake someone: 'cant wake him up', 'cant wake my friend', 'snoring weird and cant wake'",
             r"\b(?:cant|cannot|couldnt|can not)\s+(?:wake|waken)\b(?!\s+(?:up|me|myself)\b)"),
    _pattern("someone will not wake up: 'wont wake up', 'she isnt waking up' (not 'i wont wake up early')",
             r"(?<!\bi )\b(?:wont|will not|isnt|not|aint|cant)\s+(?:wake|waking|wakin)\s+up\b"),
    _pattern("turning blue: 'turning blue', 'lips are blue', 'hes blue', 'blue lips'",
             r"\b(?:turning|turned|going|gone|lips|lip|face|skin|fingers|fingertips|nails)\s+(?:\w+\s+){0,2}?blue\b"
             rf"|\b{_THEY}\s+(?:turning\s+|going\s+|all\s+|so\s+|kinda\s+|like\s+|looking\s+)?blue\b"
             r"|\bblue\s+(?:lips|lip|face|fingers|fingertips)\b"),
    _pattern("unresponsive: 'unresponsive', 'no pulse'", r"\b(?:unrespons\w*|not responsive|no pulse)\b"),
    _pattern("passed out and not responding: 'passed out and wont respond'",
             r"\b(?:passed|fell|nodded|blacked|knocked)\s+out\b.{0,40}?"
             r"\b(?:wont|not|cant|isnt|doesnt|aint|no)\s+(?:\w+\s+)?"
             r"(?:respond|responding|wake|waking|move|moving|breathing|answer|answering|pulse)\b"),
    _pattern("someone not responding or moving: 'hes not responding' (not 'she wont respond to my texts')",
             r"\b(?:he|she|they|hes|shes|theyre|him|her|them)\s+(?:is\s+|are\s+)?"
             r"(?:not|isnt|wont|cant|aint|doesnt)\s+(?:responding|respond|responsive|moving)\b"
             r"(?!\s+to\s+(?:my\s+)?(?:texts?|calls?|messages?|me)\b)"),
    _pattern("the sounds of an overdose: 'snoring weird', 'gurgling'",
             r"\bsnoring\s+(?:\w+\s+)?(?:weird|weirdly|strange|funny|loud|loudly)\b"
             r"|\bgurgling\b|\bdeath rattle\b|\b(?:snoring|choking)\s+(?:sounds|noises)\b"),
    _pattern("took too much: 'took too much and feel like dying', 'i did way too much'",
             r"\b(?:took|taken|did|done|used|shot|smoked|snorted)\s+(?:way\s+)?too\s+(?:much|many)\b(?!\s+time)"),
    _pattern("someone dead or dying (not 'dying to know', not 'my phone is dead')",
             rf"\b{_THEY}\s+(?:\w+\s+)?(?:dead|dying)\b(?!\s+to\b)"),
    _pattern("naloxone given or not working: 'gave him narcan', 'narcan isnt working'",
             r"\bgave\s+(?:him|her|them|my\s+\w+)\s+(?:\w+\s+)?(?:narcan|naloxone)\b"
             r"|\b(?:narcan|naloxone)\s+(?:isnt|is not|not|didnt|aint|wont)\s+(?:working|work|help|helping)\b"),
)

SUICIDE_PATTERNS: tuple[CrisisPattern, ...] = (
    _pattern("killing oneself: 'i want to kill myself', 'going to off myself', 'hang myself'",
             r"\b(?:kill|killing|kil|end|ending|off|offing|shoot|hang|hanging)\s+(?:my\s*self|meself)\b(?!\s+up\b)"),
    _pattern("'kms' (not '5 kms away')", r"(?<![0-9] )(?<![0-9])\bkms\b"),
    _pattern("wanting to die: 'i want to die', 'wanna die', 'want 2 die' (not 'i dont want to die')",
             r"(?<!\bdont )(?<!\bdo not )(?<!\bnever )\b(?:want|wanna|wanted|ready)\s+"
             r"(?:to\s+|2\s+)?(?:die|be dead)\b"),
    _pattern("not wanting to live: 'dont want to live', 'dont wanna be alive', 'dont want to wake up'",
             r"\b(?:dont|do not|dnt|no longer)\s+(?:even\s+)?(?:want|wanna)\s+(?:to\s+|2\s+)?"
             r"(?:live|be alive|be here anymore|exist|wake up)\b"),
    _pattern("suicide, suicidal, and typos of them", r"\b(?:suicid|sucid|suisid|suicd|suicied|sucuid)\w*"),
    _pattern("ending one's life: 'end it all', 'end my life', 'i want to end it', 'take my own life'",
             r"\b(?:end|ending)\s+(?:it\s+all|my\s+(?:own\s+)?life|it\s+tonight|everything)\b"
             r"|\b(?:want|wanna|going|gonna|ready)\s+(?:to\s+)?end\s+it\b(?!\s+with\b)"
             r"|\b(?:take|taking)\s+my\s+(?:own\s+)?life\b"),
    _pattern("no reason to live: 'no reason to live', 'nothing to live for', 'no point living'",
             r"\b(?:no reason|no point|nothing left|nothing)\s+(?:to\s+live|in\s+living|living)\b"
             r"|\b(?:not|isnt|aint)\s+worth\s+living\b"),
    _pattern("'better off dead', 'better off without me'", r"\bbetter off (?:dead|without me|gone)\b"),
    _pattern("'want to disappear forever'", r"\b(?:disappear|vanish)\s+(?:forever|for good|permanently)\b"),
    _pattern("wishing to be dead: 'wish i was dead', 'hope i dont wake up'",
             r"\b(?:wish|hope)\s+i\s+(?:was|were|could be)\s+dead\b"
             r"|\b(?:wish|hope)\s+i\s+(?:dont|never|wont|do not)\s+wake\s+up\b"
             r"|\bwish\s+i\s+(?:could\s+)?(?:die|was never born|wasnt alive|wasnt born)\b"),
    _pattern("overdosing on purpose", r"\b(?:od|overdose|overdosing|oding)\s+on\s+purpose\b"),
)


def normalize(text: str) -> str:
    """Lowercase, accents folded, apostrophes dropped, other symbols as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"['’`´]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def crisis_intent(text: Any) -> str | None:
    """crisis_overdose, crisis_suicide, or None for a message."""
    if not isinstance(text, str) or not text:
        return None
    normalized = normalize(text)
    if any(pattern.search(normalized) for pattern in OVERDOSE_PATTERNS):
        return CRISIS_OVERDOSE
    if any(pattern.search(normalized) for pattern in SUICIDE_PATTERNS):
        return CRISIS_SUICIDE
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverride(IntentOverride):
    """Sets a crisis intent when the patterns above match (see the module docstring)."""

    def override(self, message: Message) -> None:
        detected = crisis_intent(message.get(TEXT))
        if detected is None:
            return
        predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if predicted in CRISIS_INTENTS and not (predicted == CRISIS_SUICIDE and detected == CRISIS_OVERDOSE):
            return
        top = {INTENT_NAME_KEY: detected, PREDICTED_CONFIDENCE_KEY: 1.0}
        # The fallback's entry was a decision, not a score, and it no longer holds.
        rest = [
            ranked
            for ranked in message.get(INTENT_RANKING_KEY) or []
            if ranked.get(INTENT_NAME_KEY) not in (detected, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        ]
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(top), *rest], add_to_output=True)
        logger.debug("crisis override: %s", detected)
