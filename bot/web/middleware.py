"""What every request and response goes through: the refusals of request bodies aiohttp 3.9.5
cannot read safely, the body size cap, API errors as JSON, the security headers, and an access
log that keeps the path only.

Refused before anything reads the body (docs/security.md, "Dependencies with advisories"):
- a compressed body (Content-Encoding other than identity): 415. The parser does not inflate it
  either (bot.web.server), so a 15 KB gzip body stays 15 KB;
- a chunked body (any Transfer-Encoding): 411, and the connection is closed. Browsers and API
  clients send Content-Length for the small bodies this app takes; a chunked body has no size to
  check up front, and aiohttp 3.9.5 spends CPU per chunk and keeps trailers without a cap;
- a multipart body: 415. No route takes one, and 3.9.5's `Request.post()` reads a multipart field
  whole before checking the size cap and checks the cap per field, not per form;
- a request with more than one Host header: 400. aiohttp uses the first, a proxy may use another,
  and the sign-in form's same-origin check reads it.

Nothing here logs a query, a place, a phone number or a token: the access log has the method,
the path without its query string, the status and the time taken; a crash is logged as where
it happened, not what it said.
"""
from __future__ import annotations

import logging
import traceback

from aiohttp import hdrs, web
from aiohttp.abc import AbstractAccessLogger

from bot.web.auth import set_device_cookie
from bot.web.config import Settings
from bot.web.errors import ApiError

logger = logging.getLogger(__name__)


def refused(request: web.BaseRequest, max_body_bytes: int) -> ApiError | None:
    """Why a request is refused before its body is read, if it is."""
    headers = request.headers
    if len(headers.getall(hdrs.HOST, ())) > 1:
        return ApiError(400, "a request has one Host header")
    if hdrs.TRANSFER_ENCODING in headers:
        error = ApiError(411, "send the body with a Content-Length, not in chunks")
        error.headers[hdrs.CONNECTION] = "close"
        return error
    encodings = {value.strip().lower() for value in ",".join(headers.getall(hdrs.CONTENT_ENCODING, ())).split(",")}
    if encodings - {"", "identity"}:
        return ApiError(415, "send the body uncompressed")
    if request.content_type.startswith("multipart/"):
        return ApiError(415, "this app takes a form (application/x-www-form-urlencoded) or JSON, not multipart")
    if request.content_length is not None and request.content_length > max_body_bytes:
        return ApiError(413, f"the request body is over {max_body_bytes} bytes")
    return None


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
            refusal = refused(request, settings.max_body_bytes)
            if refusal is not None:
                raise refusal
            response = await handler(request)
        except ApiError as error:
            response = web.json_response(error.body, status=error.status, headers=error.headers)
            if error.headers.get(hdrs.CONNECTION) == "close":
                response.force_close()
        except web.HTTPException as error:
            error.headers.update(headers)
            raise
        except Exception as error:  # where it failed, not what: the message may quote a request
            frame = traceback.extract_tb(error.__traceback__)[-1]
            logger.error("%s at %s:%d", type(error).__name__, frame.filename, frame.lineno)
            response = web.json_response({"error": "internal error"}, status=500)
        response.headers.update(headers)
        set_device_cookie(request, response)
        if request.path.startswith(("/api/", "/navigator")):
            response.headers["Cache-Control"] = "no-store"
        return response

    return security_headers


class PathOnlyAccessLogger(AbstractAccessLogger):
    """The default access log has the query string (a place, a search) and the client's address."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %d %.0f ms", request.method, request.path, response.status, time * 1000)
