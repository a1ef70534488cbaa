"""The web app on the national registry, and a stand-in for Rasa's NLU, for the unit tier."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from bot.senders import ChannelStore
from bot.web.app import make_app
from bot.web.config import Settings
from support.services import free_port
from support.web import NAVIGATOR_TOKEN, RASA_TOKEN, SENDER_KEY_HEX, AppServer


@pytest.fixture
async def serve(national_registry, tmp_path, monkeypatch):
    """Start the web app on the national registry, on the runner `python -m bot.web.app` uses;
    keyword arguments override its settings."""
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", SENDER_KEY_HEX)
    clients: list[TestClient] = []
    # `python -m bot.migrate` before the server starts: the web app reads the STOP list and changes no schema.
    ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True).engine.dispose()

    async def start(**overrides: Any) -> TestClient:
        settings = Settings(**{
            "database_url": str(national_registry.engine.url),
            "channel_database_url": f"sqlite:///{tmp_path / 'channels.db'}",
            "rasa_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "rasa_token": RASA_TOKEN,
            "navigator_token": NAVIGATOR_TOKEN,
            **overrides,
        })
        client = TestClient(AppServer(make_app(settings)))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def fake_rasa():
    """A tiny /model/parse that answers with the entities given for each text."""
    answers: dict[str, list[dict]] = {}
    requests: list[dict] = []

    async def parse(request: web.Request) -> web.Response:
        body = await request.json()
        requests.append({"token": request.query.get("token"), "text": body["text"]})
        if request.query.get("token") != RASA_TOKEN:
            return web.json_response({"message": "unauthorized"}, status=401)
        return web.json_response({"text": body["text"], "intent": {"name": "find_treatment", "confidence": 1.0},
                                  "entities": answers.get(body["text"], [])})

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    server = TestServer(app)
    await server.start_server()
    yield SimpleNamespace(url=str(server.make_url("")).rstrip("/"), answers=answers, requests=requests)
    await server.close()


@pytest.fixture(autouse=True)
def daytime(monkeypatch):
    """Noon in Philadelphia: at night the results carry an open-now line, and a test's reply must not
    depend on the hour it runs (tests of the night line set their own clock)."""
    from datetime import datetime, timezone

    from bot.actions import search

    monkeypatch.setattr(search, "clock", lambda: datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc))
