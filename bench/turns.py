"""How long does a turn take? Prints p50 and p95 turn latency over the REST channel.

    .venv/bin/python bench/turns.py [--messages 500] [--senders 10] [--no-yardstick]

1. The navigator: the Rasa server with the trained model, the action server and the
   national registry, on fresh ports with a throwaway conversation store. Each of
   10 concurrent senders holds real conversations (a search from a random ZIP,
   answers, MORE, details, NEW, a harm reduction search, a question), so most
   turns run custom actions and real searches.
2. The yardstick: a stock `rasa init` assistant, trained here in a temporary
   folder and served on this machine in the same run, sent its own kind of
   messages at the same concurrency.

Turn latency is from sending a message to receiving the whole reply.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.run import DEFAULT_MODEL, Assistant  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from support.services import free_port  # noqa: E402

ZIPS = ["19134", "19122", "21201", "08102", "15213", "22902", "43215", "60612", "89501", "02118", "97214", "30303",
        "78701", "48201", "63103", "85004", "98101", "37203", "40202", "04101"]


def navigator_conversation(rng: random.Random) -> list[str]:
    z = rng.choice(ZIPS)
    return rng.choice([
        [f"need subs near {z} i have medicaid", "more", "2", "new", f"narcan near {z}"],
        ["hi", "1", z, "methadone", "medicare", "1"],
        [f"wher can i get methadone near {z}", "no insurance", "what is methadone", "3", "thanks"],
        [f"i need help near {z}", "2", "more", "how do i start bupe", "bye"],
        [f"looking for vivitrol in {z}", "private insurance", "actually i have medicaid", "1"],
    ])


YARDSTICK_MESSAGES = ["hello", "I am sad", "yes", "hi", "great", "bye", "are you a bot?", "no", "good morning",
                      "I am feeling very good", "not really"]


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


async def drive(port: int, messages: int, senders: int, next_messages, seed: int) -> list[float]:
    url = f"http://localhost:{port}/webhooks/rest/webhook"
    latencies: list[float] = []
    remaining = messages
    lock = asyncio.Lock()

    async def sender(n: int) -> None:
        nonlocal remaining
        rng = random.Random(seed + n)
        async with aiohttp.ClientSession() as session:
            conversation = 0
            while True:
                conversation += 1
                sender_id = f"bench-{seed}-{n}-{conversation}"
                for text in next_messages(rng):
                    async with lock:
                        if remaining <= 0:
                            return
                        remaining -= 1
                    start = time.perf_counter()
                    async with session.post(url, json={"sender": sender_id, "message": text}) as response:
                        await response.read()
                        if response.status != 200:
                            raise RuntimeError(f"HTTP {response.status}")
                    latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(sender(n) for n in range(senders)))
    return latencies


def measure(label: str, port: int, args, next_messages) -> list[float]:
    asyncio.run(drive(port, 40, 4, next_messages, seed=999))  # warm up: first loads, caches
    latencies = asyncio.run(drive(port, args.messages, args.senders, next_messages, seed=args.seed))
    ms = [x * 1000 for x in latencies]
    print(f"{label:<34} n={len(ms)} senders={args.senders}  p50={statistics.median(ms):6.1f} ms  "
          f"p95={percentile(ms, 95):6.1f} ms  max={max(ms):6.1f} ms", flush=True)
    return ms


def yardstick(args) -> list[float] | None:
    rasa = str(Path(sys.executable).parent / "rasa")
    with tempfile.TemporaryDirectory() as tmp:
        print("training a stock `rasa init` assistant for the yardstick...", flush=True)
        subprocess.run([rasa, "init", "--no-prompt", "--init-dir", tmp], check=True, cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        model = next(Path(tmp, "models").glob("*.tar.gz"))
        port = free_port()
        server = subprocess.Popen([rasa, "run", "--model", str(model), "--port", str(port)], cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    urllib.request.urlopen(f"http://localhost:{port}/", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("the stock assistant did not start") from None
                    time.sleep(0.5)
            return measure("stock `rasa init` assistant", port, args,
                           lambda rng: rng.sample(YARDSTICK_MESSAGES, 5))
        finally:
            server.terminate()
            server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-yardstick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        endpoints = Path(tmp, "endpoints.yml")
        actions_port, rasa_port = free_port(), free_port()
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
            f"tracker_store:\n  type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore\n  dialect: sqlite\n"
            f"  db: {tmp}/tracker.db\n")
        with Assistant(args.model, rasa_port=rasa_port, actions_port=actions_port, endpoints=endpoints,
                       web=False, quiet=True) as assistant:
            assistant.wait_ready()
            ours = measure("navigator (real searches)", rasa_port, args, navigator_conversation)
    if args.no_yardstick:
        return
    stock = yardstick(args)
    if stock:
        print(f"p95 ratio navigator / stock: {percentile(ours, 95) / percentile(stock, 95):.2f}x")


if __name__ == "__main__":
    main()
