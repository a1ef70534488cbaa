"""Rate limits for the public endpoints, counted in this process's memory.

Each limit is a number of requests per minute for one key (a hashed phone number, a widget
conversation, a client address), one of the NAVIGATOR_LIMIT_* settings in bot.settings, read
when a channel or the web app starts; 0 turns a limit off. A key may spend its whole minute at
once (a burst), then gets one more request every 60/N seconds (a token bucket).

The counts live in one process: with several replicas behind a load balancer each counts on its
own, so a client spread over n replicas gets up to n times a limit.

A client's address is the connection's peer, or, only when NAVIGATOR_TRUST_FORWARDED_HEADERS is
on (the same setting the SMS channel uses for the URL it checks), the last address in
X-Forwarded-For: the one the trusted proxy in front of us appended. Earlier entries are whatever
the client sent and are never used.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot import settings
from bot.settings import Setting


def client_ip(peer: str | None, forwarded_for: str | None, trust_forwarded: bool) -> str:
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

    def __init__(self, per_minute: int, *, max_keys: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = max(0, int(per_minute))
        self.max_keys = max(1, max_keys if max_keys is not None else settings.TRACKED_KEYS.read())
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, limit: Setting, env: Mapping[str, str] | None = None) -> RateLimiter:
        return cls(limit.read(env), max_keys=settings.TRACKED_KEYS.read(env))

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
