"""Fixtures more than one tier uses, and the tier markers.

Tests live in one directory per tier, and each test gets its directory's marker, so
`pytest tests/unit` and `pytest -m unit` select the same tests:

- tests/unit: no trained model, no external services, no child processes (`make test-fast`);
- tests/integration: the trained model loaded in this process, real PostgreSQL or Redis, or a
  child Python interpreter;
- tests/system: the servers the launcher (bot.run) starts, and Chromium.

Helpers that are not fixtures are in tests/support/ (on the path through pyproject's `pythonpath`).
"""
from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import aiohttp
import pytest
import structlog
from rasa import server as rasa_server
from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from sanic import Sanic

from bot.rasa_server.channels.socketio_secure import SecureSocketIOInput
from bot.rasa_server.channels.twilio_sms import TwilioSmsInput
from bot.senders import ChannelStore
from providers.registry import Registry

# The support modules assert inside helpers (a reply is TwiML, a sign-in succeeded): rewritten, their
# failures explain themselves as a test module's do. Registered before they are first imported.
pytest.register_assert_rewrite("support")
from support.logs import Everything  # noqa: E402
from support.services import start_sanic, stop_sanic  # noqa: E402
from support.sms import KEY, TOKEN, FakeAgent, RecordingTrackerStore, Webhook  # noqa: E402
from support.widget import WIDGET_ORIGIN, RawSocketIO, echo  # noqa: E402

TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "integration", "system")


def pytest_collection_modifyitems(config, items):
    """Marks each test with the tier its directory names; a test outside the tiers is an error."""
    for item in items:
        tier = item.path.relative_to(TESTS).parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.path.relative_to(TESTS.parent)} is in no tier: move it under "
                                    f"tests/{{{','.join(TIERS)}}}/")
        item.add_marker(getattr(pytest.mark, tier))


# --- registries and services -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def national_registry(tmp_path_factory) -> Registry:
    """The registry a user gets from `providers import`: every shipped listing."""
    path = tmp_path_factory.mktemp("registry") / "registry.db"
    registry = Registry(f"sqlite:///{path}", migrate=True)
    registry.import_sources()
    return registry


@pytest.fixture
def empty_registry(tmp_path) -> Registry:
    return Registry(f"sqlite:///{tmp_path / 'registry.db'}", migrate=True)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL on loopback for this test session (tests/support/services.py)."""
    from support.services import Postgres

    with Postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis on loopback for this test session."""
    from support.services import Redis

    with Redis() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_registry(postgres) -> Registry:
    """The same national registry as `national_registry`, in PostgreSQL."""
    registry = Registry(postgres.create_database("registry"), migrate=True)
    registry.import_sources()
    return registry


# --- the channels on real Sanic servers, with stand-ins for the assistant --------------------------


@pytest.fixture
async def start_webhook(tmp_path, monkeypatch):
    """Start the channel on a random local port, mounted with rasa's own `register`."""
    # Test mode lets Sanic start more than one app in a process (as sanic-testing does).
    monkeypatch.setattr(Sanic, "test_mode", True)
    webhooks: list[tuple[Webhook, Any]] = []

    async def start(
        *, auth_token: Optional[str] = TOKEN, tracker_store: Optional[InMemoryTrackerStore] = None,
        agent: Any = None, **options: Any
    ) -> Webhook:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        # Twilio signs the public URL, which a deployment must configure: here, the local one.
        options.setdefault("public_url", f"http://127.0.0.1:{listener.getsockname()[1]}")
        store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True)
        channel = TwilioSmsInput(auth_token, key=KEY, store=store, **options)
        tracker_store = tracker_store if tracker_store is not None else RecordingTrackerStore()
        agent = agent or FakeAgent(tracker_store)
        app = Sanic(f"sms_test_{uuid.uuid4().hex}", configure_logging=False)
        app.ctx.agent = agent
        register([channel], app, route="/webhooks/")
        server = await start_sanic(app, listener)
        webhook = Webhook(listener.getsockname()[1], agent, tracker_store, store, aiohttp.ClientSession())
        webhooks.append((webhook, server))
        return webhook

    yield start
    for webhook, server in webhooks:
        await webhook.session.close()
        await stop_sanic(server)
        webhook.store.engine.dispose()


@pytest.fixture
async def start_widget(monkeypatch):
    """The widget channel on a real Sanic server mounted the way Rasa mounts channels, with Rasa's CORS
    set-up, the channel's options chosen by the test, and an agent: by default one that records each
    message in `received` and answers with `reply` (an echo unless the test says)."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    running: list[tuple[Any, aiohttp.ClientSession]] = []

    async def start(*, agent: Any = None, reply: Callable[[UserMessage], Awaitable[None]] = echo,
                    access_log: bool = False, **options: Any) -> SimpleNamespace:
        received: list[UserMessage] = []

        async def record_and_reply(message: UserMessage) -> None:
            received.append(message)
            await reply(message)

        options.setdefault("secret", b"test-widget-secret")
        channel = SecureSocketIOInput(cors_allowed_origins=[WIDGET_ORIGIN], **options)
        app = Sanic(f"widget_limits_{uuid.uuid4().hex}", configure_logging=False)
        rasa_server.configure_cors(app, None)  # what `rasa run` does without --cors
        app.ctx.agent = agent or SimpleNamespace(handle_message=record_and_reply)
        register([channel], app, route="/webhooks/")
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        server = await start_sanic(app, listener, access_log=access_log)
        session = aiohttp.ClientSession()
        running.append((server, session))
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"

        async def connect(origin: str | None = WIDGET_ORIGIN, headers: dict[str, str] | None = None) -> RawSocketIO:
            return await RawSocketIO.open(session, url, origin, headers)

        return SimpleNamespace(url=url, connect=connect, received=received, channel=channel, session=session)

    yield start
    for server, session in running:
        await session.close()
        await stop_sanic(server)


# --- logs ------------------------------------------------------------------------------------------


@pytest.fixture
def captured_logs():
    """A handler on the root logger at INFO, and on the loggers that may not propagate; Rasa's
    structlog routed into logging at INFO as `rasa run` does (without caching its loggers)."""
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    others = [logging.getLogger(name) for name in ("sanic.access", "sanic.root", "sanic.error", "aiohttp.access",
                                                   "aiohttp.server", "socketio", "engineio", "rasa", "rasa_sdk")]
    others = [logger for logger in others if not logger.propagate]
    for logger in others:
        logger.addHandler(handler)
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, structlog.processors.add_log_level,
                    structlog.processors.JSONRenderer()],
        context_class=dict, logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO), cache_logger_on_first_use=False)
    yield handler
    structlog.reset_defaults()
    for logger in others:
        logger.removeHandler(handler)
    root.removeHandler(handler)
    root.setLevel(old_level)
