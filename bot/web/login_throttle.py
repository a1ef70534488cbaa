"""Failed sign-ins per client address, so the navigator passphrase cannot be guessed quickly:
a wrong passphrase in the sign-in form and a wrong bearer token both count."""
from __future__ import annotations

import time
from collections import deque

# A password guesser gets this many tries per client address per window.
MAX_LOGIN_FAILURES = 10
LOGIN_WINDOW_SECONDS = 300
MAX_TRACKED_CLIENTS = 10_000


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
