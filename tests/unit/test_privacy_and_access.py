"""Issue 19's findings on the Rasa side, each against a real server on a real socket: the REST
channel closed to other machines and to other channels' conversations, capped and rate-limited;
answered texts deleted from Twilio's log (a local fake of its API); deletion on a schedule; files
only this user can read."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import stat
import time
import uuid
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot import settings
from bot.limits import RateLimiter
from bot.rasa_server.channels.rest_local import LocalRestInput, is_loopback
from bot.rasa_server.channels.twilio_logs import TwilioLogCleaner
from bot.rasa_server.patches import housekeeping
from bot.senders import ChannelStore
from support.services import start_sanic, stop_sanic
from support.sms import PHONE, SENDER, sms

# --- the REST channel ------------------------------------------------------------------------------


@pytest.fixture
async def start_rest(monkeypatch):
    """LocalRestInput on a real Sanic server, mounted as Rasa mounts channels, with an echo agent."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    running: list[tuple[Any, aiohttp.ClientSession]] = []

    async def start(**options: Any) -> SimpleNamespace:
        received: list[UserMessage] = []

        async def echo(message: UserMessage) -> None:
            received.append(message)
            await message.output_channel.send_text_message(message.sender_id, f"You said: {message.text}")

        channel = LocalRestInput(**options)
        app = Sanic(f"rest_{uuid.uuid4().hex}", configure_logging=False)
        app.ctx.agent = SimpleNamespace(handle_message=echo)
        register([channel], app, route="/webhooks/")
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        server = await start_sanic(app, listener)
        session = aiohttp.ClientSession()
        running.append((server, session))
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/webhooks/rest/webhook"

        async def post(body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            async with session.post(url, data=data, headers={"Content-Type": "application/json", **(headers or {})}) \
                    as response:
                return response.status, await response.json(content_type=None)

        return SimpleNamespace(post=post, received=received)

    yield start
    for server, session in running:
        await session.close()
        await stop_sanic(server)


async def test_rest_answers_this_machine(start_rest):
    rest = await start_rest()
    status, messages = await rest.post({"sender": "tester", "message": "hi"})
    assert status == 200 and messages == [{"recipient_id": "tester", "text": "You said: hi"}]


async def test_rest_will_not_speak_in_a_widget_or_sms_conversation(start_rest):
    # A widget's token carries its conversation id in clear: "web-<id>" must not open it here.
    rest = await start_rest()
    for sender in ("web-0123456789abcdef0123456789abcdef", SENDER):
        status, body = await rest.post({"sender": sender, "message": "medicaid"})
        assert status == 403 and "another channel" in body["error"]
    assert rest.received == []


async def test_rest_relayed_by_a_proxy_on_this_machine_is_not_local(start_rest):
    rest = await start_rest()
    status, _ = await rest.post({"sender": "tester", "message": "hi"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 403 and rest.received == []
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("203.0.113.9")
    assert not is_loopback("") and not is_loopback(None)


async def test_rest_with_a_token_needs_it_from_everyone_and_is_off_in_production_without_one(start_rest):
    opened = await start_rest(token="a-long-rest-token-for-tests")
    assert (await opened.post({"sender": "t", "message": "hi"}))[0] == 401
    assert (await opened.post({"sender": "t", "message": "hi"}, {"Authorization": "Bearer wrong"}))[0] == 401
    ok = await opened.post({"sender": "t", "message": "hi"}, {"Authorization": "Bearer a-long-rest-token-for-tests"})
    assert ok[0] == 200
    closed = await start_rest(production=True)
    assert (await closed.post({"sender": "t", "message": "hi"}))[0] == 403
    assert closed.received == []


async def test_rest_refuses_a_1_mb_body_unread_and_cuts_a_long_message(start_rest):
    rest = await start_rest()
    started = time.monotonic()
    status, _ = await rest.post({"sender": "tester", "message": "x" * 1_000_000})
    assert status == 413 and time.monotonic() - started < 2 and rest.received == []
    status, _ = await rest.post({"sender": "tester", "message": "y" * 5_000})
    assert status == 200 and len(rest.received[0].text) == 2000


async def test_rest_limits_each_sender_and_refuses_what_is_not_a_message(start_rest):
    rest = await start_rest(sender_limit=RateLimiter(3))
    statuses = [(await rest.post({"sender": "busy", "message": "hi"}))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert (await rest.post({"sender": "calm", "message": "hi"}))[0] == 200
    for bad in (b"not json", [1, 2], {"sender": "", "message": "hi"}, {"sender": "x" * 200, "message": "hi"},
                {"sender": "t", "message": {"text": "hi"}}):
        assert (await rest.post(bad))[0] == 400


# --- Twilio's log --------------------------------------------------------------------------------


class FakeTwilio:
    """Twilio's message API as far as the cleaner uses it: list by To/From, delete by sid."""

    def __init__(self, replies: list[dict[str, str]]) -> None:
        self.messages = {"SMinbound": {"sid": "SMinbound", "status": "received"},
                         **{reply["sid"]: reply for reply in replies}}
        self.listed: list[dict[str, str]] = []
        self.deleted: list[str] = []
        self.auth: set[str] = set()

    async def list(self, request: web.Request) -> web.Response:
        self.auth.add(request.headers.get("Authorization", ""))
        self.listed.append(dict(request.query))
        replies = [dict(m) for sid, m in self.messages.items() if sid != "SMinbound"]
        for message in self.messages.values():  # what is sending now is delivered by the next time
            if message["status"] == "sending":
                message["status"] = "delivered"
        return web.json_response({"messages": replies})

    async def delete(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        if self.messages.pop(sid, None) is None:
            return web.json_response({"code": 20404}, status=404)
        self.deleted.append(sid)
        return web.Response(status=204)


async def test_an_answered_text_and_its_replies_are_deleted_from_twilios_log():
    fake = FakeTwilio([{"sid": "SMreply1", "status": "delivered"}, {"sid": "SMreply2", "status": "sending"}])
    app = web.Application()
    app.router.add_get("/2010-04-01/Accounts/ACtest/Messages.json", fake.list)
    app.router.add_delete("/2010-04-01/Accounts/ACtest/Messages/{sid}.json", fake.delete)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        cleaner = TwilioLogCleaner("ACtest", "token", f"http://127.0.0.1:{port}", first_wait_seconds=0.01)
        cleaner.after_reply(sms("need help", MessageSid="SMinbound"))
        await asyncio.wait_for(asyncio.gather(*cleaner._tasks), timeout=10)
    finally:
        await runner.cleanup()
    assert fake.deleted == ["SMinbound", "SMreply1", "SMreply2"]  # the one still sending, once delivered
    assert fake.listed[0]["To"] == PHONE and fake.listed[0]["From"] == "+15005550006"
    assert fake.auth == {aiohttp.BasicAuth("ACtest", "token").encode()}


def test_deleting_from_twilio_is_on_when_texting_is_set_up_and_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "ACtest")
    assert isinstance(TwilioLogCleaner.from_settings("token"), TwilioLogCleaner)
    assert TwilioLogCleaner.from_settings(None) is None
    monkeypatch.setenv("NAVIGATOR_TWILIO_DELETE_MESSAGES", "off")
    assert TwilioLogCleaner.from_settings("token") is None
    monkeypatch.setenv("NAVIGATOR_TWILIO_DELETE_MESSAGES", "on")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    assert TwilioLogCleaner.from_settings("token") is None  # it cannot without the account, and says so


# --- deletion on a schedule ----------------------------------------------------------------------


class IdleStore:
    def __init__(self) -> None:
        self.calls = 0

    async def delete_idle(self) -> int:
        self.calls += 1
        return 0


async def test_the_server_deletes_on_a_schedule_without_any_turn(tmp_path, monkeypatch):
    monkeypatch.setenv("NAVIGATOR_CHANNEL_DATABASE_URL", f"sqlite:///{tmp_path / 'channels.db'}")
    sms_store = ChannelStore(migrate=True)
    sms_store.claim("SMold")
    sms_store.store_reply("SMold", SENDER, "<Response><Message>methadone near 19134</Message></Response>")
    with sqlite3.connect(tmp_path / "channels.db") as connection:
        connection.execute("UPDATE sms_reply SET created_at = '2000-01-01 00:00:00'")
    conversations = IdleStore()
    agent = SimpleNamespace(tracker_store=SimpleNamespace(_tracker_store=conversations))
    task = asyncio.ensure_future(housekeeping.keep_within_retention(agent, every_seconds=0.05))
    await asyncio.sleep(0.3)
    task.cancel()
    assert conversations.calls >= 3
    assert sms_store.reply_for("SMold") is None


# --- files ---------------------------------------------------------------------------------------


def test_var_and_what_the_servers_write_there_are_for_this_user_only(tmp_path):
    old_umask = os.umask(0o022)
    try:
        var = tmp_path / "var"
        var.mkdir(mode=0o755)
        (var / "tracker.db").write_text("left readable by an earlier version")
        (var / "tracker.db").chmod(0o644)
        settings.keep_files_private(var)
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        assert stat.S_IMODE((var / "tracker.db").stat().st_mode) == 0o600
        with sqlite3.connect(var / "channels.db") as connection:  # as the stores create their files
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE t (x)")
            connection.execute("INSERT INTO t VALUES (1)")
        for path in var.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name
    finally:
        os.umask(old_umask)


def test_the_sms_store_overwrites_what_it_deletes(tmp_path):
    store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}", migrate=True)
    store.claim("SM1")
    store.store_reply("SM1", SENDER, "<Response><Message>bupe near 19134 zzsecretzz</Message></Response>")
    store.forget(SENDER)
    store.engine.dispose()
    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("channels.db*"))
    assert b"zzsecretzz" not in on_disk
