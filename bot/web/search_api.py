"""`GET /api/search`: listings near a place as JSON (bot.present.api), for peer navigators.

The parameters are checked before anything is looked up: an unknown or repeated parameter, a
code outside the vocabulary, markup or a control character in text is a 400 naming the
parameter. A place the geocoder cannot pin down is a 422 with its reason and, for a shared
name, the candidates. `q` is read by Rasa's NLU (bot.web.nlu_client) into filters and a place;
`place` wins over the place q names, and q's filters add to the filter fields.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from bot.present.api import search_json
from bot.web.auth import client_key, require_navigator
from bot.web.config import CONTROL_CHARACTERS
from bot.web.errors import ApiError, too_many_requests
from bot.web.nlu_client import parse_query
from bot.web.state import REGISTRY, SEARCH_LIMIT
from providers import taxonomy
from providers.geocode import GeocodeResult
from providers.taxonomy import Filters, UnknownTerm

MAX_PLACE_CHARS = 120
MAX_QUERY_CHARS = 300
MAX_CODE_CHARS = 60
MAX_PAGE = 25
MAX_PAGE_SIZE = 20
DEFAULT_PAGE_SIZE = 5
FACET_PARAMETERS = tuple(taxonomy.FACETS)
SEARCH_PARAMETERS = ("place", "q", "page", "page_size", *FACET_PARAMETERS)

_MARKUP = re.compile(r"[<>]")
_COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*,\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")

PLACE_REASONS = {
    "empty": "place names no place",
    "not_found": "no US place by that name was found; try a ZIP code or 'City, ST'",
    "ambiguous": "several places have that name; pick one of the candidates",
    "outside_us": "that place is outside the United States; the navigator covers the US only",
    "unknown_zip": "that ZIP code does not exist",
}


@dataclass(frozen=True)
class SearchRequest:
    place: str | None
    query: str | None
    terms: tuple[str, ...]
    page: int
    page_size: int


def plain_text(query: MultiMapping[str], name: str, max_chars: int) -> str | None:
    value = query.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > max_chars:
        raise ApiError(400, f"{name} is too long ({len(value)} characters; at most {max_chars})", name)
    if CONTROL_CHARACTERS.search(value):
        raise ApiError(400, f"{name} must be one line of plain text", name)
    if _MARKUP.search(value):
        raise ApiError(400, f"{name} must be plain text, without markup", name)
    return value.strip()


def bounded_int(query: MultiMapping[str], name: str, default: int, low: int, high: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,4}", value.strip()) or not low <= int(value) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}", name)
    return int(value)


def search_request(query: MultiMapping[str]) -> SearchRequest:
    for name in query:
        if name not in SEARCH_PARAMETERS:
            raise ApiError(400, f"unknown parameter; the parameters are {', '.join(SEARCH_PARAMETERS)}", name)
    for name in ("place", "q", "page", "page_size"):
        if len(query.getall(name, [])) > 1:
            raise ApiError(400, f"give {name} once", name)
    place = plain_text(query, "place", MAX_PLACE_CHARS)
    if place is not None:
        coordinates = _COORDINATES.match(place)
        if coordinates:
            lat, lng = (float(x) for x in coordinates.groups())
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ApiError(400, "place as lat,lng needs a latitude from -90 to 90 and a longitude "
                                    "from -180 to 180", "place")
            place = f"{lat:.5f},{lng:.5f}"  # the geocoder reads coordinates with 2 or more decimals
    terms = []
    for facet in FACET_PARAMETERS:
        for value in query.getall(facet, []):
            for code in value.split(","):
                if not code.strip():
                    raise ApiError(400, f"{facet} has an empty code", facet)
                if len(code) > MAX_CODE_CHARS or CONTROL_CHARACTERS.search(code) or _MARKUP.search(code):
                    raise ApiError(400, f"{facet} takes vocabulary codes such as "
                                        f"{taxonomy.terms_of(facet)[0].code}", facet)
                try:
                    terms.append(taxonomy.resolve(facet, code).id)
                except UnknownTerm as error:
                    raise ApiError(400, str(error), facet) from None
    query_text = plain_text(query, "q", MAX_QUERY_CHARS)
    if place is None and query_text is None:
        raise ApiError(400, "place is required: a ZIP code, 'City, ST' or 'lat,lng'", "place")
    return SearchRequest(place, query_text, tuple(dict.fromkeys(terms)),
                         bounded_int(query, "page", 1, 1, MAX_PAGE),
                         bounded_int(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE))


def place_problem(result: GeocodeResult) -> ApiError:
    reason = result.reason or "not_found"
    candidates = [{"name": p.display_name, "latitude": round(p.latitude, 5), "longitude": round(p.longitude, 5)}
                  for p in result.candidates]
    return ApiError(422, PLACE_REASONS.get(reason, "the place could not be found"), "place", reason=reason,
                    candidates=candidates)


async def api_search(request: web.Request) -> web.Response:
    # Per signed-in session or known device, else per address (bot.web.auth.client_key), so that
    # clients sharing a proxy's address do not share one limit once they have signed in.
    verdict = request.app[SEARCH_LIMIT].check(client_key(request))
    if not verdict.allowed:  # before the token check: it also slows down guessing the token
        raise too_many_requests(verdict.retry_after_header)
    require_navigator(request)
    wanted = search_request(request.query)
    parsed = await parse_query(request.app, wanted.query) if wanted.query else None
    where = wanted.place or (parsed.location if parsed else None)
    if where is None:
        raise ApiError(400, "place is required: q names no place", "place")
    registry = request.app[REGISTRY]
    located = await asyncio.to_thread(registry.geocode, where)
    if located.place is None:
        raise place_problem(located)
    filters = Filters.of(*dict.fromkeys(wanted.terms + (parsed.terms if parsed else ())))
    result = await asyncio.to_thread(registry.searcher.search, located.place, filters, wanted.page, wanted.page_size)
    return web.json_response(search_json(result, parsed))
