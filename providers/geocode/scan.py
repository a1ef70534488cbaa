"""One message being read: its tokens, the part of it that is not filler, the
budget of fuzzy lookups, and where in it a place name may stand on its own
(after a cue such as "in" or "near", or as the whole message)."""
from __future__ import annotations

from dataclasses import dataclass

from providers.geocode.text import Token, tokenize
from providers.geocode.words import CUE_PAIRS, CUES, LEADING_FILLER, TRAILING_FILLER

MAX_FUZZY_LOOKUPS = 6  # rapidfuzz scans per message, so a long message costs what a short one does


@dataclass
class Scan:
    """Per-call state: the tokens of the message and the fuzzy-matching budget."""

    text: str
    tokens: list[Token]
    core: tuple[int, int] | None  # token span of the message minus filler
    fuzzy_left: int = MAX_FUZZY_LOOKUPS

    @classmethod
    def of(cls, text: str) -> Scan:
        tokens = tokenize(text)
        return cls(text, tokens, _core_span(tokens))

    def after_cue(self, i: int) -> bool:
        tokens = self.tokens
        if i >= 1 and tokens[i - 1].low in CUES:
            return True
        return i >= 2 and (tokens[i - 2].low, tokens[i - 1].low) in CUE_PAIRS

    def ends_phrase(self, k: int) -> bool:
        if self.core is not None and k == self.core[1] - 1:
            return True
        after = self.text[self.tokens[k].end:self.tokens[k + 1].start] if k + 1 < len(self.tokens) else ""
        return any(ch in ",.;:!?\n" for ch in after)

    def whole_message(self, i: int, j: int) -> bool:
        """True if tokens[i:j] are the message, give or take filler: for "i live in
        hope" that is "hope", "in hope", ..., so "live oak" stays Live Oak."""
        return self.core is not None and i <= self.core[0] and j == self.core[1]

    def alone_allowed(self, i: int, j: int) -> bool:
        return self.after_cue(i) or self.whole_message(i, j)

    def capitalized_mid_sentence(self, i: int) -> bool:
        token = self.tokens[i]
        if not token.raw[:1].isupper() or token.raw.isupper() and len(token.raw) <= 3:
            return False
        if i == 0:
            return False  # phones capitalize the first word
        between = self.text[self.tokens[i - 1].end:token.start]
        return not any(ch in ".!?\n" for ch in between)


def _core_span(tokens: list[Token]) -> tuple[int, int] | None:
    start, end = 0, len(tokens)
    while start < end and tokens[start].low in LEADING_FILLER:
        # Keep an uppercase code ("in PA", "IN") and keep a lone word.
        if tokens[start].raw.isupper() and len(tokens[start].raw) == 2 and start + 1 == end:
            break
        start += 1
    while end > start and tokens[end - 1].low in TRAILING_FILLER:
        end -= 1
    return (start, end) if start < end else None
