"""Text to lookup keys: folding (lowercase, no accents), tokens, and the keys
of names, so that "St. Louis", "saint louis" and "ST LOUIS" meet."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_JOIN_PREFIX_RE = re.compile(r"\b(mc|o) (?=\w)")


def _fold(text: str) -> str:
    """Lowercase without accents: "Bayamón" -> "bayamon"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _word_key(word: str) -> str:
    word = _fold(word).replace("'", "").replace("’", "")
    return _ABBREVIATIONS.get(word, word)


def join_keys(keys: Iterable[str]) -> str:
    # "Mc Adams" and "McAdams", "O Fallon" and "O'Fallon" are the same town.
    joined = " ".join(keys)
    if "mc " in joined or "o " in joined:
        return _JOIN_PREFIX_RE.sub(r"\1", joined)
    return joined


# Endings that make another word of a name ("downey" -> "downed", "surprise" ->
# "surprised", "independence" -> "independent"), where a typo would not.
_WORD_ENDINGS = ("s", "es", "d", "ed", "r", "er", "ing", "t", "ly", "y")


def is_other_form(word: str, name: str) -> bool:
    """True if word is name with its last letters (up to two) swapped for an
    English ending: an inflection or a derivation, not a misspelling."""
    for cut in (0, 1, 2):
        stem, dropped = name[:len(name) - cut], name[len(name) - cut:]
        ending = word[len(stem):]
        # "orland" is "orlando" cut short, not "orlan" + "d".
        if word.startswith(stem) and ending in _WORD_ENDINGS and not dropped.startswith(ending):
            return True
    return False


def name_key(name: str) -> str:
    """The lookup key of a place name: folded, abbreviations expanded."""
    return join_keys(_word_key(m.group()) for m in _TOKEN_RE.finditer(name))


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    raw: str
    low: str  # folded, apostrophes removed
    key: str  # low with abbreviations expanded
    spaced: str  # key with apostrophes as word breaks: "d'alene" -> "d alene"


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group()
        folded = _fold(raw)
        low = folded.replace("'", "").replace("’", "")
        key = _ABBREVIATIONS.get(low, low)
        spaced = " ".join(_word_key(part) for part in re.split("['’]", folded)) if low != folded else key
        tokens.append(Token(m.start(), m.end(), raw, low, key, spaced))
    return tokens


def span_keys(tokens: Sequence[Token]) -> list[str]:
    """Lookup keys of a run of tokens. The USPS drops apostrophes in two ways
    ("Lees Summit", "Coeur D Alene"), so a name with one gets both keys."""
    key = join_keys(t.key for t in tokens)
    if all(t.spaced == t.key for t in tokens):
        return [key]
    return [key, join_keys(t.spaced for t in tokens)]
