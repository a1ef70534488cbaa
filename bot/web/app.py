"""The web app: the widget's demo host page and assets, and the peer navigators' page and API.

    python -m bot.web.app            # http://localhost:8080 (NAVIGATOR_WEB_PORT)

Routes:
    GET  /                   embedded mode: a fictional county health department's page with the chat widget
                             embedded; production: a neutral page naming the deployer (NAVIGATOR_DEPLOYER_NAME)
    GET  /widget/*           the widget's files (a deployer's page loads them from here)
    GET  /navigator          the peer navigator's search page (token or passphrase, see bot.web.auth)
    POST /navigator/login    the sign-in form; sets an HttpOnly, SameSite=Strict cookie
    POST /navigator/logout
    GET  /navigator/reviews  open reports of listings, and a form to review each (bot.web.reviews)
    POST /navigator/reviews  a navigator's review: confirmed, closed, moved, new phone, not offered
    GET  /api/search         listings near a place, as JSON (bot.web.search_api)
    POST /api/send           texts chosen listings to a client's phone through Twilio (bot.web.send_api)
    POST /api/reports        a navigator reports that a listing is wrong (bot.web.report_api)
    GET  /api/openapi.json   the API's OpenAPI document (bot.web.openapi)
    GET  /health             liveness: the process answers
    GET  /ready              readiness: the registry and the Rasa server answer (503 names what is down)

This module wires them: `make_app` builds the app from `Settings` (bot.web.config), `resources`
opens what the handlers share (bot.web.state) and `main` serves it (bot.web.server: aiohttp with
the connection limits 3.9.5 lacks) with the access log that keeps no query string
(bot.web.middleware). The widget's and the pages' files are served from a table read at start-up
(bot.web.static_files), never through aiohttp's static routes.

Abuse limits (bot.limits): /api/search takes NAVIGATOR_LIMIT_SEARCH_PER_IP requests a minute from
one client and the sign-in form NAVIGATOR_LIMIT_LOGIN_PER_IP, both answering 429 with Retry-After
past that; a wrong passphrase, in the form or as a bearer token, counts toward the sign-in
throttle (bot.web.login_throttle: 10 in 5 minutes). A client is a signed-in session, a known
device, or else an address (bot.web.auth.client_key; docs/security.md says why a valid session or
known device is never locked out by others). A request body over NAVIGATOR_WEB_MAX_BODY_BYTES gets
413. The address is the peer's, or behind a proxy with NAVIGATOR_TRUST_FORWARDED_HEADERS on, the
last X-Forwarded-For entry.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from bot import readiness
from bot import settings as navigator_settings
from bot.limits import RateLimiter
from bot.senders import ChannelStore, sender_key
from bot.web import static_files
from bot.web.config import Settings
from bot.web.login_throttle import LoginThrottle
from bot.web.middleware import PathOnlyAccessLogger, security_headers_middleware
from bot.web.openapi import api_openapi
from bot.web.pages import host_page, login, logout, navigator_page
from bot.web.report_api import api_report
from bot.web.reviews import post_review, reviews_page
from bot.web.search_api import api_search
from bot.web.send_api import api_send, twilio_client
from bot.web.server import HANDLER_ARGS, serve
from bot.web.state import (
    CHANNEL_STORE,
    HTTP_CLIENT,
    LOGIN_LIMIT,
    LOGIN_THROTTLE,
    REGISTRY,
    SEARCH_LIMIT,
    SENDER_KEY,
    SETTINGS,
    SMS_CLIENT,
)
from providers.registry import Registry

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def resources(app: web.Application):
    """Opens the registry, the STOP list, an HTTP client for Rasa and the Twilio client; closes them."""
    settings = app[SETTINGS]
    app[REGISTRY] = registry = await asyncio.to_thread(Registry, settings.database_url)
    if await asyncio.to_thread(registry.is_empty):
        logger.warning("the provider registry is empty: run `make registry`")
    await asyncio.to_thread(registry.geocode, "19134")  # builds the geocoder's index before the first search
    app[CHANNEL_STORE] = await asyncio.to_thread(ChannelStore, settings.channel_database_url)
    app[SENDER_KEY] = await asyncio.to_thread(sender_key)
    app[HTTP_CLIENT] = aiohttp.ClientSession()
    app[SMS_CLIENT] = twilio_client(settings)
    yield
    await app[HTTP_CLIENT].close()
    registry.engine.dispose()
    app[CHANNEL_STORE].engine.dispose()


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """200 when the registry answers `SELECT 1` and the Rasa server its `/health`; else 503 naming them."""
    app = request.app

    async def registry() -> None:
        def select_one() -> None:
            with app[REGISTRY].engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))

        await asyncio.to_thread(select_one)

    async def rasa() -> bool:
        async with app[HTTP_CLIENT].get(f"{app[SETTINGS].rasa_url}/health",
                                        timeout=aiohttp.ClientTimeout(total=readiness.CHECK_SECONDS)) as answer:
            return answer.status == 200

    status, body = await readiness.report({"registry": registry, "rasa": rasa})
    return web.json_response(body, status=status)


def make_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[security_headers_middleware(settings)],
                          client_max_size=settings.max_body_bytes, handler_args=HANDLER_ARGS)
    app[SETTINGS] = settings
    app[LOGIN_THROTTLE] = LoginThrottle()
    # Each limit remembers NAVIGATOR_LIMIT_TRACKED_KEYS addresses (RateLimiter reads it).
    app[LOGIN_LIMIT] = RateLimiter(settings.login_per_minute)
    app[SEARCH_LIMIT] = RateLimiter(settings.search_per_minute)
    app.cleanup_ctx.append(resources)
    app.router.add_get("/", host_page)
    app.router.add_get("/navigator", navigator_page)
    app.router.add_post("/navigator/login", login)
    app.router.add_post("/navigator/logout", logout)
    app.router.add_get("/navigator/reviews", reviews_page)
    app.router.add_post("/navigator/reviews", post_review)
    app.router.add_get("/api/search", api_search)
    app.router.add_post("/api/send", api_send)
    app.router.add_post("/api/reports", api_report)
    app.router.add_get("/api/openapi.json", api_openapi)
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    static_files.add_routes(app, "/widget", STATIC_DIR / "widget")
    static_files.add_routes(app, "/static", STATIC_DIR / "pages")
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    navigator_settings.keep_files_private()  # the SMS store it may create in var/ holds the STOP list
    settings = Settings.from_env()
    if settings.production and not settings.deployer_name:
        logger.warning("NAVIGATOR_DEPLOYER_NAME is not set: the page at / cannot say who runs this service, "
                       "and navigators' reviews are signed 'Local navigators'")
    if not settings.navigator_token:
        logger.info("the peer navigator page is off: set NAVIGATOR_NAVIGATOR_TOKEN to turn it on")
    logger.info("web app on http://%s:%d", settings.host, settings.port)
    try:
        asyncio.run(serve(make_app(settings), settings.host, settings.port, handle_signals=True,
                          access_log_class=PathOnlyAccessLogger))
    except (web.GracefulExit, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
