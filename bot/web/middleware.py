"""What every request and response goes through: the body size cap, API errors as JSON, the
security headers, and an access log that keeps the path only.

Nothing here logs a query, a place, a phone number or a token: the access log has the method,
the path without its query string, the status and the time taken; a crash is logged as where
it happened, not what it said.
"""
from __future__ import annotations

import logging
import traceback

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.web.config import Settings
from bot.web.errors import ApiError

logger = logging.getLogger(__name__)


def security_headers_middleware(settings: Settings):
    headers = {
        "Content-Security-Policy": settings.content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }

    @web.middleware
    async def security_headers(request: web.Request, handler) -> web.StreamResponse:
        try:
            if request.content_length is not None and request.content_length > settings.max_body_bytes:
                raise ApiError(413, f"the request body is over {settings.max_body_bytes} bytes")
            response = await handler(request)
        except ApiError as error:
            response = web.json_response(error.body, status=error.status, headers=error.headers)
        except web.HTTPException as error:
            error.headers.update(headers)
            raise
        except Exception as error:  # where it failed, not what: the message may quote a request
            frame = traceback.extract_tb(error.__traceback__)[-1]
            logger.error("%s at %s:%d", type(error).__name__, frame.filename, frame.lineno)
            response = web.json_response({"error": "internal error"}, status=500)
        response.headers.update(headers)
        if request.path.startswith(("/api/", "/navigator")):
            response.headers["Cache-Control"] = "no-store"
        return response

    return security_headers


class PathOnlyAccessLogger(AbstractAccessLogger):
    """The default access log has the query string (a place, a search) and the client's address."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %d %.0f ms", request.method, request.path, response.status, time * 1000)
