"""Who may use the navigator page and API, and where a request comes from.

The page and the API are off unless NAVIGATOR_NAVIGATOR_TOKEN is set: every request is then
refused with 403 and a note on how to turn them on. With it set, a request needs
`Authorization: Bearer <token>` or the session cookie the sign-in form sets; a cookie-borne
POST also needs the page's CSRF token. Sessions, CSRF tokens and device cookies are MACs under
the token, so changing the token ends every session and nothing about them is stored.

Guessing the token is slowed down per client (`check_secret`, bot.web.login_throttle); a valid
session is never refused by that throttle, and neither is a known device (a browser or API client
that has used the token before) because of what others at its address did.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time

from aiohttp import hdrs, web

from bot.limits import client_ip
from bot.web.config import MIN_NAVIGATOR_TOKEN_CHARS, origin_of
from bot.web.errors import ApiError, too_many_requests
from bot.web.state import LOGIN_THROTTLE, SETTINGS

logger = logging.getLogger(__name__)

SESSION_COOKIE = "navigator_session"
SESSION_SECONDS = 12 * 3600  # one shift
# Left by a successful sign-in (form or bearer token): the throttle counts this client on its own.
DEVICE_COOKIE = "navigator_device"
DEVICE_SECONDS = 90 * 24 * 3600
CSRF_HEADER = "X-CSRF-Token"
# A request carrying one of these came through a proxy (or says so).
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
PROXY_WARNING = (
    "failed sign-ins from one address reached the limit, and the requests carry a proxy's forwarding "
    "header: if this app is behind a proxy, every client of it shares the proxy's address and its limit "
    "(signed-in navigators and known devices are not affected). Set NAVIGATOR_TRUST_FORWARDED_HEADERS=1 "
    "when the proxy sets X-Forwarded-For, so each client is counted on its own."
)

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


def new_device(token: str) -> str:
    expires = str(int(time.time()) + DEVICE_SECONDS)
    device = secrets.token_hex(16)
    return f"{expires}.{device}.{_mac(token, f'device.{expires}.{device}')}"


def device_of(token: str, value: str) -> str | None:
    """The device id a valid device cookie names, or None."""
    expires, _, rest = value.partition(".")
    device, _, mac = rest.partition(".")
    if not expires.isdigit() or int(expires) < time.time() or not device:
        return None
    return device if hmac.compare_digest(mac, _mac(token, f"device.{expires}.{device}")) else None


def cookie_value(request: web.Request, name: str) -> str | None:
    """The first value of a cookie, read in linear time from every Cookie header.

    Not request.cookies: Python 3.10.13's http.cookies, which it uses, unquotes a value in
    quadratic time (CVE-2024-7592; 8 KB of backslashes held the event loop 0.13 s) and drops
    every cookie after one it cannot parse, so another site's odd cookie hid the session."""
    for header in request.headers.getall(hdrs.COOKIE, ()):
        for pair in header.split(";"):
            key, sep, value = pair.partition("=")
            if sep and key.strip() == name:
                return value.strip()
    return None


def current_session(request: web.Request) -> str | None:
    token = request.app[SETTINGS].navigator_token
    value = cookie_value(request, SESSION_COOKIE)
    return value if token and value and session_valid(token, value) else None


def bearer_ok(request: web.Request) -> bool:
    token = request.app[SETTINGS].navigator_token
    scheme, _, given = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    return token is not None and scheme.lower() == "bearer" and secret_matches(given.strip(), token)


def address_of(request: web.Request) -> str:
    """The client's address as the limits count it (see bot.limits.client_ip)."""
    return client_ip(request.remote, request.headers.get("X-Forwarded-For"),
                     request.app[SETTINGS].trust_forwarded_headers)


def client_key(request: web.Request) -> str:
    """Who the sign-in throttle and the rate limits count a request against: a signed-in session,
    else a known device, else the address (an IPv6 address by its /64)."""
    token = request.app[SETTINGS].navigator_token
    if token:
        if (session := current_session(request)) is not None:
            return "session:" + session.rpartition(".")[2][:32]
        device = cookie_value(request, DEVICE_COOKIE)
        if device and (device_id := device_of(token, device)) is not None:
            return "device:" + device_id
    address = address_of(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "address:" + address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return "address:" + str(parsed.ipv4_mapped)
        return "address:" + str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return "address:" + str(parsed)


class Secret(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    BLOCKED = "blocked"


def check_secret(request: web.Request, given: str) -> Secret:
    """Checks a passphrase (the form) or a bearer token against the navigator token, under the
    failure throttle (bot.web.login_throttle: MAX_LOGIN_FAILURES per LOGIN_WINDOW_SECONDS).

    Who is counted is `client_key`: a signed-in session, else a known device (a browser or API
    client holding the cookie only a right secret sets), else the address. Failures at an address
    (every client of a proxy, without NAVIGATOR_TRUST_FORWARDED_HEADERS) never touch a session or a
    known device, so a guesser at the same address locks no navigator out.

    A blocked client that is not known is refused without being told whether its secret was
    right, even when it was: answering a right guess (and only a right one) while refusing the
    rest would tell a blocked guesser which guess was right, at any speed, and the throttle would
    slow nothing. A blocked session or known device is told: it proved it knew this very token
    (its cookie is a MAC under it, and changing the token voids it), so the answer tells it
    nothing new, and a navigator who mistyped ten times is not locked out by their own typing.
    A client that has never signed in waits out a block on its address (at most
    LOGIN_WINDOW_SECONDS after the guessing stops)."""
    settings, throttle = request.app[SETTINGS], request.app[LOGIN_THROTTLE]
    token = settings.navigator_token
    if not token:
        return Secret.WRONG
    key = client_key(request)
    right = secret_matches(given, token)  # in constant time, and whatever the throttle says
    if throttle.blocked(key) and not (right and key.startswith(("session:", "device:"))):
        return Secret.BLOCKED
    if right:
        if not key.startswith("device:"):
            request[DEVICE_COOKIE] = new_device(token)  # set on the response (set_device_cookie)
        return Secret.RIGHT
    throttle.failed(key)
    if (throttle.blocked(key) and key.startswith("address:") and not settings.trust_forwarded_headers
            and not throttle.warned_about_proxies and any(name in request.headers for name in PROXY_HEADERS)):
        throttle.warned_about_proxies = True
        logger.warning(PROXY_WARNING)
    return Secret.WRONG


def bearer_secret(request: web.Request) -> str:
    scheme, _, given = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" else ""


def retry_after(request: web.Request) -> str:
    return request.app[LOGIN_THROTTLE].retry_after_header(client_key(request))


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


def over_tls(request: web.Request) -> bool:
    """Whether the browser reached this app over https: the public URL is https, the connection is TLS,
    or the proxy in front (trusted with NAVIGATOR_TRUST_FORWARDED_HEADERS) says so in the last
    X-Forwarded-Proto value it set. The cookies are Secure then, so a browser never sends them over http."""
    if request.secure or own_origin(request).startswith("https://"):
        return True
    if not request.app[SETTINGS].trust_forwarded_headers:
        return False
    forwarded: list[str] = request.headers.getall("X-Forwarded-Proto", [])
    return bool(forwarded) and forwarded[-1].split(",")[-1].strip().lower() == "https"


def set_session_cookie(request: web.Request, response: web.StreamResponse, session: str) -> None:
    secure = over_tls(request)
    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_SECONDS, path="/", httponly=True,
                        samesite="Strict", secure=secure)


def set_device_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Leaves the device cookie `check_secret` issued for this request, if it issued one."""
    device = request.get(DEVICE_COOKIE)
    if device:
        secure = over_tls(request)
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_SECONDS, path="/", httponly=True,
                            samesite="Strict", secure=secure)


def require_navigator(request: web.Request, *, changes_something: bool = False) -> None:
    """Refuses an API request that is not a signed-in navigator's; a cookie-borne POST also needs
    the page's CSRF token and, when the browser says where it came from, this origin."""
    token = request.app[SETTINGS].navigator_token
    if not token:
        raise ApiError(403, OFF_MESSAGE)
    session = current_session(request)
    if hdrs.AUTHORIZATION in request.headers:
        # A bearer token is a passphrase too: guesses count toward the sign-in form's throttle.
        verdict = check_secret(request, bearer_secret(request))
        if verdict is Secret.RIGHT:
            return  # a browser never adds this header by itself: no forgery to defend against
        if verdict is Secret.BLOCKED and session is None:
            raise too_many_requests(retry_after(request))
    if session is None:
        raise ApiError(401, "sign in on /navigator, or send Authorization: Bearer <token>")
    if changes_something:
        given = request.headers.get(CSRF_HEADER, "")
        if not same_origin(request) or not hmac.compare_digest(given, csrf_token(token, session)):
            raise ApiError(403, f"a request from the navigator page carries its {CSRF_HEADER} header")
