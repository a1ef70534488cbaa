"""`/health` and `/ready` on the Rasa server and the action server (bot.readiness says what they mean).

Stock Rasa answers `/` with 200 while Redis, the conversation database or the action server is
down and every person gets the apology. Here:

- the Rasa server (rasa.core.run.configure_app) gets `/health` and `/ready`, which checks that the
  model is loaded (`model`), the conversation store answers `SELECT 1` (`conversations`), the lock
  store answers PING (`lock_store`, Redis in production) and the action server's `/health` answers
  (`actions`);
- the action server (rasa_sdk.endpoint.create_app; it has `/health` already) gets `/ready`, which
  checks that the registry database answers (`registry`).

Installed by bot.rasa_server.patches.install(), with the signature checks of the others.
"""
from __future__ import annotations

import asyncio
from functools import wraps
from typing import Any

import aiohttp
import rasa.core.run
import rasa_sdk.endpoint
import sqlalchemy as sa
from rasa.core.lock_store import RedisLockStore
from sanic import response

from bot import readiness


def _inner(store: Any) -> Any:
    """The store inside Rasa's wrappers (FailSafeTrackerStore, AwaitableTrackerStore)."""
    while not hasattr(store, "engine") and hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def _select_one(engine: Any) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def rasa_checks(app: Any) -> dict[str, readiness.Check]:
    agent = getattr(app.ctx, "agent", None)

    async def model() -> bool:
        return agent is not None and agent.is_ready()

    async def conversations() -> bool:
        if agent is None:
            return False
        store = _inner(agent.tracker_store)
        engine = getattr(store, "engine", None)
        if engine is not None:
            await asyncio.to_thread(_select_one, engine)
        return True  # an in-memory store is always there

    async def lock_store() -> bool:
        if agent is None:
            return False
        store = agent.lock_store
        if isinstance(store, RedisLockStore):
            return bool(await asyncio.to_thread(store.red.ping))
        return True  # in memory

    async def actions() -> bool:
        endpoint = getattr(agent, "action_endpoint", None) if agent is not None else None
        if endpoint is None or not endpoint.url:
            return agent is not None
        timeout = aiohttp.ClientTimeout(total=readiness.CHECK_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(readiness.health_url(endpoint.url)) as answer:
                return answer.status == 200

    return {"model": model, "conversations": conversations, "lock_store": lock_store, "actions": actions}


def add_routes(app: Any, checks) -> None:
    """`/health` (unless the app has one) and `/ready`, answering from `checks(app)`."""
    if not any(route.path in ("health", "/health") for route in app.router.routes):
        @app.get("/health", name="navigator_health")
        async def health(_request):
            return response.json({"status": "ok"})

    @app.get("/ready", name="navigator_ready")
    async def ready(_request):
        status, body = await readiness.report(checks(app))
        return response.json(body, status=status)


def action_server_checks(_app: Any) -> dict[str, readiness.Check]:
    async def registry() -> bool:
        from bot.actions.common import registry as open_registry  # the action server's own registry

        def reachable() -> None:
            _select_one(open_registry().engine)

        await asyncio.to_thread(reachable)
        return True

    return {"registry": registry}


def _rasa_with_readiness(configure_app):
    @wraps(configure_app)
    def configure_app_with_readiness(*args, **kwargs):
        app = configure_app(*args, **kwargs)
        add_routes(app, rasa_checks)
        return app

    configure_app_with_readiness.has_readiness = True
    return configure_app_with_readiness


def _actions_with_readiness(create_app):
    @wraps(create_app)
    def create_app_with_readiness(*args, **kwargs):
        app = create_app(*args, **kwargs)
        add_routes(app, action_server_checks)
        return app

    create_app_with_readiness.has_readiness = True
    return create_app_with_readiness


def install_rasa() -> None:
    if not getattr(rasa.core.run.configure_app, "has_readiness", False):
        rasa.core.run.configure_app = _rasa_with_readiness(rasa.core.run.configure_app)


def install_actions() -> None:
    if not getattr(rasa_sdk.endpoint.create_app, "has_readiness", False):
        rasa_sdk.endpoint.create_app = _actions_with_readiness(rasa_sdk.endpoint.create_app)
