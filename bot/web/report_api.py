"""`POST /api/reports`: a navigator says a listing is wrong (issue 18, providers.reports).

The report keeps the listing, the reason, the channel ("navigator") and the day, nothing about
who sent it; the log keeps the reason only. The same sign-in, CSRF and origin rules as
`POST /api/send` (bot.web.auth.require_navigator), and the same body cap (the middleware)."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.web.auth import require_navigator
from bot.web.errors import ApiError, json_object
from bot.web.send_api import _LISTING_ID
from bot.web.state import REGISTRY
from providers import taxonomy
from providers.reports import REASONS

logger = logging.getLogger(__name__)

CHANNEL = "navigator"
REPORT_FIELDS = ("listing_id", "reason", "term")


async def api_report(request: web.Request) -> web.Response:
    require_navigator(request, changes_something=True)
    body = await json_object(request, REPORT_FIELDS, '{"listing_id": ..., "reason": ...}')
    listing_id, reason, term = body.get("listing_id"), body.get("reason"), body.get("term")
    if not isinstance(listing_id, str) or not _LISTING_ID.match(listing_id):
        raise ApiError(400, "listing_id must be a listing's id", "listing_id")
    if reason not in REASONS:
        raise ApiError(400, f"reason must be one of {', '.join(REASONS)}", "reason")
    if term is not None and (not isinstance(term, str) or term not in taxonomy.BY_ID):
        raise ApiError(400, "term must be a vocabulary term such as medication:methadone", "term")
    if term is not None and reason != "not_offered":
        raise ApiError(400, "term goes with the reason not_offered only", "term")
    stored = await asyncio.to_thread(request.app[REGISTRY].report_problem, listing_id, reason, CHANNEL, term)
    if not stored:
        raise ApiError(400, "no listing has this id; search again", "listing_id")
    logger.info("a listing was reported: %s", reason)
    return web.json_response({"reported": True, "reason": reason}, status=201)
