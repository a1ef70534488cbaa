"""Places written as patterns rather than names: coordinates ("39.99,-75.11",
"38.5, -117", "lat 38.5 lon -117.0"), ZIP codes (five digits or ZIP+4) and
Canadian postcodes; and the reverse lookup of a point, which names the nearest
ZIP's city."""
from __future__ import annotations

import re

from providers import geo
from providers.geocode.index import Index
from providers.geocode.results import GeocodeResult, Place, failed, found
from providers.geocode.text import Token, join_keys, name_key
from providers.geocode.words import STREET_SUFFIXES

# ZIP codes of freely associated states: real ZIPs, not the US.
FREELY_ASSOCIATED = frozenset({"FM", "MH", "PW"})

_ZIP_RE = re.compile(r"(?<![\w$.])([0-9]{5})(?:-([0-9]{4})|([0-9]{4}))?(?!\w)(?!\.[0-9])")
# Two decimal numbers with at least two decimals each: "39.99,-75.11", "39.99 -75.11".
_COORDS_RE = re.compile(r"(?<![\w.])([-+]?[0-9]{1,3}\.[0-9]{2,})\s*[,;/]?\s*([-+]?[0-9]{1,3}\.[0-9]{2,})(?![\w.])")
# Coordinates with fewer decimals ("38.5, -117.0", "38.5,-117", "38.5 -117"): a
# comma, or a sign on the second number, must join them, and they count only for a
# point in the US, since "12.5, 8" is more likely a dose than a place.
_SHORT_COORDS_RE = re.compile(
    r"(?<![\w.])([-+]?[0-9]{1,3}(?:\.[0-9]+)?)(?:\s*[,;]\s*|\s+(?=[-+]))([-+]?[0-9]{1,3}(?:\.[0-9]+)?)(?![\w.])"
)
# Labelled coordinates, any number of decimals: "lat 38.5 lon -117.0", "latitude: 38, longitude: -117".
_LABELLED_COORDS_RE = re.compile(
    r"\blat(?:itude)?\s*[:=]?\s*([-+]?[0-9]{1,3}(?:\.[0-9]+)?)\s*[,;/]?\s*"
    r"(?:lng|lon|long|longitude)\s*[:=]?\s*([-+]?[0-9]{1,3}(?:\.[0-9]+)?)(?![\w.])",
    re.IGNORECASE,
)
_CANADIAN_POSTCODE_RE = re.compile(
    r"(?<!\w)[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][ -]?[0-9][ABCEGHJ-NPRSTV-Z][0-9](?!\w)", re.IGNORECASE
)


def pattern_mentions(index: Index, text: str, tokens: list[Token]) -> list[tuple[int, int, GeocodeResult]]:
    """(start, end, result) of every coordinate pair, ZIP code and Canadian postcode in the text."""
    mentions: list[tuple[int, int, GeocodeResult]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in mentions)

    for m in _COORDS_RE.finditer(text):
        mentions.append((m.start(), m.end(), _coordinates(index, float(m.group(1)), float(m.group(2)))))
    for m in _LABELLED_COORDS_RE.finditer(text):
        if free(m.start(), m.end()):
            mentions.append((m.start(), m.end(), _coordinates(index, float(m.group(1)), float(m.group(2)))))
    for m in _SHORT_COORDS_RE.finditer(text):
        if "." not in m.group(1) + m.group(2) or not free(m.start(), m.end()):
            continue  # two whole numbers are a count or a range, not a point
        result = _coordinates(index, float(m.group(1)), float(m.group(2)))
        if result.ok:
            mentions.append((m.start(), m.end(), result))
    words = f" {join_keys(t.key for t in tokens)} "
    for m in _ZIP_RE.finditer(text):
        if free(m.start(), m.end()) and not _is_house_number(tokens, m.end()):
            mentions.append((m.start(), m.end(), _zip(index, m.group(1), words)))
    for m in _CANADIAN_POSTCODE_RE.finditer(text):
        if free(m.start(), m.end()):
            mentions.append((m.start(), m.end(), failed("outside_us")))
    return mentions


def reverse(index: Index, lat: float, lng: float) -> Place | None:
    """The nearest ZIP's city, as "near City, ST", for a point in the US."""
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    state = geo.state_at(lat, lng)
    if state is None:
        return None
    nearest = index.nearest_zip(state, lat, lng)
    if nearest is None:
        return Place(lat, lng, "exact", geo.STATES[state].name, state)
    return Place(lat, lng, "exact", f"near {nearest.city}, {state}", state, nearest.county)


def _is_house_number(tokens: list[Token], end: int) -> bool:
    # "12345 Main St": a five-digit house number, not a ZIP code.
    following = [t for t in tokens if t.start >= end][:5]
    return any(t.low in STREET_SUFFIXES for t in following[1:]) and bool(following) and following[0].low.isalpha()


def _coordinates(index: Index, lat: float, lng: float) -> GeocodeResult:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        return failed("not_found")
    place = reverse(index, lat, lng)
    if place is None:
        return failed("outside_us")
    return found(place)


def _zip(index: Index, code: str, words: str) -> GeocodeResult:
    """The ZIP's centroid; or, for a vast Alaskan ZIP whose town the message names
    ("nome ak 99762"), the town's own point, which is where the person is. `words`
    are the message's lookup keys between spaces."""
    z = index.zips.get(code)
    if z is None:
        return failed("unknown_zip")
    if z.state in FREELY_ASSOCIATED:
        return failed("outside_us")
    if z.state not in geo.STATES:  # APO/FPO/DPO: a mailbox, not a place
        return failed("not_found")
    city = index.cities.get(z.state, {}).get(name_key(z.city))
    display = f"{city.name if city else z.city}, {z.state} {z.code}"  # "St. Louis", not "Saint Louis"
    for town_key, lat, lng in index.zip_town_points.get(code, ()):
        if f" {town_key} " in words:
            return found(Place(lat, lng, "zip", display, z.state, z.county, z.code))
    if z.latitude is not None and z.longitude is not None and geo.state_at(z.latitude, z.longitude) is not None:
        return found(Place(z.latitude, z.longitude, "zip", display, z.state, z.county, z.code))
    # No usable centroid: fall back to the ZIP's city, county, or state.
    area = city
    if area is None and z.county:
        area = index.counties.get(z.state, {}).get(name_key(z.county))
    if area is not None:
        p = area.place(index)
        return found(Place(p.latitude, p.longitude, area.precision, display, z.state, z.county, z.code))
    p = index.state_place(z.state)
    return found(Place(p.latitude, p.longitude, "state", display, z.state, z.county, z.code))
