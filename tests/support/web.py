"""The web app as tests drive it: its tokens and keys, a stand-in for Twilio's client, signing
in to the navigator page, the server as `python -m bot.web.app` runs it, and raw HTTP over a
socket for requests a client library would not send. The `serve` and `fake_rasa` fixtures
(tests/unit/conftest.py) start the app and a stand-in for Rasa's NLU with these."""
from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import make_runner

NAVIGATOR_TOKEN = "navigator-test-passphrase-1234"
RASA_TOKEN = "rasa-test-token"
SENDER_KEY_HEX = "ab" * 32
BEARER = {"Authorization": f"Bearer {NAVIGATOR_TOKEN}"}


class FakeTwilio:
    """Stands in for twilio.rest.Client: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.messages = self

    def create(self, *, to: str, from_: str, body: str):
        self.sent.append({"to": to, "from_": from_, "body": body})
        return SimpleNamespace(sid=f"SM{uuid.uuid4().hex}")


def origin(client: TestClient) -> str:
    return f"http://{client.host}:{client.port}"


async def sign_in(client: TestClient) -> str:
    """Signs in with the form and returns the navigator page's CSRF token."""
    response = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False,
                                  headers={"Origin": origin(client)})
    assert response.status == 303
    page = await (await client.get("/navigator")).text()
    return re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page).group(1)


def registry_copy(registry: Any, path: Path) -> str:
    """A copy of an SQLite registry (the shared national one) for a test that reports or reviews."""
    source, target = sqlite3.connect(registry.engine.url.database), sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{path}"


class AppServer(TestServer):
    """The app on the runner `python -m bot.web.app` uses (bot.web.server), on a real socket."""

    async def _make_runner(self, **kwargs: Any) -> web.AppRunner:
        return make_runner(self.app, **kwargs)


@dataclass
class RawReply:
    received: bytes | None  # everything the server sent before it closed; None if it kept the connection open
    sent: int  # bytes written before the server closed the connection (or all of them)

    @property
    def statuses(self) -> list[int]:
        return [int(code) for code in re.findall(rb"^HTTP/1\.1 (\d{3}) ", self.received or b"", re.MULTILINE)]

    @property
    def status(self) -> int | None:
        return self.statuses[0] if self.statuses else None


async def raw_exchange(port: int, pieces: Iterable[bytes], *, pause: float = 0.0, timeout: float = 10.0) -> RawReply:
    """Writes `pieces` to 127.0.0.1:port one at a time (waiting `pause` between them, so that each
    arrives on its own), stops when the server closes, and reads until it has closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def read_all() -> bytes:
        chunks = []
        try:
            while chunk := await reader.read(65536):
                chunks.append(chunk)
        except ConnectionError:
            pass
        return b"".join(chunks)

    reading = asyncio.create_task(read_all())
    sent = 0
    try:
        for piece in pieces:
            if reading.done():
                break
            writer.write(piece)
            await writer.drain()
            sent += len(piece)
            if pause:
                await asyncio.sleep(pause)
    except ConnectionError:
        pass
    try:
        received: bytes | None = await asyncio.wait_for(reading, timeout)
    except asyncio.TimeoutError:
        received = None
    writer.close()
    return RawReply(received, sent)
