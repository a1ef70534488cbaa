"""The app's shared state, one typed key each. `make_app` sets the settings and the limits;
`resources` (bot.web.app) opens the rest at start-up and closes them at shutdown. The keys live
here, not beside the factory, because every handler reads them and the factory imports the
handlers."""
from __future__ import annotations

from typing import Any, Protocol

import aiohttp
from aiohttp import web

from bot.limits import RateLimiter
from bot.senders import ChannelStore
from bot.web.config import Settings
from bot.web.login_throttle import LoginThrottle
from providers.registry import Registry

SETTINGS = web.AppKey("settings", Settings)
LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)
LOGIN_LIMIT = web.AppKey("login_limit", RateLimiter)
SEARCH_LIMIT = web.AppKey("search_limit", RateLimiter)

REGISTRY = web.AppKey("registry", Registry)
CHANNEL_STORE = web.AppKey("channel_store", ChannelStore)  # the STOP list
SENDER_KEY = web.AppKey("sender_key", bytes)  # hashes a phone number into the STOP list's id
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)  # to Rasa's /model/parse


class SmsClient(Protocol):
    """What the send API uses of Twilio's client (tests pass a stand-in): messages.create(to=, from_=, body=)."""

    @property
    def messages(self) -> Any: ...


# None when texting is not set up.
SMS_CLIENT: web.AppKey[SmsClient | None] = web.AppKey("sms_client")
