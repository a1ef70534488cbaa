"""Rate limits and request size caps for the public endpoints, counted in this process's memory.

Each limit is a number of requests per minute for one key (a hashed phone number, a widget
conversation, a client address), read from the environment when a channel or the web app
starts; 0 turns a limit off. A key may spend its whole minute at once (a burst), then gets one
more request every 60/N seconds (a token bucket).

    NAVIGATOR_LIMIT_SMS_PER_SENDER       10   signed SMS per phone number (the hashed sender id)
    NAVIGATOR_LIMIT_SMS_REFUSED_PER_IP   30   SMS webhook requests that fail the signature, per address
    NAVIGATOR_LIMIT_WIDGET_PER_SESSION   20   widget messages per conversation
    NAVIGATOR_LIMIT_WIDGET_PER_IP       120   widget messages per address
    NAVIGATOR_LIMIT_SEARCH_PER_IP        60   /api/search requests per address
    NAVIGATOR_LIMIT_LOGIN_PER_IP         20   navigator sign-in attempts per address
    NAVIGATOR_LIMIT_TRACKED_KEYS      10000   keys remembered per limit; the least recently seen go first

    NAVIGATOR_SMS_MAX_BODY_BYTES      65536   the SMS webhook's request body (413 above)
    NAVIGATOR_WIDGET_MAX_BODY_BYTES   16384   one socket.io request or websocket message
    NAVIGATOR_WEB_MAX_BODY_BYTES      16384   a request to the web app (413 above)

The counts live in one process: with several replicas behind a load balancer each counts on its
own, so a client spread over n replicas gets up to n times a limit.

A client's address is the connection's peer, or, only when NAVIGATOR_TRUST_FORWARDED_HEADERS is
on (the same setting the SMS channel uses for the URL it checks), the last address in
X-Forwarded-For: the one the trusted proxy in front of us appended. Earlier entries are whatever
the client sent and are never used.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Optional

logger = logging.getLogger(__name__)

TRUST_FORWARDED_HEADERS_ENV = "NAVIGATOR_TRUST_FORWARDED_HEADERS"

SMS_PER_SENDER = ("NAVIGATOR_LIMIT_SMS_PER_SENDER", 10)
SMS_REFUSED_PER_IP = ("NAVIGATOR_LIMIT_SMS_REFUSED_PER_IP", 30)
WIDGET_PER_SESSION = ("NAVIGATOR_LIMIT_WIDGET_PER_SESSION", 20)
WIDGET_PER_IP = ("NAVIGATOR_LIMIT_WIDGET_PER_IP", 120)
SEARCH_PER_IP = ("NAVIGATOR_LIMIT_SEARCH_PER_IP", 60)
LOGIN_PER_IP = ("NAVIGATOR_LIMIT_LOGIN_PER_IP", 20)
TRACKED_KEYS = ("NAVIGATOR_LIMIT_TRACKED_KEYS", 10_000)

SMS_MAX_BODY_BYTES = ("NAVIGATOR_SMS_MAX_BODY_BYTES", 64 * 1024)
WIDGET_MAX_BODY_BYTES = ("NAVIGATOR_WIDGET_MAX_BODY_BYTES", 16 * 1024)
WEB_MAX_BODY_BYTES = ("NAVIGATOR_WEB_MAX_BODY_BYTES", 16 * 1024)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def setting(name_and_default: tuple[str, int], env: Optional[Mapping[str, str]] = None, minimum: int = 0) -> int:
    """A whole-number setting from the environment; its default when unset or not a number."""
    name, default = name_and_default
    raw = (os.environ if env is None else env).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        logger.warning("%s is not a whole number; using %d", name, default)
        return default
    if value < minimum:
        logger.warning("%s must be at least %d; using %d", name, minimum, default)
        return default
    return value


def trust_forwarded_headers(env: Optional[Mapping[str, str]] = None) -> bool:
    return (os.environ if env is None else env).get(TRUST_FORWARDED_HEADERS_ENV, "").strip().lower() in TRUE_WORDS


def client_ip(peer: Optional[str], forwarded_for: Optional[str], trust_forwarded: bool) -> str:
    """The address a limit counts: the peer's, or the last X-Forwarded-For entry behind a trusted proxy."""
    if trust_forwarded and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return peer or "unknown"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until the key may send again
    first_refusal: bool = False  # the first refusal since the key was last allowed

    @property
    def retry_after_header(self) -> str:
        """The Retry-After value: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after)))


class _Bucket:
    __slots__ = ("tokens", "updated", "refused")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated
        self.refused = False


class RateLimiter:
    """A token bucket per key: `per_minute` requests at once, then one every 60/per_minute s.

    At most `max_keys` keys are remembered; the least recently seen is forgotten first (it starts
    again with a full bucket), so memory stays bounded whatever the number of senders or addresses.
    """

    def __init__(self, per_minute: int, *, max_keys: Optional[int] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = max(0, int(per_minute))
        self.max_keys = max(1, max_keys if max_keys is not None else setting(TRACKED_KEYS, minimum=1))
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, name_and_default: tuple[str, int], env: Optional[Mapping[str, str]] = None) -> "RateLimiter":
        return cls(setting(name_and_default, env), max_keys=setting(TRACKED_KEYS, env, minimum=1))

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str) -> Verdict:
        """Count one request for `key`: whether it is allowed, and if not, for how long."""
        if not self.enabled:
            return Verdict(True)
        rate = self.per_minute / 60.0  # tokens per second
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
                while len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
                bucket.tokens = min(float(self.per_minute), bucket.tokens + max(0.0, now - bucket.updated) * rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                bucket.refused = False
                return Verdict(True)
            first = not bucket.refused
            bucket.refused = True
            return Verdict(False, (1.0 - bucket.tokens) / rate, first)
