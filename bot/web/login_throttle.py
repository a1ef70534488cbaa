"""Failed sign-ins per client, so the navigator passphrase cannot be guessed quickly: a wrong
passphrase in the sign-in form and a wrong bearer token both count.

A client is a known device (the signed cookie a successful sign-in leaves, bot.web.auth) or,
without one, an address (an IPv6 address counts as its /64, which one machine usually holds
whole). A blocked address never blocks a known device, a signed-in navigator (a valid session
never reaches the throttle), or another address; see bot.web.auth.check_secret for why a blocked
client is refused even when it sends the right secret.
"""
from __future__ import annotations

import time
from collections import OrderedDict, deque

# A password guesser gets this many tries per client per window.
MAX_LOGIN_FAILURES = 10
LOGIN_WINDOW_SECONDS = 300
MAX_TRACKED_CLIENTS = 10_000


class LoginThrottle:
    """Counts failed sign-ins per client key, so a passphrase cannot be guessed quickly."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        # Least recently failed first: past MAX_TRACKED_CLIENTS the oldest is forgotten, not all of
        # them (which would let a guesser clear its own block by failing from many addresses).
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()
        self.warned_about_proxies = False

    def _recent(self, client: str) -> deque[float]:
        times = self.failures.get(client, deque())
        while times and times[0] < self.clock() - LOGIN_WINDOW_SECONDS:
            times.popleft()
        if not times:
            self.failures.pop(client, None)
        return times

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= MAX_LOGIN_FAILURES

    def retry_after_header(self, client: str) -> str:
        """Seconds until the oldest failure counted for a client leaves the window."""
        times = self._recent(client)
        wait = times[0] + LOGIN_WINDOW_SECONDS - self.clock() if times else 1
        return str(max(1, int(wait) + 1))

    def failed(self, client: str) -> None:
        times = self._recent(client)
        times.append(self.clock())
        self.failures[client] = times
        self.failures.move_to_end(client)
        while len(self.failures) > MAX_TRACKED_CLIENTS:
            self.failures.popitem(last=False)
