"""Who may use the navigator page and API, and where a request comes from.

The page and the API are off unless NAVIGATOR_NAVIGATOR_TOKEN is set: every request is then
refused with 403 and a note on how to turn them on. With it set, a request needs
`Authorization: Bearer <token>` or the session cookie the sign-in form sets; a cookie-borne
POST also needs the page's CSRF token. Sessions and CSRF tokens are MACs under the token, so
changing the token ends every session and nothing about them is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import time

from aiohttp import web

from bot.limits import client_ip
from bot.web.config import MIN_NAVIGATOR_TOKEN_CHARS, origin_of
from bot.web.errors import ApiError, too_many_requests
from bot.web.state import LOGIN_THROTTLE, SETTINGS

SESSION_COOKIE = "navigator_session"
SESSION_SECONDS = 12 * 3600  # one shift
CSRF_HEADER = "X-CSRF-Token"

OFF_MESSAGE = (
    "The peer navigator page is turned off. To turn it on, set NAVIGATOR_NAVIGATOR_TOKEN to a "
    f"passphrase of at least {MIN_NAVIGATOR_TOKEN_CHARS} characters (for example the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`) in the web app's environment, "
    "restart it, and give the passphrase to your navigators."
)


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
    return token is not None and scheme.lower() == "bearer" and secret_matches(given.strip(), token)


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
