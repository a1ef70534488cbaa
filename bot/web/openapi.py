"""The API's OpenAPI document, served at `GET /api/openapi.json`. Written by hand from the
constants the handlers check against; tests/test_web.py checks it against real responses."""
from __future__ import annotations

from aiohttp import web

from bot.web.auth import CSRF_HEADER, SESSION_COOKIE
from bot.web.search_api import (DEFAULT_PAGE_SIZE, FACET_PARAMETERS, MAX_PAGE, MAX_PAGE_SIZE, MAX_PLACE_CHARS,
                                MAX_QUERY_CHARS)
from bot.web.send_api import MAX_SEND_LISTINGS
from providers import taxonomy


def openapi_document() -> dict:
    def error(description: str) -> dict:
        return {"description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    facet_parameters = [{
        "name": facet, "in": "query", "required": False, "style": "form", "explode": True,
        "description": f"{facet} codes ({taxonomy.FACETS[facet]}); repeat the parameter or separate codes with commas",
        "schema": {"type": "array", "items": {"type": "string", "enum": [t.code for t in taxonomy.terms_of(facet)]}},
    } for facet in FACET_PARAMETERS]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Treatment navigator API", "version": "1",
                 "description": "Search the provider registry and text listings to a client. For peer navigators: "
                                "every request needs the navigator token (bearer) or the page's sign-in cookie."},
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": {
            "/api/search": {"get": {
                "summary": "Listings near a place, nearest first, with virtual services and national lines",
                "parameters": [
                    {"name": "place", "in": "query", "description": "ZIP code, 'City, ST' or 'lat,lng'; required "
                     "unless q names a place", "schema": {"type": "string", "maxLength": MAX_PLACE_CHARS}},
                    {"name": "q", "in": "query", "description": "one line such as 'bup walk-in medicaid 19134', "
                     "read by the assistant's NLU into filters and a place", "schema": {"type": "string",
                                                                                         "maxLength": MAX_QUERY_CHARS}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                               "default": 1}},
                    {"name": "page_size", "in": "query", "schema": {
                        "type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}},
                    *facet_parameters,
                ],
                "responses": {
                    "200": {"description": "a page of results", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/SearchResult"}}}},
                    "400": error("a parameter is missing or not valid: `parameter` names it"),
                    "401": error("not signed in"),
                    "403": error("the navigator API is turned off"),
                    "422": error("the place could not be found: `reason`, and `candidates` for a shared name"),
                    "429": error("too many requests from this address, or too many wrong tokens: wait the "
                                 "Retry-After header's seconds"),
                    "502": error("q could not be read: the assistant's NLU server is unreachable"),
                },
            }},
            "/api/send": {"post": {
                "summary": "Text chosen listings to a client's phone as plain SMS; the number is neither stored "
                           "nor logged",
                "parameters": [{"name": CSRF_HEADER, "in": "header", "required": False, "schema": {"type": "string"},
                                "description": "required with the sign-in cookie: the token in the navigator page"}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["to", "listing_ids"], "additionalProperties": False,
                    "properties": {
                        "to": {"type": "string", "description": "10 US digits or E.164", "example": "+12155550100"},
                        "listing_ids": {"type": "array", "minItems": 1, "maxItems": MAX_SEND_LISTINGS,
                                        "items": {"type": "string"}}}}}}},
                "responses": {
                    "200": {"description": "sent", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"sent": {"type": "integer", "description": "messages"},
                                                         "listings": {"type": "integer"}}}}}},
                    "400": error("the number or a listing id is not valid"),
                    "401": error("not signed in"),
                    "403": error("turned off, or a cookie request without the page's CSRF token"),
                    "409": error("the number texted STOP: nothing is sent to it"),
                    "413": error("the body is too large"),
                    "429": error("too many wrong tokens from this address: wait the Retry-After header's seconds"),
                    "502": error("Twilio did not take the message"),
                    "503": error("texting is not configured"),
                },
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "parameter": {"type": "string"}, "reason": {"type": "string"},
                    "candidates": {"type": "array", "items": {"type": "object"}}}},
                "Term": {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"}}},
                "Listing": {"type": "object", "properties": {
                    "n": {"type": "integer"}, "id": {"type": "string"}, "name": {"type": "string"},
                    "miles": {"type": "number"}, "phone": {"type": "string", "nullable": True},
                    "tel": {"type": "string", "nullable": True}, "address": {"type": "string", "nullable": True},
                    "map_url": {"type": "string", "nullable": True},
                    "matched": {"type": "array", "items": {"type": "string"}},
                    "ask_about": {"type": "array", "items": {"type": "string"}},
                    "source": {"type": "string", "description": "where it came from and when it was last checked"},
                    "sources": {"type": "array", "items": {"type": "object", "properties": {
                        "label": {"type": "string"}, "checked": {"type": "string"},
                        "checked_label": {"type": "string"}}}},
                    "url": {"type": "string", "nullable": True}}},
                "Service": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": "string", "nullable": True},
                    "tel": {"type": "string", "nullable": True}, "text": {"type": "string", "nullable": True},
                    "how_to_start": {"type": "string", "nullable": True}, "url": {"type": "string", "nullable": True},
                    "source": {"type": "string"}}},
                "SearchResult": {"type": "object", "properties": {
                    "place": {"type": "object"},
                    "filters": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}},
                    "page": {"type": "integer"}, "page_size": {"type": "integer"}, "has_more": {"type": "boolean"},
                    "radius_miles": {"type": "number"}, "widened": {"type": "boolean"},
                    "relaxed": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}},
                    "listings": {"type": "array", "items": {"$ref": "#/components/schemas/Listing"}},
                    "virtual": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}},
                    "national": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}},
                    "understood": {"type": "object", "description": "how q was read (only with q)"}}},
            },
        },
    }


async def api_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())

