"""The production configuration on real PostgreSQL and Redis with two Rasa replicas sharing
one action server, as behind a load balancer: what it exposes, and what a person texting
gets when parts of it fail (the action server down or slow, the registry database gone,
Redis restarted, a replica killed, a Twilio retry storm)."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.migrate import migrate_all
from bot.rasa_server.patches.resilience import APOLOGY
from bot.run import DEFAULT_MODEL, Assistant
from bot.senders import sender_id
from support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://navigator.example.org"
WEBHOOK = "/webhooks/twilio/webhook"
TWILIO_TOKEN = "production-test-twilio-token"
SENDER_KEY = "production-test-sender-key"
RASA_TOKEN = "production-test-rasa-token"
HELPLINE = "1-800-662-4357"
# Twilio gives up on a webhook after 15 seconds: an answer must come before that.
TWILIO_WAITS = 15


class ActionProxy:
    """Between the Rasa replicas and the action server: passes calls on, or holds them
    for `delay` seconds, as a slow or overloaded action server would."""

    def __init__(self, target_port: int) -> None:
        self.target = f"http://localhost:{target_port}/webhook"
        self.port = free_port()
        self.delay = 0.0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/webhook"

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        async with aiohttp.ClientSession() as session:
            async with session.post(self.target, data=body, headers={"Content-Type": "application/json"}) as answer:
                return web.Response(status=answer.status, body=await answer.read(), content_type="application/json")

    async def health(self, _request: web.Request) -> web.Response:
        """The action server's /health, passed on (502 when it is not there), as a load balancer would."""
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(self.target.rsplit("/", 1)[0] + "/health") as answer:
                    return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)

    def start(self) -> "ActionProxy":
        app = web.Application()
        app.router.add_post("/webhook", self.forward)
        app.router.add_get("/health", self.health)
        runner = web.AppRunner(app, access_log=None)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(runner.setup(), self.loop).result()
        asyncio.run_coroutine_threadsafe(web.TCPSite(runner, "localhost", self.port).start(), self.loop).result()
        self.runner = runner
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)


class Cluster:
    def __init__(self, actions: Assistant, replicas: list[Assistant], proxy: ActionProxy, registry_url: str,
                 postgres) -> None:
        self.actions, self.replicas, self.proxy = actions, replicas, proxy
        self.registry_url, self.postgres = registry_url, postgres

    def sms(self, replica: int, phone: str, body: str, message_sid: str | None = None) -> list[str]:
        status, texts = self.sms_status(replica, phone, body, message_sid)
        assert status == 200, (status, texts)
        return texts

    def sms_status(self, replica: int, phone: str, body: str, message_sid: str | None = None):
        params = {"From": phone, "To": "+12155550000", "Body": body, "NumMedia": "0", "AccountSid": "ACtest",
                  "MessageSid": message_sid or f"SM{time.time_ns()}"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + WEBHOOK, params)
        request = urllib.request.Request(
            f"http://localhost:{self.replicas[replica].rasa_port}{WEBHOOK}",
            data=urllib.parse.urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
        try:
            with urllib.request.urlopen(request, timeout=TWILIO_WAITS) as response:
                body = response.read().decode()
                return response.status, [m.text or "" for m in ET.fromstring(body).iter("Message")]
        except urllib.error.HTTPError as error:
            return error.code, []

    def ready(self, port: int) -> tuple[int, dict]:
        """A server's GET /ready: its status and JSON body."""
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/ready", timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def tracker(self, phone: str) -> dict:
        sender = sender_id(phone, SENDER_KEY.encode())
        request = urllib.request.Request(
            f"http://localhost:{self.replicas[0].rasa_port}/conversations/{sender}/tracker?token={RASA_TOKEN}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def cluster(postgres, redis_server, postgres_registry, tmp_path_factory):
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    registry_url = postgres_registry.engine.url.render_as_string(hide_password=False)
    postgres_registry.engine.dispose()
    env = {
        "NAVIGATOR_MODE": "production",
        "NAVIGATOR_DATABASE_URL": registry_url,
        "NAVIGATOR_TRACKER_DATABASE_URL": postgres.create_database("conversations"),
        "NAVIGATOR_CHANNEL_DATABASE_URL": postgres.create_database("channels"),
        "NAVIGATOR_REDIS_URL": redis_server.url,
        "NAVIGATOR_RASA_TOKEN": RASA_TOKEN,
        "NAVIGATOR_SENDER_KEY": SENDER_KEY,
        "NAVIGATOR_WIDGET_SECRET": "production-test-widget-secret",
        "NAVIGATOR_WIDGET_ORIGINS": "https://health.example.gov",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "NAVIGATOR_PUBLIC_URL": PUBLIC_URL,
    }
    migrate_all(env)  # `python -m bot.migrate`, before the servers start (they refuse an old schema)
    actions = Assistant(DEFAULT_MODEL, actions_port=free_port(), env=env, only=("actions",), quiet=True).start()
    proxy = ActionProxy(actions.actions_port).start()
    replicas = [Assistant(DEFAULT_MODEL, rasa_port=free_port(), env=dict(env, NAVIGATOR_ACTIONS_URL=proxy.url),
                          only=("rasa",), quiet=True).start() for _ in range(2)]
    try:
        for server in [actions, *replicas]:
            server.wait_ready()
        yield Cluster(actions, replicas, proxy, registry_url, postgres)
    finally:
        for server in [*replicas, actions]:
            server.stop()
        proxy.stop()


# The details of one listing by SMS: its address line and how to reach it.
DETAILS = re.compile(r"\b[A-Z]{2} \d{5}\b.*\n(Call \(|No phone listed)", re.S)


def results_in(texts: list[str]) -> bool:
    joined = "\n".join(texts)
    return "1. " in joined and "Reply 1-3" in joined


# --- what production exposes ---------------------------------------------------------------------

def test_production_has_the_rest_channel_off_a_locked_api_and_no_open_cors(cluster):
    port = cluster.replicas[0].rasa_port
    rest = urllib.request.Request(f"http://localhost:{port}/webhooks/rest/webhook",
                                  data=b'{"sender": "anyone", "message": "hi"}',
                                  headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as no_rest:
        urllib.request.urlopen(rest, timeout=10)
    assert no_rest.value.code == 403  # off: no NAVIGATOR_REST_TOKEN

    with pytest.raises(urllib.error.HTTPError) as no_token:
        urllib.request.urlopen(f"http://localhost:{port}/conversations/anyone/tracker", timeout=10)
    assert no_token.value.code == 401
    with urllib.request.urlopen(f"http://localhost:{port}/status?token={RASA_TOKEN}", timeout=10) as status:
        assert status.status == 200

    from_elsewhere = urllib.request.Request(f"http://localhost:{port}/", headers={"Origin": "https://evil.example"})
    with urllib.request.urlopen(from_elsewhere, timeout=10) as response:
        assert response.headers.get("Access-Control-Allow-Origin") in (None, "")


# --- one conversation, two replicas --------------------------------------------------------------

def test_one_conversation_goes_on_whichever_replica_gets_the_next_text(cluster):
    phone = "+12155550101"
    assert results_in(cluster.sms(0, phone, "need subs near 19134 i have medicaid"))
    details = "\n".join(cluster.sms(1, phone, "2"))
    assert DETAILS.search(details)


def test_a_retry_storm_of_one_message_is_answered_alike_and_processed_once(cluster):
    phone = "+12155550102"

    async def storm():
        params = {"From": phone, "To": "+12155550000", "Body": "need methadone near 19122 no insurance",
                  "NumMedia": "0", "AccountSid": "ACtest", "MessageSid": "SMstorm0000000000000000000000001"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + WEBHOOK, params)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TWILIO_WAITS)) as session:
            async def one(i):
                port = cluster.replicas[i % 2].rasa_port
                async with session.post(f"http://localhost:{port}{WEBHOOK}", data=params,
                                        headers={"X-Twilio-Signature": signature}) as response:
                    return response.status, await response.text()
            return await asyncio.gather(*(one(i) for i in range(20)))

    answers = asyncio.run(storm())
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    assert results_in([m.text or "" for m in ET.fromstring(answers[0][1]).iter("Message")])
    said = [e for e in cluster.tracker(phone)["events"] if e["event"] == "user"]
    # Processed once, and stored as understood, without its words.
    assert [(e["text"], e["parse_data"]["intent"]["name"] is not None) for e in said] == [(None, True)]


# --- faults --------------------------------------------------------------------------------------

def test_a_slow_action_server_gets_the_helplines_in_time_and_the_conversation_recovers(cluster):
    phone = "+12155550103"
    cluster.proxy.delay = 30.0  # far past the 4-second action limit and Twilio's 15 seconds
    try:
        reply = "\n".join(cluster.sms(0, phone, "need subs near 19134 i have medicaid"))
    finally:
        cluster.proxy.delay = 0.0
    assert APOLOGY in reply and "988" in reply and HELPLINE in reply
    assert results_in(cluster.sms(1, phone, "need subs near 19134 i have medicaid"))


def test_the_action_server_down_gets_the_helplines_and_the_conversation_recovers_when_it_returns(cluster):
    phone = "+12155550104"
    assert cluster.ready(cluster.replicas[1].rasa_port) == (200, {"ready": True, "down": []})
    cluster.actions.stop()
    try:
        texts = cluster.sms(1, phone, "need subs near 19134 i have medicaid")
        reply = "\n".join(texts)
        assert APOLOGY in reply and "988" in reply and HELPLINE in reply
        # One apology per failed turn: the form's validation and the form both failed, and each
        # apology was a text Twilio billed.
        assert reply.count(APOLOGY) == 1, texts
        for replica in cluster.replicas:
            assert cluster.ready(replica.rasa_port) == (503, {"ready": False, "down": ["actions"]})
    finally:
        cluster.actions.start()
        cluster.actions.wait_ready()
    assert results_in(cluster.sms(0, phone, "need subs near 19134 i have medicaid"))
    for replica in cluster.replicas:
        assert cluster.ready(replica.rasa_port) == (200, {"ready": True, "down": []})


def test_the_registry_database_gone_gets_the_helplines_and_recovers_when_it_returns(cluster):
    phone = "+12155550105"
    database = cluster.registry_url.rsplit("/", 1)[1]
    admin = sa.create_engine(cluster.postgres.url(), isolation_level="AUTOCOMMIT", future=True)

    def rename(old, new):
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                         {"db": old})
            conn.execute(sa.text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))

    rename(database, f"{database}_away")
    try:
        reply = "\n".join(cluster.sms(0, phone, "need subs near 19134 i have medicaid"))
        assert APOLOGY in reply and "988" in reply and HELPLINE in reply
        assert reply.count(APOLOGY) == 1
        assert cluster.ready(cluster.actions.actions_port) == (503, {"ready": False, "down": ["registry"]})
    finally:
        rename(f"{database}_away", database)
        admin.dispose()
    assert results_in(cluster.sms(1, phone, "need subs near 19134 i have medicaid"))
    assert cluster.ready(cluster.actions.actions_port) == (200, {"ready": True, "down": []})


def test_redis_restarted_mid_conversation_loses_nothing(cluster, redis_server):
    phone = "+12155550106"
    assert results_in(cluster.sms(0, phone, "need subs near 19134 i have medicaid"))
    redis_server.restart()
    assert DETAILS.search("\n".join(cluster.sms(1, phone, "1")))
    assert "4. " in "\n".join(cluster.sms(0, phone, "more"))


def test_redis_down_gets_a_kind_answer_and_it_goes_on_when_redis_is_back(cluster, redis_server):
    phone = "+12155550107"
    port = cluster.replicas[0].rasa_port
    redis_server.stop()
    try:
        status, texts = cluster.sms_status(0, phone, "need subs near 19134 i have medicaid")
        assert status == 200 and HELPLINE in "\n".join(texts)
        assert cluster.ready(port) == (503, {"ready": False, "down": ["lock_store"]})
        with urllib.request.urlopen(f"http://localhost:{port}/health", timeout=10) as health:
            assert health.status == 200  # alive: a restart would not bring Redis back
    finally:
        redis_server.start()
    assert results_in(cluster.sms(1, phone, "need subs near 19134 i have medicaid"))
    assert cluster.ready(port) == (200, {"ready": True, "down": []})


def test_a_replica_killed_mid_conversation_and_the_other_goes_on(cluster):
    phone = "+12155550108"
    assert results_in(cluster.sms(0, phone, "need subs near 19134 i have medicaid"))
    _, rasa = next((name, proc) for name, proc in cluster.replicas[0].processes if name == "rasa")
    os.kill(rasa.pid, signal.SIGKILL)
    rasa.wait(timeout=10)
    assert DETAILS.search("\n".join(cluster.sms(1, phone, "3")))
    assert "4. " in "\n".join(cluster.sms(1, phone, "more"))
