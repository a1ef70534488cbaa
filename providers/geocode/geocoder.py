"""The offline geocoder's calls (geocode, find_places, reverse) and the order in
which a message is read: patterns first, then exact names leftmost and longest,
then misspelt names."""
from __future__ import annotations

import logging
import traceback
from functools import lru_cache

from providers.geocode import fuzzy, patterns
from providers.geocode.index import Index, load_index
from providers.geocode.names import exact_span, is_word_code, state_at_tokens
from providers.geocode.results import PRECISIONS, GeocodeResult, Place, PlaceMention, failed, found
from providers.geocode.scan import Scan

logger = logging.getLogger(__name__)

# Work caps, so a 5,000-character message costs what a 300-character one does.
MAX_SCAN_CHARS = 300
MAX_SPAN_TOKENS = 5  # "district of columbia", "new york city ny"


class OfflineGeocoder:
    """ZIP codes, cities, counties, states and coordinates, with no network."""

    def __init__(self, index: Index | None = None) -> None:
        self._index = index if index is not None else load_index()

    def geocode(self, text: str) -> GeocodeResult:
        """The place a message names. With several, the most precise wins."""
        if not isinstance(text, str) or not any(ch.isalnum() for ch in text[:MAX_SCAN_CHARS]):
            return failed("empty")
        mentions = self.find_places(text)
        located = [m for m in mentions if m.result.ok]
        if located:
            return min(located, key=lambda m: (_precision_rank(m), m.start)).result
        if mentions:
            return mentions[0].result
        return failed("not_found")

    def find_places(self, text: str) -> list[PlaceMention]:
        """Spans of the message that name places, each with its geocoding.

        Only the first MAX_SCAN_CHARS characters are read."""
        if not isinstance(text, str):
            return []
        try:
            return self._find_places(text[:MAX_SCAN_CHARS])
        except Exception as error:  # a bug here must not take the conversation down
            # Where it failed, not the message: error text could quote the message.
            frame = traceback.extract_tb(error.__traceback__)[-1]
            logger.error("offline find_places failed: %s at %s:%d", type(error).__name__, frame.filename, frame.lineno)
            return []

    def reverse(self, lat: float, lng: float) -> Place | None:
        """The nearest ZIP's city, as "near City, ST", for a point in the US."""
        return patterns.reverse(self._index, lat, lng)

    def _find_places(self, text: str) -> list[PlaceMention]:
        scan = Scan.of(text)
        mentions: list[PlaceMention] = []
        covered = [False] * len(scan.tokens)

        def add(start: int, end: int, result: GeocodeResult) -> None:
            mentions.append(PlaceMention(start, end, text[start:end], result))
            for i, token in enumerate(scan.tokens):
                if token.start < end and token.end > start:
                    covered[i] = True

        for start, end, result in patterns.pattern_mentions(self._index, text, scan.tokens):
            add(start, end, result)
        for first, last, result in self._name_mentions(scan, covered):
            add(scan.tokens[first].start, scan.tokens[last - 1].end, result)
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _name_mentions(self, scan: Scan, covered: list[bool]) -> list[tuple[int, int, GeocodeResult]]:
        """(first token, token after the last, result) of each place name among the tokens not covered."""
        index = self._index
        tokens = scan.tokens
        n = len(tokens)
        mentions: list[tuple[int, int, GeocodeResult]] = []
        taken = list(covered)

        def claim(first: int, last: int, result: GeocodeResult) -> None:
            mentions.append((first, last, result))
            for k in range(first, last):
                taken[k] = True

        # 1. Exact names, leftmost then longest.
        i = 0
        while i < n:
            if taken[i]:
                i += 1
                continue
            match = None
            for j in range(min(n, i + MAX_SPAN_TOKENS), i, -1):
                if any(taken[i:j]):
                    continue
                result = exact_span(index, scan, i, j)
                if result is not None:
                    match = (j, result)
                    break
            if match:
                claim(i, match[0], match[1])
                i = match[0]
            else:
                i += 1

        # 2. Misspelt cities before a state: "Philadlephia pa", "san fransisco ca".
        # Anchors that are surely states go first, so "in"/"or"/"me" used as
        # words cannot spend the fuzzy budget.
        anchors: list[tuple[int, int, int, str, bool]] = []
        for k in range(1, n):
            if taken[k]:
                continue
            for width in (3, 2, 1):
                if k + width > n or any(taken[k:k + width]):
                    continue
                code = state_at_tokens(index, tokens, k, k + width, in_pair=True)
                if code is None:
                    continue
                raw = tokens[k].raw
                lowercase_code = width == 1 and raw.islower()
                if lowercase_code and is_word_code(tokens[k].low) and not scan.ends_phrase(k):
                    break  # "pa", "mass" count when they end the message or a clause
                anchors.append((1 if lowercase_code else 0, k, width, code, lowercase_code))
                break
        for _, k, width, code, lowercase_code in sorted(anchors):
            if scan.fuzzy_left <= 0:
                break
            if any(taken[k:k + width]):
                continue
            before = fuzzy.city_before(index, scan, taken, k, code, lowercase_code)
            if before is not None:
                first, area = before
                claim(first, k + width, found(area.place(index)))

        # 3. A misspelt city alone, after a cue or as the whole message.
        starts = [i for i in range(n) if not taken[i] and scan.after_cue(i)]
        if scan.core and not taken[scan.core[0]] and scan.core[0] not in starts:
            starts.append(scan.core[0])
        for i in starts:
            if scan.fuzzy_left <= 0:
                break
            alone = fuzzy.city_alone(index, scan, taken, i)
            if alone is not None:
                claim(i, alone[0], alone[1])
        return mentions


def _precision_rank(mention: PlaceMention) -> int:
    """0 for the most precise kind of place (PRECISIONS), more for less precise ones."""
    place = mention.result.place
    return PRECISIONS.index(place.precision) if place is not None and place.precision in PRECISIONS else len(PRECISIONS)


@lru_cache(maxsize=1)
def default_geocoder() -> OfflineGeocoder:
    """The process-wide offline geocoder (its index is built once)."""
    return OfflineGeocoder()
