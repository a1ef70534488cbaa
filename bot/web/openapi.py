"""The API's OpenAPI 3.1 document, served at `GET /api/openapi.json`.

Written by hand from the limits and vocabulary the handlers check against. Its schemas are JSON
Schema 2020-12 (OpenAPI 3.1's dialect): closed objects with every always-present field
required, so tests/unit/test_openapi.py, which checks real responses against them, catches drift
between the document and the code.
"""
from __future__ import annotations

from aiohttp import web

from bot.web.auth import CSRF_HEADER, SESSION_COOKIE
from bot.web.search_api import (
    DEFAULT_PAGE_SIZE,
    FACET_PARAMETERS,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_PLACE_CHARS,
    MAX_QUERY_CHARS,
)
from bot.web.send_api import MAX_SEND_LISTINGS
from providers import taxonomy
from providers.geocode import PRECISIONS
from providers.geocode import REASONS as PLACE_REASONS
from providers.reports import REASONS

STRING = {"type": "string"}
TEXT = {"type": "string", "minLength": 1}
NULLABLE_STRING = {"type": ["string", "null"]}


def ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def closed(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """An object with exactly these properties, all required but the optional ones."""
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [name for name in properties if name not in optional]}


def array_of(items: dict, **limits: int) -> dict:
    return {"type": "array", "items": items, **limits}


def json_response(description: str, schema: dict, **extra: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def too_many(description: str) -> dict:
    return json_response(description, ref("Error"), headers={"Retry-After": {
        "description": "seconds to wait", "required": True, "schema": {"type": "integer", "minimum": 1}}})


SCHEMAS = {
    "Error": closed({"error": TEXT}),
    "ParameterError": closed({"error": TEXT, "parameter": TEXT}),
    "PlaceError": closed({
        "error": TEXT, "parameter": {"const": "place"}, "reason": {"enum": sorted(PLACE_REASONS)},
        "candidates": array_of(ref("Candidate"))}),
    "Candidate": closed({"name": TEXT, "latitude": {"type": "number"}, "longitude": {"type": "number"}}),
    "SendRequestError": closed({"error": TEXT, "parameter": TEXT, "listing_id": TEXT},
                               optional=("parameter", "listing_id")),
    "ReportRequestError": closed({"error": TEXT, "parameter": TEXT}, optional=("parameter",)),
    "SendFailed": closed({"error": TEXT, "sent": {"type": "integer", "minimum": 0,
                                                  "description": "messages that went out before the failure"}}),
    "Term": closed({"id": {"enum": sorted(taxonomy.BY_ID)}, "label": TEXT}),  # a vocabulary term
    "Place": closed({"name": TEXT, "precision": {"enum": list(PRECISIONS)}, "latitude": {"type": "number"},
                     "longitude": {"type": "number"}}),
    "Source": closed({"label": TEXT, "checked": NULLABLE_STRING, "checked_label": TEXT}),
    "Listing": closed({
        "n": {"type": "integer", "minimum": 1, "description": "its number in the whole result, across pages"},
        "id": TEXT, "name": TEXT, "miles": {"type": "number", "minimum": 0},
        "phone": NULLABLE_STRING, "tel": NULLABLE_STRING,
        "address": {**NULLABLE_STRING, "description": "its street address; where it lists only a P.O. box, its town "
                                                      "and \"call for the address\""},
        "map_url": NULLABLE_STRING,
        "for_veterans": {**NULLABLE_STRING, "description": "set when only veterans can go there (run by the VA)"},
        "warning": {**NULLABLE_STRING, "description": "set when people reported it closed on two different days and "
                                                      "no navigator has checked it yet: call first"},
        "matched": array_of(STRING), "ask_about": array_of(STRING),
        "source": {"type": "string", "description": "where it came from and when it was last checked"},
        "sources": array_of(ref("Source")), "url": NULLABLE_STRING,
        "reported_closed": {"type": "boolean", "description": "people reported it closed on two different days and "
                                                             "no navigator has checked it since: it comes last; "
                                                             "call first"}}),
    "HealthCenter": closed({
        "id": TEXT, "name": TEXT, "miles": {"type": "number", "minimum": 0}, "phone": NULLABLE_STRING,
        "tel": NULLABLE_STRING, "address": NULLABLE_STRING, "map_url": NULLABLE_STRING,
        "line": {"type": "string", "description": "what the assistant says about it: 'Community health center "
                                                  "(sliding fee; many prescribe buprenorphine, call to ask): ...'"},
        "source": {"type": "string", "description": "where it came from and when it was last checked"}}),
    "Service": closed({
        "id": TEXT, "name": TEXT, "phone": NULLABLE_STRING, "tel": NULLABLE_STRING, "text": NULLABLE_STRING,
        "how_to_start": NULLABLE_STRING, "url": NULLABLE_STRING, "source": STRING}),
    "Understood": closed({"place": NULLABLE_STRING, "filters": array_of(ref("Term")), "intent": NULLABLE_STRING}),
    "SearchResult": closed({
        "place": ref("Place"), "filters": array_of(ref("Term")),
        "page": {"type": "integer", "minimum": 1}, "page_size": {"type": "integer", "minimum": 1},
        "has_more": {"type": "boolean"}, "radius_miles": {"type": "number"}, "widened": {"type": "boolean"},
        "beyond": {"type": "boolean", "description": "nothing within radius_miles: the listings are the nearest "
                                                     "wherever they are"},
        "relaxed": array_of(ref("Term")), "listings": array_of(ref("Listing")),
        "health_centers": {**array_of(ref("HealthCenter"), maxItems=2),
                           "description": "community health center, sliding fee, many prescribe buprenorphine, "
                                          "call to ask (HRSA's list does not say which): the nearest one or two within "
                                          "50 miles, on the first page of a treatment search with fewer than 3 "
                                          "medication listings within 25 miles, or one that asks for a doctor or "
                                          "primary care (setting=health_center with a treatment need). Never among "
                                          "the listings, never a buprenorphine place; setting=health_center alone "
                                          "lists health centers as the listings"},
        "virtual": array_of(ref("Service")), "national": array_of(ref("Service")),
        "understood": {**ref("Understood"), "description": "how q was read (only with q)"}},
        optional=("understood",)),
    "SendRequest": closed({
        "to": {"type": "string", "description": "10 US digits or E.164", "examples": ["+12155550100"]},
        "listing_ids": array_of(STRING, minItems=1, maxItems=MAX_SEND_LISTINGS)}),
    "ReportRequest": closed({
        "listing_id": TEXT, "reason": {"enum": list(REASONS)},
        "term": {"enum": sorted(taxonomy.BY_ID), "description": "with reason not_offered: the term searched for"}},
        optional=("term",)),
    "ReportResult": closed({"reported": {"const": True}, "reason": {"enum": list(REASONS)}}),
    "SendResult": closed({"sent": {"type": "integer", "minimum": 0, "description": "messages"},
                          "listings": {"type": "integer", "minimum": 1}}),
}


def search_parameters() -> list[dict]:
    facets = [{
        "name": facet, "in": "query", "required": False, "style": "form", "explode": True,
        "description": f"{facet} codes ({taxonomy.FACETS[facet]}); repeat the parameter or separate codes with commas",
        "schema": array_of({"type": "string", "enum": [t.code for t in taxonomy.terms_of(facet)]}),
    } for facet in FACET_PARAMETERS]
    return [
        {"name": "place", "in": "query", "description": "ZIP code, 'City, ST' or 'lat,lng'; required unless q "
         "names a place", "schema": {"type": "string", "maxLength": MAX_PLACE_CHARS}},
        {"name": "q", "in": "query", "description": "one line such as 'bup walk-in medicaid 19134', read by the "
         "assistant's NLU into filters and a place", "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                   "default": 1}},
        {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                                        "default": DEFAULT_PAGE_SIZE}},
        *facets,
    ]


SEARCH_OPERATION = {
    "summary": "Listings near a place, nearest first, with virtual services and national lines",
    "parameters": search_parameters(),
    "responses": {
        "200": json_response("a page of results", ref("SearchResult")),
        "400": json_response("a parameter is missing or not valid: `parameter` names it", ref("ParameterError")),
        "401": json_response("not signed in", ref("Error")),
        "403": json_response("the navigator API is turned off", ref("Error")),
        "422": json_response("the place could not be found: `reason`, and `candidates` for a shared name",
                             ref("PlaceError")),
        "429": too_many("too many requests from this address, or too many wrong tokens: wait the Retry-After "
                        "header's seconds"),
        "502": json_response("q could not be read: the assistant's NLU server is unreachable",
                             ref("ParameterError")),
    },
}

SEND_OPERATION = {
    "summary": "Text chosen listings to a client's phone as plain SMS; the number is neither stored nor logged",
    "parameters": [{"name": CSRF_HEADER, "in": "header", "required": False, "schema": STRING,
                    "description": "required with the sign-in cookie: the token in the navigator page"}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": ref("SendRequest")}}},
    "responses": {
        "200": json_response("sent", ref("SendResult")),
        "400": json_response("the body, the number or a listing id is not valid: `parameter` names the field, "
                             "`listing_id` a listing that is not in the registry", ref("SendRequestError")),
        "401": json_response("not signed in", ref("Error")),
        "403": json_response("turned off, or a cookie request without the page's CSRF token", ref("Error")),
        "409": json_response("the number texted STOP: nothing is sent to it", ref("ParameterError")),
        "413": json_response("the body is too large", ref("Error")),
        "415": json_response("the body is not JSON (Content-Type: application/json)", ref("Error")),
        "429": too_many("too many wrong tokens from this address: wait the Retry-After header's seconds"),
        "502": json_response("Twilio did not take a message: `sent` says how many went out before it",
                             ref("SendFailed")),
        "503": json_response("texting is not configured", ref("Error")),
    },
}

REPORT_OPERATION = {
    "summary": "Report that a listing is wrong (closed, wrong phone or address, does not offer a service); "
               "the listing, the reason, the channel and the day are kept, nothing about who reported it",
    "parameters": [{"name": CSRF_HEADER, "in": "header", "required": False, "schema": STRING,
                    "description": "required with the sign-in cookie: the token in the navigator page"}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ReportRequest")}}},
    "responses": {
        "201": json_response("stored; a navigator reviews it on /navigator/reviews", ref("ReportResult")),
        "400": json_response("the body, the listing id, the reason or the term is not valid: `parameter` names "
                             "the field when there is one", ref("ReportRequestError")),
        "401": json_response("not signed in", ref("Error")),
        "403": json_response("turned off, or a cookie request without the page's CSRF token", ref("Error")),
        "413": json_response("the body is too large", ref("Error")),
        "415": json_response("the body is not JSON (Content-Type: application/json)", ref("Error")),
        "429": too_many("too many wrong tokens from this address: wait the Retry-After header's seconds"),
    },
}

OPENAPI_OPERATION = {
    "summary": "this document",
    "security": [],  # served to anyone: it describes the API, it opens nothing
    "responses": {"200": json_response("the API's OpenAPI document", {
        "type": "object", "required": ["openapi", "info", "paths"]})},
}


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Treatment navigator API", "version": "1",
             "description": "Search the provider registry, text listings to a client and report a listing that is "
                            "wrong. For peer navigators: "
                            "every request needs the navigator token (bearer) or the page's sign-in cookie."},
    "security": [{"bearer": []}, {"cookie": []}],
    "paths": {"/api/search": {"get": SEARCH_OPERATION}, "/api/send": {"post": SEND_OPERATION},
              "/api/reports": {"post": REPORT_OPERATION},
              "/api/openapi.json": {"get": OPENAPI_OPERATION}},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                            "cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE}},
        "schemas": SCHEMAS,
    },
}


async def api_openapi(request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)
