"""Misspelt city names ("Philadlephia pa", "in pittsburg"): the closest city
name by rapidfuzz's ratio, within a state that the message names, or
nationwide among populous cities after a cue or as the whole message.

The ratio is too strict for the commonest typos of short names: a swapped pair
("pheonix", "detriot") costs "phoenix" 14 points. So large cities also match by
edits (``typo_edits``), a swap counting as one."""
from __future__ import annotations

from rapidfuzz import fuzz, process

from providers.geocode.index import Area, Index
from providers.geocode.names import rank
from providers.geocode.results import GeocodeResult
from providers.geocode.scan import Scan
from providers.geocode.text import is_other_form, join_keys
from providers.geocode.words import COMMON_WORDS, CUES, LEADING_FILLER

# Ratio (0-100) a misspelling needs within a named state, and nationwide.
FUZZY_CUTOFF_IN_STATE = 88
FUZZY_CUTOFF_NATIONWIDE = 92
FUZZY_MIN_CHARS = 5  # shorter words match too many names
# Edits allowed between a name and a large city's, by the name's length in letters.
TYPO_ONE_EDIT_MIN_CHARS = 6  # "chicaco", "pheonix"; "tusla" would also be "tulsa" or "tesla"
TYPO_TWO_EDITS_MIN_CHARS = 10  # "cincinatti"


def typo_edits(query: str) -> int:
    """How many edits a name of this length may be from a large city's name."""
    letters = len(query.replace(" ", ""))
    if letters >= TYPO_TWO_EDITS_MIN_CHARS:
        return 2
    return 1 if letters >= TYPO_ONE_EDIT_MIN_CHARS else 0


def city_before(
    index: Index, scan: Scan, taken: list[bool], k: int, code: str, lowercase_code: bool
) -> tuple[int, Area] | None:
    """The best misspelt city of state `code` in the 1-3 words before token k,
    with the index of its first token."""
    keys = index.city_keys_by_state.get(code)
    if not keys:
        return None
    best: tuple[float, int, str] | None = None
    for width in (1, 2, 3):
        first = k - width
        if first < 0 or any(taken[first:k]) or scan.fuzzy_left <= 0:
            break
        span = scan.tokens[first:k]
        if span[0].low in LEADING_FILLER or span[0].low in CUES or any(t.low.isdigit() for t in span):
            break
        query = join_keys(t.key for t in span)
        if len(query.replace(" ", "")) < FUZZY_MIN_CHARS:
            continue
        if lowercase_code and width == 1 and span[0].low in COMMON_WORDS:
            continue
        scan.fuzzy_left -= 1
        hit = process.extractOne(query, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF_IN_STATE)
        if hit is None:
            typos = [key for key in index.large_cities_within(query, typo_edits(query)) if key in index.cities[code]]
            hit = (typos[0], fuzz.ratio(query, typos[0]), 0) if typos else None
        if hit is not None and (best is None or hit[1] > best[0]):
            best = (hit[1], first, hit[0])
    if best is None:
        return None
    return best[1], index.cities[code][best[2]]


def city_alone(index: Index, scan: Scan, taken: list[bool], i: int) -> tuple[int, GeocodeResult] | None:
    """The best misspelt city starting at token i, with the index after its last token."""
    tokens = scan.tokens
    after_cue = scan.after_cue(i)
    widths: tuple[int, ...] = (1, 2, 3) if after_cue else ()
    if scan.core is not None and scan.core[0] == i:
        widths = tuple(sorted(set(widths) | {scan.core[1] - i}))
    best: tuple[float, int, str] | None = None
    for width in widths:
        j = i + width
        if j > len(tokens) or width > 3 or any(taken[i:j]) or scan.fuzzy_left <= 0:
            continue
        if not after_cue and scan.core != (i, j):
            continue
        span = tokens[i:j]
        if any(t.low.isdigit() or t.low in COMMON_WORDS for t in span):
            continue
        query = join_keys(t.key for t in span)
        if len(query.replace(" ", "")) < FUZZY_MIN_CHARS:
            continue
        scan.fuzzy_left -= 1
        hit = process.extractOne(
            query, index.city_keys_populated, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF_NATIONWIDE
        )
        if hit is None:
            typos = index.large_cities_within(query, typo_edits(query))
            hit = (typos[0], fuzz.ratio(query, typos[0]), 0) if typos else None
        if hit is not None and is_other_form(query, hit[0]):
            hit = None  # "im surprised" is no typo of Surprise, AZ
        if hit is not None and (best is None or hit[1] > best[0]):
            best = (hit[1], j, hit[0])
    if best is None:
        return None
    return best[1], rank(index, index.cities_by_key[best[2]])
