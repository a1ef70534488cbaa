"""The trained assistant in this process, for the integration tier."""
from __future__ import annotations

import socket

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.endpoint import create_app as create_action_app
from sanic import Sanic

from bot.actions import common
from bot.rasa_server import patches
from bot.rasa_server.tracker_store import PrivateSQLTrackerStore
from bot.run import DEFAULT_MODEL
from support.services import free_port, start_sanic, stop_sanic


@pytest.fixture(scope="session")
def trained_agent() -> Agent:
    """The trained model, loaded once, as the Rasa server loads it (patches installed first),
    calling an action server on `trained_agent.actions_port`."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    patches.install()  # as `python -m bot.rasa_server` does before Rasa loads anything
    port = free_port()
    agent = Agent.load(str(DEFAULT_MODEL), action_endpoint=EndpointConfig(url=f"http://127.0.0.1:{port}/webhook"))
    agent.actions_port = port
    return agent


@pytest.fixture
async def in_process_assistant(trained_agent, national_registry, tmp_path, monkeypatch):
    """The trained assistant in this process with the real conversation store (a fresh SQLite
    file) and the real action server (bot.actions) on the national registry."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setattr(common, "registry", lambda: national_registry)
    store = PrivateSQLTrackerStore(trained_agent.domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    trained_agent.tracker_store = trained_agent.processor.tracker_store = FailSafeTrackerStore(store)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", trained_agent.actions_port))
    server = await start_sanic(create_action_app("bot.actions"), listener, access_log=True)
    yield trained_agent
    await stop_sanic(server)
    store.engine.dispose()
