"""An API answer other than 200: raised by a handler, turned into JSON by the middleware
(bot.web.middleware), in the shapes the OpenAPI document declares (bot.web.openapi)."""
from __future__ import annotations

from typing import Any

from aiohttp import web


class ApiError(Exception):
    """An answer other than 200 from the API, as JSON: what went wrong and with which parameter."""

    def __init__(self, status: int, error: str, parameter: str | None = None, **details: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error, **({"parameter": parameter} if parameter else {}), **details}
        self.headers: dict[str, str] = {}


def too_many_requests(retry_after: str) -> ApiError:
    error = ApiError(429, f"too many requests from this address; try again in {retry_after} s")
    error.headers["Retry-After"] = retry_after
    return error


async def json_object(request: web.Request, fields: tuple[str, ...], example: str) -> dict[str, Any]:
    """A POST's JSON object with no field but `fields`, or the ApiError that says what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(415, f"send a JSON body: {example}")
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        names = ", ".join(fields[:-1]) + f" and {fields[-1]}" if len(fields) > 1 else fields[0]
        raise ApiError(400, f"unknown field; the fields are {names}", unknown[0])
    return body
