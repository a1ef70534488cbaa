"""What a run of words names, spelt right: a nickname ("philly"), a city or
county with its state ("Camden NJ", "Cook County IL"), a place alone
("springfield", "nevada") ranked among its namesakes, or a place abroad."""
from __future__ import annotations

from providers import geo
from providers.geocode.index import Area, Index
from providers.geocode.results import MAX_CANDIDATES, GeocodeResult, Place, failed, found
from providers.geocode.scan import Scan
from providers.geocode.text import Token, is_other_form, join_keys, span_keys
from providers.geocode.words import (
    CANADIAN_PROVINCES,
    CODE_WORDS,
    COMMON_WORDS,
    COUNTY_WORDS,
    NICKNAMES,
    SERVICE_WORDS,
    STATE_ABBREVIATIONS,
    UPPERCASE_CODE_WORDS,
    Nickname,
)

# Ranking namesakes: the most populous wins only when it dwarfs the next one.
DOMINANT_POPULATION_RATIO = 10
# A large city one edit from an ambiguous name is offered first if it is this many
# times bigger than the name's largest namesake ("pittsburg": Pittsburgh, PA).
NEAR_NAME_POPULATION_RATIO = 2
# A world city abroad wins over US namesakes that are all villages ("Toronto" is
# Toronto, Ontario, not Toronto, Ohio) but not over real towns (Paris, Texas).
FOREIGN_METROPOLIS_POPULATION = 1_000_000
US_VILLAGE_POPULATION = 7_500
# A city this big is named without a cue right after what was asked for ("subs knoxville").
WELL_KNOWN_CITY_POPULATION = 50_000
# Cities abroad smaller than this are not recognised by name alone.
FOREIGN_CITY_MIN_POPULATION = 100_000


def exact_span(index: Index, scan: Scan, i: int, j: int) -> GeocodeResult | None:
    """The place tokens[i:j] name, or None if they name none."""
    tokens = scan.tokens
    span = tokens[i:j]
    if any(t.low.isdigit() for t in span):
        return None
    keys = span_keys(span)
    alone = scan.alone_allowed(i, j)
    for key in keys:
        nickname = NICKNAMES.get(key)
        if nickname is not None and (nickname.anywhere or alone):
            return _nickname(index, nickname)
    pair = _pair(index, scan, i, j) or _neighborhood_in_city(index, scan, i, j)
    if pair is not None:
        return pair
    if not alone:
        return _city_after_service_word(index, scan, i, j, keys)
    for key in keys:
        result = _alone(index, scan, i, j, key)
        if result is not None:
            return result
    return None


def _city_after_service_word(index: Index, scan: Scan, i: int, j: int, keys: list[str]) -> GeocodeResult | None:
    """"subs knoxville": a city big enough that its name means it, right after what was asked for
    and ending the message or a clause. A town named like a word or a first name still needs a cue
    ("for my son tyler" is not Tyler, TX: "son" is not something asked for)."""
    tokens = scan.tokens
    if i == 0 or tokens[i - 1].low not in SERVICE_WORDS or not scan.ends_phrase(j - 1):
        return None
    if j - i == 1 and tokens[i].low in COMMON_WORDS:
        return None
    for key in keys:
        areas = index.cities_by_key.get(key)
        if areas and areas[0].population >= WELL_KNOWN_CITY_POPULATION:
            return rank(index, areas)
    return None


def state_at_tokens(index: Index, tokens: list[Token], i: int, j: int, *, in_pair: bool) -> str | None:
    """The state that tokens[i:j] spell, if any: a name ("new mexico"), a code, or
    after a city an abbreviation ("springfield mass").

    A bare code counts in uppercase; lowercase only after a city ("camden nj")
    or, alone, when it is not also an English word ("in nj" but not "in me")."""
    span = tokens[i:j]
    if len(span) == 1 and len(span[0].raw) == 2:
        raw = span[0].raw
        code = raw.upper()
        if code not in geo.STATES:
            return None
        if raw.isupper() or in_pair or span[0].low not in CODE_WORDS:
            return code
        return None
    if len(span) == 2 and span[0].low == "d" and span[1].low == "c":
        return "DC"
    key = join_keys(t.key for t in span)
    if in_pair and key in STATE_ABBREVIATIONS:
        return STATE_ABBREVIATIONS[key]
    return index.state_by_key.get(key)


def is_word_code(low: str) -> bool:
    """A state code or abbreviation that is also a word ("in", "me", "mass", "ill")."""
    return low in CODE_WORDS or low in STATE_ABBREVIATIONS


def rank(index: Index, areas: list[Area]) -> GeocodeResult:
    """One of several namesakes if it dwarfs the others, else "ambiguous" with the choices."""
    # areas are sorted by population, most populous first
    if len(areas) == 1:
        return found(areas[0].place(index))
    top, runner_up = areas[0], areas[1]
    if top.population > 0 and top.population >= DOMINANT_POPULATION_RATIO * runner_up.population:
        return found(top.place(index))
    return failed("ambiguous", [a.place(index) for a in areas[:MAX_CANDIDATES]])


def _nickname(index: Index, nickname: Nickname) -> GeocodeResult | None:
    table = index.cities if nickname.kind == "city" else index.counties
    area = table.get(nickname.state, {}).get(nickname.key)
    if area is None:
        return None
    place = area.place(index)
    if nickname.display or nickname.kind != "city":
        display = nickname.display or area.display_name
        place = Place(place.latitude, place.longitude, "city", display, nickname.state, area.county)
    return found(place)


def _pair(index: Index, scan: Scan, i: int, j: int) -> GeocodeResult | None:
    """"City ST", "City, State", "Cook County IL", "Paris, France"."""
    tokens = scan.tokens
    for width in (3, 2, 1):
        k = j - width
        if k <= i:
            continue
        city_keys = span_keys(tokens[i:k])
        code = state_at_tokens(index, tokens, k, j, in_pair=True)
        if code is not None:
            word_code = width == 1 and tokens[k].raw.islower() and is_word_code(tokens[k].low)
            if word_code and k - i == 1 and tokens[i].low in COMMON_WORDS:
                continue  # "hope in", "call me" (but "only tn" is Only, TN)
            for city_key in city_keys:
                if tokens[k - 1].low in COUNTY_WORDS:
                    county = index.counties.get(code, {}).get(city_key)
                    if county is not None:
                        return found(county.place(index))
                area = index.cities.get(code, {}).get(city_key)
                if area is not None:
                    return found(area.place(index))
                nickname = NICKNAMES.get(city_key)  # "queens ny", "philly pa"
                if nickname is not None and nickname.state == code:
                    return _nickname(index, nickname)
            continue
        country = _abroad_region(index, tokens, k, j)
        if country is not None:
            for city_key in city_keys:
                foreign = index.foreign_cities.get(city_key)
                if foreign is not None and (country == "*" or country in foreign.countries):
                    return failed("outside_us")
    return None


def _with_large_city_one_edit_away(
    index: Index, key: str, areas: list[Area], result: GeocodeResult
) -> GeocodeResult:
    """"pittsburg" is five small towns, but more likely Pittsburgh, PA misspelt: a
    large city one edit away and far bigger than every namesake is offered first.
    Only when the name was ambiguous anyway, so no answer that was found changes."""
    bigger = [
        index.cities_by_key[near][0]
        for near in index.large_cities_within(key, 1)
        if near != key and not is_other_form(key, near)
        and index.cities_by_key[near][0].population > NEAR_NAME_POPULATION_RATIO * areas[0].population
    ]
    if not bigger:
        return result
    return failed("ambiguous", [a.place(index) for a in bigger] + list(result.candidates))


def _neighborhood_in_city(index: Index, scan: Scan, i: int, j: int) -> GeocodeResult | None:
    """"kensington philly", "harlem new york": a neighborhood, then the city it is in."""
    tokens = scan.tokens
    if j - i < 2 or tokens[i].key not in index.neighborhood_first_words:
        return None
    for k in range(i + 1, j):
        neighborhoods = index.neighborhoods_by_key.get(join_keys(t.key for t in tokens[i:k]))
        if not neighborhoods:
            continue
        city_key = join_keys(t.key for t in tokens[k:j])
        nickname = NICKNAMES.get(city_key)
        cities = {(a.state, city_key) for a in index.cities_by_key.get(city_key, [])}
        if nickname is not None and nickname.kind == "city":
            cities.add((nickname.state, nickname.key))
        for area in neighborhoods:
            if (area.state, area.city) in cities:
                return found(area.place(index))
    return None


def _abroad_region(index: Index, tokens: list[Token], k: int, j: int) -> str | None:
    """ISO code of a country ("France"), "CA" for a Canadian province, or "*"
    for an uppercase province code ("ON", "BC") that may also be Mexican."""
    span = tokens[k:j]
    key = join_keys(t.key for t in span)
    if key in index.countries:
        return index.countries[key]
    if key in CANADIAN_PROVINCES:
        return "CA"
    if len(span) == 1 and span[0].raw.isupper() and span[0].raw in CANADIAN_PROVINCES.values():
        return "*"
    return None


def _alone(index: Index, scan: Scan, i: int, j: int, key: str) -> GeocodeResult | None:
    """A place name on its own ("springfield", "nevada", "PA", "cook county")."""
    tokens = scan.tokens
    single = j - i == 1
    bare = scan.whole_message(i, j) and not scan.after_cue(i)

    if single and len(tokens[i].raw) == 2:
        raw = tokens[i].raw
        if raw == "LA":
            la = _nickname(index, NICKNAMES["l a"])
            candidates = [la.place] if la and la.place else []
            return failed("ambiguous", candidates + [index.state_place("LA")])
        if bare and raw in UPPERCASE_CODE_WORDS:
            return None
        code = state_at_tokens(index, tokens, i, j, in_pair=False)
        return found(index.state_place(code)) if code else None

    if key == "washington":
        dc = index.cities.get("DC", {}).get("washington")
        candidates = ([dc.place(index)] if dc else []) + [index.state_place("WA")]
        return failed("ambiguous", candidates)
    if key == "new york":
        return _nickname(index, NICKNAMES["nyc"])

    code = index.state_by_key.get(key)
    if code is not None:
        return found(index.state_place(code))

    if tokens[j - 1].low in COUNTY_WORDS and j - i >= 2:
        counties = index.counties_by_key.get(key)
        if counties:
            if len(counties) == 1:
                return found(counties[0].place(index))
            return failed("ambiguous", [c.place(index) for c in counties])

    if single and (len(tokens[i].low) < 3 or tokens[i].low in COMMON_WORDS):
        if not scan.capitalized_mid_sentence(i) or len(tokens[i].low) < 3:
            return None

    areas = index.cities_by_key.get(key)
    foreign = index.foreign_cities.get(key)
    abroad = key in index.countries or key in CANADIAN_PROVINCES
    neighborhoods = index.neighborhoods_by_key.get(key, [])
    if areas:
        # "Toronto" and "Canada" mean the ones abroad, not Toronto OH or
        # Canada KY; "Paris" and "Mexico" have real US towns to ask about.
        big_abroad = abroad or (foreign is not None and foreign.population >= FOREIGN_METROPOLIS_POPULATION)
        if big_abroad and max(a.population for a in areas) < US_VILLAGE_POPULATION:
            return failed("outside_us", [a.place(index) for a in areas])
        result = rank(index, areas)
        if result.reason == "ambiguous" and neighborhoods:
            # Neighborhoods join only a question: "harlem" was two villages, and is
            # New York's Harlem of 116,000, but "brownsville" stays Brownsville, TX.
            # Only a well-known one ends the question ("glen" is no Baltimore's Glen).
            merged = sorted(areas + neighborhoods, key=lambda a: -a.population)
            result = rank(index, merged)
            if result.ok and merged[0].city is not None and merged[0].population < WELL_KNOWN_CITY_POPULATION:
                result = failed("ambiguous", [a.place(index) for a in merged])
        if result.reason == "ambiguous":
            return _with_large_city_one_edit_away(index, key, areas, result)
        return result
    if neighborhoods:
        return rank(index, neighborhoods)
    if abroad or (foreign is not None and foreign.population >= FOREIGN_CITY_MIN_POPULATION):
        return failed("outside_us")
    return None
