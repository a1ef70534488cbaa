"""Abuse limits on the public endpoints: per sender, per conversation and per address rate limits,
and request size caps, seen from outside (status codes, Retry-After, replies)."""
from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot import settings
from bot.rasa_server.channels.socketio_secure import SLOW_DOWN_TEXT as WIDGET_SLOW_DOWN_TEXT
from bot.rasa_server.channels.socketio_secure import SecureSocketIOInput
from bot.rasa_server.channels.twilio_sms import SLOW_DOWN_TEXT, TwilioSmsInput
from bot.limits import RateLimiter, client_ip
from bot.present.sms import is_gsm7
from bot.senders import ChannelStore
from bot.web.config import Settings
from support.sms import SENDER, sms
from support.web import BEARER, NAVIGATOR_TOKEN
from support.widget import WIDGET_ORIGIN, RawSocketIO

OTHER_PHONE = "+12675550199"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the limiter ----------------------------------------------------------------------------------


def test_a_key_gets_its_burst_then_waits_for_a_token():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.check("a").allowed for _ in range(3)] == [True] * 3
    refused = limiter.check("a")
    assert not refused.allowed and refused.first_refusal
    assert 0 < refused.retry_after <= 20 and refused.retry_after_header == "20"
    again = limiter.check("a")
    assert not again.allowed and not again.first_refusal
    assert limiter.check("b").allowed  # keys are counted apart
    clock.now += 20
    assert limiter.check("a").allowed
    assert not limiter.check("a").allowed
    clock.now += 60
    assert [limiter.check("a").allowed for _ in range(4)] == [True, True, True, False]


def test_a_refusal_after_being_allowed_again_is_a_first_refusal_again():
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock)
    assert limiter.check("a").allowed
    assert limiter.check("a").first_refusal
    clock.now += 60
    assert limiter.check("a").allowed
    assert limiter.check("a").first_refusal


def test_zero_turns_a_limit_off():
    limiter = RateLimiter(0)
    assert all(limiter.check("a").allowed for _ in range(1000))
    assert len(limiter) == 0


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_keys():
    clock = FakeClock()
    limiter = RateLimiter(1, max_keys=100, clock=clock)
    assert limiter.check("kept").allowed
    for n in range(10_000):
        limiter.check(f"key-{n}")
        if n % 50 == 0:
            assert not limiter.check("kept").allowed  # seen recently: remembered, still over its limit
    assert len(limiter) <= 100


def test_settings_come_from_the_environment_with_their_defaults():
    assert settings.SMS_PER_SENDER.read({}) == 10
    assert settings.SMS_PER_SENDER.read({"NAVIGATOR_LIMIT_SMS_PER_SENDER": "4"}) == 4
    assert settings.SMS_PER_SENDER.read({"NAVIGATOR_LIMIT_SMS_PER_SENDER": "lots"}) == 10
    assert settings.SMS_PER_SENDER.read({"NAVIGATOR_LIMIT_SMS_PER_SENDER": "-1"}) == 10
    assert RateLimiter.from_settings(settings.WIDGET_PER_IP, {"NAVIGATOR_LIMIT_WIDGET_PER_IP": "0"}).enabled is False


def test_forwarded_addresses_count_only_behind_a_trusted_proxy():
    assert client_ip("10.0.0.1", "203.0.113.9", False) == "10.0.0.1"
    assert client_ip("10.0.0.1", "203.0.113.9", True) == "203.0.113.9"
    # The client can put anything first; the proxy appends the address it saw last.
    assert client_ip("10.0.0.1", "1.2.3.4, 203.0.113.9", True) == "203.0.113.9"
    assert client_ip("10.0.0.1", " , ", True) == "10.0.0.1"
    assert client_ip(None, None, False) == "unknown"


# --- the SMS webhook ------------------------------------------------------------------------------


def test_the_slow_down_texts_are_gsm7_and_keep_the_crisis_lines():
    assert is_gsm7(SLOW_DOWN_TEXT)
    for text in (SLOW_DOWN_TEXT, WIDGET_SLOW_DOWN_TEXT):
        assert "911" in text and "988" in text


async def test_a_sender_over_its_limit_gets_one_note_then_silence_and_others_are_unaffected(start_webhook):
    webhook = await start_webhook(sender_limit=RateLimiter(3))
    replies = [await webhook.post(sms(f"message {n}")) for n in range(6)]
    assert [reply.status for reply in replies] == [200] * 6
    assert [reply.messages() for reply in replies[:3]] == [[f"You said: message {n}"] for n in range(3)]
    assert "\n\n".join(replies[3].messages()) == SLOW_DOWN_TEXT
    assert replies[4].messages() == [] and replies[5].messages() == []
    assert [m.text for m in webhook.agent.received] == ["message 0", "message 1", "message 2"]

    other = await webhook.post(sms("hello", From=OTHER_PHONE))
    assert other.messages() == ["You said: hello"]


async def test_stop_works_over_the_limit_and_a_suppressed_sender_gets_no_note(start_webhook):
    webhook = await start_webhook(sender_limit=RateLimiter(2))
    await webhook.post(sms("one"))
    await webhook.post(sms("two"))
    assert (await webhook.post(sms("STOP"))).messages() == []
    assert webhook.store.is_suppressed(SENDER)
    assert (await webhook.post(sms("three"))).messages() == []  # over the limit, and opted out: no note


async def test_a_retried_message_is_not_counted_again(start_webhook):
    webhook = await start_webhook(sender_limit=RateLimiter(2))
    params = sms("naloxone")
    first = await webhook.post(params)
    retries = [await webhook.post(params) for _ in range(4)]
    assert all(retry.body == first.body for retry in retries)
    assert (await webhook.post(sms("methadone"))).messages() == ["You said: methadone"]


async def test_unsigned_requests_from_one_address_get_429_and_signed_ones_still_pass(start_webhook):
    webhook = await start_webhook(refused_limit=RateLimiter(3))
    statuses = [(await webhook.post(sms("hello"), sign=False)).status for _ in range(3)]
    assert statuses == [403] * 3
    assert (await webhook.post(sms("hello"), token="a guess")).status == 429
    async with webhook.session.post(webhook.url, data=b"Body=x", headers={
            "Content-Type": "application/x-www-form-urlencoded"}) as refused:
        assert refused.status == 429
        assert refused.headers["Retry-After"].isdigit() and int(refused.headers["Retry-After"]) >= 1
        assert "Traceback" not in await refused.text()
    # Twilio's addresses are shared: a valid signature is answered whatever the address did.
    assert (await webhook.post(sms("methadone"))).messages() == ["You said: methadone"]
    assert [m.text for m in webhook.agent.received] == ["methadone"]


@pytest.mark.parametrize("trusted", [True, False])
async def test_forwarded_addresses_are_counted_apart_only_when_trusted(start_webhook, trusted):
    webhook = await start_webhook(refused_limit=RateLimiter(2), trust_forwarded_headers=trusted)

    async def unsigned_from(address: str) -> int:
        return (await webhook.post(sms("hi"), sign=False, headers={"X-Forwarded-For": address})).status

    assert [await unsigned_from("198.51.100.1") for _ in range(3)] == [403, 403, 429]
    assert await unsigned_from("198.51.100.2") == (403 if trusted else 429)
    # A client-chosen first entry does not escape the limit of the address the proxy saw.
    assert await unsigned_from("192.0.2.77, 198.51.100.1") == 429


async def test_the_body_cap_is_configurable_and_answers_413(start_webhook, monkeypatch):
    monkeypatch.setenv("NAVIGATOR_SMS_MAX_BODY_BYTES", "2048")
    webhook = await start_webhook()
    assert webhook.agent is not None
    assert (await webhook.post(sms("x" * 1500))).status == 200
    reply = await webhook.post(sms("x" * 3000))
    assert reply.status == 413 and "Traceback" not in reply.body
    assert [m.text for m in webhook.agent.received] == ["x" * 1000]


def test_sms_limits_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NAVIGATOR_LIMIT_SMS_PER_SENDER", "4")
    monkeypatch.setenv("NAVIGATOR_LIMIT_SMS_REFUSED_PER_IP", "0")
    monkeypatch.setenv("NAVIGATOR_CHANNEL_DATABASE_URL", f"sqlite:///{tmp_path / 'channels.db'}")
    ChannelStore(migrate=True).engine.dispose()  # `python -m bot.migrate`, before the server starts
    monkeypatch.setenv("NAVIGATOR_SENDER_KEY", "00ff")
    channel = TwilioSmsInput.from_credentials({"auth_token": "t", "public_url": "https://sms.example.org"})
    assert channel.sender_limit.per_minute == 4
    assert not channel.refused_limit.enabled
    assert channel.max_body_bytes == 64 * 1024
    channel.store.engine.dispose()


# --- the widget -----------------------------------------------------------------------------------


async def barrier(client: RawSocketIO, token: str) -> list[tuple[str, Any]]:
    """Every event the server sent before it handled a session request sent now (it handles one
    socket's events in order), so a test knows a message was dropped without waiting."""
    await client.emit("session_request", {"session_id": token})
    events = []
    while (event := await client.next_event())[0] != "session_confirm":
        events.append(event)
    return events


async def test_a_widget_conversation_over_its_limit_gets_one_note_then_nothing(start_widget):
    clock = FakeClock()
    widget = await start_widget(session_limit=RateLimiter(3, clock=clock), ip_limit=RateLimiter(0))
    client = await widget.connect()
    token = await client.session(None)
    for n in range(3):
        await client.emit("user_uttered", {"message": f"m{n}", "session_id": token})
        assert await client.next_event() == ("bot_uttered", {"text": f"got m{n}"})
    await client.emit("user_uttered", {"message": "m3", "session_id": token})
    assert await client.next_event() == ("bot_uttered", {"text": WIDGET_SLOW_DOWN_TEXT})
    await client.emit("user_uttered", {"message": "m4", "session_id": token})
    assert await barrier(client, token) == []
    assert [m.text for m in widget.received] == ["m0", "m1", "m2"]

    # Another conversation is not affected, and the same one is answered again after a while.
    other = await widget.connect()
    other_token = await other.session(None)
    await other.emit("user_uttered", {"message": "hello", "session_id": other_token})
    assert await other.next_event() == ("bot_uttered", {"text": "got hello"})
    clock.now += 20
    await client.emit("user_uttered", {"message": "later", "session_id": token})
    assert await client.next_event() == ("bot_uttered", {"text": "got later"})
    await client.close()
    await other.close()


async def test_a_new_socket_does_not_reset_a_conversations_limit(start_widget):
    widget = await start_widget(session_limit=RateLimiter(1), ip_limit=RateLimiter(0))
    first = await widget.connect()
    token = await first.session(None)
    await first.emit("user_uttered", {"message": "one", "session_id": token})
    assert await first.next_event() == ("bot_uttered", {"text": "got one"})
    await first.close()
    second = await widget.connect()
    assert await second.session(token) == token
    await second.emit("user_uttered", {"message": "two", "session_id": token})
    assert await second.next_event() == ("bot_uttered", {"text": WIDGET_SLOW_DOWN_TEXT})
    assert [m.text for m in widget.received] == ["one"]
    await second.close()


@pytest.mark.parametrize("trusted", [True, False])
async def test_widget_addresses_are_counted_per_forwarded_address_only_when_trusted(start_widget, trusted):
    widget = await start_widget(session_limit=RateLimiter(0), ip_limit=RateLimiter(2),
                                trust_forwarded_headers=trusted)
    clients = {}
    for address in ("198.51.100.1", "198.51.100.2"):
        client = await widget.connect(headers={"X-Forwarded-For": address})
        clients[address] = (client, await client.session(None))

    async def say(address: str, text: str) -> Any:
        client, token = clients[address]
        await client.emit("user_uttered", {"message": text, "session_id": token})
        return (await client.next_event())[1]["text"]

    assert [await say("198.51.100.1", f"m{n}") for n in range(3)] == ["got m0", "got m1", WIDGET_SLOW_DOWN_TEXT]
    if trusted:
        assert await say("198.51.100.2", "hi") == "got hi"
    else:  # one address: its note has been sent, to the other socket
        client, token = clients["198.51.100.2"]
        await client.emit("user_uttered", {"message": "hi", "session_id": token})
        assert await barrier(client, token) == []
    assert [m.text for m in widget.received] == ["m0", "m1"] + (["hi"] if trusted else [])
    for client, _ in clients.values():
        await client.close()


async def test_a_widget_request_body_over_the_cap_is_413_unread(start_widget):
    widget = await start_widget(max_body_bytes=4096)
    async with widget.session.post(f"{widget.url}/socket.io/?EIO=4&transport=polling&sid=unknown",
                                   data=b"4" * 1_000_000, headers={"Origin": WIDGET_ORIGIN}) as response:
        assert response.status == 413
        assert "Traceback" not in await response.text()
    async with widget.session.post(f"{widget.url}/socket.io/?EIO=4&transport=polling&sid=unknown",
                                   data=b"4", headers={"Origin": WIDGET_ORIGIN}) as small:
        assert small.status == 400  # an unknown session, refused by engine.io, not by the cap
    # Other routes on the Rasa server keep Sanic's own limit.
    async with widget.session.post(f"{widget.url}/webhooks/socketio/", data=b"x" * 10_000) as other:
        assert other.status != 413


async def test_a_websocket_message_over_the_cap_closes_only_that_socket(start_widget):
    widget = await start_widget(max_body_bytes=4096)
    big, small = await widget.connect(), await widget.connect()
    big_token, small_token = await big.session(None), await small.session(None)
    await big.emit("user_uttered", {"message": "x" * 10_000, "session_id": big_token})
    closed = await big.websocket.receive()
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    await small.emit("user_uttered", {"message": "still here", "session_id": small_token})
    assert await small.next_event() == ("bot_uttered", {"text": "got still here"})
    assert [m.text for m in widget.received] == ["still here"]
    await small.close()


def test_widget_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NAVIGATOR_LIMIT_WIDGET_PER_SESSION", "7")
    monkeypatch.setenv("NAVIGATOR_LIMIT_WIDGET_PER_IP", "70")
    monkeypatch.setenv("NAVIGATOR_WIDGET_MAX_BODY_BYTES", "8192")
    monkeypatch.setenv("NAVIGATOR_TRUST_FORWARDED_HEADERS", "yes")
    channel = SecureSocketIOInput(secret=b"s")
    assert (channel.session_limit.per_minute, channel.ip_limit.per_minute) == (7, 70)
    assert channel.max_body_bytes == 8192 and channel.trust_forwarded_headers is True


# --- the web app ----------------------------------------------------------------------------------


async def test_search_over_the_address_limit_is_429_with_retry_after_even_before_sign_in(serve):
    client = await serve(search_per_minute=3)
    statuses = [(await client.get("/api/search", params={"place": "19134"})).status for _ in range(3)]
    assert statuses == [401] * 3
    refused = await client.get("/api/search", params={"place": "19134"}, headers=BEARER)
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = await refused.json()
    assert "too many" in body["error"]
    assert "Content-Security-Policy" in refused.headers


@pytest.mark.parametrize("trusted", [True, False])
async def test_search_counts_forwarded_addresses_only_behind_a_trusted_proxy(serve, trusted):
    client = await serve(search_per_minute=2, trust_forwarded_headers=trusted)

    async def search_from(forwarded_for: str) -> int:
        return (await client.get("/api/search", params={"place": "19134"},
                                 headers={"X-Forwarded-For": forwarded_for})).status

    assert [await search_from("198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert await search_from("198.51.100.2") == (401 if trusted else 429)
    assert await search_from("192.0.2.1, 198.51.100.1") == 429


async def test_sign_in_attempts_over_the_address_limit_are_429_even_with_the_right_passphrase(serve):
    client = await serve(login_per_minute=3)

    async def sign_in_as_a_new_client():
        client.session.cookie_jar.clear()  # no session or device cookie: counted by its address
        return await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False)

    statuses = [(await sign_in_as_a_new_client()).status for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    refused = await sign_in_as_a_new_client()
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many tries" in await refused.text()


async def test_wrong_bearer_tokens_count_as_failed_sign_ins(serve):
    client = await serve()
    wrong = {"Authorization": "Bearer a-guess-at-the-token"}
    statuses = [(await client.get("/api/search", params={"place": "19134"}, headers=wrong)).status
                for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    blocked = await client.get("/api/search", params={"place": "19134"}, headers=BEARER)
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) >= 1
    form = await client.post("/navigator/login", data={"passphrase": NAVIGATOR_TOKEN}, allow_redirects=False)
    assert form.status == 429 and "Retry-After" in form.headers


@pytest.mark.parametrize("path", ["/navigator/login", "/api/send", "/api/search", "/"])
async def test_a_body_over_the_cap_is_413_on_every_route(serve, path):
    client = await serve(max_body_bytes=4096)
    response = await client.post(path, data=b"x" * 1_000_000, headers={**BEARER, "Content-Type": "application/json"})
    assert response.status == 413
    text = await response.text()
    assert "Traceback" not in text


async def test_a_chunked_body_is_411_unread(serve):
    # A chunked body has no size to check up front, and aiohttp 3.9.5 handles many small chunks
    # slowly (CVE-2025-69229): it is refused before it is read (bot.web.middleware). One that goes
    # on past 32 KB is cut off (tests/unit/test_hostile_web.py).
    client = await serve(max_body_bytes=4096)

    async def chunks():
        for _ in range(4):
            yield b"x" * 1024

    response = await client.post("/navigator/login", data=chunks(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 411
    assert "Traceback" not in await response.text()


def test_web_limits_come_from_the_environment():
    settings = Settings.from_env({"NAVIGATOR_RASA_TOKEN": "t", "NAVIGATOR_LIMIT_SEARCH_PER_IP": "5",
                                  "NAVIGATOR_LIMIT_LOGIN_PER_IP": "6", "NAVIGATOR_WEB_MAX_BODY_BYTES": "2048",
                                  "NAVIGATOR_TRUST_FORWARDED_HEADERS": "1"})
    assert (settings.search_per_minute, settings.login_per_minute, settings.max_body_bytes) == (5, 6, 2048)
    assert settings.trust_forwarded_headers is True
    defaults = Settings.from_env({"NAVIGATOR_RASA_TOKEN": "t"})
    assert (defaults.search_per_minute, defaults.login_per_minute, defaults.max_body_bytes) == (60, 20, 16384)
    assert defaults.trust_forwarded_headers is False
