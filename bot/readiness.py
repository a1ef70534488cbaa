"""Readiness: whether a process can do its work now, not only whether it answers.

Each process serves two routes:

    GET /health   liveness: the process answers (200 {"status": "ok"}); restart it if this fails
    GET /ready    readiness: every dependency it needs is reachable; 503 names the ones that are not

`/ready` answers 200 `{"ready": true, "down": []}` or 503 `{"ready": false, "down": ["lock_store"]}`.
The body names dependencies by a fixed word, never by URL or error text, so it carries no host,
password or path: a proxy or a monitor may show it. What each process checks:

- Rasa server (bot.rasa_server.patches.readiness): `model`, `conversations`, `lock_store`, `actions`
- action server (same module): `registry`
- web app (bot.web.app): `registry`, `rasa`
"""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping

log = logging.getLogger(__name__)

# Each dependency gets this long; a check that takes longer counts as down.
CHECK_SECONDS = 3.0

Check = Callable[[], Awaitable[object]]


async def _passes(name: str, check: Check, timeout: float) -> bool:
    try:
        result = await asyncio.wait_for(check(), timeout)
    except asyncio.TimeoutError:
        log.warning("readiness: %s did not answer within %g s", name, timeout)
        return False
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the type only, never its text
        log.warning("readiness: %s is down (%s)", name, type(error).__name__)
        return False
    return result is not False


async def down(checks: Mapping[str, Check], timeout: float = CHECK_SECONDS) -> list[str]:
    """The names of the checks that fail (raise, time out or return False), all run at once."""
    names = list(checks)
    results = await asyncio.gather(*(_passes(name, checks[name], timeout) for name in names))
    return [name for name, ok in zip(names, results, strict=True) if not ok]


async def report(checks: Mapping[str, Check], timeout: float = CHECK_SECONDS) -> tuple[int, dict]:
    """The HTTP status and JSON body of `/ready`."""
    failing = await down(checks, timeout)
    return (503 if failing else 200), {"ready": not failing, "down": failing}


def health_url(action_url: str) -> str:
    """The action server's /health from its webhook URL (`http://actions:5055/webhook`)."""
    base = action_url.split("?", 1)[0].rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


def probe(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """Whether `url` answers 200, and in a few words what it said."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status == 200, f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        try:
            down = json.loads(error.read() or b"{}").get("down") or []
        except ValueError:
            down = []
        return False, f"HTTP {error.code}" + (f": {', '.join(map(str, down))} down" if down else "")
    except OSError as error:
        return False, f"no answer ({type(error).__name__})"


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.readiness URL [--wait SECONDS]`: exit 0 when URL answers 200 (a health check for
    compose, systemd or a monitor); with --wait, keep asking until it does or the time is up."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m bot.readiness")
    parser.add_argument("url", help="a server's /health or /ready (http://127.0.0.1:5005/ready)")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to keep asking (default: ask once)")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.wait
    while True:
        ok, said = probe(args.url)
        if ok:
            return 0
        if time.monotonic() >= deadline:
            print(f"{args.url.split('?', 1)[0]}: {said}", file=sys.stderr)
            return 1
        time.sleep(1.0)


if __name__ == "__main__":
    raise SystemExit(main())
