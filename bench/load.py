"""Does the production configuration hold a busy night? Prints throughput, latency and errors.

    make bench-load
    .venv/bin/python bench/load.py [--postgres URL --conversations URL --redis URL] [--phones 200] [--rate 20]

Two Rasa replicas (each with its own action server) share one PostgreSQL (the
conversation store, the registry and the SMS channel's store) and one Redis
(the lock store). 200 simulated phones each text a whole conversation to the
SMS webhook, signed with Twilio's own RequestValidator against the public URL;
requests go round-robin to the two replicas with no stickiness, as behind a
load balancer, at a fixed arrival rate (turns per second, open loop: a slow
reply does not slow the senders down).

Counted per turn: HTTP status, a TwiML reply with at least one message, the
apology (which means an action failed), and a reply identical to the previous
one in the same conversation where it should differ (processed twice).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import services  # noqa: E402  (throwaway PostgreSQL and Redis from Debian's packages)

from bot.migrate import migrate_all  # noqa: E402
from bot.rasa_server.patches.resilience import APOLOGY  # noqa: E402
from bot.run import DEFAULT_MODEL, Assistant  # noqa: E402
from providers.registry import Registry  # noqa: E402

PUBLIC_URL = "https://navigator.example.org"
WEBHOOK_PATH = "/webhooks/twilio/webhook"
ZIPS = ["19134", "19122", "21201", "08102", "15213", "22902", "43215", "60612", "89501", "02118", "97214", "30303",
        "78701", "48201", "63103", "85004", "98101", "37203", "40202", "04101"]


def conversation(rng: random.Random) -> list[tuple[str, str]]:
    """(message, what the reply must contain) for one phone's whole conversation."""
    z = rng.choice(ZIPS)
    return rng.choice([
        [(f"need subs near {z} i have medicaid", "1. "), ("more", "4. "), ("2", "When you call"),
         (f"narcan near {z}", "naloxone")],
        [("hi", "What are you looking for"), ("1", "ZIP code"), (z, "Which medication"), ("methadone", "pay"),
         ("medicaid", "1. "), ("1", "When you call")],
        [(f"wher can i get methadone near {z}", "pay"), ("no insurance", "1. "), ("what is methadone", "liquid"),
         ("3", "When you call"), ("thanks", "welcome")],
        [(f"looking for vivitrol in {z}", "pay"), ("private insurance", "1. "), ("actually i have medicaid", "1. "),
         ("1", "When you call"), ("bye", "Take care")],
    ])


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lost = 0
        self.duplicated = 0
        self.unexpected = 0
        self.samples: list[str] = []  # a few unexpected or repeated replies, to read


async def phone(n: int, seed: int, session: aiohttp.ClientSession, replicas: list[int], validator: RequestValidator,
                schedule: asyncio.Queue, stats: Stats, rng: random.Random) -> None:
    # Phones and message ids differ per run (the seed): the warm-up's phones must not reappear
    # mid-conversation, nor its message ids be taken for Twilio retries.
    number = f"+1{seed % 900 + 100}555{n:04d}"
    previous = None
    for turn, (text, expected) in enumerate(conversation(rng)):
        await schedule.get()  # the next arrival slot: the offered load stays fixed
        params = {"From": number, "To": "+12155550000", "Body": text, "MessageSid": f"SM{seed}x{n:04d}x{turn:02d}",
                  "NumMedia": "0", "AccountSid": "ACload"}
        signature = validator.compute_signature(PUBLIC_URL + WEBHOOK_PATH, params)
        port = replicas[(n + turn) % len(replicas)]
        start = time.perf_counter()
        try:
            async with session.post(f"http://localhost:{port}{WEBHOOK_PATH}", data=params,
                                    headers={"X-Twilio-Signature": signature}) as response:
                body = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            stats.errors.append(type(e).__name__)
            continue
        stats.latencies.append(time.perf_counter() - start)
        if status != 200:
            stats.errors.append(f"HTTP {status}")
            continue
        reply = " ".join(m.text or "" for m in ET.fromstring(body).iter("Message"))
        if not reply or APOLOGY[:30] in reply:
            stats.lost += 1
        elif reply == previous:
            stats.duplicated += 1
            stats.samples.append(f"same reply again to {text!r}: {reply[:70]!r}")
        elif expected.lower() not in reply.lower():
            stats.unexpected += 1
            stats.samples.append(f"{text!r} expected {expected!r}, got {reply[:70]!r}")
        previous = reply


async def drive(replicas: list[int], phones: int, rate: float, token: str, seed: int) -> tuple[Stats, float]:
    rng = random.Random(seed)
    stats = Stats()
    schedule: asyncio.Queue = asyncio.Queue()
    validator = RequestValidator(token)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=400)) as session:
        workers = [asyncio.create_task(phone(n, seed, session, replicas, validator, schedule, stats,
                                             random.Random(rng.random()))) for n in range(phones)]
        started = time.perf_counter()
        sent = 0
        while not all(w.done() for w in workers):
            due = int((time.perf_counter() - started) * rate) + 1
            while sent < due:
                schedule.put_nowait(None)
                sent += 1
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
    return stats, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql://user:pass@host:port/postgres); "
                                           "by default a throwaway one on loopback (tests/support/services.py)")
    parser.add_argument("--conversations", help="with --postgres: the conversations' database, which must not be "
                                                "the registry's (production refuses that)")
    parser.add_argument("--redis", help="a Redis URL (redis://host:port/0); by default a throwaway one")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="turns per second offered")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.postgres and not args.conversations:
        parser.error("--postgres needs --conversations (a database of their own)")

    with contextlib.ExitStack() as stack:
        postgres = None if args.postgres else stack.enter_context(services.Postgres())
        redis_url = args.redis or stack.enter_context(services.Redis()).url
        if postgres:
            registry_url, tracker_url, channel_url = (postgres.create_database(name)
                                                      for name in ("registry", "conversations", "channels"))
        else:
            registry_url = channel_url = args.postgres
            tracker_url = args.conversations
        token = "load-test-auth-token"
        env = {"NAVIGATOR_MODE": "production", "NAVIGATOR_DATABASE_URL": registry_url,
               "NAVIGATOR_TRACKER_DATABASE_URL": tracker_url, "NAVIGATOR_CHANNEL_DATABASE_URL": channel_url,
               "NAVIGATOR_REDIS_URL": redis_url, "NAVIGATOR_RASA_TOKEN": "load-test-rasa-token",
               "NAVIGATOR_SENDER_KEY": "load-test-sender-key", "NAVIGATOR_WIDGET_SECRET": "load-test-widget-secret",
               "NAVIGATOR_WIDGET_ORIGINS": "https://health.example.gov", "TWILIO_AUTH_TOKEN": token,
               "NAVIGATOR_PUBLIC_URL": PUBLIC_URL}
        migrate_all(env)  # `python -m bot.migrate`, before the servers start
        registry = Registry(registry_url)
        if registry.is_empty():
            registry.import_sources()
        registry.engine.dispose()
        replicas = [Assistant(args.model, rasa_port=services.free_port(), actions_port=services.free_port(), env=env,
                              only=("actions", "rasa"), quiet=True) for _ in range(2)]
        for assistant in replicas:
            stack.callback(assistant.stop)
            assistant.start()
        for assistant in replicas:
            assistant.wait_ready()
        ports = [a.rasa_port for a in replicas]
        # Warm both replicas (model caches, geocoder index) before measuring.
        asyncio.run(drive(ports, 10, 5.0, token, seed=999))
        stats, elapsed = asyncio.run(drive(ports, args.phones, args.rate, token, args.seed))
    turns = len(stats.latencies) + len(stats.errors)
    ms = [x * 1000 for x in stats.latencies]
    print(f"{args.phones} phones, {turns} turns in {elapsed:.1f} s = {turns / elapsed:.1f} turns/s "
          f"(offered {args.rate:g}/s), 2 Rasa replicas + 2 action servers, PostgreSQL + Redis")
    print(f"latency p50={statistics.median(ms):.0f} ms  p95={percentile(ms, 95):.0f} ms  "
          f"p99={percentile(ms, 99):.0f} ms  max={max(ms):.0f} ms")
    print(f"errors={len(stats.errors)} {sorted(set(stats.errors))}  lost replies={stats.lost}  "
          f"duplicated replies={stats.duplicated}  unexpected replies={stats.unexpected}")
    for sample in stats.samples[:8]:
        print("  ", sample)


if __name__ == "__main__":
    main()
