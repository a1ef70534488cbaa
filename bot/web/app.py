"""The web app: the widget's demo host page and assets, and the peer navigators' page and API.

    python -m bot.web.app            # http://localhost:8080 (NAVIGATOR_WEB_PORT)

Routes:
    GET  /                   a county health department's page with the chat widget embedded
    GET  /widget/*           the widget's files (a deployer's page loads them from here)
    GET  /navigator          the peer navigator's search page (token or passphrase, see below)
    POST /navigator/login    the sign-in form; sets an HttpOnly, SameSite=Strict cookie
    POST /navigator/logout
    GET  /api/search         listings near a place, as JSON
    POST /api/send           texts chosen listings to a client's phone through Twilio
    GET  /api/openapi.json   the API's OpenAPI 3 document

The navigator page and the API are off unless NAVIGATOR_NAVIGATOR_TOKEN is set: every request
is then refused with 403 and a note on how to turn them on. With it set, a request needs
`Authorization: Bearer <token>` or the cookie the sign-in form sets.

Nothing here logs a query, a place, a phone number or a token: the access log has the
method, the path without its query string, the status and the time taken.

Abuse limits (bot.limits): /api/search takes NAVIGATOR_LIMIT_SEARCH_PER_IP requests a minute from
one address and the sign-in form NAVIGATOR_LIMIT_LOGIN_PER_IP, both answering 429 with Retry-After
past that; a wrong passphrase, in the form or as a bearer token, counts toward the sign-in
throttle (10 in 5 minutes). A request body over NAVIGATOR_WEB_MAX_BODY_BYTES gets 413. The
address is the peer's, or behind a proxy with NAVIGATOR_TRUST_FORWARDED_HEADERS on, the last
X-Forwarded-For entry.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, Mapping
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from multidict import MultiDictProxy

from bot import settings as config
from bot.limits import RateLimiter, client_ip
from bot.present.api import search_json
from bot.present.navigator import client_text
from bot.senders import ChannelStore, sender_id, sender_key
from bot.vocabulary import entity_terms
from providers import taxonomy
from providers.geocode import GeocodeResult
from providers.registry import Registry
from providers.taxonomy import Filters, UnknownTerm

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"

MIN_NAVIGATOR_TOKEN_CHARS = 16
SESSION_COOKIE = "navigator_session"
SESSION_SECONDS = 12 * 3600  # one shift
CSRF_HEADER = "X-CSRF-Token"
# A password guesser gets this many tries per client address per window.
MAX_LOGIN_FAILURES = 10
LOGIN_WINDOW_SECONDS = 300
MAX_TRACKED_CLIENTS = 10_000

MAX_PLACE_CHARS = 120
MAX_QUERY_CHARS = 300
MAX_CODE_CHARS = 60
MAX_PAGE = 25
MAX_PAGE_SIZE = 20
DEFAULT_PAGE_SIZE = 5
FACET_PARAMETERS = tuple(taxonomy.FACETS)
SEARCH_PARAMETERS = ("place", "q", "page", "page_size", *FACET_PARAMETERS)
MAX_SEND_LISTINGS = 5
MAX_BODY_BYTES = config.WEB_MAX_BODY_BYTES.default

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MARKUP = re.compile(r"[<>]")
_COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*,\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")
_LISTING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_US_NUMBER = re.compile(r"^(?:\+?1)?([2-9]\d{2}[2-9]\d{6})$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")

PLACE_REASONS = {
    "empty": "place names no place",
    "not_found": "no US place by that name was found; try a ZIP code or 'City, ST'",
    "ambiguous": "several places have that name; pick one of the candidates",
    "outside_us": "that place is outside the United States; the navigator covers the US only",
    "unknown_zip": "that ZIP code does not exist",
}
OFF_MESSAGE = (
    "The peer navigator page is turned off. To turn it on, set NAVIGATOR_NAVIGATOR_TOKEN to a "
    f"passphrase of at least {MIN_NAVIGATOR_TOKEN_CHARS} characters (for example the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`) in the web app's environment, "
    "restart it, and give the passphrase to your navigators."
)
RASA_DOWN_MESSAGE = (
    "The assistant's language server (Rasa) could not read q. Search with the filter fields "
    "(place, medication, payment, ...) instead, or try again in a minute."
)


# --- settings ------------------------------------------------------------------------------


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Settings:
    """Everything the deployer configures, read from the environment by `from_env`."""

    host: str = "0.0.0.0"
    port: int = 8080
    database_url: str | None = None  # the registry (NAVIGATOR_DATABASE_URL; var/registry.db)
    channel_database_url: str | None = None  # the STOP list (NAVIGATOR_CHANNEL_DATABASE_URL)
    rasa_url: str = "http://localhost:5005"  # how this app reaches Rasa's HTTP API
    rasa_public_url: str = "http://localhost:5005"  # how a browser reaches Rasa's socket.io
    rasa_token: str = ""
    rasa_timeout_seconds: float = 5.0
    navigator_token: str | None = None
    public_url: str | None = None  # this app's public address behind a proxy (https://...)
    exit_url: str = config.EXIT_URL.default
    frame_ancestors: str = "'none'"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    # Behind a reverse proxy: count the address it puts last in X-Forwarded-For, not the proxy's.
    trust_forwarded_headers: bool = False
    search_per_minute: int = config.SEARCH_PER_IP.default  # per address; 0 turns the limit off
    login_per_minute: int = config.LOGIN_PER_IP.default
    max_body_bytes: int = MAX_BODY_BYTES
    # A ready client with .messages.create(to=, from_=, body=): tests pass a stand-in.
    sms_client: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("rasa_url", "rasa_public_url", "exit_url", "public_url"):
            value = getattr(self, name)
            if value is not None and urlsplit(value).scheme not in ("http", "https"):
                raise ValueError(f"{name} must be an http or https URL")
        if self.navigator_token is not None and len(self.navigator_token) < MIN_NAVIGATOR_TOKEN_CHARS:
            raise ValueError(f"NAVIGATOR_NAVIGATOR_TOKEN must be at least {MIN_NAVIGATOR_TOKEN_CHARS} characters")
        if _CONTROL.search(self.frame_ancestors) or ";" in self.frame_ancestors:
            raise ValueError("NAVIGATOR_FRAME_ANCESTORS must be a list of CSP sources")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        rasa_url = config.RASA_URL.read(env).rstrip("/")
        return cls(
            host=config.WEB_HOST.read(env),
            port=config.WEB_PORT.read(env),
            database_url=config.DATABASE_URL.read(env),
            channel_database_url=config.CHANNEL_DATABASE_URL.read(env),
            rasa_url=rasa_url,
            rasa_public_url=(config.RASA_PUBLIC_URL.read(env) or rasa_url).rstrip("/"),
            rasa_token=config.RASA_TOKEN.read(env) or config.local_secret("rasa-api.token"),
            navigator_token=config.NAVIGATOR_TOKEN.read(env),
            public_url=(config.WEB_PUBLIC_URL.read(env) or "").rstrip("/") or None,
            exit_url=config.EXIT_URL.read(env),
            frame_ancestors=config.FRAME_ANCESTORS.read(env),
            twilio_account_sid=config.TWILIO_ACCOUNT_SID.read(env),
            twilio_auth_token=config.TWILIO_AUTH_TOKEN.read(env),
            twilio_from_number=config.TWILIO_FROM_NUMBER.read(env),
            trust_forwarded_headers=config.TRUST_FORWARDED_HEADERS.read(env),
            search_per_minute=config.SEARCH_PER_IP.read(env),
            login_per_minute=config.LOGIN_PER_IP.read(env),
            max_body_bytes=config.WEB_MAX_BODY_BYTES.read(env),
        )

    @property
    def sms_configured(self) -> bool:
        has_client = self.sms_client is not None or (self.twilio_account_sid and self.twilio_auth_token)
        return bool(has_client and self.twilio_from_number)

    def content_security_policy(self) -> str:
        rasa = origin_of(self.rasa_public_url)
        websocket = rasa.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        return "; ".join([
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
            f"connect-src 'self' {rasa} {websocket}", "form-action 'self'", "base-uri 'none'",
            f"frame-ancestors {self.frame_ancestors}",
        ])


SETTINGS = web.AppKey("settings", Settings)
REGISTRY = web.AppKey("registry", Registry)
CHANNEL_STORE = web.AppKey("channel_store", ChannelStore)
SENDER_KEY = web.AppKey("sender_key", bytes)
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
SMS_CLIENT = web.AppKey("sms_client", object)


# --- errors, headers and the access log ----------------------------------------------------


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


# --- pages ---------------------------------------------------------------------------------


class SafeHtml(str):
    """Markup built here from escaped parts; `render` inserts it as it is."""


def render(template_name: str, **fields: Any) -> str:
    template = Template((TEMPLATE_DIR / template_name).read_text(encoding="utf-8"))
    return template.substitute({name: value if isinstance(value, SafeHtml) else html.escape(str(value), quote=True)
                                for name, value in fields.items()})


def html_response(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def host_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return html_response(render("host.html", server=settings.rasa_public_url, exit_url=settings.exit_url,
                                widget_src=f"{own_origin(request)}/widget/widget.js"))


def options(facet: str) -> SafeHtml:
    return SafeHtml("".join(f'<option value="{html.escape(t.code)}">{html.escape(t.label)}</option>'
                            for t in taxonomy.terms_of(facet)))


async def navigator_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not settings.navigator_token:
        return html_response(render("off.html", message=OFF_MESSAGE), status=403)
    session = current_session(request)
    set_cookie = False
    if session is None and bearer_ok(request):
        session, set_cookie = new_session(settings.navigator_token), True
    if session is None:
        return html_response(render("login.html", error=""), status=401)
    page = render("navigator.html", csrf_token=csrf_token(settings.navigator_token, session),
                  **{f"{facet}_options": options(facet) for facet in FACET_PARAMETERS})
    response = html_response(page)
    if set_cookie:
        set_session_cookie(request, response, session)
    return response


async def login(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not settings.navigator_token:
        return html_response(render("off.html", message=OFF_MESSAGE), status=403)
    if not same_origin(request):
        return html_response(render("login.html", error="Sign in from this site's own page."), status=403)
    client = address_of(request)
    verdict = request.app[LOGIN_LIMIT].check(client)
    throttle = request.app[LOGIN_THROTTLE]
    if not verdict.allowed or throttle.blocked(client):
        retry_after = verdict.retry_after_header if not verdict.allowed else throttle.retry_after_header(client)
        page = html_response(render("login.html", error="Too many tries. Wait a few minutes."), status=429)
        page.headers["Retry-After"] = retry_after
        return page
    form = await request.post()
    passphrase = form.get("passphrase")
    if not isinstance(passphrase, str) or not secret_matches(passphrase, settings.navigator_token):
        throttle.failed(client)
        return html_response(render("login.html", error="That passphrase is not right."), status=401)
    response = web.Response(status=303, headers={"Location": "/navigator"})
    set_session_cookie(request, response, new_session(settings.navigator_token))
    return response


async def logout(request: web.Request) -> web.Response:
    if not same_origin(request):
        raise web.HTTPForbidden(text="Sign out from this site's own page.")
    response = web.Response(status=303, headers={"Location": "/navigator"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --- who may use the navigator page and API ------------------------------------------------


def secret_matches(given: str, expected: str) -> bool:
    # Digests first, so the comparison takes the same time whatever the lengths.
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest())


def _mac(token: str, message: str) -> str:
    return hmac.new(token.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_session(token: str) -> str:
    """A cookie value that proves a sign-in until it expires; changing the token ends every session."""
    expires = str(int(time.time()) + SESSION_SECONDS)
    return f"{expires}.{_mac(token, 'session.' + expires)}"


def session_valid(token: str, value: str) -> bool:
    expires, _, mac = value.partition(".")
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(mac, _mac(token, "session." + expires))


def csrf_token(token: str, session: str) -> str:
    return _mac(token, "csrf." + session)


def current_session(request: web.Request) -> str | None:
    token = request.app[SETTINGS].navigator_token
    value = request.cookies.get(SESSION_COOKIE)
    return value if token and value and session_valid(token, value) else None


def bearer_ok(request: web.Request) -> bool:
    token = request.app[SETTINGS].navigator_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and secret_matches(given.strip(), token)


def address_of(request: web.Request) -> str:
    """The client's address as the limits count it (see bot.limits.client_ip)."""
    return client_ip(request.remote, request.headers.get("X-Forwarded-For"),
                     request.app[SETTINGS].trust_forwarded_headers)


def own_origin(request: web.Request) -> str:
    settings = request.app[SETTINGS]
    return origin_of(settings.public_url) if settings.public_url else f"{request.scheme}://{request.host}"


def same_origin(request: web.Request) -> bool:
    """Whether a POST comes from this site's own page (a request without either header is not a browser's)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    # Under Referrer-Policy: no-referrer a browser may send "Origin: null" even for its own page.
    origin = request.headers.get("Origin")
    return origin is None or origin == own_origin(request)


def set_session_cookie(request: web.Request, response: web.StreamResponse, session: str) -> None:
    secure = request.secure or own_origin(request).startswith("https://")
    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_SECONDS, path="/", httponly=True,
                        samesite="Strict", secure=secure)


def require_navigator(request: web.Request, *, changes_something: bool = False) -> None:
    """Refuses an API request that is not a signed-in navigator's; a cookie-borne POST also needs
    the page's CSRF token and, when the browser says where it came from, this origin."""
    token = request.app[SETTINGS].navigator_token
    if not token:
        raise ApiError(403, OFF_MESSAGE)
    if "Authorization" in request.headers:
        # A bearer token is a passphrase too: guesses count toward the sign-in form's throttle.
        throttle, client = request.app[LOGIN_THROTTLE], address_of(request)
        if throttle.blocked(client):
            raise too_many_requests(throttle.retry_after_header(client))
        if bearer_ok(request):
            return  # a browser never adds this header by itself: no forgery to defend against
        throttle.failed(client)
    session = current_session(request)
    if session is None:
        raise ApiError(401, "sign in on /navigator, or send Authorization: Bearer <token>")
    if changes_something:
        given = request.headers.get(CSRF_HEADER, "")
        if not same_origin(request) or not hmac.compare_digest(given, csrf_token(token, session)):
            raise ApiError(403, f"a request from the navigator page carries its {CSRF_HEADER} header")


class LoginThrottle:
    """Counts failed sign-ins per client address, so a passphrase cannot be guessed quickly."""

    def __init__(self) -> None:
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        times = self.failures.get(client, deque())
        while times and times[0] < time.monotonic() - LOGIN_WINDOW_SECONDS:
            times.popleft()
        if not times:
            self.failures.pop(client, None)
        return times

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= MAX_LOGIN_FAILURES

    def retry_after_header(self, client: str) -> str:
        """Seconds until the oldest failure counted for a client leaves the window."""
        times = self._recent(client)
        wait = times[0] + LOGIN_WINDOW_SECONDS - time.monotonic() if times else 1
        return str(max(1, int(wait) + 1))

    def failed(self, client: str) -> None:
        if len(self.failures) >= MAX_TRACKED_CLIENTS:
            self.failures.clear()
        self.failures.setdefault(client, self._recent(client)).append(time.monotonic())


LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)
LOGIN_LIMIT = web.AppKey("login_limit", RateLimiter)
SEARCH_LIMIT = web.AppKey("search_limit", RateLimiter)


# --- search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    place: str | None
    query: str | None
    terms: tuple[str, ...]
    page: int
    page_size: int


@dataclass(frozen=True)
class ParsedQuery:
    """What Rasa's NLU read in a one-line query."""

    terms: tuple[str, ...]
    location: str | None
    intent: str | None


def plain_text(query: MultiDictProxy, name: str, max_chars: int) -> str | None:
    value = query.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > max_chars:
        raise ApiError(400, f"{name} is too long ({len(value)} characters; at most {max_chars})", name)
    if _CONTROL.search(value):
        raise ApiError(400, f"{name} must be one line of plain text", name)
    if _MARKUP.search(value):
        raise ApiError(400, f"{name} must be plain text, without markup", name)
    return value.strip()


def bounded_int(query: MultiDictProxy, name: str, default: int, low: int, high: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,4}", value.strip()) or not low <= int(value) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}", name)
    return int(value)


def search_request(query: MultiDictProxy) -> SearchRequest:
    for name in query:
        if name not in SEARCH_PARAMETERS:
            raise ApiError(400, f"unknown parameter; the parameters are {', '.join(SEARCH_PARAMETERS)}", name)
    for name in ("place", "q", "page", "page_size"):
        if len(query.getall(name, [])) > 1:
            raise ApiError(400, f"give {name} once", name)
    place = plain_text(query, "place", MAX_PLACE_CHARS)
    if place is not None:
        coordinates = _COORDINATES.match(place)
        if coordinates:
            lat, lng = (float(x) for x in coordinates.groups())
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ApiError(400, "place as lat,lng needs a latitude from -90 to 90 and a longitude "
                                    "from -180 to 180", "place")
            place = f"{lat:.5f},{lng:.5f}"  # the geocoder reads coordinates with 2 or more decimals
    terms = []
    for facet in FACET_PARAMETERS:
        for value in query.getall(facet, []):
            for code in value.split(","):
                if not code.strip():
                    raise ApiError(400, f"{facet} has an empty code", facet)
                if len(code) > MAX_CODE_CHARS or _CONTROL.search(code) or _MARKUP.search(code):
                    raise ApiError(400, f"{facet} takes vocabulary codes such as "
                                        f"{taxonomy.terms_of(facet)[0].code}", facet)
                try:
                    terms.append(taxonomy.resolve(facet, code).id)
                except UnknownTerm as error:
                    raise ApiError(400, str(error), facet) from None
    query_text = plain_text(query, "q", MAX_QUERY_CHARS)
    if place is None and query_text is None:
        raise ApiError(400, "place is required: a ZIP code, 'City, ST' or 'lat,lng'", "place")
    return SearchRequest(place, query_text, tuple(dict.fromkeys(terms)),
                         bounded_int(query, "page", 1, 1, MAX_PAGE),
                         bounded_int(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE))


async def parse_query(app: web.Application, text: str) -> ParsedQuery:
    settings = app[SETTINGS]
    try:
        async with app[HTTP_CLIENT].post(f"{settings.rasa_url}/model/parse", params={"token": settings.rasa_token},
                                  json={"text": text},
                                  timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout_seconds)) as answer:
            if answer.status != 200:
                raise ApiError(502, f"{RASA_DOWN_MESSAGE} (Rasa answered {answer.status})", "q")
            parsed = await answer.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        raise ApiError(502, RASA_DOWN_MESSAGE, "q") from None
    terms: list[str] = []
    location = None
    for entity in parsed.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if not isinstance(value, str):
            continue
        if name == "location" and location is None:
            location = value
        elif name in taxonomy.FACETS:
            terms.extend(entity_terms(name, value))
    intent = (parsed.get("intent") or {}).get("name")
    return ParsedQuery(tuple(dict.fromkeys(terms)), location, intent)


def place_problem(result: GeocodeResult) -> ApiError:
    reason = result.reason or "not_found"
    candidates = [{"name": p.display_name, "latitude": round(p.latitude, 5), "longitude": round(p.longitude, 5)}
                  for p in result.candidates]
    return ApiError(422, PLACE_REASONS.get(reason, "the place could not be found"), "place", reason=reason,
                    candidates=candidates)


async def api_search(request: web.Request) -> web.Response:
    verdict = request.app[SEARCH_LIMIT].check(address_of(request))
    if not verdict.allowed:  # before the token check: it also slows down guessing the token
        raise too_many_requests(verdict.retry_after_header)
    require_navigator(request)
    wanted = search_request(request.query)
    parsed = await parse_query(request.app, wanted.query) if wanted.query else None
    where = wanted.place or (parsed.location if parsed else None)
    if where is None:
        raise ApiError(400, "place is required: q names no place", "place")
    registry = request.app[REGISTRY]
    located = await asyncio.to_thread(registry.geocode, where)
    if not located.ok:
        raise place_problem(located)
    filters = Filters.of(*dict.fromkeys(wanted.terms + (parsed.terms if parsed else ())))
    result = await asyncio.to_thread(registry.searcher.search, located.place, filters, wanted.page, wanted.page_size)
    return web.json_response(search_json(result, parsed))


# --- send to client ------------------------------------------------------------------------


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


def twilio_client(settings: Settings):
    if settings.sms_client is not None:
        return settings.sms_client
    if not settings.sms_configured:
        return None
    from twilio.rest import Client  # only a deployment that texts needs it loaded

    return Client(settings.twilio_account_sid, settings.twilio_auth_token)


async def api_send(request: web.Request) -> web.Response:
    require_navigator(request, changes_something=True)
    settings = request.app[SETTINGS]
    client = request.app[SMS_CLIENT]
    if client is None or not settings.twilio_from_number:
        raise ApiError(503, "Texting is not set up: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                            "TWILIO_FROM_NUMBER for the web app and restart it.")
    if request.content_type != "application/json":
        raise ApiError(415, "send a JSON body: {\"to\": ..., \"listing_ids\": [...]}")
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    unknown = sorted(set(body) - {"to", "listing_ids"})
    if unknown:
        raise ApiError(400, "unknown field; the fields are to and listing_ids", unknown[0])
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


# --- the OpenAPI document ------------------------------------------------------------------


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


# --- the app -------------------------------------------------------------------------------


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


def make_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[security_headers_middleware(settings)],
                          client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[LOGIN_THROTTLE] = LoginThrottle()
    tracked = config.TRACKED_KEYS.read()
    app[LOGIN_LIMIT] = RateLimiter(settings.login_per_minute, max_keys=tracked)
    app[SEARCH_LIMIT] = RateLimiter(settings.search_per_minute, max_keys=tracked)
    app.cleanup_ctx.append(resources)
    app.router.add_get("/", host_page)
    app.router.add_get("/navigator", navigator_page)
    app.router.add_post("/navigator/login", login)
    app.router.add_post("/navigator/logout", logout)
    app.router.add_get("/api/search", api_search)
    app.router.add_post("/api/send", api_send)
    app.router.add_get("/api/openapi.json", api_openapi)
    app.router.add_static("/widget/", STATIC_DIR / "widget")
    app.router.add_static("/static/", STATIC_DIR / "pages")
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if not settings.navigator_token:
        logger.info("the peer navigator page is off: set NAVIGATOR_NAVIGATOR_TOKEN to turn it on")
    logger.info("web app on http://%s:%d", settings.host, settings.port)
    web.run_app(make_app(settings), host=settings.host, port=settings.port, access_log_class=PathOnlyAccessLogger,
                print=None)


if __name__ == "__main__":
    main()
