"""`/ready` tells the truth: each process's readiness fails when a dependency it needs is down, names
it without a URL or a secret, and passes again when it is back (bot.readiness). The Rasa server's and
the action server's, launched, on real PostgreSQL and Redis: tests/system/test_production.py."""
from __future__ import annotations

import json
from types import SimpleNamespace

import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot import readiness
from bot.rasa_server.patches.readiness import rasa_checks
from bot.web.state import REGISTRY
from support.services import free_port


async def a_server(routes: dict[str, int]) -> TestServer:
    """A real server on a socket answering each GET path with its status."""
    app = web.Application()
    for path, status in routes.items():
        app.router.add_get(path, lambda _request, status=status: web.json_response({}, status=status))
    server = TestServer(app)
    await server.start_server()
    return server


def test_the_action_servers_health_is_found_from_its_webhook_url():
    assert readiness.health_url("http://actions:5055/webhook") == "http://actions:5055/health"
    assert readiness.health_url("http://127.0.0.1:5055/webhook/") == "http://127.0.0.1:5055/health"


async def test_a_check_that_raises_returns_false_or_hangs_is_down_and_named():
    async def up():
        return None

    async def raises():
        raise ConnectionRefusedError("postgresql://user:secret@db/navigator")

    async def false():
        return False

    async def hangs():
        import asyncio
        await asyncio.sleep(60)

    status, body = await readiness.report({"a": up, "b": raises, "c": false, "d": hangs}, timeout=0.2)
    assert (status, body) == (503, {"ready": False, "down": ["b", "c", "d"]})
    assert await readiness.report({"a": up}) == (200, {"ready": True, "down": []})


def rasa_app(tmp_path, redis_port: int, actions_url: str, loaded: bool = True) -> SimpleNamespace:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    agent = SimpleNamespace(
        is_ready=lambda: loaded,
        tracker_store=SimpleNamespace(_tracker_store=SimpleNamespace(engine=engine)),  # as FailSafeTrackerStore
        lock_store=RedisLockStore(host="127.0.0.1", port=redis_port, socket_timeout=1),
        action_endpoint=EndpointConfig(url=actions_url))
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


async def test_the_rasa_servers_readiness_names_the_lock_store_and_the_action_server_when_down(tmp_path):
    nothing = free_port()
    app = rasa_app(tmp_path, redis_port=nothing, actions_url=f"http://127.0.0.1:{free_port()}/webhook")
    status, body = await readiness.report(rasa_checks(app))
    assert (status, body) == (503, {"ready": False, "down": ["lock_store", "actions"]})
    assert "127.0.0.1" not in json.dumps(body)


async def test_the_rasa_servers_readiness_passes_with_everything_up(tmp_path, redis_server):
    actions = await a_server({"/health": 200})
    try:
        port = int(redis_server.url.rsplit(":", 1)[1].split("/")[0])
        app = rasa_app(tmp_path, redis_port=port, actions_url=str(actions.make_url("/webhook")))
        assert await readiness.report(rasa_checks(app)) == (200, {"ready": True, "down": []})
        app.ctx.agent.is_ready = lambda: False  # the model not loaded yet (or a bad PUT /model)
        assert await readiness.report(rasa_checks(app)) == (503, {"ready": False, "down": ["model"]})
    finally:
        await actions.close()


async def test_the_rasa_servers_readiness_before_the_agent_is_loaded():
    app = SimpleNamespace(ctx=SimpleNamespace())
    status, body = await readiness.report(rasa_checks(app))
    assert status == 503 and body["down"] == ["model", "conversations", "lock_store", "actions"]


async def test_the_web_apps_health_and_readiness(serve):
    client = await serve()  # its Rasa URL has nothing listening
    health = await client.get("/health")
    assert health.status == 200 and await health.json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status == 503 and await ready.json() == {"ready": False, "down": ["rasa"]}

    rasa = await a_server({"/health": 200})
    try:
        client = await serve(rasa_url=str(rasa.make_url("")).rstrip("/"))
        ready = await client.get("/ready")
        assert ready.status == 200 and await ready.json() == {"ready": True, "down": []}
    finally:
        await rasa.close()


async def test_the_web_apps_readiness_names_the_registry_when_its_database_is_gone(serve):
    rasa = await a_server({"/health": 200})
    try:
        client = await serve(rasa_url=str(rasa.make_url("")).rstrip("/"))
        registry = client.server.app[REGISTRY]
        here = registry.engine
        registry.engine = sa.create_engine(f"postgresql://navigator:secret@127.0.0.1:{free_port()}/navigator")
        ready = await client.get("/ready")
        text = await ready.text()
        assert ready.status == 503 and json.loads(text) == {"ready": False, "down": ["registry"]}
        assert "secret" not in text and "postgresql" not in text
        registry.engine = here
        assert (await client.get("/ready")).status == 200
    finally:
        await rasa.close()


async def test_the_health_check_command_exits_0_only_on_200_and_says_what_is_down(capsys):
    import asyncio

    async def not_ready(_request):
        return web.json_response({"ready": False, "down": ["lock_store"]}, status=503)

    app = web.Application()
    app.router.add_get("/health", lambda _request: web.json_response({"status": "ok"}))
    app.router.add_get("/ready", not_ready)
    server = TestServer(app)
    await server.start_server()
    try:
        assert await asyncio.to_thread(readiness.main, [str(server.make_url("/health"))]) == 0
        assert await asyncio.to_thread(readiness.main, [str(server.make_url("/ready"))]) == 1
        assert "HTTP 503: lock_store down" in capsys.readouterr().err
        assert await asyncio.to_thread(readiness.main, [f"http://127.0.0.1:{free_port()}/ready", "--wait", "1"]) == 1
        assert "no answer" in capsys.readouterr().err
    finally:
        await server.close()
