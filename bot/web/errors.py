"""An API answer other than 200: raised by a handler, turned into JSON by the middleware
(bot.web.middleware), in the shapes the OpenAPI document declares (bot.web.openapi)."""
from __future__ import annotations

from typing import Any


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
