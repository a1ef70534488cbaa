"""`POST /api/send`: texts chosen listings to a client's phone through Twilio, as plain SMS
(bot.present.navigator). The number is checked against the STOP list by its hash, and is
neither stored nor logged; a Twilio error is reported by its code, since its text quotes the
number."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web

from bot.present.navigator import client_text
from bot.senders import sender_id
from bot.web.auth import require_navigator
from bot.web.config import Settings
from bot.web.errors import ApiError, json_object
from bot.web.state import CHANNEL_STORE, REGISTRY, SENDER_KEY, SETTINGS, SMS_CLIENT

logger = logging.getLogger(__name__)

MAX_SEND_LISTINGS = 5

_LISTING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_US_NUMBER = re.compile(r"^(?:\+?1)?([2-9]\d{2}[2-9]\d{6})$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def twilio_client(settings: Settings):
    """The client texts go out through: the one the settings carry, else Twilio's, else None."""
    if settings.sms_client is not None:
        return settings.sms_client
    if not settings.sms_configured:
        return None
    from twilio.rest import Client  # only a deployment that texts needs it loaded

    return Client(settings.twilio_account_sid, settings.twilio_auth_token)


def phone_number(value: Any) -> str:
    """A client's mobile number in E.164 form, from a US 10-digit number or an E.164 one."""
    if not isinstance(value, str) or len(value) > 32:
        raise ApiError(400, "to must be a phone number: 10 US digits or +country number", "to")
    compact = _PHONE_SEPARATORS.sub("", value)
    us = _US_NUMBER.match(compact)
    if us:
        return "+1" + us.group(1)
    if _E164.match(compact) and not compact.startswith("+1"):  # +1 numbers are US ones, checked above
        return compact
    raise ApiError(400, "to must be a phone number: 10 US digits (2155550100) or E.164 (+12155550100)", "to")


def listing_ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SEND_LISTINGS:
        raise ApiError(400, f"listing_ids must be a list of 1 to {MAX_SEND_LISTINGS} listing ids", "listing_ids")
    if not all(isinstance(v, str) and _LISTING_ID.match(v) for v in value):
        raise ApiError(400, "listing_ids holds something that is not a listing id", "listing_ids")
    return list(dict.fromkeys(value))


async def api_send(request: web.Request) -> web.Response:
    require_navigator(request, changes_something=True)
    settings = request.app[SETTINGS]
    client = request.app[SMS_CLIENT]
    if client is None or not settings.twilio_from_number:
        raise ApiError(503, "Texting is not set up: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                            "TWILIO_FROM_NUMBER for the web app and restart it.")
    body = await json_object(request, ("to", "listing_ids"), '{"to": ..., "listing_ids": [...]}')
    number = phone_number(body.get("to"))
    wanted = listing_ids(body.get("listing_ids"))
    registry = request.app[REGISTRY]
    listings = []
    for listing_id in wanted:
        listing = await asyncio.to_thread(registry.listing, listing_id)
        if listing is None:
            raise ApiError(400, "no listing has this id; search again", "listing_ids", listing_id=listing_id)
        listings.append(listing)
    store = request.app[CHANNEL_STORE]
    if await asyncio.to_thread(store.is_suppressed, sender_id(number, request.app[SENDER_KEY])):
        raise ApiError(409, "This number has opted out of our texts (it texted STOP), so nothing was sent. "
                            "The client can text START to the same number to opt back in.", "to")
    messages = client_text(listings)
    sent = 0
    try:
        for message in messages:
            await asyncio.to_thread(client.messages.create, to=number, from_=settings.twilio_from_number,
                                    body=message)
            sent += 1
    except Exception as error:  # Twilio's error text quotes the number: only its code is kept
        code = getattr(error, "code", None)
        logger.warning("texting a client failed after %d of %d messages (%s %s)", sent, len(messages),
                       type(error).__name__, code or "")
        raise ApiError(502, f"Twilio did not take the text{f' (error {code})' if code else ''}; "
                            f"{sent} of {len(messages)} messages went out.", sent=sent) from None
    logger.info("texted %d listings to a client in %d messages", len(listings), sent)
    return web.json_response({"sent": sent, "listings": len(listings)})
