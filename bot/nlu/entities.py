"""NavigatorEntityExtractor: the navigator's entities, from rules, with no training.

What it finds in a message:

- vocabulary entities (need, medication, setting, payment, population, language,
  access, support) from the phrase table in ``bot.nlu.lexicon``, matched by
  a spaCy ``EntityRuler`` on a blank English pipeline, then checked against each
  phrase's context rules ("done" is methadone in "on the done", not in "im done");
  drug names one or two letters off are matched too ("methadome");
- ``location``: the places ``providers.geocode`` finds (ZIP codes, "City, ST",
  towns after "in"/"near", states, nicknames, typos), with the geocoder's reason and
  display name in ``additional_info``; the value is the text as typed, which the
  actions geocode again. Adjacent parts of one address ("Reno, NV 89501") are one
  entity;
- ``number``: which search result a person means ("2", "#2", "the second one",
  "tell me about 3"), as a digit string from "1" to "20". A number only counts as
  the whole message or after words that point at a result, so "2 kids" or "about 3
  weeks in" are not one; a report that a result is wrong points at it too ("WRONG 2",
  "the phone for 1 is wrong", "2 doesnt have methadone").

``NavigatorEntityFeaturizer`` gives the intent classifier the same knowledge: which
kinds of entity a message names ("a medication", "a harm reduction supply", "a
place"), so that "where can i get zimhi" reads like "where can i get narcan" even
though "zimhi" is in no training example.

Spans never overlap: the leftmost mention wins, then the longer one; on the same
span a place wins after "in"/"near" ("in VA" is Virginia) and a phrase wins
otherwise ("do they take VA" is the VA, "needles" are not Needles, CA). Every entity has confidence 1.0.

The extractor reads no more than ``MAX_SCAN_CHARS`` characters (the geocoder reads
fewer) and never logs what people wrote: a message can say where someone is and
what they use.
"""
from __future__ import annotations

import copy
import logging
import re
import traceback
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse
import spacy
from rapidfuzz.distance import Levenshtein
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc
from spacy.vocab import Vocab

from bot.nlu.lexicon import FUZZY_WORDS, LEXICON, LOCATION, NUMBER, Phrase
from providers import taxonomy
from providers.geocode import (
    CUE_PAIRS,
    CUES,
    PRECISIONS,
    GeocodeResult,
    OfflineGeocoder,
    PlaceMention,
    default_geocoder,
)

logger = logging.getLogger(__name__)

# An SMS of 10 parts is 1,530 characters; beyond this a message is not a request.
MAX_SCAN_CHARS = 2_000
# Result numbers a person can pick from.
MAX_RESULT_NUMBER = 20
# Words a phrase may stand next to and still be "the whole message".
_ALONE_FILLER = frozenset({"please", "plz", "pls", "thanks", "thx", "ty"})
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\S")

# --- text and tokens -----------------------------------------------------------------------


def fold(text: str) -> str:
    """Lowercase, accents and curly apostrophes folded: "Español" -> "espanol"."""
    text = text.replace("’", "'")
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text.lower()


class WordTokenizer:
    """Words (letters and digits, apostrophes inside) and single other characters.

    spaCy's English tokenizer splits "dont" into "do" + "nt" and "im" into "i" + "m";
    people text both, so phrases and context rules are written on whole words. Each
    token's NORM is its folded form, which is what phrases match on.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []

        def add_gap(gap: str) -> None:
            # spaCy keeps one space on the token before it; other whitespace is a token.
            if words and gap.startswith(" "):
                spaces[-1] = True
                gap = gap[1:]
            if gap:
                words.append(gap)
                spaces.append(False)

        position = 0
        for match in _TOKEN.finditer(text):
            add_gap(text[position:match.start()])
            words.append(match.group())
            spaces.append(False)
            position = match.end()
        add_gap(text[position:])
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token in doc:
            token.norm_ = fold(token.text)
        return doc


def _is_word(token) -> bool:
    return any(ch.isalnum() for ch in token.text)


# --- numbers ---------------------------------------------------------------------------------

_CARDINALS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
              " sixteen seventeen eighteen nineteen twenty").split()
_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth"
             " fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
NUMBER_WORDS: dict[str, int] = {
    **{word: n for n, word in enumerate(_CARDINALS, 1)},
    **{word: n for n, word in enumerate(_ORDINALS, 1)},
}
# 1-20, alone or as "2nd"; not part of a ZIP, a time, a price, a range or "24/7".
_DIGITS = r"(?<![\w.,:/$-])(?:1[0-9]|20|[1-9])(?:st|nd|rd|th)?(?![\w:/%-]|[.,][0-9])"
_ORDINAL = rf"(?:\b(?:{'|'.join(_ORDINALS)})\b|(?<![\w.,:/$-])(?:1[0-9]|20|[1-9])(?:st|nd|rd|th)\b)"
_NUMBER = rf"(?:{_DIGITS}|\b(?:{'|'.join(_CARDINALS + _ORDINALS)})\b)"
_POLITE_END = r"(?=\W*(?:(?:please|plz|pls|thanks|thx|ty)\W*)?$)"
# Where a number means "that result". Each captures the number as group "n".
_NUMBER_CONTEXTS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # The whole message: "2", "#2", "number 3", "the first one", "2 please".
        rf"^\W*(?:(?:the|number|num|no\.|option)\W*)*(?P<n>{_NUMBER})(?:\W+one)?{_POLITE_END}",
        # Right after a word for a result: "number 2", "option 3", "#4".
        rf"(?:\b(?:number|num|option|choice|result|listing)\b|\bno\.|#)\s*#?\s*(?P<n>{_NUMBER})",
        # After "about", "on", "details" at the end: "tell me about 3", "details on the 2nd one".
        rf"\b(?:about|on|details?|info|pick|choose|see)\s+(?:the\s+|#\s*)?(?P<n>{_NUMBER})(?:\s+one)?{_POLITE_END}",
        # An ordinal that points at a listing: "the second one", "2nd place", "the third".
        rf"(?P<n>{_ORDINAL})\s+(?:one|place|listing|option|result|clinic|location|spot|site)\b",
        rf"\bthe\s+(?P<n>{_ORDINAL}){_POLITE_END}",
        # A report that a listing is wrong (issue 18): "WRONG 2", "the phone for 1 is wrong",
        # "2 is closed", "3 doesnt have methadone".
        rf"\bwrong\s+#?\s*(?P<n>{_DIGITS})(?!\s+(?:mi|miles|min|minutes|hours|days|times|people)\b)",
        rf"\b(?:for|of|at)\s+#?\s*(?P<n>{_NUMBER})\s+(?:is|was|are|r)\s+(?:wrong|bad|closed|shut|off|out|disconnected)\b",
        rf"^\W*#?\s*(?P<n>{_NUMBER})\s+"
        r"(?:(?:is|was)\s+(?:wrong|closed|shut|permanently)|isnt|isn't|shut|closed|moved)\b",
        rf"^\W*#?\s*(?P<n>{_NUMBER})\s+"
        r"(?:(?:doesnt|doesn't|does not|dont|don't|do not|aint|ain't)\s+(?:even\s+|really\s+)?"
        r"(?:have|has|offer|do|take|give|carry|provide|accept|prescribe|dispense)|has no|have no)\b",
    )
)


def number_value(text: str) -> str:
    """ "2", "2nd", "second", "two" -> "2"."""
    word = text.lower()
    if word in NUMBER_WORDS:
        return str(NUMBER_WORDS[word])
    return str(int(word.rstrip("stndrh")))


# --- candidates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    entity: str
    value: str
    weak: bool = False
    place: GeocodeResult | None = None
    after_cue: bool = False  # a place right after "in", "near", "close to"...
    origin: bool = False  # a place someone came from: "moved here from columbus", "im from erie"

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: _Mention) -> bool:
        return self.start < other.end and other.start < self.end


def _merge_adjacent_places(text: str, mentions: Iterable[PlaceMention]) -> list[_Mention]:
    """One location per place: "Charlottesville VA" + "22902" is one mention, with
    the geocoding of its most precise part."""
    rank = {precision: i for i, precision in enumerate(PRECISIONS)}

    def precision_rank(result: GeocodeResult) -> int:
        return rank.get(result.place.precision, len(rank)) if result.ok else len(rank) + 1

    groups: list[list[PlaceMention]] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        if groups and re.fullmatch(r"[\s,]*", text[groups[-1][-1].end:mention.start]):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    merged = []
    for group in groups:
        best = min((m.result for m in group), key=precision_rank)
        start, end = group[0].start, group[-1].end
        merged.append(_Mention(start, end, LOCATION, text[start:end], place=best, after_cue=_after_cue(text, start),
                               origin=_words_before(text, start)[-1:] == ["from"]))
    return merged


# What a person says they do not want: "i dont want treatment just narcan", "not methadone".
# Only for what they came for; "dont have narcan" still names naloxone, "no insurance" is a payment.
_REFUSED_ENTITIES = frozenset({"need", "medication", "setting"})
_REFUSAL = re.compile(
    r"(?:\b(?:dont|don't|do not|not|never|no longer|aint|ain't)\s+(?:really\s+|even\s+)?(?:want|need|looking for|"
    r"interested in|like|trying|doing|going (?:to|back to))(?:\s+(?:to\s+)?(?:do|go to|get|try|be on|start|"
    r"take|use|any|a|no))?|\b(?:no|not|without|instead of|rather than)(?:\s+(?:more|any))?)\s*$",
    re.IGNORECASE)


def _refused(text: str, mention: _Mention) -> bool:
    return mention.entity in _REFUSED_ENTITIES and bool(_REFUSAL.search(text[max(0, mention.start - 50):mention.start]))


def _words_before(text: str, start: int) -> list[str]:
    return re.findall(r"[^\W_]+", text[max(0, start - 40):start].lower())


def _after_cue(text: str, start: int) -> bool:
    words = _words_before(text, start)
    return bool(words) and (words[-1] in CUES or tuple(words[-2:]) in CUE_PAIRS)


def _reading_priority(mention: _Mention) -> int:
    """Which reading of one span wins: a place after "in"/"near" ("in VA"), then a
    phrase ("VA", "needles"), then a place named alone (Needles, CA)."""
    if mention.entity != LOCATION:
        return 1
    return 0 if mention.after_cue else 2


class EntityFinder:
    """Finds the navigator's entities in one message; see the module docstring."""

    def __init__(self, geocoder: OfflineGeocoder | None = None) -> None:
        self._geocoder = geocoder if geocoder is not None else default_geocoder()
        self._nlp = spacy.blank("en")
        self._nlp.tokenizer = WordTokenizer(self._nlp.vocab)
        self._ruler = self._nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "NORM"})
        # The ruler's label for a phrase is its row number in LEXICON.
        self._ruler.add_patterns([self._pattern(i, phrase) for i, phrase in enumerate(LEXICON)])
        self._known_words = frozenset(word for phrase in LEXICON for word in fold(phrase.text).split())

    def _pattern(self, row: int, phrase: Phrase) -> dict[str, Any]:
        if phrase.case_sensitive:
            words = [t.text for t in self._nlp.make_doc(phrase.text) if not t.is_space]
            return {"label": str(row), "pattern": [{"ORTH": word} for word in words]}
        return {"label": str(row), "pattern": phrase.text}

    def find(self, text: str) -> list[dict[str, Any]]:
        """The entities of a message, in order, as Rasa entity dicts (the caller's own copies)."""
        if not isinstance(text, str) or not text.strip():
            return []
        # The featurizer and the extractor both ask about each message in turn: find once.
        return copy.deepcopy(self._find_once(text[:MAX_SCAN_CHARS]))

    @lru_cache(maxsize=8)  # noqa: B019 - one finder per process (default_finder), never freed anyway
    def _find_once(self, text: str) -> list[dict[str, Any]]:
        doc = self._nlp.make_doc(text)
        mentions = self._lexicon_mentions(doc)
        mentions += self._misspelt_drug_names(doc, mentions)
        mentions += self._number_mentions(text)
        mentions += _merge_adjacent_places(text, self._geocoder.find_places(text))
        return [self._entity(m) for m in self._resolve(mentions) if not _refused(text, m)]

    # -- the lexicon -----------------------------------------------------------------------

    def _lexicon_mentions(self, doc: Doc) -> list[_Mention]:
        mentions = set()
        for match_id, start, end in self._ruler.match(doc):
            phrase = LEXICON[int(self._nlp.vocab.strings[match_id])]
            if self._in_context(doc, start, end, phrase):
                span = doc[start:end]
                mentions.add(_Mention(span.start_char, span.end_char, phrase.entity, phrase.value, phrase.weak))
        return list(mentions)

    @staticmethod
    def _in_context(doc: Doc, start: int, end: int, phrase: Phrase) -> bool:
        before = next((t.norm_ for t in reversed(doc[:start]) if not t.is_space), None)
        after = next((t.norm_ for t in doc[end:] if not t.is_space), None)
        if before in phrase.not_preceded_by or after in phrase.not_followed_by:
            return False
        if not phrase.needs_context:
            return True
        if before in phrase.preceded_by or after in phrase.followed_by:
            return True
        others = [t for t in (*doc[:start], *doc[end:]) if _is_word(t)]
        return phrase.alone and all(t.norm_ in _ALONE_FILLER for t in others)

    def _misspelt_drug_names(self, doc: Doc, found: list[_Mention]) -> list[_Mention]:
        mentions = []
        for token in doc:
            word = token.norm_
            if len(word) < 6 or not word.isalpha() or word in self._known_words:
                continue
            start, end = token.idx, token.idx + len(token)
            if any(m.start < end and start < m.end for m in found):
                continue
            target = self._closest_drug_name(word)
            if target is not None:
                entity, value = FUZZY_WORDS[target]
                mentions.append(_Mention(start, end, entity, value))
        return mentions

    @staticmethod
    def _closest_drug_name(word: str) -> str | None:
        """The drug name this word misspells: same first letter, one edit away (two
        for names of nine letters or more), and no other name as close."""
        best, best_distance, tie = None, None, False
        for name in FUZZY_WORDS:
            allowed = 2 if len(name) >= 9 else 1
            if name[0] != word[0] or abs(len(name) - len(word)) > allowed:
                continue
            distance = Levenshtein.distance(word, name, score_cutoff=allowed)
            if distance > allowed:
                continue
            if best_distance is None or distance < best_distance:
                best, best_distance, tie = name, distance, False
            elif distance == best_distance:
                tie = True
        return None if tie else best

    # -- numbers ---------------------------------------------------------------------------

    @staticmethod
    def _number_mentions(text: str) -> list[_Mention]:
        found = set()
        for context in _NUMBER_CONTEXTS:
            for match in context.finditer(text):
                start, end = match.span("n")
                found.add(_Mention(start, end, NUMBER, number_value(match.group("n"))))
        return list(found)

    # -- one reading of each span ----------------------------------------------------------

    @staticmethod
    def _resolve(mentions: list[_Mention]) -> list[_Mention]:
        """Leftmost, then longest ("smart recovery support group" is "smart recovery" and
        "support group"), then by reading priority; then vague phrases give way to plain
        ones of the same type. A result number beats a place: numbers are only read
        where a result is meant ("number one" is not Number One, KY)."""
        numbers = [m for m in mentions if m.entity == NUMBER]
        mentions = [m for m in mentions if m.entity != LOCATION or not any(m.overlaps(n) for n in numbers)]
        kept: list[_Mention] = []
        for mention in sorted(mentions, key=lambda m: (m.start, -m.length, _reading_priority(m), m.entity, m.value)):
            if not any(mention.overlaps(other) for other in kept):
                kept.append(mention)
        plain_types = {m.entity for m in kept if not m.weak}
        kept = [m for m in kept if not (m.weak and m.entity in plain_types)]
        # Where someone came from is not where to search when they name where they are or are going.
        if any(m.entity == LOCATION and not m.origin for m in kept):
            kept = [m for m in kept if not m.origin]
        return sorted(kept, key=lambda m: m.start)

    @staticmethod
    def _entity(mention: _Mention) -> dict[str, Any]:
        entity: dict[str, Any] = {
            "entity": mention.entity,
            "value": mention.value,
            "start": mention.start,
            "end": mention.end,
            "confidence": 1.0,
            "extractor": NavigatorEntityExtractor.__name__,
        }
        if mention.place is not None:
            place = mention.place.place
            entity["additional_info"] = {
                "reason": mention.place.reason,
                "display_name": place.display_name if place is not None else None,
            }
        return entity


@lru_cache(maxsize=1)
def default_finder() -> EntityFinder:
    """The process-wide finder (it loads the geocoder's index once)."""
    return EntityFinder()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class NavigatorEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the navigator's entities to each message (see the module docstring)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NavigatorEntityExtractor:
        return cls(default_finder())

    def __init__(self, finder: EntityFinder) -> None:
        self._finder = finder

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = self._find(message.get(TEXT))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def _find(self, text: Any) -> list[dict[str, Any]]:
        try:
            return self._finder.find(text)
        except Exception as error:  # a bug here must not take the conversation down
            # Where it failed, never the message: the error text could quote it.
            frame = traceback.extract_tb(error.__traceback__)[-1]
            logger.error("entity extraction failed: %s at %s:%d", type(error).__name__, frame.filename, frame.lineno)
            return []


def _feature_name(entity: dict[str, Any]) -> str:
    """The kind of thing an entity names; supports by the need they serve, so that
    naloxone and sober living point at different requests."""
    if entity["entity"] != "support":
        return entity["entity"]
    term = taxonomy.BY_ID.get(f"support:{entity['value']}")
    return f"support_{term.need}" if term is not None and term.need else "support"


# One feature per kind of entity.
ENTITY_FEATURES: tuple[str, ...] = (
    *(facet for facet in taxonomy.FACETS if facet != "support"),
    "support_harm_reduction",
    "support_recovery_support",
    "support",
    LOCATION,
    NUMBER,
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class NavigatorEntityFeaturizer(SparseFeaturizer, GraphComponent):
    """Sparse features for the intent classifier: which kinds of entity each token and
    the whole message name, as found by the same rules as NavigatorEntityExtractor."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NavigatorEntityFeaturizer:
        return cls({**cls.get_default_config(), **config}, execution_context.node_name, default_finder())

    def __init__(self, config: dict[str, Any], name: str, finder: EntityFinder) -> None:
        super().__init__(name, config)
        self._finder = finder
        self._index = {feature: i for i, feature in enumerate(ENTITY_FEATURES)}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._featurize(message)
        return messages

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not text or not tokens:
            return
        sequence = np.zeros((len(tokens), len(ENTITY_FEATURES)))
        sentence = np.zeros((1, len(ENTITY_FEATURES)))
        for entity in self._finder.find(text):
            column = self._index[_feature_name(entity)]
            sentence[0, column] = 1.0
            for row, token in enumerate(tokens):
                if token.start < entity["end"] and entity["start"] < token.end:
                    sequence[row, column] = 1.0
        self.add_features_to_message(
            scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence), TEXT, message
        )
